#include "tests/integration/sip/test_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rtpx::test::sip {

bool wait_until(const std::function<bool()>& cond, milliseconds timeout, milliseconds step) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& path, size_t max_bytes) {
  std::string s = read_file(path);
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return "---- " + path + " ----\n" + s + "\n";
}

Child::Child(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd,
             const std::string& err_log)
    : log_(log) {
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int err = err_log.empty()
                  ? out
                  : ::open(err_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
  ::setpgid(pid_, pid_);  // also here, so kill(-pgid) works at once
  pgid_ = pid_;
}

bool Child::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    code_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    pid_ = -1;
    return false;
  }
  return true;
}

std::optional<int> Child::wait_exit(milliseconds timeout) {
  if (!wait_until([&] { return !running(); }, timeout, milliseconds(20))) return std::nullopt;
  return code_;
}

void Child::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

int Child::kill(milliseconds grace) {
  if (running()) {
    ::kill(-pgid_, SIGTERM);
    if (!wait_exit(grace)) {
      ::kill(-pgid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      code_ = -1;
    }
  }
  if (pgid_ > 0) ::kill(-pgid_, SIGKILL);  // what the leader left behind (ESRCH: none)
  pgid_ = -1;
  return code_;
}

}  // namespace rtpx::test::sip
