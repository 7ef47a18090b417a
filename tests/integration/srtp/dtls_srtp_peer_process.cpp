#include "tests/integration/srtp/dtls_srtp_peer_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace rtpx::test {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DtlsSrtpPeerProcess::DtlsSrtpPeerProcess(const std::string& peer_path,
                                         std::vector<std::string> args) {
  if (std::find(args.begin(), args.end(), "--bind") == args.end()) {
    args.insert(args.begin(), {"--bind", "127.0.0.1:0"});
  }
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return;
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return;
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(peer_path.c_str()));
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execv(peer_path.c_str(), argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  std::string line;
  if (pid_ > 0 && read_line(&line, 10'000) && line.rfind("READY ", 0) == 0) {
    const size_t sp = line.find(' ', 6);
    if (sp != std::string::npos) {
      address_ = line.substr(6, sp - 6);
      fingerprint_ = line.substr(sp + 1);
    }
  }
}

DtlsSrtpPeerProcess::~DtlsSrtpPeerProcess() {
  if (pid_ > 0 && exit_code_ < 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
}

void DtlsSrtpPeerProcess::set_remote(const std::string& address, const std::string& fingerprint) {
  const std::string line =
      "REMOTE " + address + (fingerprint.empty() ? "" : " " + fingerprint) + "\n";
  if (to_child_ >= 0) (void)!write(to_child_, line.data(), line.size());
}

bool DtlsSrtpPeerProcess::read_line(std::string* line, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    const size_t nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      *line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return true;
    }
    const int64_t left = deadline - now_ms();
    if (left <= 0 || from_child_ < 0) return false;
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(from_child_, buf, sizeof(buf));
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

nlohmann::json DtlsSrtpPeerProcess::wait_result(int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  nlohmann::json result;
  std::string line;
  while (read_line(&line, static_cast<int>(std::max<int64_t>(deadline - now_ms(), 0)))) {
    if (!line.empty() && line.front() == '{') {
      result = nlohmann::json::parse(line, nullptr, false);
      if (result.is_discarded()) result = nullptr;
      break;
    }
  }
  while (pid_ > 0 && exit_code_ < 0 && now_ms() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else {
      usleep(5'000);
    }
  }
  return result;
}

}  // namespace rtpx::test
