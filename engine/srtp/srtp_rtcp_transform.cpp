// SRTCP (RFC 3711 section 3.4, RFC 7714 section 9): protect and unprotect RTCP compounds in place.
// The SRTCP index is explicit in the packet, in a 4-byte trailer with the E (encrypted) flag.
//
//   AES-CM:  header(8) | encrypted rest | E||index | MKI | tag   tag = HMAC-SHA1(all before MKI)
//   AES-GCM: header(8) | encrypted rest | tag | E||index | MKI   AAD = header(8) | E||index
//
// rtpx always sends E = 1; it accepts unencrypted SRTCP (E = 0), which is authenticated only.

#include <openssl/crypto.h>

#include "engine/srtp/srtp_context.hpp"
#include "engine/srtp/srtp_context_impl.hpp"

namespace rtpx::engine::srtp {
namespace {

constexpr uint32_t kRtcpHeaderLen = 8;  // V/P/RC, PT, length, sender SSRC
constexpr uint32_t kTrailerLen = 4;     // E || SRTCP index
constexpr uint32_t kEFlag = 0x8000'0000u;

// RFC 7714 section 9.1: IV = salt XOR (00 00 | SSRC | 00 00 | 0 | SRTCP index).
void gcm_rtcp_iv(const SessionKeys& k, uint32_t ssrc, uint32_t index, uint8_t* iv12) noexcept {
  std::memcpy(iv12, k.salt.data(), 12);
  xor_be32(iv12 + 2, ssrc);
  xor_be32(iv12 + 8, index);
}

}  // namespace

Status Context::protect_rtcp(uint8_t* pkt, uint32_t* len, uint32_t cap) noexcept {
  Impl& c = *impl_;
  if (c.dir != Direction::outbound) return Status::malformed;
  const uint32_t n = *len;
  if (n < kRtcpHeaderLen || (pkt[0] >> 6) != 2) return Status::malformed;
  const SessionKeys& k = c.rtcp;
  const uint64_t grown = uint64_t{n} + kTrailerLen + k.tag_len + c.mki_len;
  if (grown > cap) return Status::no_room;
  if (c.rtcp_packets >= c.rtcp_limit) return Status::key_expired;

  const uint32_t ssrc = load_be32(pkt + 4);
  Stream* s = c.streams.find(ssrc);
  if (s == nullptr) s = c.streams.claim(ssrc);
  if (!s->rtcp_started) {
    s->rtcp_sent = c.streams.evicted_rtcp();
    s->rtcp_started = true;
  }
  c.streams.touch(s);
  if (s->rtcp_sent >= kMaxSrtcpIndex) return Status::key_expired;
  const uint32_t index = ++s->rtcp_sent;  // the first SRTCP packet carries index 1, as libsrtp's
  ++c.rtcp_packets;

  uint8_t trailer[kTrailerLen];
  store_be32(trailer, kEFlag | index);
  uint8_t* rest = pkt + kRtcpHeaderLen;
  const uint32_t rest_len = n - kRtcpHeaderLen;
  if (c.info.aead) {
    uint8_t iv[12];
    gcm_rtcp_iv(k, ssrc, index, iv);
    const AesGcm::Aad aad{pkt, kRtcpHeaderLen, trailer, kTrailerLen};
    if (!c.rtcp.gcm.seal(iv, aad, rest, rest_len, pkt + n, k.tag_len)) return Status::malformed;
    std::memcpy(pkt + n + k.tag_len, trailer, kTrailerLen);
    std::memcpy(pkt + n + k.tag_len + kTrailerLen, c.mki.data(), c.mki_len);
  } else {
    uint8_t iv[16];
    aes_cm_iv(k, ssrc, index, iv);
    if (!c.rtcp.ctr.apply(iv, rest, rest_len)) return Status::malformed;
    std::memcpy(pkt + n, trailer, kTrailerLen);
    uint8_t tag[HmacSha1::kDigestLen];
    k.hmac.compute(pkt, n + kTrailerLen, nullptr, 0, tag);
    std::memcpy(pkt + n + kTrailerLen, c.mki.data(), c.mki_len);
    std::memcpy(pkt + n + kTrailerLen + c.mki_len, tag, k.tag_len);
  }
  *len = static_cast<uint32_t>(grown);
  return Status::ok;
}

Status Context::unprotect_rtcp(uint8_t* pkt, uint32_t* len) noexcept {
  Impl& c = *impl_;
  if (c.dir != Direction::inbound) return Status::malformed;
  const SessionKeys& k = c.rtcp;
  const uint32_t n = *len;
  const uint32_t overhead = kTrailerLen + k.tag_len + c.mki_len;
  if (n < kRtcpHeaderLen + overhead || (pkt[0] >> 6) != 2) return Status::malformed;
  // Offsets of the parts after the (encrypted) RTCP compound, which ends at `end`.
  const uint32_t end = n - overhead;
  const uint32_t tag_at = c.info.aead ? end : end + kTrailerLen + c.mki_len;
  const uint32_t trailer_at = c.info.aead ? end + k.tag_len : end;
  const uint32_t mki_at = c.info.aead ? n - c.mki_len : end + kTrailerLen;
  if (c.mki_len != 0 && CRYPTO_memcmp(pkt + mki_at, c.mki.data(), c.mki_len) != 0)
    return Status::bad_mki;
  if (c.rtcp_packets >= c.rtcp_limit) return Status::key_expired;

  const uint32_t word = load_be32(pkt + trailer_at);
  const bool encrypted = (word & kEFlag) != 0;
  const uint32_t index = word & ~kEFlag;
  const uint32_t ssrc = load_be32(pkt + 4);
  Stream* s = c.streams.find(ssrc);
  const bool known = s != nullptr && s->rtcp_started;
  if (known) {
    if (Status st = s->rtcp.check(index); st != Status::ok) return st;
  }

  uint8_t* rest = pkt + kRtcpHeaderLen;
  const uint32_t rest_len = end - kRtcpHeaderLen;
  if (c.info.aead) {
    uint8_t iv[12];
    gcm_rtcp_iv(k, ssrc, index, iv);
    // Unencrypted SRTCP: the whole compound is associated data, the plaintext is empty.
    const AesGcm::Aad aad{pkt, encrypted ? kRtcpHeaderLen : end, pkt + trailer_at, kTrailerLen};
    if (!c.rtcp.gcm.open(iv, aad, rest, encrypted ? rest_len : 0, pkt + tag_at, k.tag_len))
      return Status::auth_failed;
  } else {
    uint8_t expected[HmacSha1::kDigestLen];
    k.hmac.compute(pkt, end + kTrailerLen, nullptr, 0, expected);
    if (CRYPTO_memcmp(expected, pkt + tag_at, k.tag_len) != 0) return Status::auth_failed;
    if (encrypted) {
      uint8_t iv[16];
      aes_cm_iv(k, ssrc, index, iv);
      if (!c.rtcp.ctr.apply(iv, rest, rest_len)) return Status::malformed;
    }
  }

  if (known) {
    s->rtcp.add(index);
  } else {
    if (s == nullptr) s = c.streams.claim(ssrc);
    s->rtcp.reset(index);
    s->rtcp_started = true;
  }
  c.streams.touch(s);
  ++c.rtcp_packets;
  *len = end;
  return Status::ok;
}

}  // namespace rtpx::engine::srtp
