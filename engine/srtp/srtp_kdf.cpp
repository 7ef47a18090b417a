// x = label * 2^48 XOR master_salt (the label lands on byte 7 of the 14-byte salt, r = 0 since
// kdr = 0); the output is the AES-CM keystream from counter block x * 2^16.

#include "engine/srtp/srtp_kdf.hpp"

#include <openssl/crypto.h>

#include <cstring>

#include "engine/srtp/srtp_cipher.hpp"

namespace rtpx::engine::srtp {

bool derive_session_key(const uint8_t* master_key, size_t key_len, const uint8_t* master_salt,
                        size_t salt_len, KdfLabel label, uint8_t* out, size_t out_len) noexcept {
  if (salt_len > 14) return false;
  uint8_t iv[16] = {};
  std::memcpy(iv, master_salt, salt_len);
  iv[7] ^= static_cast<uint8_t>(label);
  AesCtr prf;
  if (!prf.init(master_key, key_len)) return false;
  std::memset(out, 0, out_len);
  const bool ok = prf.apply(iv, out, out_len);
  OPENSSL_cleanse(iv, sizeof(iv));
  return ok;
}

}  // namespace rtpx::engine::srtp
