#include "engine/net/sock_addr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rtpx::net {

std::optional<SockAddr> SockAddr::from_ip(std::string_view ip, uint16_t port) {
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, ip.data(), ip.size());
  buf[ip.size()] = '\0';
  SockAddr a;
  if (inet_pton(AF_INET, buf, &a.u.v4.sin_addr) == 1) {
    a.u.v4.sin_family = AF_INET;
    a.u.v4.sin_port = htons(port);
    return a;
  }
  if (inet_pton(AF_INET6, buf, &a.u.v6.sin6_addr) == 1) {
    a.u.v6.sin6_family = AF_INET6;
    a.u.v6.sin6_port = htons(port);
    return a;
  }
  return std::nullopt;
}

std::optional<SockAddr> SockAddr::parse(std::string_view text) {
  std::string_view ip = text;
  std::string_view port_text;
  bool has_port = false;
  const bool bracketed = !text.empty() && text.front() == '[';
  if (bracketed) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    ip = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (auto colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    ip = text.substr(0, colon);  // exactly one colon: IPv4 with port
    port_text = text.substr(colon + 1);
    has_port = true;
  }
  uint16_t port = 0;
  if (has_port) {
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || p != port_text.data() + port_text.size())
      return std::nullopt;
  }
  auto addr = from_ip(ip, port);
  if (addr && bracketed && addr->family() != AF_INET6) return std::nullopt;  // "[1.2.3.4]:80"
  return addr;
}

void SockAddr::set_port(uint16_t port) noexcept {
  if (family() == AF_INET) u.v4.sin_port = htons(port);
  if (family() == AF_INET6) u.v6.sin6_port = htons(port);
}

std::string SockAddr::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    inet_ntop(AF_INET, &u.v4.sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &u.v6.sin6_addr, buf, sizeof buf);
  else
    return "";
  return buf;
}

std::string SockAddr::to_string() const {
  if (family() == AF_INET6) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, falsely) on "[" + std::string.
    std::string s = "[";
    s += ip_string();
    s += "]:";
    s += std::to_string(port());
    return s;
  }
  if (family() == AF_INET) return ip_string() + ":" + std::to_string(port());
  return "-";
}

}  // namespace rtpx::net
