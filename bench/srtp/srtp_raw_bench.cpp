// The limit: the OpenSSL primitives of one SRTP packet and nothing else, keys set up in advance.
//   AES_CM_128_HMAC_SHA1_80: AES-128-CTR over the 160-byte payload + HMAC-SHA1 over 172 + 4 bytes
//   (inner/outer pad states hashed once, copied per packet), 10-byte tag.
//   AEAD_AES_128_GCM: AES-128-GCM over 160 bytes with the 12-byte header as AAD, 16-byte tag.
// Also the HMAC-SHA1 variants OpenSSL 3 offers, to show why rtpx copies SHA_CTX states (the
// deprecated SHA1_* interface, silenced in this file and in engine/srtp/srtp_hmac_sha1.cpp only).
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <cstring>

#include "bench/srtp/srtp_bench_common.hpp"

namespace rtpx::bench::srtp {
namespace {

constexpr size_t kCmTag = 10;
constexpr size_t kGcmTag = 16;

struct HmacPads {
  SHA_CTX inner, outer;
  explicit HmacPads(const std::vector<uint8_t>& key) {
    uint8_t pad[SHA_CBLOCK] = {};
    std::memcpy(pad, key.data(), key.size());
    for (auto& b : pad) b ^= 0x36;
    SHA1_Init(&inner);
    SHA1_Update(&inner, pad, sizeof(pad));
    for (auto& b : pad) b ^= 0x36 ^ 0x5c;
    SHA1_Init(&outer);
    SHA1_Update(&outer, pad, sizeof(pad));
  }
  void mac(const uint8_t* a, size_t a_len, const uint8_t* roc, uint8_t* out) const {
    SHA_CTX c = inner;
    SHA1_Update(&c, a, a_len);
    SHA1_Update(&c, roc, 4);
    uint8_t d[SHA_DIGEST_LENGTH];
    SHA1_Final(d, &c);
    c = outer;
    SHA1_Update(&c, d, sizeof(d));
    SHA1_Final(out, &c);
  }
};

EVP_CIPHER_CTX* keyed(const EVP_CIPHER* cipher, int enc) {
  const auto key = random_key(16, 7);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  if (c == nullptr || EVP_CipherInit_ex(c, cipher, nullptr, key.data(), nullptr, enc) != 1)
    std::abort();
  return c;
}

void iv_for(uint8_t* iv, size_t n, uint64_t index) {
  std::memset(iv, 0x5a, n);
  for (int i = 0; i < 6; ++i) iv[n - 3 - i] ^= static_cast<uint8_t>(index >> (8 * i));
}

void ctr_xor(EVP_CIPHER_CTX* c, const uint8_t* iv, uint8_t* data, size_t len) {
  int out = 0;
  EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv);
  EVP_EncryptUpdate(c, data, &out, data, static_cast<int>(len));
}

void gcm_seal(EVP_CIPHER_CTX* c, const uint8_t* iv, uint8_t* pkt) {
  int out = 0;
  EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv);
  EVP_EncryptUpdate(c, nullptr, &out, pkt, kHeaderBytes);
  EVP_EncryptUpdate(c, pkt + kHeaderBytes, &out, pkt + kHeaderBytes, kPayloadBytes);
  EVP_EncryptFinal_ex(c, pkt + kPcmuPacketBytes, &out);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kGcmTag, pkt + kPcmuPacketBytes);
}

bool gcm_open(EVP_CIPHER_CTX* c, const uint8_t* iv, uint8_t* pkt) {
  int out = 0;
  EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, iv);
  EVP_DecryptUpdate(c, nullptr, &out, pkt, kHeaderBytes);
  EVP_DecryptUpdate(c, pkt + kHeaderBytes, &out, pkt + kHeaderBytes, kPayloadBytes);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, kGcmTag, pkt + kPcmuPacketBytes);
  return EVP_DecryptFinal_ex(c, pkt + kPcmuPacketBytes, &out) == 1;
}

