#include "control/plugin_host/control_link.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

namespace rtpx::plugins {

namespace asio = boost::asio;
using nlohmann::json;

ControlLink::ControlLink(asio::io_context& io, std::string socket_path)
    : io_(io), path_(std::move(socket_path)), sock_(io), retry_timer_(io) {}

void ControlLink::start() {
  stopped_ = false;
  connect();
}

void ControlLink::stop() {
  stopped_ = true;
  retry_timer_.cancel();
  boost::system::error_code ec;
  sock_.close(ec);
  connected_ = false;
  fail_pending("the plugin host is stopping");
}

void ControlLink::connect() {
  sock_ = asio::local::stream_protocol::socket(io_);
  sock_.async_connect(asio::local::stream_protocol::endpoint(path_),
                      [this](boost::system::error_code ec) {
                        if (stopped_) return;
                        if (ec) return retry();
                        connected_ = true;
                        ++connects_;
                        backoff_ms_ = 100;
                        spdlog::info("connected to rtpxd at {}", path_);
                        send_subscription();
                        read();
                        if (on_connect_) on_connect_();
                      });
}

void ControlLink::retry() {
  if (stopped_) return;
  retry_timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
  backoff_ms_ = std::min(backoff_ms_ * 2, 2000);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect();
  });
}

void ControlLink::read() {
  asio::async_read_until(sock_, in_, '\n', [this](boost::system::error_code ec, size_t n) {
    if (stopped_) return;
    if (ec) {
      if (connected_) spdlog::warn("lost rtpxd's control socket: {}", ec.message());
      connected_ = false;
      out_.clear();
      in_.consume(in_.size());
      fail_pending("rtpxd closed the control connection");
      return retry();
    }
    std::string line(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n);
    in_.consume(n);
    const json msg = json::parse(line, nullptr, false);
    if (msg.is_object() && msg.contains("event")) {
      if (sink_) sink_(msg);
    } else if (msg.is_object() && msg.contains("id") && msg["id"].is_number_unsigned()) {
      auto it = pending_.find(msg["id"].get<uint64_t>());
      if (it != pending_.end()) {
        Reply reply = std::move(it->second);
        pending_.erase(it);
        if (msg.contains("result")) {
          reply(true, msg["result"]);
        } else {
          reply(false, msg.value("error", json::object()));
        }
      }
    }
    read();
  });
}

void ControlLink::request(const std::string& cmd, json args, Reply reply) {
  if (!connected_) {
    reply(false, json{{"code", "connection_closed"}, {"message", "rtpxd is not connected"}});
    return;
  }
  const uint64_t id = next_id_++;
  // The control protocol is flat: the arguments sit next to "id" and "cmd".
  json req = args.is_object() ? std::move(args) : json::object();
  req["id"] = id;
  req["cmd"] = cmd;
  pending_.emplace(id, std::move(reply));
  send_line(req.dump());
}

void ControlLink::subscribe(const std::string& event) {
  if (!events_.insert(event).second) return;
  if (connected_) send_subscription();
}

void ControlLink::send_subscription() {
  if (events_.empty()) return;
  json names = json::array();
  for (const std::string& e : events_) names.push_back(e);
  const uint64_t id = next_id_++;
  pending_.emplace(id, [](bool ok, const json& v) {
    if (!ok) spdlog::warn("rtpxd refused the event subscription: {}", v.dump());
  });
  send_line(json{{"id", id}, {"cmd", "events.subscribe"}, {"events", names}}.dump());
}

void ControlLink::send_line(std::string line) {
  line.push_back('\n');
  out_.push_back(std::move(line));
  if (out_.size() == 1) write();
}

void ControlLink::write() {
  asio::async_write(sock_, asio::buffer(out_.front()),
                    [this](boost::system::error_code ec, size_t) {
                      if (ec || out_.empty()) return;  // the read side notices and reconnects
                      out_.pop_front();
                      if (!out_.empty()) write();
                    });
}

void ControlLink::fail_pending(const char* why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, reply] : pending)
    reply(false, json{{"code", "connection_closed"}, {"message", why}});
}

}  // namespace rtpx::plugins
