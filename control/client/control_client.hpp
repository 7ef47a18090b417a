#pragma once
// Blocking client for rtpxd's control socket (docs/control-protocol.md): a UNIX stream socket
// carrying one JSON object per line. request() assigns an id, sends one line and reads lines
// until the reply with that id; event lines ({"event": ...}) read on the way are queued for
// next_event(). Replies to earlier requests that timed out are recognised by id and dropped.
//
// Used by the rtpx CLI, the integration tests and the plugin host. One instance is used from one
// thread at a time (no internal locking); give each thread its own connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace rtpx::client {

// A failed request. Either the daemon answered with an error object (origin server: code is one
// of the protocol's codes such as "bad_field" or "not_found", field names the argument), or the
// client could not get an answer (origin client: see the kErr* codes below).
class ControlError : public std::runtime_error {
 public:
  enum class Origin : uint8_t { server, client };

  ControlError(Origin origin, std::string code, std::string field, std::string message);

  Origin origin() const noexcept { return origin_; }
  bool from_server() const noexcept { return origin_ == Origin::server; }
  // True when the connection itself failed (cannot connect, closed, I/O error, garbled reply):
  // the client is disconnected afterwards. A timeout or a server error leaves it usable.
  bool is_connection_error() const noexcept;

  const std::string& code() const noexcept { return code_; }
  const std::string& field() const noexcept { return field_; }  // empty when none
  const std::string& message() const noexcept { return message_; }

 private:
  Origin origin_;
  std::string code_;
  std::string field_;
  std::string message_;
};

// Codes of client-side errors.
inline constexpr const char* kErrConnectFailed = "connect_failed";  // socket()/connect() failed
inline constexpr const char* kErrNotConnected = "not_connected";    // request on a closed client
inline constexpr const char* kErrClosed = "connection_closed";      // peer closed the connection
inline constexpr const char* kErrIo = "io_error";                   // send/recv/poll failed
inline constexpr const char* kErrBadReply = "bad_reply";      // a line that is not a JSON object
inline constexpr const char* kErrTimeout = "timeout";         // no reply within the timeout
inline constexpr const char* kErrBadRequest = "bad_request";  // rejected before sending

// Outcome of try_request(): the "result" object or the error, never both.
class ControlResult {
 public:
  ControlResult(nlohmann::json result) : v_(std::move(result)) {}
  ControlResult(ControlError error) : v_(std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  const nlohmann::json& value() const { return std::get<0>(v_); }
  nlohmann::json& value() { return std::get<0>(v_); }
  const ControlError& error() const { return std::get<1>(v_); }

 private:
  std::variant<nlohmann::json, ControlError> v_;
};

class ControlClient {
 public:
  using Duration = std::chrono::milliseconds;
  // Pass as a timeout to wait without limit.
  static constexpr Duration kForever{-1};
  static constexpr const char* kDefaultSocket = "/run/rtpx/control.sock";

  struct Options {
    Duration timeout{5000};            // per request(); kForever for none
    size_t max_line = 64u << 20;       // longest reply line accepted (the daemon's list can be big)
    size_t max_request = 1u << 20;     // the protocol's request line limit
    size_t max_queued_events = 10000;  // oldest events are dropped past this
  };

  ControlClient() = default;
  explicit ControlClient(Options options) : opts_(options) {}
  ~ControlClient();
  ControlClient(ControlClient&& other) noexcept;
  ControlClient& operator=(ControlClient&& other) noexcept;
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Connects to the socket at path, closing any previous connection. Throws ControlError
  // (kErrConnectFailed) such as "cannot connect to /run/rtpx/control.sock: No such file or
  // directory (is rtpxd running?)".
  void connect(const std::string& path);
  void close() noexcept;
  bool connected() const noexcept { return fd_ >= 0; }
  const std::string& path() const noexcept { return path_; }

  // Sends {"id": N, "cmd": cmd, ...args} and returns the reply's "result" (an empty object when
  // the reply has none). args is an object or null; "id" and "cmd" are reserved. A reply without
  // an id (the daemon could not read ours: bad_json, line_too_long) also answers this request.
  // Throws ControlError on an error reply, a timeout or a connection failure.
  nlohmann::json request(const std::string& cmd, const nlohmann::json& args = nullptr);
  // Same, with the error returned instead of thrown.
  ControlResult try_request(const std::string& cmd, const nlohmann::json& args = nullptr);

  // The oldest queued event, reading the socket for up to timeout when none is queued
  // (Duration{0}: only what has already arrived). nullopt on timeout. Throws ControlError when the
  // connection fails; queued events are still returned first.
  std::optional<nlohmann::json> next_event(Duration timeout);
  size_t queued_events() const noexcept { return events_.size(); }
  uint64_t dropped_events() const noexcept { return events_dropped_; }

  void set_timeout(Duration timeout) noexcept { opts_.timeout = timeout; }
  Duration timeout() const noexcept { return opts_.timeout; }
  // The socket, for callers that poll it themselves (readable: call next_event(Duration{0})).
  int fd() const noexcept { return fd_; }

 private:
  enum class ReadStatus : uint8_t { line, timeout };
  using Clock = std::chrono::steady_clock;

  void send_line(const std::string& line, std::optional<Clock::time_point> deadline);
  // Takes one complete line into out, reading the socket until deadline if needed.
  ReadStatus read_line(std::string& out, std::optional<Clock::time_point> deadline);
  // Waits for readability (events = POLLIN) or writability until deadline; false on timeout.
  bool wait_fd(short events, std::optional<Clock::time_point> deadline);
  void queue_event(nlohmann::json event);
  [[noreturn]] void fail(const char* code, std::string message);

  Options opts_;
  int fd_ = -1;
  std::string path_;
  std::string rbuf_;   // bytes received; rbuf_[rstart_..] not yet consumed as lines
  size_t rstart_ = 0;  // start of the first unconsumed line
  size_t rscan_ = 0;   // rbuf_[rstart_..rscan_) is known to hold no '\n'
  int64_t next_id_ = 1;
  std::deque<nlohmann::json> events_;
  uint64_t events_dropped_ = 0;
};

}  // namespace rtpx::client
