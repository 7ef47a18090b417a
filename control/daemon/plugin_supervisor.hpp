#pragma once
// rtpxd's supervision of the plugin host: starts rtpx-plugins with rtpxd's config file and
// control socket, notices when it exits (pidfd) and restarts it with back-off (0.5 s doubling to
// 30 s, reset after a minute of good health). The packet path never waits for it: a host that
// crashes, hangs or is killed costs no media.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include <nlohmann/json.hpp>

namespace rtpx::daemon {

class PluginSupervisor {
 public:
  PluginSupervisor(boost::asio::io_context& io, std::string binary, std::string config_file,
                   std::string control_socket);
  ~PluginSupervisor();  // SIGTERM, then SIGKILL after 2 s

  void start();
  // {"state": "running"|"restarting"|"stopped", "pid", "restarts", "last_exit", ...}
  nlohmann::json state() const;

 private:
  void spawn();
  void watch();
  void exited();

  boost::asio::io_context& io_;
  std::string binary_, config_, control_;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::steady_timer restart_timer_;
  pid_t pid_ = -1;
  double started_at_ = 0;  // wall seconds of the current run
  int backoff_ms_ = 500;
  uint64_t restarts_ = 0;
  std::string last_exit_;
  bool stopping_ = false;
};

// rtpx-plugins in the directory of the running rtpxd.
std::string default_host_binary();

}  // namespace rtpx::daemon
