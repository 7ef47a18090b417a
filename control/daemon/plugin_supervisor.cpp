#include "control/daemon/plugin_supervisor.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

namespace rtpx::daemon {

namespace {

double now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = ::sigdescr_np(WTERMSIG(status));
    return "signal " + std::to_string(WTERMSIG(status)) +
           (name ? std::string(" (") + name + ")" : "");
  }
  return "status " + std::to_string(status);
}

}  // namespace

std::string default_host_binary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "rtpx-plugins";
  auto dir = self.parent_path();
  // The build tree keeps the host in its own directory next to rtpxd's.
  for (auto candidate : {dir / "rtpx-plugins", dir.parent_path() / "plugin_host" / "rtpx-plugins"})
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  return (dir / "rtpx-plugins").string();
}

PluginSupervisor::PluginSupervisor(boost::asio::io_context& io, std::string binary,
                                   std::string config_file, std::string control_socket)
    : io_(io),
      binary_(binary.empty() ? default_host_binary() : std::move(binary)),
      config_(std::move(config_file)),
      control_(std::move(control_socket)),
      pidfd_(io),
      restart_timer_(io) {}

PluginSupervisor::~PluginSupervisor() {
  stopping_ = true;
  restart_timer_.cancel();
  boost::system::error_code ec;
  pidfd_.close(ec);
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

void PluginSupervisor::start() {
  spawn();
}

void PluginSupervisor::spawn() {
  if (stopping_) return;
  const pid_t pid = ::fork();
  if (pid < 0) {
    last_exit_ = "fork failed";
    return exited();
  }
  if (pid == 0) {
    ::execl(binary_.c_str(), binary_.c_str(), "--config", config_.c_str(), "--control",
            control_.c_str(), nullptr);
    std::fprintf(stderr, "rtpxd: cannot run the plugin host %s\n", binary_.c_str());
    ::_exit(127);
  }
  pid_ = pid;
  started_at_ = now();
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    spdlog::error("plugin host: pidfd_open failed; it will not be restarted");
    return;
  }
  pidfd_.assign(fd);
  spdlog::info("plugin host {} started (pid {})", binary_, pid);
  watch();
}

void PluginSupervisor::watch() {
  pidfd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this](boost::system::error_code ec) {
                      if (ec || stopping_) return;
                      int status = 0;
                      ::waitpid(pid_, &status, 0);
                      last_exit_ = describe(status);
                      boost::system::error_code ignored;
                      pidfd_.close(ignored);
                      pid_ = -1;
                      exited();
                    });
}

void PluginSupervisor::exited() {
  if (stopping_) return;
  if (now() - started_at_ > 60) backoff_ms_ = 500;  // it had been healthy: start again quickly
  spdlog::warn("plugin host exited ({}); restarting in {} ms (media is unaffected)", last_exit_,
               backoff_ms_);
  ++restarts_;
  restart_timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
  backoff_ms_ = std::min(backoff_ms_ * 2, 30000);
  restart_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) spawn();
  });
}

nlohmann::json PluginSupervisor::state() const {
  nlohmann::json s{{"binary", binary_}, {"restarts", restarts_}, {"last_exit", last_exit_}};
  if (pid_ > 0) {
    s["state"] = "running";
    s["pid"] = pid_;
    s["uptime"] = now() - started_at_;
  } else {
    s["state"] = stopping_ ? "stopped" : "restarting";
  }
  return s;
}

}  // namespace rtpx::daemon
