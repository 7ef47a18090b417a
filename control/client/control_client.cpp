#include "control/client/control_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace rtpx::client {

namespace {

using nlohmann::json;

std::string errno_text(int err) {
  return std::strerror(err);
}

// "5s", "1.5s", "200ms": for timeout messages.
std::string duration_text(ControlClient::Duration d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
}

// The start of a line, for error messages about it.
std::string excerpt(std::string_view line) {
  constexpr size_t kMax = 80;
  if (line.size() <= kMax) return std::string(line);
  return std::string(line.substr(0, kMax)) + "...";
}

std::string string_or(const json& obj, const char* key, std::string fallback) {
  auto it = obj.find(key);
  if (it != obj.end() && it->is_string()) return it->get<std::string>();
  return fallback;
}

// The error object of a reply, as the daemon sent it (tolerating a bare string).
ControlError server_error(const json& err) {
  if (err.is_string()) {
    return ControlError(ControlError::Origin::server, "internal", "", err.get<std::string>());
  }
  if (!err.is_object()) {
    return ControlError(ControlError::Origin::server, "internal", "", "malformed error reply");
  }
  std::string code = string_or(err, "code", "internal");
  std::string message = string_or(err, "message", code);
  return ControlError(ControlError::Origin::server, std::move(code), string_or(err, "field", ""),
                      std::move(message));
}

}  // namespace

ControlError::ControlError(Origin origin, std::string code, std::string field, std::string message)
    : std::runtime_error(message),
      origin_(origin),
      code_(std::move(code)),
      field_(std::move(field)),
      message_(std::move(message)) {}

bool ControlError::is_connection_error() const noexcept {
  if (origin_ != Origin::client) return false;
  return code_ == kErrConnectFailed || code_ == kErrNotConnected || code_ == kErrClosed ||
         code_ == kErrIo || code_ == kErrBadReply;
}

ControlClient::~ControlClient() {
  close();
}

ControlClient::ControlClient(ControlClient&& other) noexcept {
  *this = std::move(other);
}

ControlClient& ControlClient::operator=(ControlClient&& other) noexcept {
  if (this != &other) {
    close();
    opts_ = other.opts_;
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    rbuf_ = std::move(other.rbuf_);
    rstart_ = std::exchange(other.rstart_, 0);
    rscan_ = std::exchange(other.rscan_, 0);
    next_id_ = other.next_id_;
    events_ = std::move(other.events_);
    events_dropped_ = other.events_dropped_;
  }
  return *this;
}

void ControlClient::connect(const std::string& path) {
  close();
  events_.clear();
  path_ = path;
  auto failed = [&](const std::string& why) -> ControlError {
    return ControlError(ControlError::Origin::client, kErrConnectFailed, "",
                        "cannot connect to " + path + ": " + why);
  };
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) throw failed("empty socket path");
  if (path.size() >= sizeof(addr.sun_path)) {
    throw failed("path is too long for a UNIX socket (at most " +
                 std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw failed(errno_text(errno));
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    const int err = errno;
    ::close(fd);
    std::string why = errno_text(err);
    if (err == ENOENT || err == ECONNREFUSED) why += " (is rtpxd running?)";
    if (err == EACCES || err == EPERM) why += " (is this user in the socket's group?)";
    throw failed(why);
  }
  // Non-blocking from here on: every wait goes through poll() with the caller's deadline.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    const int err = errno;
    ::close(fd);
    throw failed(errno_text(err));
  }
  fd_ = fd;
}

void ControlClient::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rbuf_.clear();
  rstart_ = rscan_ = 0;
}

void ControlClient::fail(const char* code, std::string message) {
  close();
  throw ControlError(ControlError::Origin::client, code, "", std::move(message));
}

json ControlClient::request(const std::string& cmd, const json& args) {
  auto bad_request = [](std::string field, std::string message) {
    return ControlError(ControlError::Origin::client, kErrBadRequest, std::move(field),
                        std::move(message));
  };
  if (!args.is_null() && !args.is_object()) throw bad_request("", "arguments must be an object");
  if (args.contains("id") || args.contains("cmd")) {
    throw bad_request(args.contains("id") ? "id" : "cmd", "argument name is reserved");
  }
  if (fd_ < 0) {
    throw ControlError(ControlError::Origin::client, kErrNotConnected, "", "not connected");
  }

  const int64_t id = next_id_++;
  json req = args.is_null() ? json::object() : args;
  req["id"] = id;
  req["cmd"] = cmd;
  std::string line;
  try {
    line = req.dump();
  } catch (const json::exception& e) {  // invalid UTF-8 in a string argument
    throw bad_request("", std::string("cannot encode request: ") + e.what());
  }
  line += '\n';
  if (line.size() > opts_.max_request) {
    throw bad_request(
        "", "request is " + std::to_string(line.size()) + " bytes, over the protocol's line limit");
  }

  std::optional<Clock::time_point> deadline;
  if (opts_.timeout.count() >= 0) deadline = Clock::now() + opts_.timeout;
  send_line(line, deadline);

  std::string reply_line;
  for (;;) {
    if (read_line(reply_line, deadline) == ReadStatus::timeout) {
      throw ControlError(
          ControlError::Origin::client, kErrTimeout, "",
          "no reply from rtpxd to '" + cmd + "' within " + duration_text(opts_.timeout));
    }
    if (reply_line.empty()) continue;
    json reply = json::parse(reply_line, nullptr, false);
    if (!reply.is_object()) {
      fail(kErrBadReply, "rtpxd sent a line that is not a JSON object: " + excerpt(reply_line));
    }
    if (reply.contains("event")) {
      queue_event(std::move(reply));
      continue;
    }
    auto rid = reply.find("id");
    const bool has_id = rid != reply.end() && !rid->is_null();
    // A reply for an earlier request that timed out: its caller has gone.
    if (has_id && *rid != json(id)) continue;
    // No id: the daemon could not read ours (bad_json, line_too_long); replies come in order.
    if (auto err = reply.find("error"); err != reply.end()) throw server_error(*err);
    auto res = reply.find("result");
    if (res == reply.end() || res->is_null()) return json::object();
    return std::move(*res);
  }
}

