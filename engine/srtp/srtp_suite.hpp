#pragma once
// The SRTP crypto suites rtpx speaks, declared once as data: SDES names (RFC 4568, RFC 7714),
// DTLS-SRTP protection profiles (RFC 5764, RFC 7714), key, salt and tag sizes.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rtpx::engine::srtp {

enum class Suite : uint8_t {
  aes_cm_128_hmac_sha1_80,
  aes_cm_128_hmac_sha1_32,
  aead_aes_128_gcm,
  aead_aes_256_gcm,
};

inline constexpr size_t kMaxKeyLen = 32;   // AES-256
inline constexpr size_t kMaxSaltLen = 14;  // AES-CM: 112 bits; GCM: 96 bits
inline constexpr size_t kMaxMkiLen = 8;    // longest MKI rtpx accepts in a=crypto
inline constexpr size_t kMaxTagLen = 16;   // GCM tag

struct SuiteInfo {
  Suite suite;
  std::string_view name;             // "AES_CM_128_HMAC_SHA1_80" (a=crypto)
  std::string_view openssl_profile;  // "SRTP_AES128_CM_SHA1_80" (SSL_CTX_set_tlsext_use_srtp)
  uint16_t dtls_profile;             // SRTPProtectionProfile value
  uint8_t key_len;                   // master key bytes
  uint8_t salt_len;                  // master salt bytes
  uint8_t rtp_tag_len;               // SRTP authentication tag bytes
  uint8_t rtcp_tag_len;              // SRTCP authentication tag bytes
  bool aead;                         // GCM: the tag comes from the cipher, no HMAC
};

// Every suite, in rtpx's order of preference for offers (strongest first, as rtpengine does).
std::span<const SuiteInfo> all_suites() noexcept;
const SuiteInfo& info(Suite s) noexcept;
std::optional<Suite> suite_by_name(std::string_view name) noexcept;  // exact, case-sensitive
std::optional<Suite> suite_by_dtls_profile(uint16_t profile) noexcept;

}  // namespace rtpx::engine::srtp
