#include "control/ng/ng_server.hpp"

#include <stdexcept>

#include "engine/net/sock_addr.hpp"

namespace rtpx::ng {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {
constexpr size_t kMaxDatagram = 65536;
constexpr int kBatch = 64;
}  // namespace

NgServer::NgServer(asio::io_context& io, NgHandler& handler, const std::string& listen)
    : handler_(handler), sock_(io), buf_(kMaxDatagram) {
  auto addr = net::SockAddr::parse(listen);
  if (!addr) throw std::runtime_error("ng listen address '" + listen + "' is not ip:port");
  udp::endpoint ep(asio::ip::make_address(addr->ip_string()), addr->port());
  boost::system::error_code ec;
  sock_.open(ep.protocol(), ec);
  if (!ec) sock_.bind(ep, ec);
  if (!ec) sock_.non_blocking(true, ec);
  if (ec) throw std::runtime_error("ng listener " + listen + ": " + ec.message());
  receive();
}

std::string NgServer::local_address() const {
  boost::system::error_code ec;
  udp::endpoint ep = sock_.local_endpoint(ec);
  if (ec) return "";
  auto a = net::SockAddr::from_ip(ep.address().to_string(), ep.port());
  return a ? a->to_string() : "";
}

// Waits for readiness, then answers every datagram already queued (up to kBatch) before
// flushing the shard wake-ups once: under load a burst of requests costs one wake-up.
void NgServer::receive() {
  sock_.async_wait(udp::socket::wait_read, [this](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    for (int i = 0; !ec && i < kBatch; ++i) {
      const size_t n = sock_.receive_from(asio::buffer(buf_), peer_, 0, ec);
      if (ec) break;  // would_block: drained
      std::string reply = handler_.handle(std::string_view(buf_.data(), n));
      if (!reply.empty()) {
        boost::system::error_code send_ec;
        sock_.send_to(asio::buffer(reply), peer_, 0, send_ec);  // UDP: never blocks for long
      }
    }
    handler_.flush();
    receive();
  });
}

}  // namespace rtpx::ng
