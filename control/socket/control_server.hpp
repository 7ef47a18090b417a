#pragma once
// The control socket: a UNIX stream listener speaking one JSON object per line. Runs on the
// control thread's io_context. Connections may subscribe to events.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <set>
#include <string>

#include "control/daemon/daemon_context.hpp"

namespace rtpx::control {

inline constexpr size_t kMaxControlLine = 1 << 20;

class ControlConnection;

class ControlServer {
 public:
  // Binds `path` (replacing a stale socket file, creating the directory) with `mode`.
  // Throws std::runtime_error when it cannot (start-up).
  ControlServer(boost::asio::io_context& io, DaemonContext& ctx, const std::string& path,
                unsigned mode);
  ~ControlServer();

  void publish(const SessionEvent& ev);
  size_t connections() const noexcept { return connections_.size(); }

 private:
  friend class ControlConnection;
  void accept();

  DaemonContext& ctx_;
  std::string path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::set<std::shared_ptr<ControlConnection>> connections_;
};

}  // namespace rtpx::control
