#pragma once
// Shared by the SRTP benchmarks: the packet (a 172-byte PCMU RTP packet: 12-byte header, 160
// payload bytes), keys, and the registration functions of each file.

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "bench/micro/micro_common.hpp"

namespace rtpx::bench::srtp {

inline constexpr size_t kHeaderBytes = 12;
inline constexpr size_t kPayloadBytes = kPcmuPacketBytes - kHeaderBytes;  // 160
inline constexpr size_t kRoom = 64;                                       // for tag + MKI
inline constexpr uint32_t kSsrc = 0x1234'5678;
// Unprotect reads pre-protected packets from a ring; receivers are renewed (untimed) when it
// wraps, since a replayed index would be refused.
inline constexpr size_t kRing = 2048;

using Buffer = std::array<uint8_t, kPcmuPacketBytes + kRoom>;

inline std::vector<uint8_t> random_key(size_t n, unsigned seed = 42) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> k(n);
  for (auto& b : k) b = static_cast<uint8_t>(rng());
  return k;
}

inline void set_seq(uint8_t* pkt, uint16_t seq) {
  pkt[2] = static_cast<uint8_t>(seq >> 8);
  pkt[3] = static_cast<uint8_t>(seq);
}

void register_context_benchmarks();  // rtpx and libsrtp2 (srtp_bench.cpp)
void register_raw_benchmarks();      // OpenSSL primitives alone (srtp_raw_bench.cpp)

}  // namespace rtpx::bench::srtp
