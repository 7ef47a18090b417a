#pragma once
// HMAC-SHA1 (RFC 2104) with the inner and outer pad states hashed once at key setup: per packet a
// 96-byte state copy, the message, and one more SHA-1 block for the outer hash. No allocation.

#include <cstddef>
#include <cstdint>

namespace rtpx::engine::srtp {

class HmacSha1 {
 public:
  static constexpr size_t kDigestLen = 20;

  HmacSha1() = default;
  ~HmacSha1();
  HmacSha1(const HmacSha1&) = delete;
  HmacSha1& operator=(const HmacSha1&) = delete;

  bool init(const uint8_t* key, size_t key_len) noexcept;
  // HMAC over a || b (SRTP authenticates the packet followed by the 4-byte ROC).
  void compute(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len,
               uint8_t* out20) const noexcept;

 private:
  // SHA_CTX (a deprecated type, kept out of this header) after hashing key XOR ipad / opad.
  static constexpr size_t kStateLen = 96;
  alignas(8) unsigned char inner_[kStateLen] = {};
  alignas(8) unsigned char outer_[kStateLen] = {};
};

}  // namespace rtpx::engine::srtp
