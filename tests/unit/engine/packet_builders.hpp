#pragma once
// Packets and addresses for engine tests.

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/net/sock_addr.hpp"

namespace rtpx::engine::testing {

using Bytes = std::vector<uint8_t>;

inline net::SockAddr addr(std::string_view text) {
  return *net::SockAddr::parse(text);
}

// A PCMU-sized RTP packet whose payload depends on seq, so a packet shows which one it is.
inline Bytes rtp(uint32_t ssrc, uint16_t seq = 1, size_t payload = 160) {
  Bytes b{0x80,
          0x00,
          static_cast<uint8_t>(seq >> 8),
          static_cast<uint8_t>(seq),
          0,
          0,
          0,
          160,
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
  for (size_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(seq * 3 + i));
  return b;
}

}  // namespace rtpx::engine::testing
