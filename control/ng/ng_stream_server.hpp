#pragma once
// The ng listener over stream sockets: TCP (rtpengine's --listen-tcp-ng) and a UNIX socket
// (Kamailio's rtpengine_sock "unix:/path"). Many requests per connection, each answered in the
// framing it came in (see ng_stream_frame.hpp), in order.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <string>

#include "control/ng/ng_handler.hpp"
#include "control/socket/peer_access.hpp"

namespace rtpx::ng {

class NgStreamServer {
 public:
  // Binds and listens on "ip:port" (port 0 picks one). Throws std::runtime_error at start-up.
  NgStreamServer(boost::asio::io_context& io, NgHandler& handler, const std::string& listen);

  std::string local_address() const;

 private:
  void accept();

  NgHandler& handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

class NgUnixServer {
 public:
  // Creates the socket at `path` with `mode` (a stale one is replaced). Throws at start-up.
  // Peers other than root, rtpxd's user and `access` get an ng error reply and are disconnected.
  NgUnixServer(boost::asio::io_context& io, NgHandler& handler, const std::string& path,
               unsigned mode, control::PeerAccess access = {});
  ~NgUnixServer();

 private:
  void accept();

  NgHandler& handler_;
  std::string path_;
  control::PeerAccess access_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace rtpx::ng
