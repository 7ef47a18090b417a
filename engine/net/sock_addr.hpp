#pragma once
// An IPv4 or IPv6 UDP endpoint, stored the way the socket calls want it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtpx::net {

struct SockAddr {
  union {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } u{};

  SockAddr() { u.sa.sa_family = AF_UNSPEC; }

  // "1.2.3.4", "::1" (port 0) or with a port: "1.2.3.4:5", "[::1]:5".
  static std::optional<SockAddr> parse(std::string_view text);
  // An address without a port plus a separate port.
  static std::optional<SockAddr> from_ip(std::string_view ip, uint16_t port);

  bool valid() const noexcept { return family() == AF_INET || family() == AF_INET6; }
  int family() const noexcept { return u.sa.sa_family; }
  socklen_t len() const noexcept {
    return family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  }
  // Inline: the packet path compares and inspects addresses for every packet.
  uint16_t port() const noexcept {
    if (family() == AF_INET) return ntohs(u.v4.sin_port);
    if (family() == AF_INET6) return ntohs(u.v6.sin6_port);
    return 0;
  }
  void set_port(uint16_t port) noexcept;
  // True for 0.0.0.0 / :: (SDP's "hold" or "not yet known" address).
  bool is_any() const noexcept {
    if (family() == AF_INET) return u.v4.sin_addr.s_addr == INADDR_ANY;
    if (family() == AF_INET6) return IN6_IS_ADDR_UNSPECIFIED(&u.v6.sin6_addr);
    return true;
  }

  bool same_ip(const SockAddr& o) const noexcept {
    if (family() != o.family()) return false;
    if (family() == AF_INET) return u.v4.sin_addr.s_addr == o.u.v4.sin_addr.s_addr;
    if (family() == AF_INET6) return IN6_ARE_ADDR_EQUAL(&u.v6.sin6_addr, &o.u.v6.sin6_addr);
    return true;
  }
  bool operator==(const SockAddr& o) const noexcept {
    if (family() != o.family()) return false;
    if (family() == AF_INET)
      return u.v4.sin_port == o.u.v4.sin_port && u.v4.sin_addr.s_addr == o.u.v4.sin_addr.s_addr;
    return same_ip(o) && port() == o.port();
  }

  std::string ip_string() const;
  std::string to_string() const;  // ip:port, [ip6]:port
};

}  // namespace rtpx::net
