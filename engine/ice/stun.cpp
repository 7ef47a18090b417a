#include "engine/ice/stun.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include <cstring>
#include <stdexcept>

namespace rtpx::engine {
namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint16_t kBindingRequest = 0x0001;
constexpr uint16_t kBindingSuccess = 0x0101;
constexpr uint16_t kAttrUsername = 0x0006;
constexpr uint16_t kAttrMessageIntegrity = 0x0008;
constexpr uint16_t kAttrXorMappedAddress = 0x0020;
constexpr uint16_t kAttrUseCandidate = 0x0025;
constexpr uint16_t kAttrFingerprint = 0x8028;
constexpr uint32_t kFingerprintXor = 0x5354554E;
constexpr uint32_t kHeader = 20;

uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void wr32(uint8_t* p, uint32_t v) {
  wr16(p, static_cast<uint16_t>(v >> 16));
  wr16(p + 2, static_cast<uint16_t>(v));
}

uint32_t fingerprint(const uint8_t* b, uint32_t n) {
  return static_cast<uint32_t>(crc32(0L, b, n)) ^ kFingerprintXor;
}

}  // namespace

void StunCredentials::set(std::string_view u, std::string_view p) noexcept {
  ufrag_len = pwd_len = 0;
  if (u.empty() || u.size() > kMaxUfrag || p.size() > kMaxPwd) return;
  std::memcpy(ufrag, u.data(), u.size());
  std::memcpy(pwd, p.data(), p.size());
  ufrag_len = static_cast<uint8_t>(u.size());
  pwd_len = static_cast<uint8_t>(p.size());
}

bool looks_like_stun(std::span<const uint8_t> b) noexcept {
  return b.size() >= kHeader && b[0] < 4 && rd32(b.data() + 4) == kMagicCookie;
}

StunResponder::StunResponder() {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac != nullptr) ctx_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (ctx_ == nullptr) throw std::runtime_error("OpenSSL has no HMAC implementation");
}

StunResponder::~StunResponder() {
  EVP_MAC_CTX_free(ctx_);
}

bool StunResponder::hmac_sha1(std::string_view key, std::span<const uint8_t> data,
                              uint8_t* out) noexcept {
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  size_t n = 0;
  return EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                      params) == 1 &&
         EVP_MAC_update(ctx_, data.data(), data.size()) == 1 &&
         EVP_MAC_final(ctx_, out, &n, 20) == 1 && n == 20;
}

StunResult StunResponder::answer(const StunCredentials& creds, uint8_t* buf, uint32_t len,
                                 uint32_t cap, const net::SockAddr& from,
                                 uint32_t* out_len) noexcept {
  StunResult r;
  if (!looks_like_stun({buf, len})) return r;
  const uint16_t type = rd16(buf);
  const uint32_t body = rd16(buf + 2);
  if ((body & 3) != 0 || kHeader + body > len) return r;
  if (type != kBindingRequest) {
    r.outcome = StunOutcome::ignored;  // indications, responses: nothing to answer
    return r;
  }

  // Walk the attributes: USERNAME, MESSAGE-INTEGRITY (and where it starts), FINGERPRINT.
  std::string_view username;
  const uint8_t* integrity = nullptr;
  uint32_t integrity_at = 0;
  bool fp_ok = true;
  for (uint32_t at = kHeader; at + 4 <= kHeader + body;) {
    const uint16_t atype = rd16(buf + at);
    const uint32_t alen = rd16(buf + at + 2);
    if (at + 4 + alen > kHeader + body) return r;
    const uint8_t* val = buf + at + 4;
    if (integrity == nullptr) {  // after MESSAGE-INTEGRITY only FINGERPRINT counts
      if (atype == kAttrUsername) username = {reinterpret_cast<const char*>(val), alen};
      if (atype == kAttrUseCandidate) r.use_candidate = true;
      if (atype == kAttrMessageIntegrity && alen == 20) {
        integrity = val;
        integrity_at = at;
      }
    }
    if (atype == kAttrFingerprint && alen == 4) fp_ok = fingerprint(buf, at) == rd32(val);
    at += 4 + ((alen + 3) & ~3u);
  }
  if (!fp_ok) return r;

  // USERNAME is "<our ufrag>:<their ufrag>" and the key is our password (RFC 8445 7.2.2).
  const std::string_view ours = creds.ufrag_view();
  if (!creds.enabled() || integrity == nullptr || username.size() <= ours.size() ||
      username.substr(0, ours.size()) != ours || username[ours.size()] != ':') {
    r.outcome = StunOutcome::bad_auth;
    return r;
  }
  // The HMAC covers the message up to MESSAGE-INTEGRITY, with the length field counting it.
  uint8_t saved[2] = {buf[2], buf[3]};
  wr16(buf + 2, static_cast<uint16_t>(integrity_at + 24 - kHeader));
  uint8_t mac[20];
  const bool mac_ok = hmac_sha1(creds.pwd_view(), {buf, integrity_at}, mac);
  buf[2] = saved[0];
  buf[3] = saved[1];
  if (!mac_ok || CRYPTO_memcmp(mac, integrity, 20) != 0) {
    r.outcome = StunOutcome::bad_auth;
    return r;
  }

  // The response reuses the buffer: header (same transaction id), XOR-MAPPED-ADDRESS,
  // MESSAGE-INTEGRITY, FINGERPRINT.
  const bool v6 = from.family() == AF_INET6;
  const uint32_t xma = v6 ? 24 : 12;
  const uint32_t total = kHeader + xma + 24 + 8;
  if (cap < total || !from.valid()) return r;
  uint8_t txid[12];
  std::memcpy(txid, buf + 8, 12);
  wr16(buf, kBindingSuccess);
  wr32(buf + 4, kMagicCookie);
  std::memcpy(buf + 8, txid, 12);
  uint8_t* p = buf + kHeader;
  wr16(p, kAttrXorMappedAddress);
  wr16(p + 2, static_cast<uint16_t>(xma - 4));
  p[4] = 0;
  p[5] = v6 ? 2 : 1;
  wr16(p + 6, static_cast<uint16_t>(from.port() ^ (kMagicCookie >> 16)));
  if (v6) {
    const uint8_t* a = from.u.v6.sin6_addr.s6_addr;
    for (int i = 0; i < 16; ++i) p[8 + i] = a[i] ^ buf[4 + i];  // cookie then transaction id
  } else {
    std::memcpy(p + 8, &from.u.v4.sin_addr.s_addr, 4);
    for (int i = 0; i < 4; ++i) p[8 + i] ^= buf[4 + i];
  }
  p += xma;
  const uint32_t mi_at = static_cast<uint32_t>(p - buf);
  wr16(buf + 2, static_cast<uint16_t>(mi_at + 24 - kHeader));
  wr16(p, kAttrMessageIntegrity);
  wr16(p + 2, 20);
  if (!hmac_sha1(creds.pwd_view(), {buf, mi_at}, p + 4)) return r;
  p += 24;
  const uint32_t fp_at = static_cast<uint32_t>(p - buf);
  wr16(buf + 2, static_cast<uint16_t>(total - kHeader));
  wr16(p, kAttrFingerprint);
  wr16(p + 2, 4);
  wr32(p + 4, fingerprint(buf, fp_at));
  *out_len = total;
  r.outcome = StunOutcome::answered;
  return r;
}

}  // namespace rtpx::engine