void raw_cm_protect(benchmark::State& state) {
  EVP_CIPHER_CTX* ctr = keyed(EVP_aes_128_ctr(), 1);
  const HmacPads pads(random_key(20, 8));
  const auto plain = pcmu_packet(1, kSsrc);
  Buffer buf{};
  uint64_t index = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    uint8_t iv[16], roc[4] = {}, tag[SHA_DIGEST_LENGTH];
    iv_for(iv, sizeof(iv), index++);
    ctr_xor(ctr, iv, buf.data() + kHeaderBytes, kPayloadBytes);
    pads.mac(buf.data(), kPcmuPacketBytes, roc, tag);
    std::memcpy(buf.data() + kPcmuPacketBytes, tag, kCmTag);
    benchmark::DoNotOptimize(buf.data());
  }
  EVP_CIPHER_CTX_free(ctr);
  report_items(state, state.iterations());
}

void raw_cm_unprotect(benchmark::State& state) {
  EVP_CIPHER_CTX* ctr = keyed(EVP_aes_128_ctr(), 1);
  const HmacPads pads(random_key(20, 8));
  std::vector<Buffer> ring(kRing);
  const uint8_t roc[4] = {};
  for (size_t i = 0; i < kRing; ++i) {
    const auto p = pcmu_packet(static_cast<uint16_t>(i), kSsrc);
    std::memcpy(ring[i].data(), p.data(), p.size());
    uint8_t tag[SHA_DIGEST_LENGTH];
    pads.mac(ring[i].data(), kPcmuPacketBytes, roc, tag);
    std::memcpy(ring[i].data() + kPcmuPacketBytes, tag, kCmTag);
  }
  Buffer buf{};
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) i = 0;
    std::memcpy(buf.data(), ring[i].data(), kPcmuPacketBytes + kCmTag);
    uint8_t iv[16], tag[SHA_DIGEST_LENGTH];
    iv_for(iv, sizeof(iv), i++);
    pads.mac(buf.data(), kPcmuPacketBytes, roc, tag);
    if (CRYPTO_memcmp(tag, buf.data() + kPcmuPacketBytes, kCmTag) != 0) {
      state.SkipWithError("tag mismatch");
      break;
    }
    ctr_xor(ctr, iv, buf.data() + kHeaderBytes, kPayloadBytes);
    benchmark::DoNotOptimize(buf.data());
  }
  EVP_CIPHER_CTX_free(ctr);
  report_items(state, state.iterations());
}

void raw_gcm_protect(benchmark::State& state) {
  EVP_CIPHER_CTX* gcm = keyed(EVP_aes_128_gcm(), 1);
  const auto plain = pcmu_packet(1, kSsrc);
  Buffer buf{};
  uint64_t index = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    uint8_t iv[12];
    iv_for(iv, sizeof(iv), index++);
    gcm_seal(gcm, iv, buf.data());
    benchmark::DoNotOptimize(buf.data());
  }
  EVP_CIPHER_CTX_free(gcm);
  report_items(state, state.iterations());
}

void raw_gcm_unprotect(benchmark::State& state) {
  EVP_CIPHER_CTX* seal = keyed(EVP_aes_128_gcm(), 1);
  EVP_CIPHER_CTX* open = keyed(EVP_aes_128_gcm(), 0);
  std::vector<Buffer> ring(kRing);
  for (size_t i = 0; i < kRing; ++i) {
    const auto p = pcmu_packet(static_cast<uint16_t>(i), kSsrc);
    std::memcpy(ring[i].data(), p.data(), p.size());
    uint8_t iv[12];
    iv_for(iv, sizeof(iv), i);
    gcm_seal(seal, iv, ring[i].data());
  }
  Buffer buf{};
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) i = 0;
    std::memcpy(buf.data(), ring[i].data(), kPcmuPacketBytes + kGcmTag);
    uint8_t iv[12];
    iv_for(iv, sizeof(iv), i++);
    if (!gcm_open(open, iv, buf.data())) {
      state.SkipWithError("tag mismatch");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  EVP_CIPHER_CTX_free(seal);
  EVP_CIPHER_CTX_free(open);
  report_items(state, state.iterations());
}

// --- HMAC-SHA1 over 176 bytes (packet + ROC) three ways ---

