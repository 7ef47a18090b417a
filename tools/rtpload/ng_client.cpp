#include "tools/rtpload/ng_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace rtpload {

namespace {

bool parse_host_port(const std::string& s, sockaddr_in& out) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  if (inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) != 1) return false;
  char* end = nullptr;
  const long port = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) return false;
  out.sin_port = htons(static_cast<uint16_t>(port));
  return true;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

NgClient::~NgClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string NgClient::open(const std::string& addr, int timeout_ms, int retries) {
  sockaddr_in sa{};
  if (!parse_host_port(addr, sa)) return "bad ng address '" + addr + "' (want ipv4:port)";
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  const int buf = 1 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    return "connect " + addr + ": " + std::strerror(errno);
  timeout_ms_ = timeout_ms;
  retries_ = retries;
  std::random_device rd;
  cookie_prefix_ = std::to_string(::getpid()) + "_" + std::to_string(rd() & 0xffffff) + "_";
  return {};
}

NgReply NgClient::request(const rtpx::ng::Value& dict) {
  NgReply r;
  const std::string cookie = cookie_prefix_ + std::to_string(++counter_);
  const std::string wire = cookie + " " + rtpx::ng::encode(dict);
  std::vector<char> buf(65536);

  for (int attempt = 0; attempt <= retries_; ++attempt) {
    if (attempt > 0) {
      ++r.retransmissions;
      ++retrans_total_;
    }
    if (::send(fd_, wire.data(), wire.size(), 0) < 0 && errno != ECONNREFUSED) {
      r.error = std::string("send: ") + std::strerror(errno);
      return r;
    }
    const int64_t deadline = now_ms() + timeout_ms_;
    for (int64_t left = timeout_ms_; left > 0; left = deadline - now_ms()) {
      pollfd p{fd_, POLLIN, 0};
      const int pr = ::poll(&p, 1, static_cast<int>(left));
      if (pr < 0 && errno == EINTR) continue;
      if (pr <= 0) break;
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) {
        // ECONNREFUSED: ICMP port unreachable (relay not up yet); wait out the timeout.
        if (errno == ECONNREFUSED || errno == EINTR) continue;
        r.error = std::string("recv: ") + std::strerror(errno);
        return r;
      }
      const auto msg = rtpx::ng::split_cookie(std::string_view(buf.data(), size_t(n)));
      if (!msg || msg->cookie != cookie) continue;  // a late reply to an earlier request
      auto dec = rtpx::ng::decode(msg->body);
      if (!dec.value || !dec.value->is_dict()) {
        r.error = "undecodable reply at offset " + std::to_string(dec.error.offset) + ": " +
                  dec.error.message;
        return r;
      }
      r.dict = std::move(*dec.value);
      const auto* result = r.dict.find("result");
      if (result == nullptr || !result->is_string()) {
        r.error = "reply without 'result'";
      } else if (result->as_string() == "error") {
        const auto* reason = r.dict.find("error-reason");
        r.error = reason && reason->is_string() ? reason->as_string() : "error (no reason)";
      } else {
        r.ok = true;
      }
      return r;
    }
  }
  r.error = "no reply after " + std::to_string(retries_ + 1) + " attempts of " +
            std::to_string(timeout_ms_) + " ms";
  return r;
}

}  // namespace rtpload
