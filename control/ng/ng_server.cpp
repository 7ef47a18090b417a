#include "control/ng/ng_server.hpp"

#include <stdexcept>

#include "control/ng/bencode.hpp"
#include "control/ng/ng_commands.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::ng {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {
constexpr size_t kMaxDatagram = 65536;
constexpr size_t kCacheMax = 16384;
constexpr auto kCacheTtl = std::chrono::seconds(30);
}  // namespace

NgServer::NgServer(asio::io_context& io, control::DaemonContext& ctx, const std::string& listen)
    : ctx_(ctx), sock_(io), buf_(kMaxDatagram) {
  auto addr = net::SockAddr::parse(listen);
  if (!addr) throw std::runtime_error("ng listen address '" + listen + "' is not ip:port");
  udp::endpoint ep(asio::ip::make_address(addr->ip_string()), addr->port());
  boost::system::error_code ec;
  sock_.open(ep.protocol(), ec);
  if (!ec) sock_.bind(ep, ec);
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

void NgServer::expire_cache() {
  const auto now = std::chrono::steady_clock::now();
  while (!cache_order_.empty()) {
    auto it = cache_.find(cache_order_.front());
    if (it != cache_.end() && cache_.size() <= kCacheMax && now - it->second.at < kCacheTtl) break;
    if (it != cache_.end()) cache_.erase(it);
    cache_order_.pop_front();
  }
}

std::string NgServer::handle(std::string_view datagram) {
  auto msg = split_cookie(datagram);
  if (!msg) {  // no cookie: nothing to answer to
    ++ctx_.ng.requests;
    ++ctx_.ng.errors;
    return {};
  }
  std::string cookie(msg->cookie);
  expire_cache();
  if (auto it = cache_.find(cookie); it != cache_.end()) {
    ++retransmissions_;
    return it->second.reply;
  }
  Value reply;
  DecodeResult decoded = decode(msg->body);
  if (!decoded.value) {
    ++ctx_.ng.requests;
    ++ctx_.ng.errors;
    reply = ng_error("Could not decode bencode dictionary: " + decoded.error.message +
                     " at offset " + std::to_string(decoded.error.offset));
  } else {
    reply = dispatch_ng(ctx_, *decoded.value);
  }
  std::string out = cookie + " " + encode(reply);
  cache_.emplace(cookie, Cached{out, std::chrono::steady_clock::now()});
  cache_order_.push_back(std::move(cookie));
  return out;
}

void NgServer::receive() {
  sock_.async_receive_from(
      asio::buffer(buf_), peer_, [this](boost::system::error_code ec, size_t n) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          std::string reply = handle(std::string_view(buf_.data(), n));
          if (!reply.empty()) {
            boost::system::error_code send_ec;
            sock_.send_to(asio::buffer(reply), peer_, 0, send_ec);  // UDP: never blocks for long
          }
        }
        receive();
      });
}

}  // namespace rtpx::ng
