#pragma once
// The rtpengine-compatible ng listener: bencode dicts over UDP with cookie framing. Replies are
// cached per cookie so a client's retransmission gets the same reply instead of running twice.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/daemon/daemon_context.hpp"

namespace rtpx::ng {

class NgServer {
 public:
  // Binds "ip:port" (port 0 picks one). Throws std::runtime_error when it cannot (start-up).
  NgServer(boost::asio::io_context& io, control::DaemonContext& ctx, const std::string& listen);

  std::string local_address() const;
  uint64_t retransmissions() const noexcept { return retransmissions_; }

  // Exposed for tests: one datagram in, the reply datagram out (empty: no reply).
  std::string handle(std::string_view datagram);

 private:
  void receive();
  void expire_cache();

  control::DaemonContext& ctx_;
  boost::asio::ip::udp::socket sock_;
  boost::asio::ip::udp::endpoint peer_;
  std::vector<char> buf_;
  struct Cached {
    std::string reply;
    std::chrono::steady_clock::time_point at;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::deque<std::string> cache_order_;
  uint64_t retransmissions_ = 0;
};

}  // namespace rtpx::ng