void hmac_sha_ctx(benchmark::State& state) {
  const HmacPads pads(random_key(20, 8));
  const auto pkt = pcmu_packet(1, kSsrc);
  const uint8_t roc[4] = {};
  uint8_t tag[SHA_DIGEST_LENGTH];
  for (auto _ : state) {
    pads.mac(pkt.data(), pkt.size(), roc, tag);
    benchmark::DoNotOptimize(tag);
  }
  report_items(state, state.iterations());
}

void hmac_evp_md_ctx_copy(benchmark::State& state) {
  const auto key = random_key(20, 8);
  uint8_t pad[64] = {};
  std::memcpy(pad, key.data(), key.size());
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  EVP_MD_CTX* work = EVP_MD_CTX_new();
  for (auto& b : pad) b ^= 0x36;
  EVP_DigestInit_ex(inner, EVP_sha1(), nullptr);
  EVP_DigestUpdate(inner, pad, sizeof(pad));
  for (auto& b : pad) b ^= 0x36 ^ 0x5c;
  EVP_DigestInit_ex(outer, EVP_sha1(), nullptr);
  EVP_DigestUpdate(outer, pad, sizeof(pad));
  const auto pkt = pcmu_packet(1, kSsrc);
  const uint8_t roc[4] = {};
  uint8_t d[SHA_DIGEST_LENGTH];
  unsigned n = 0;
  for (auto _ : state) {
    EVP_MD_CTX_copy_ex(work, inner);
    EVP_DigestUpdate(work, pkt.data(), pkt.size());
    EVP_DigestUpdate(work, roc, sizeof(roc));
    EVP_DigestFinal_ex(work, d, &n);
    EVP_MD_CTX_copy_ex(work, outer);
    EVP_DigestUpdate(work, d, sizeof(d));
    EVP_DigestFinal_ex(work, d, &n);
    benchmark::DoNotOptimize(d);
  }
  EVP_MD_CTX_free(inner);
  EVP_MD_CTX_free(outer);
  EVP_MD_CTX_free(work);
  report_items(state, state.iterations());
}

void hmac_evp_mac_ctx_dup(benchmark::State& state) {
  auto key = random_key(20, 8);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* keyed_ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(keyed_ctx, key.data(), key.size(), params) != 1) std::abort();
  const auto pkt = pcmu_packet(1, kSsrc);
  const uint8_t roc[4] = {};
  uint8_t d[SHA_DIGEST_LENGTH];
  size_t n = 0;
  for (auto _ : state) {
    EVP_MAC_CTX* c = EVP_MAC_CTX_dup(keyed_ctx);
    EVP_MAC_update(c, pkt.data(), pkt.size());
    EVP_MAC_update(c, roc, sizeof(roc));
    EVP_MAC_final(c, d, &n, sizeof(d));
    EVP_MAC_CTX_free(c);
    benchmark::DoNotOptimize(d);
  }
  EVP_MAC_CTX_free(keyed_ctx);
  EVP_MAC_free(mac);
  report_items(state, state.iterations());
}

}  // namespace

void register_raw_benchmarks() {
  with_min_max(benchmark::RegisterBenchmark("srtp_protect/AES_CM_128_HMAC_SHA1_80/limit:openssl",
                                            raw_cm_protect));
  with_min_max(benchmark::RegisterBenchmark("srtp_unprotect/AES_CM_128_HMAC_SHA1_80/limit:openssl",
                                            raw_cm_unprotect));
  with_min_max(
      benchmark::RegisterBenchmark("srtp_protect/AEAD_AES_128_GCM/limit:openssl", raw_gcm_protect));
  with_min_max(benchmark::RegisterBenchmark("srtp_unprotect/AEAD_AES_128_GCM/limit:openssl",
                                            raw_gcm_unprotect));
  with_min_max(benchmark::RegisterBenchmark("hmac_sha1_176B/limit:sha_ctx_copy", hmac_sha_ctx));
  with_min_max(
      benchmark::RegisterBenchmark("hmac_sha1_176B/evp_md_ctx_copy_ex", hmac_evp_md_ctx_copy));
  with_min_max(
      benchmark::RegisterBenchmark("hmac_sha1_176B/evp_mac_ctx_dup", hmac_evp_mac_ctx_dup));
}

}  // namespace rtpx::bench::srtp
