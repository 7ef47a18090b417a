#pragma once
// rtpxd assembled: engine (shards) + session service + control socket + ng listener + timers, on
// one control thread's io_context. Construction does everything that can fail at start-up and
// throws with the reason; run() serves until stop().

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "control/config/config.hpp"
#include "control/daemon/daemon_context.hpp"

namespace rtpx::control {
class ControlServer;
}
namespace rtpx::ng {
class NgHandler;
class NgServer;
class NgStreamServer;
class NgUnixServer;
}  // namespace rtpx::ng

namespace rtpx::daemon {

class PluginSupervisor;

class Daemon {
 public:
  explicit Daemon(const config::Config& config);
  ~Daemon();

  // Serves until stop() or SIGINT/SIGTERM (when handle_signals). Returns the exit code.
  int run(bool handle_signals = true);
  // Thread-safe.
  void stop();

  control::DaemonContext& context() { return *ctx_; }
  const std::string& ng_address() const { return ctx_->ng_listen; }
  const std::string& control_path() const { return ctx_->control_socket; }

 private:
  void schedule_tick();

  config::Config config_;
  boost::asio::io_context io_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<control::SessionService> sessions_;
  std::unique_ptr<control::DaemonContext> ctx_;
  std::unique_ptr<control::ControlServer> control_;
  std::unique_ptr<ng::NgHandler> ng_handler_;
  std::unique_ptr<ng::NgServer> ng_;
  std::unique_ptr<ng::NgStreamServer> ng_tcp_;
  std::unique_ptr<ng::NgUnixServer> ng_unix_;
  std::unique_ptr<PluginSupervisor> plugins_;
  boost::asio::steady_timer tick_;
  uint64_t ticks_ = 0;
};

}  // namespace rtpx::daemon
