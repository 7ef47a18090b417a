#include "control/ng/ng_stream_server.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <memory>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

#include "control/ng/bencode.hpp"
#include "control/ng/ng_commands.hpp"
#include "control/ng/ng_stream_frame.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::ng {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kReadChunk = 65536;
constexpr size_t kMaxPending = size_t{4} << 20;  // unread input or unsent replies per client

template <class Socket>
class Connection : public std::enable_shared_from_this<Connection<Socket>> {
 public:
  Connection(Socket sock, NgHandler& handler) : sock_(std::move(sock)), handler_(handler) {}

  void start() { read(); }

 private:
  void read() {
    auto self = this->shared_from_this();
    const size_t have = in_.size();
    in_.resize(have + kReadChunk);
    sock_.async_read_some(asio::buffer(in_.data() + have, kReadChunk),
                          [this, self, have](boost::system::error_code ec, size_t n) {
                            in_.resize(have + n);
                            if (ec) return;  // closed or failed: the connection goes away
                            const bool ok = consume();
                            handler_.flush();
                            if (!ok) return close();
                            read();
                          });
  }

  // Answers every complete frame in the input; false when the stream is garbage or too big.
  bool consume() {
    size_t used = 0;
    for (;;) {
      StreamFrame f;
      const FrameStatus s = next_frame(std::string_view(in_).substr(used), &f);
      if (s == FrameStatus::invalid) return false;
      if (s == FrameStatus::incomplete) break;
      used += f.consumed;
      std::string reply = f.bare ? handler_.handle_bare(f.message) : handler_.handle(f.message);
      if (reply.empty()) continue;
      if (f.length_prefixed) reply = std::to_string(reply.size()) + ":" + reply;
      send(std::move(reply));
    }
    in_.erase(0, used);
    return in_.size() <= kMaxPending && queued_ <= kMaxPending;
  }

  void send(std::string reply) {
    queued_ += reply.size();
    out_.push_back(std::move(reply));
    if (out_.size() == 1) write();
  }

  void write() {
    auto self = this->shared_from_this();
    asio::async_write(sock_, asio::buffer(out_.front()),
                      [this, self](boost::system::error_code ec, size_t) {
                        if (ec) return close();
                        queued_ -= out_.front().size();
                        out_.pop_front();
                        if (!out_.empty()) write();
                      });
  }

  void close() {
    boost::system::error_code ignored;
    sock_.close(ignored);
  }

  Socket sock_;
  NgHandler& handler_;
  std::string in_;
  std::deque<std::string> out_;
  size_t queued_ = 0;
};

}  // namespace

NgStreamServer::NgStreamServer(asio::io_context& io, NgHandler& handler, const std::string& listen)
    : handler_(handler), acceptor_(io) {
  auto addr = net::SockAddr::parse(listen);
  if (!addr) throw std::runtime_error("ng TCP listen address '" + listen + "' is not ip:port");
  tcp::endpoint ep(asio::ip::make_address(addr->ip_string()), addr->port());
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("ng TCP listener " + listen + ": " + ec.message());
  accept();
}

std::string NgStreamServer::local_address() const {
  boost::system::error_code ec;
  tcp::endpoint ep = acceptor_.local_endpoint(ec);
  if (ec) return "";
  auto a = net::SockAddr::from_ip(ep.address().to_string(), ep.port());
  return a ? a->to_string() : "";
}

void NgStreamServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Connection<tcp::socket>>(std::move(sock), handler_)->start();
    accept();
  });
}

NgUnixServer::NgUnixServer(asio::io_context& io, NgHandler& handler, const std::string& path,
                           unsigned mode, control::PeerAccess access)
    : handler_(handler), path_(path), access_(access), acceptor_(io) {
  using stream = asio::local::stream_protocol;
  ::unlink(path.c_str());  // a stale socket from an earlier run
  boost::system::error_code ec;
  acceptor_.open(stream(), ec);
  if (!ec) acceptor_.bind(stream::endpoint(path), ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("ng UNIX listener " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0)
    throw std::runtime_error("ng UNIX listener " + path + ": cannot set mode");
  accept();
}

NgUnixServer::~NgUnixServer() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  ::unlink(path_.c_str());
}

void NgUnixServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec,
                                asio::local::stream_protocol::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) return accept();
    auto peer = control::peer_credentials(sock.native_handle());
    if (peer && control::peer_allowed(access_, *peer)) {
      std::make_shared<Connection<asio::local::stream_protocol::socket>>(std::move(sock), handler_)
          ->start();
    } else {
      const std::string who = peer ? control::describe_peer(*peer) : "a peer without credentials";
      spdlog::warn("ng UNIX listener: refused {} (control.allow_user, control.allow_group)", who);
      const std::string reply = encode(ng_error(who + " may not use this socket"));
      control::refuse_peer(std::move(sock), reply);
    }
    accept();
  });
}

}  // namespace rtpx::ng
