#pragma once
// The control socket: a UNIX stream listener speaking one JSON object per line. Runs on the
// control thread's io_context. Connections may subscribe to events; a plugins.call is answered
// when the plugin host replies (PluginCalls), the connection's other requests meanwhile.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <set>
#include <string>

#include "control/daemon/daemon_context.hpp"
#include "control/socket/peer_access.hpp"
#include "control/socket/plugin_calls.hpp"

namespace rtpx::control {

inline constexpr size_t kMaxControlLine = 1 << 20;

class ControlConnection;

// Checks a freshly accepted UNIX-socket peer; a refused one gets a forbidden error line and is
// closed. `what` names the socket in the log.
bool admit(boost::asio::local::stream_protocol::socket& sock, const PeerAccess& access,
           const char* what);

class ControlServer {
 public:
  // Binds `path` (replacing a stale socket file, creating the directory) with `mode`.
  // Throws std::runtime_error when it cannot (start-up).
  // Peers other than root, rtpxd's user and `access` get a forbidden error and are disconnected.
  ControlServer(boost::asio::io_context& io, DaemonContext& ctx, const std::string& path,
                unsigned mode, PeerAccess access = {});
  ~ControlServer();

  void publish(const SessionEvent& ev);
  // Any event object ({"event": name, ...}); returns how many subscribers it went to.
  size_t publish(const nlohmann::json& event);
  size_t connections() const noexcept { return connections_.size(); }

 private:
  friend class ControlConnection;
  void accept();

  DaemonContext& ctx_;
  std::string path_;
  PeerAccess access_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::set<std::shared_ptr<ControlConnection>> connections_;
  PluginCalls calls_;
};

}  // namespace rtpx::control
