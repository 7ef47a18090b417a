#include "tests/integration/rtpengine_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rtpx::test {
namespace {

// rtpxd's fixture takes 20000..31999 by pid; the kernel's ephemeral range is 32768..60999.
// rtpengine gets 40 ports above both: media on the first 38, ng on the last.
constexpr int kBase = 61000;
constexpr int kSlots = 100;
constexpr int kSlotSize = 40;

// Whether 127.0.0.1:port is free for UDP right now (another rtpengine may hold it).
bool udp_port_free(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

}  // namespace

std::optional<std::string> RtpengineProcess::find_binary() {
  if (const char* env = std::getenv("RTPENGINE"); env != nullptr && *env != '\0') {
    if (::access(env, X_OK) == 0) return std::string(env);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/usr/sbin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/rtpengine";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string RtpengineProcess::version(const std::string& binary) {
  std::string cmd = binary + " --version 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "unknown";
  std::array<char, 256> buf{};
  std::string out = std::fgets(buf.data(), buf.size(), p) != nullptr ? buf.data() : "unknown";
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

RtpengineProcess::RtpengineProcess(const std::string& binary,
                                   const std::vector<std::string>& interfaces) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0)
    throw std::runtime_error("rtpengine client: cannot bind a UDP socket");
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (start(binary, interfaces, attempt)) return;
  }
  std::string tail = log_tail();
  stop();
  ::close(fd_);
  fd_ = -1;
  throw std::runtime_error("rtpengine did not start; log tail:\n" + tail);
}

RtpengineProcess::~RtpengineProcess() {
  stop();
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  if (!log_.empty()) std::filesystem::remove(log_, ec);
}

bool RtpengineProcess::start(const std::string& binary, const std::vector<std::string>& interfaces,
                             int attempt) {
  stop();
  const int slot = (static_cast<int>(::getpid()) + attempt * 37) % kSlots;
  port_min_ = static_cast<uint16_t>(kBase + slot * kSlotSize);
  ng_port_ = static_cast<uint16_t>(port_min_ + kSlotSize - 1);
  if (!udp_port_free(ng_port_)) return false;
  log_ = (std::filesystem::temp_directory_path() /
          ("rtpx-ngdiff-rtpengine-" + std::to_string(::getpid()) + ".log"))
             .string();
  std::vector<std::string> argv = {binary,
                                   "--config-file=none",
                                   "--table=-1",
                                   "--listen-ng=127.0.0.1:" + std::to_string(ng_port_),
                                   "--port-min=" + std::to_string(port_min_),
                                   "--port-max=" + std::to_string(port_min_ + kSlotSize - 3),
                                   "--foreground",
                                   "--log-stderr",
                                   "--delete-delay=0"};
  for (const std::string& i : interfaces) argv.push_back("--interface=" + i);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  // Up to ~5 s: rtpengine generates a DTLS certificate before it listens.
  const ng::Value ping = ng::Dict{{"command", "ping"}};
  auto exited = [this] {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  };
  for (int i = 0; i < 100; ++i) {
    if (exited()) return false;
    auto reply = exchange("ngdiff_ping_" + std::to_string(i) + " " + ng::encode(ping), 50);
    // A pong while our child still runs is its pong: the port was free before the start.
    if (reply) return !exited();
  }
  return false;
}

void RtpengineProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool RtpengineProcess::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

std::optional<std::string> RtpengineProcess::exchange(const std::string& datagram, int timeout_ms) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(ng_port_);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string cookie = datagram.substr(0, datagram.find(' '));
  ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    std::string buf(65536, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    buf.resize(static_cast<size_t>(n));
    auto msg = ng::split_cookie(buf);
    // Late replies to earlier (timed-out) cookies are dropped.
    if (msg && msg->cookie == cookie) return std::string(msg->body);
  }
}

ng::Value RtpengineProcess::ng(const ng::Value& request, int timeout_ms) {
  const std::string cookie = "ngdiff_" + std::to_string(++cookie_);
  auto body = exchange(cookie + " " + ng::encode(request), timeout_ms);
  if (!body) throw std::runtime_error("rtpengine: no reply");
  auto decoded = ng::decode(*body);
  if (!decoded.value) throw std::runtime_error("rtpengine: undecodable reply");
  return *decoded.value;
}

std::string RtpengineProcess::log_tail(size_t max_bytes) const {
  std::ifstream in(log_);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

}  // namespace rtpx::test
