#pragma once
// The rtpengine-compatible ng listener over UDP: one request per datagram, one reply per datagram.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <string>
#include <vector>

#include "control/ng/ng_handler.hpp"

namespace rtpx::ng {

class NgServer {
 public:
  // Binds "ip:port" (port 0 picks one). Throws std::runtime_error when it cannot (start-up).
  NgServer(boost::asio::io_context& io, NgHandler& handler, const std::string& listen);

  std::string local_address() const;

 private:
  void receive();

  NgHandler& handler_;
  boost::asio::ip::udp::socket sock_;
  boost::asio::ip::udp::endpoint peer_;
  std::vector<char> buf_;
};

}  // namespace rtpx::ng
