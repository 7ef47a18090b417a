// AES-CTR and AES-GCM on OpenSSL's EVP interface: the key schedule is computed once in init();
// EVP_CipherInit_ex with only an IV resets the counter (or the GCM state) without reallocating.

#include "engine/srtp/srtp_cipher.hpp"

#include <openssl/evp.h>

#include <climits>
#include <cstring>

namespace rtpx::engine::srtp {
namespace {

// EVP lengths are int; SRTP packets are far below INT_MAX, but never trust a caller's size_t.
bool fits_int(size_t n) noexcept {
  return n <= static_cast<size_t>(INT_MAX);
}

}  // namespace

AesCtr::~AesCtr() {
  EVP_CIPHER_CTX_free(ctx_);
}

bool AesCtr::init(const uint8_t* key, size_t key_len) noexcept {
  const EVP_CIPHER* c = key_len == 16   ? EVP_aes_128_ctr()
                        : key_len == 32 ? EVP_aes_256_ctr()
                                        : nullptr;
  if (c == nullptr) return false;
  EVP_CIPHER_CTX_free(ctx_);
  ctx_ = EVP_CIPHER_CTX_new();
  return ctx_ != nullptr && EVP_EncryptInit_ex(ctx_, c, nullptr, key, nullptr) == 1;
}

bool AesCtr::apply(const uint8_t* iv16, uint8_t* data, size_t len) noexcept {
  if (!fits_int(len)) return false;
  if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv16) != 1) return false;
  if (len == 0) return true;
  int out = 0;
  return EVP_EncryptUpdate(ctx_, data, &out, data, static_cast<int>(len)) == 1;
}

AesGcm::~AesGcm() {
  EVP_CIPHER_CTX_free(ctx_);
}

bool AesGcm::init(const uint8_t* key, size_t key_len, bool seal) noexcept {
  const EVP_CIPHER* c = key_len == 16   ? EVP_aes_128_gcm()
                        : key_len == 32 ? EVP_aes_256_gcm()
                                        : nullptr;
  if (c == nullptr) return false;
  EVP_CIPHER_CTX_free(ctx_);
  ctx_ = EVP_CIPHER_CTX_new();
  if (ctx_ == nullptr) return false;
  // 12 bytes is GCM's default IV length: nothing to set.
  return EVP_CipherInit_ex(ctx_, c, nullptr, key, nullptr, seal ? 1 : 0) == 1;
}

bool AesGcm::seal(const uint8_t* iv12, const Aad& aad, uint8_t* data, size_t len, uint8_t* tag,
                  size_t tag_len) noexcept {
  if (!fits_int(len) || !fits_int(aad.a_len) || !fits_int(aad.b_len)) return false;
  int out = 0;
  if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv12) != 1) return false;
  if (aad.a_len != 0 &&
      EVP_EncryptUpdate(ctx_, nullptr, &out, aad.a, static_cast<int>(aad.a_len)) != 1)
    return false;
  if (aad.b_len != 0 &&
      EVP_EncryptUpdate(ctx_, nullptr, &out, aad.b, static_cast<int>(aad.b_len)) != 1)
    return false;
  if (len != 0 && EVP_EncryptUpdate(ctx_, data, &out, data, static_cast<int>(len)) != 1)
    return false;
  if (EVP_EncryptFinal_ex(ctx_, data + len, &out) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_len), tag) == 1;
}

bool AesGcm::open(const uint8_t* iv12, const Aad& aad, uint8_t* data, size_t len,
                  const uint8_t* tag, size_t tag_len) noexcept {
  if (!fits_int(len) || !fits_int(aad.a_len) || !fits_int(aad.b_len) || tag_len > 16) return false;
  int out = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv12) != 1) return false;
  if (aad.a_len != 0 &&
      EVP_DecryptUpdate(ctx_, nullptr, &out, aad.a, static_cast<int>(aad.a_len)) != 1)
    return false;
  if (aad.b_len != 0 &&
      EVP_DecryptUpdate(ctx_, nullptr, &out, aad.b, static_cast<int>(aad.b_len)) != 1)
    return false;
  if (len != 0 && EVP_DecryptUpdate(ctx_, data, &out, data, static_cast<int>(len)) != 1)
    return false;
  uint8_t expected[16];
  std::memcpy(expected, tag, tag_len);
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_len), expected) != 1)
    return false;
  return EVP_DecryptFinal_ex(ctx_, data + len, &out) == 1;
}

}  // namespace rtpx::engine::srtp
