#pragma once
// Media port pairs from the configured range: an even RTP port and the odd RTCP port above it,
// both bound at allocation so a pair handed out is really ours. Control thread only.

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

struct PortPair {
  uint16_t rtp_port = 0;  // even; RTCP is rtp_port + 1
  int rtp_fd = -1;        // bound, non-blocking UDP sockets, owned by the caller
  int rtcp_fd = -1;
};

class PortAllocator {
 public:
  // [port_min, port_max]; port_min is even. `bind_addr` is the media interface. `v6_only` makes
  // IPv6 sockets refuse IPv4-mapped traffic, so an IPv4 allocator can bind the same ports.
  PortAllocator(net::SockAddr bind_addr, uint16_t port_min, uint16_t port_max,
                bool v6_only = false);

  // Next free pair after the last one handed out (spreads reuse so late packets for a deleted
  // call do not reach a new one). nullopt when every pair is in use or cannot be bound.
  std::optional<PortPair> allocate();
  void release(uint16_t rtp_port);

  uint16_t port_min() const noexcept { return min_; }
  uint16_t port_max() const noexcept { return max_; }
  uint32_t pairs_total() const noexcept { return static_cast<uint32_t>(used_.size()); }
  uint32_t pairs_used() const noexcept { return in_use_; }

 private:
  int bind_one(uint16_t port) const;

  net::SockAddr bind_addr_;
  uint16_t min_, max_;
  bool v6_only_;
  std::vector<bool> used_;  // per pair
  uint32_t next_ = 0;
  uint32_t in_use_ = 0;
};

}  // namespace rtpx::control
