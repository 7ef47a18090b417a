#include "control/session/port_allocator.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtpx::control {

PortAllocator::PortAllocator(net::SockAddr bind_addr, uint16_t port_min, uint16_t port_max,
                             bool v6_only)
    : bind_addr_(bind_addr),
      min_(port_min),
      max_(port_max),
      v6_only_(v6_only),
      used_((static_cast<uint32_t>(port_max) + 1 - port_min) / 2, false) {}

int PortAllocator::bind_one(uint16_t port) const {
  int fd = ::socket(bind_addr_.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  if (v6_only_ && bind_addr_.family() == AF_INET6 &&
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
    ::close(fd);
    return -1;
  }
  net::SockAddr a = bind_addr_;
  a.set_port(port);
  // Kernel default buffers on purpose: for live media a short queue that drops under overload
  // beats a deep one that delivers audio seconds late.
  if (::bind(fd, &a.u.sa, a.len()) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<PortPair> PortAllocator::allocate() {
  const uint32_t n = static_cast<uint32_t>(used_.size());
  for (uint32_t tried = 0; tried < n; ++tried) {
    uint32_t i = (next_ + tried) % n;
    if (used_[i]) continue;
    uint16_t port = static_cast<uint16_t>(min_ + 2 * i);
    int rtp = bind_one(port);
    if (rtp < 0) continue;  // taken by someone else (or still closing): try the next pair
    int rtcp = bind_one(static_cast<uint16_t>(port + 1));
    if (rtcp < 0) {
      ::close(rtp);
      continue;
    }
    used_[i] = true;
    ++in_use_;
    next_ = (i + 1) % n;
    return PortPair{port, rtp, rtcp};
  }
  return std::nullopt;
}

void PortAllocator::release(uint16_t rtp_port) {
  if (rtp_port < min_ || rtp_port > max_) return;
  uint32_t i = (rtp_port - min_) / 2u;
  if (i < used_.size() && used_[i]) {
    used_[i] = false;
    --in_use_;
  }
}

}  // namespace rtpx::control
