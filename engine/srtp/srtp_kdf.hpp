#pragma once
// SRTP session key derivation (RFC 3711 section 4.3) with key derivation rate 0: the AES-CM PRF
// keyed with the master key (AES-128, or AES-256 for 256-bit master keys as RFC 6188 and RFC 7714
// specify). A 12-byte GCM master salt is padded with two zero bytes at the end (RFC 7714 sec. 11).

#include <cstddef>
#include <cstdint>

namespace rtpx::engine::srtp {

enum class KdfLabel : uint8_t {
  rtp_encryption = 0x00,
  rtp_auth = 0x01,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_auth = 0x04,
  rtcp_salt = 0x05,
};

// Writes out_len bytes of PRF output for `label`. key_len 16 or 32, salt_len 12 or 14.
bool derive_session_key(const uint8_t* master_key, size_t key_len, const uint8_t* master_salt,
                        size_t salt_len, KdfLabel label, uint8_t* out, size_t out_len) noexcept;

}  // namespace rtpx::engine::srtp