ControlResult ControlClient::try_request(const std::string& cmd, const json& args) {
  try {
    return ControlResult(request(cmd, args));
  } catch (ControlError& e) {
    return ControlResult(std::move(e));
  }
}

std::optional<json> ControlClient::next_event(Duration timeout) {
  if (!events_.empty()) {
    json ev = std::move(events_.front());
    events_.pop_front();
    return ev;
  }
  if (fd_ < 0) {
    throw ControlError(ControlError::Origin::client, kErrNotConnected, "", "not connected");
  }
  std::optional<Clock::time_point> deadline;
  if (timeout.count() >= 0) deadline = Clock::now() + timeout;
  std::string line;
  for (;;) {
    if (read_line(line, deadline) == ReadStatus::timeout) return std::nullopt;
    if (line.empty()) continue;
    json msg = json::parse(line, nullptr, false);
    if (!msg.is_object()) {
      fail(kErrBadReply, "rtpxd sent a line that is not a JSON object: " + excerpt(line));
    }
    if (msg.contains("event")) return msg;
    // Otherwise a late reply to a request that timed out: nobody waits for it.
  }
}

void ControlClient::queue_event(json event) {
  if (opts_.max_queued_events == 0) {
    ++events_dropped_;
    return;
  }
  while (events_.size() >= opts_.max_queued_events) {
    events_.pop_front();
    ++events_dropped_;
  }
  events_.push_back(std::move(event));
}

void ControlClient::send_line(const std::string& line, std::optional<Clock::time_point> deadline) {
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(POLLOUT, deadline)) continue;
      if (sent == 0) {
        throw ControlError(ControlError::Origin::client, kErrTimeout, "",
                           "rtpxd is not reading requests (send timed out)");
      }
      // Half a request is on the wire: the stream cannot be reused.
      fail(kErrIo, "send to " + path_ + " timed out mid-request; connection closed");
    }
    if (n < 0 && errno == EPIPE) fail(kErrClosed, "rtpxd closed the connection");
    fail(kErrIo, "send to " + path_ + ": " + errno_text(n < 0 ? errno : EIO));
  }
}

ControlClient::ReadStatus ControlClient::read_line(std::string& out,
                                                   std::optional<Clock::time_point> deadline) {
  for (;;) {
    const size_t from = std::max(rstart_, rscan_);
    const size_t nl = rbuf_.find('\n', from);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > rstart_ && rbuf_[end - 1] == '\r') --end;
      out.assign(rbuf_, rstart_, end - rstart_);
      rstart_ = rscan_ = nl + 1;
      if (rstart_ == rbuf_.size()) {
        rbuf_.clear();
        rstart_ = rscan_ = 0;
      }
      return ReadStatus::line;
    }
    rscan_ = rbuf_.size();
    if (rbuf_.size() - rstart_ > opts_.max_line) {
      fail(kErrBadReply, "reply line longer than " + std::to_string(opts_.max_line) +
                             " bytes; connection closed");
    }
    if (!wait_fd(POLLIN, deadline)) return ReadStatus::timeout;

    char buf[64 * 1024];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      if (rstart_ > 0) {  // drop consumed lines before growing the buffer
        rbuf_.erase(0, rstart_);
        rscan_ -= rstart_;
        rstart_ = 0;
      }
      rbuf_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      fail(kErrClosed, rbuf_.size() > rstart_
                           ? "rtpxd closed the connection in the middle of a reply"
                           : "rtpxd closed the connection");
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    if (errno == ECONNRESET) fail(kErrClosed, "rtpxd reset the connection");
    fail(kErrIo, "receive from " + path_ + ": " + errno_text(errno));
  }
}

bool ControlClient::wait_fd(short events, std::optional<Clock::time_point> deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left = *deadline - Clock::now();
      // Round up so a sub-millisecond remainder still waits instead of spinning.
      timeout_ms = left <= Clock::duration::zero()
                       ? 0
                       : static_cast<int>(std::min<int64_t>(
                             std::chrono::ceil<std::chrono::milliseconds>(left).count(), 1 << 30));
    }
    pollfd pfd{fd_, events, 0};
    const int rc = ::poll(&pfd, 1, timeout_ms);
    if (rc > 0) return true;  // ready, or POLLHUP/POLLERR which the next call reports
    if (rc == 0) return false;
    if (errno != EINTR) fail(kErrIo, "poll on " + path_ + ": " + errno_text(errno));
    if (deadline && Clock::now() >= *deadline) return false;
  }
}

}  // namespace rtpx::client
