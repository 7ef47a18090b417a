#include "tools/rtpload/srtp_keys.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <mutex>

namespace rtpload {

namespace {

struct SuiteInfo {
  const char* name;
  size_t key_len;  // master key + salt
  void (*rtp)(srtp_crypto_policy_t*);
};

// Suites with the libsrtp2 policy that decrypts them (RTCP is not used by rtpload). Lambdas:
// some of the policy setters are macros.
constexpr SuiteInfo kSuites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 30,
     [](srtp_crypto_policy_t* p) { srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p); }},
    {"AES_CM_128_HMAC_SHA1_32", 30,
     [](srtp_crypto_policy_t* p) { srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p); }},
    {"AEAD_AES_128_GCM", 28,
     [](srtp_crypto_policy_t* p) { srtp_crypto_policy_set_aes_gcm_128_16_auth(p); }},
    {"AEAD_AES_256_GCM", 44,
     [](srtp_crypto_policy_t* p) { srtp_crypto_policy_set_aes_gcm_256_16_auth(p); }},
};

const SuiteInfo* find_suite(const std::string& name) {
  for (const auto& s : kSuites)
    if (name == s.name) return &s;
  return nullptr;
}

void init_libsrtp() {
  static std::once_flag once;
  std::call_once(once, [] { srtp_init(); });
}

}  // namespace

size_t srtp_key_len(const std::string& suite) {
  const SuiteInfo* s = find_suite(suite);
  return s ? s->key_len : 0;
}

std::vector<std::string> srtp_suites() {
  std::vector<std::string> v;
  for (const auto& s : kSuites) v.emplace_back(s.name);
  return v;
}

std::string random_inline_key(const std::string& suite) {
  unsigned char key[64];
  const size_t n = srtp_key_len(suite);
  if (n == 0 || RAND_bytes(key, static_cast<int>(n)) != 1) return {};
  unsigned char b64[4 * sizeof key / 3 + 4];
  std::string out(reinterpret_cast<const char*>(b64),
                  static_cast<size_t>(EVP_EncodeBlock(b64, key, static_cast<int>(n))));
  while (!out.empty() && out.back() == '=') out.pop_back();  // unpadded, as the relays write it
  return out;
}

std::optional<std::string> decode_inline_key(const std::string& b64, size_t len) {
  // SDES keys come with or without the '=' padding (rtpxd and rtpengine leave it out).
  std::string padded = b64;
  while (!padded.empty() && padded.back() == '=') padded.pop_back();
  const size_t data_chars = padded.size();
  if (data_chars == 0 || data_chars % 4 == 1 || data_chars > 120) return std::nullopt;
  while (padded.size() % 4 != 0) padded += '=';
  unsigned char out[128];
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(padded.data()),
                                static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  const size_t got = data_chars * 3 / 4;
  if (got != len) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), got);
}

SrtpInbound::~SrtpInbound() {
  clear();
}

void SrtpInbound::clear() {
  for (srtp_t s : sessions_)
    if (s) srtp_dealloc(s);
  sessions_.clear();
}

std::string SrtpInbound::rekey(const std::string& suite, const std::vector<std::string>& keys) {
  init_libsrtp();
  clear();
  const SuiteInfo* si = find_suite(suite);
  if (!si) return "unknown SRTP suite " + suite;
  sessions_.assign(keys.size(), nullptr);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].empty()) continue;
    if (keys[i].size() != si->key_len) return "SRTP key of the wrong length";
    srtp_policy_t p;
    std::memset(&p, 0, sizeof p);
    si->rtp(&p.rtp);
    si->rtp(&p.rtcp);
    p.ssrc.type = ssrc_any_inbound;
    unsigned char key[64];
    std::memcpy(key, keys[i].data(), keys[i].size());
    p.key = key;
    p.window_size = 1024;
    p.next = nullptr;
    if (srtp_err_status_t e = srtp_create(&sessions_[i], &p); e != srtp_err_status_ok) {
      sessions_[i] = nullptr;
      return "libsrtp2 srtp_create failed (" + std::to_string(static_cast<int>(e)) + ") for " +
             suite;
    }
  }
  return {};
}

bool SrtpInbound::unprotect(size_t stream, uint8_t* pkt, size_t* len) {
  int l = static_cast<int>(*len);
  if (srtp_unprotect(sessions_[stream], pkt, &l) != srtp_err_status_ok) return false;
  *len = static_cast<size_t>(l);
  return true;
}

}  // namespace rtpload
