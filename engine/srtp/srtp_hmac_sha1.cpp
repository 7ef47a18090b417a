// OpenSSL 3 deprecates the SHA1_* functions, but they are the only interface whose state is a
// plain struct: EVP_MD_CTX_copy_ex and EVP_MAC_CTX_dup allocate a provider context per call, which
// the packet path must not do (and both measure slower, see bench/srtp). The deprecation is
// silenced in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "engine/srtp/srtp_hmac_sha1.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace rtpx::engine::srtp {
namespace {

static_assert(sizeof(SHA_CTX) == 96 && alignof(SHA_CTX) <= 8);

// The stored states are SHA_CTX objects copied in and out with memcpy (SHA_CTX is trivially
// copyable).
void load(SHA_CTX* c, const unsigned char* state) noexcept {
  std::memcpy(c, state, sizeof(*c));
}
void save(unsigned char* state, const SHA_CTX& c) noexcept {
  std::memcpy(state, &c, sizeof(c));
}

}  // namespace

HmacSha1::~HmacSha1() {
  OPENSSL_cleanse(inner_, sizeof(inner_));
  OPENSSL_cleanse(outer_, sizeof(outer_));
}

bool HmacSha1::init(const uint8_t* key, size_t key_len) noexcept {
  uint8_t k[SHA_CBLOCK] = {};
  if (key_len > SHA_CBLOCK) {
    SHA1(key, key_len, k);
  } else {
    for (size_t i = 0; i < key_len; ++i) k[i] = key[i];
  }
  uint8_t pad[SHA_CBLOCK];
  for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = static_cast<uint8_t>(k[i] ^ 0x36);
  SHA_CTX c;
  bool ok = SHA1_Init(&c) == 1 && SHA1_Update(&c, pad, SHA_CBLOCK) == 1;
  save(inner_, c);
  for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
  ok = ok && SHA1_Init(&c) == 1 && SHA1_Update(&c, pad, SHA_CBLOCK) == 1;
  save(outer_, c);
  OPENSSL_cleanse(&c, sizeof(c));
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(pad, sizeof(pad));
  return ok;
}

void HmacSha1::compute(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len,
                       uint8_t* out20) const noexcept {
  SHA_CTX c;
  load(&c, inner_);
  SHA1_Update(&c, a, a_len);
  if (b_len != 0) SHA1_Update(&c, b, b_len);
  uint8_t inner_digest[kDigestLen];
  SHA1_Final(inner_digest, &c);
  load(&c, outer_);
  SHA1_Update(&c, inner_digest, kDigestLen);
  SHA1_Final(out20, &c);
}

}  // namespace rtpx::engine::srtp
