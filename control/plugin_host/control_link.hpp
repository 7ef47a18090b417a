#pragma once
// The plugin host's connection to rtpxd's control socket, asynchronous on the host's event loop:
// requests with callbacks (matched by id) and an event stream. When rtpxd goes away the pending
// requests fail with "connection_closed", and the link reconnects with back-off and subscribes
// to the same events again.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace rtpx::plugins {

class ControlLink {
 public:
  // ok: the "result" value; !ok: the "error" object.
  using Reply = std::function<void(bool ok, const nlohmann::json& value)>;
  using EventSink = std::function<void(const nlohmann::json& event)>;

  ControlLink(boost::asio::io_context& io, std::string socket_path);
  void start();
  void stop();

  void request(const std::string& cmd, nlohmann::json args, Reply reply);
  // Adds an event name to the subscription (sent now if connected, and after every reconnect).
  void subscribe(const std::string& event);
  void on_event(EventSink sink) { sink_ = std::move(sink); }
  // Called after every (re)connection, once the subscription is sent.
  void on_connect(std::function<void()> fn) { on_connect_ = std::move(fn); }
  bool connected() const noexcept { return connected_; }
  uint64_t connects() const noexcept { return connects_; }

 private:
  void connect();
  void retry();
  void read();
  void write();
  void send_line(std::string line);
  void send_subscription();
  void fail_pending(const char* why);

  boost::asio::io_context& io_;
  std::string path_;
  boost::asio::local::stream_protocol::socket sock_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::streambuf in_;
  std::deque<std::string> out_;
  std::map<uint64_t, Reply> pending_;
  std::set<std::string> events_;
  EventSink sink_;
  std::function<void()> on_connect_;
  uint64_t next_id_ = 1;
  uint64_t connects_ = 0;
  int backoff_ms_ = 100;
  bool connected_ = false;
  bool stopped_ = false;
};

}  // namespace rtpx::plugins
