#pragma once
// The OpenSSL primitives an SRTP context keeps keyed from creation on: AES in counter mode (the
// RFC 3711 AES-CM keystream) and AES-GCM (RFC 7714). Keys are set once on the control plane; per
// packet only the IV is reset, so the data-plane calls allocate nothing.

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

namespace rtpx::engine::srtp {

// AES-128/256 in counter mode over a 16-byte initial counter block.
class AesCtr {
 public:
  AesCtr() = default;
  ~AesCtr();
  AesCtr(const AesCtr&) = delete;
  AesCtr& operator=(const AesCtr&) = delete;

  bool init(const uint8_t* key, size_t key_len) noexcept;  // 16 or 32 bytes
  // XORs the keystream that starts at counter block `iv` into data[0, len).
  bool apply(const uint8_t* iv16, uint8_t* data, size_t len) noexcept;

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

// AES-128/256-GCM with a 12-byte IV, in place; the AAD is given in two pieces (SRTCP's header and
// its E||index trailer are not adjacent). One instance either seals or opens.
class AesGcm {
 public:
  struct Aad {
    const uint8_t* a;
    size_t a_len;
    const uint8_t* b;
    size_t b_len;
  };

  AesGcm() = default;
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  bool init(const uint8_t* key, size_t key_len, bool seal) noexcept;
  // Encrypts data[0, len) and writes the tag_len-byte tag.
  bool seal(const uint8_t* iv12, const Aad& aad, uint8_t* data, size_t len, uint8_t* tag,
            size_t tag_len) noexcept;
  // Decrypts data[0, len) and checks the tag; false when it does not match (data is then
  // unspecified).
  bool open(const uint8_t* iv12, const Aad& aad, uint8_t* data, size_t len, const uint8_t* tag,
            size_t tag_len) noexcept;

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

}  // namespace rtpx::engine::srtp
