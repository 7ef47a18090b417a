#include "control/socket/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <filesystem>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "control/socket/json_commands.hpp"
#include "control/socket/render_json.hpp"

namespace rtpx::control {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;
using nlohmann::json;

// A client that sends requests faster than it reads replies stops being read (backpressure);
// one that lets events pile up unread past the hard limit is disconnected.
constexpr size_t kPauseReadingBytes = 1 << 20;
constexpr size_t kMaxQueuedBytes = 16 << 20;

class ControlConnection : public std::enable_shared_from_this<ControlConnection> {
 public:
  ControlConnection(ControlServer& server, stream::socket sock)
      : server_(server), sock_(std::move(sock)), in_(kMaxControlLine) {}

  void start() { read(); }
  bool wants(const std::string& event) const { return events_.count(event) != 0; }
  void send(std::string line) {
    if (gone_) return;
    line.push_back('\n');
    if (queued_ + line.size() > kMaxQueuedBytes) {
      spdlog::warn("control client not reading: {} bytes queued, disconnecting", queued_);
      return finish();
    }
    queued_ += line.size();
    out_.push_back(std::move(line));
    if (out_.size() == 1) write();
  }
  void close() {
    boost::system::error_code ec;
    sock_.close(ec);
  }

 private:
  void read() {
    auto self = shared_from_this();
    asio::async_read_until(sock_, in_, '\n', [this, self](boost::system::error_code ec, size_t n) {
      if (ec == asio::error::not_found) {  // the line outgrew the buffer
        ++server_.ctx_.control.requests;
        ++server_.ctx_.control.errors;
        json reply = {{"error", to_json(Error{ErrorCode::line_too_long, "",
                                              "request line longer than 1 MiB"})}};
        closing_ = true;
        send(reply.dump());
        return;
      }
      if (ec) return finish();
      std::string line(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n - 1);
      in_.consume(n);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) handle(line);
      server_.ctx_.sessions.flush();
      if (closing_ || gone_) return;
      if (queued_ > kPauseReadingBytes) {
        paused_ = true;  // resumed by write() once the client has read its replies
        return;
      }
      read();
    });
  }

  void handle(const std::string& line) {
    json req = json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.is_object()) {
      ++server_.ctx_.control.requests;
      ++server_.ctx_.control.errors;
      send(json{{"error", to_json(Error{ErrorCode::bad_json, "", "request is not a JSON object"})}}
               .dump());
      return;
    }
    if (auto cmd = req.find("cmd"); cmd != req.end() && *cmd == "plugins.call")
      return call_plugin(req);
    json reply = dispatch_json(server_.ctx_, req);
    if (reply.contains("result") && req.value("cmd", "") == "events.subscribe")
      for (const json& name : reply["result"]["subscribed"])
        events_.insert(name.get<std::string>());
    send(reply.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  // Answered when the plugin host replies or the call times out; the connection's later requests
  // are answered meanwhile, so this reply may come after theirs (clients match replies by id).
  void call_plugin(const json& req) {
    DaemonContext& ctx = server_.ctx_;
    ++ctx.control.requests;
    const auto id_it = req.find("id");
    const json id = id_it != req.end() ? *id_it : json();
    const bool has_id = id_it != req.end();
    std::weak_ptr<ControlConnection> weak = weak_from_this();
    auto answer = [weak, &ctx, id, has_id](bool ok, json value) {
      if (auto self = weak.lock()) {
        json reply = reply_json(ctx, has_id ? &id : nullptr, ok, std::move(value));
        self->send(reply.dump(-1, ' ', false, json::error_handler_t::replace));
      }
    };
    auto started = server_.calls_.start(req, this, answer);
    if (!started) answer(false, to_json(started.error()));
  }

  void write() {
    auto self = shared_from_this();
    asio::async_write(sock_, asio::buffer(out_.front()),
                      [this, self](boost::system::error_code ec, size_t) {
                        if (ec) return finish();
                        queued_ -= out_.front().size();
                        out_.pop_front();
                        if (paused_ && queued_ <= kPauseReadingBytes / 2) {
                          paused_ = false;
                          read();
                        }
                        if (!out_.empty()) return write();
                        if (closing_) finish();
                      });
  }

  void finish() {
    if (gone_) return;
    gone_ = true;
    close();
    server_.calls_.forget(this);  // replies still owed to this client are dropped
    server_.connections_.erase(shared_from_this());
  }

  ControlServer& server_;
  stream::socket sock_;
  asio::streambuf in_;
  std::deque<std::string> out_;
  std::set<std::string> events_;  // subscribed event names
  size_t queued_ = 0;             // bytes in out_
  bool closing_ = false;
  bool paused_ = false;  // not reading until replies drain
  bool gone_ = false;
};

ControlServer::ControlServer(asio::io_context& io, DaemonContext& ctx, const std::string& path,
                             unsigned mode, PeerAccess access)
    : ctx_(ctx), path_(path), access_(access), acceptor_(io), calls_(io, [this](const json& event) {
        return publish(event);
      }) {
  ctx_.plugin_calls = &calls_;
  std::error_code fec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, fec);
  ::unlink(path.c_str());  // a stale socket from an earlier run
  boost::system::error_code ec;
  acceptor_.open(stream(), ec);
  if (!ec) acceptor_.bind(stream::endpoint(path), ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("control socket " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0)
    throw std::runtime_error("control socket " + path + ": cannot set mode");
  accept();
}

ControlServer::~ControlServer() {
  ctx_.plugin_calls = nullptr;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& c : connections_) c->close();
  connections_.clear();
  ::unlink(path_.c_str());
}

bool admit(stream::socket& sock, const PeerAccess& access, const char* what) {
  auto peer = peer_credentials(sock.native_handle());
  if (peer && peer_allowed(access, *peer)) return true;
  const std::string who = peer ? describe_peer(*peer) : "a peer without credentials";
  spdlog::warn(
      "{}: refused {} (allowed: root, rtpxd's user, control.allow_user, "
      "control.allow_group)",
      what, who);
  const std::string line =
      json{{"error", to_json(Error{ErrorCode::forbidden, "",
                                   who + " may not use this socket (control.allow_user, "
                                         "control.allow_group)"})}}
          .dump() +
      "\n";
  refuse_peer(std::move(sock), line);
  return false;
}

void ControlServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, stream::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec && !admit(sock, access_, "control socket")) {
      ++ctx_.control.requests;
      ++ctx_.control.errors;
    } else if (!ec) {
      auto conn = std::make_shared<ControlConnection>(*this, std::move(sock));
      connections_.insert(conn);
      conn->start();
    }
    accept();
  });
}

size_t ControlServer::publish(const json& event) {
  const std::string name = event.value("event", "");
  const std::string line = event.dump();
  const auto connections = connections_;  // send() may disconnect a client that stopped reading
  size_t n = 0;
  for (const auto& c : connections) {
    if (!c->wants(name)) continue;
    c->send(line);
    ++n;
  }
  return n;
}

void ControlServer::publish(const SessionEvent& ev) {
  std::string line = to_json(ev).dump();
  // A copy: send() may disconnect a client that stopped reading, which erases it from the set.
  const auto connections = connections_;
  for (const auto& c : connections)
    if (c->wants(ev.name)) c->send(line);
}

}  // namespace rtpx::control
