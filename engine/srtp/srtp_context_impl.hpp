#pragma once
// Context's private state, shared by the files that implement it (srtp_context.cpp: creation;
// srtp_rtp_transform.cpp; srtp_rtcp_transform.cpp). Everything the packet path reads was computed
// in Context::create().

#include <array>
#include <cstdint>
#include <cstring>

#include "engine/srtp/srtp_cipher.hpp"
#include "engine/srtp/srtp_context.hpp"
#include "engine/srtp/srtp_hmac_sha1.hpp"
#include "engine/srtp/srtp_stream.hpp"

namespace rtpx::engine::srtp {

// The session keys of SRTP or of SRTCP: AES-CM + HMAC-SHA1, or AES-GCM.
struct SessionKeys {
  AesCtr ctr;
  HmacSha1 hmac;
  AesGcm gcm;
  std::array<uint8_t, kMaxSaltLen> salt{};  // session salt (14 bytes CM, 12 GCM)
  uint8_t tag_len = 0;
};

inline uint16_t load_be16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void store_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void xor_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] ^= static_cast<uint8_t>(v >> 24);
  p[1] ^= static_cast<uint8_t>(v >> 16);
  p[2] ^= static_cast<uint8_t>(v >> 8);
  p[3] ^= static_cast<uint8_t>(v);
}

// RFC 3711 section 4.1.1: IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16); the index is
// the 48-bit SRTP index or the 31-bit SRTCP index.
inline void aes_cm_iv(const SessionKeys& k, uint32_t ssrc, uint64_t index, uint8_t* iv16) noexcept {
  std::memcpy(iv16, k.salt.data(), 14);
  iv16[14] = iv16[15] = 0;
  xor_be32(iv16 + 4, ssrc);
  for (int i = 0; i < 6; ++i) iv16[13 - i] ^= static_cast<uint8_t>(index >> (8 * i));
}

struct Context::Impl {
  SuiteInfo info{};
  Direction dir = Direction::outbound;
  std::array<uint8_t, kMaxMkiLen> mki{};
  uint8_t mki_len = 0;
  SessionKeys rtp;
  SessionKeys rtcp;
  StreamTable streams;
  uint64_t rtp_packets = 0;  // packets transformed with this key, against the lifetime
  uint64_t rtcp_packets = 0;
  uint64_t rtp_limit = 0;
  uint64_t rtcp_limit = 0;
};

}  // namespace rtpx::engine::srtp
