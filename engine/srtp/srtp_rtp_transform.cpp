// SRTP (RFC 3711 section 3.1, RFC 7714 section 8): protect and unprotect RTP packets in place.
//
//   AES-CM:  header | encrypted payload | MKI | tag       tag = HMAC-SHA1(header | payload | ROC)
//   AES-GCM: header | encrypted payload | tag | MKI       AAD = header (with CSRCs and extension)
//
// Inbound, the replay window is checked before any crypto and updated only after the packet
// authenticated; a new SSRC gets a stream slot at that point too.

#include <openssl/crypto.h>

#include "engine/srtp/srtp_context.hpp"
#include "engine/srtp/srtp_context_impl.hpp"

namespace rtpx::engine::srtp {
namespace {

// Length of the RTP header (fixed part, CSRCs, extension) when it fits in `len`, else 0.
uint32_t rtp_header_len(const uint8_t* p, uint32_t len) noexcept {
  if (len < 12 || (p[0] >> 6) != 2) return 0;
  uint32_t h = 12 + 4 * uint32_t{static_cast<uint8_t>(p[0] & 0x0f)};
  if (p[0] & 0x10) {
    if (h + 4 > len) return 0;
    h += 4 + 4 * uint32_t{load_be16(p + h + 2)};
  }
  return h <= len ? h : 0;
}

// RFC 7714 section 8.1: IV = salt XOR (00 00 | SSRC | ROC | SEQ).
void gcm_rtp_iv(const SessionKeys& k, uint32_t ssrc, uint64_t index, uint8_t* iv12) noexcept {
  std::memcpy(iv12, k.salt.data(), 12);
  xor_be32(iv12 + 2, ssrc);
  xor_be32(iv12 + 6, static_cast<uint32_t>(index >> 16));
  iv12[10] ^= static_cast<uint8_t>(index >> 8);
  iv12[11] ^= static_cast<uint8_t>(index);
}

}  // namespace

Status Context::protect_rtp(uint8_t* pkt, uint32_t* len, uint32_t cap) noexcept {
  Impl& c = *impl_;
  if (c.dir != Direction::outbound) return Status::malformed;
  const uint32_t n = *len;
  const uint32_t h = rtp_header_len(pkt, n);
  if (h == 0) return Status::malformed;
  const SessionKeys& k = c.rtp;
  const uint64_t grown = uint64_t{n} + k.tag_len + c.mki_len;
  if (grown > cap) return Status::no_room;
  if (c.rtp_packets >= c.rtp_limit) return Status::key_expired;

  const uint32_t ssrc = load_be32(pkt + 8);
  const uint16_t seq = load_be16(pkt + 2);
  Stream* s = c.streams.find(ssrc);
  uint64_t index;
  if (s != nullptr && s->rtp_started) {
    index = estimate_index(s->rtp.highest(), seq);
    if (index > kMaxSrtpIndex) return Status::key_expired;
    if (Status st = s->rtp.check(index); st != Status::ok) return st;
    s->rtp.add(index);
  } else {
    if (s == nullptr) s = c.streams.claim(ssrc);
    index = (uint64_t{c.streams.evicted_roc()} << 16) | seq;
    s->rtp.reset(index);
    s->rtp_started = true;
  }
  c.streams.touch(s);
  ++c.rtp_packets;

  uint8_t* payload = pkt + h;
  const uint32_t payload_len = n - h;
  if (c.info.aead) {
    uint8_t iv[12];
    gcm_rtp_iv(k, ssrc, index, iv);
    const AesGcm::Aad aad{pkt, h, nullptr, 0};
    if (!c.rtp.gcm.seal(iv, aad, payload, payload_len, pkt + n, k.tag_len))
      return Status::malformed;
    std::memcpy(pkt + n + k.tag_len, c.mki.data(), c.mki_len);
  } else {
    uint8_t iv[16];
    aes_cm_iv(k, ssrc, index, iv);
    if (!c.rtp.ctr.apply(iv, payload, payload_len)) return Status::malformed;
    uint8_t roc[4];
    store_be32(roc, static_cast<uint32_t>(index >> 16));
    uint8_t tag[HmacSha1::kDigestLen];
    k.hmac.compute(pkt, n, roc, sizeof(roc), tag);
    std::memcpy(pkt + n, c.mki.data(), c.mki_len);
    std::memcpy(pkt + n + c.mki_len, tag, k.tag_len);
  }
  *len = static_cast<uint32_t>(grown);
  return Status::ok;
}

Status Context::unprotect_rtp(uint8_t* pkt, uint32_t* len) noexcept {
  Impl& c = *impl_;
  if (c.dir != Direction::inbound) return Status::malformed;
  const SessionKeys& k = c.rtp;
  const uint32_t n = *len;
  const uint32_t trailer = uint32_t{k.tag_len} + c.mki_len;
  if (n < 12 + trailer) return Status::malformed;
  const uint32_t body = n - trailer;  // header + encrypted payload
  const uint32_t h = rtp_header_len(pkt, body);
  if (h == 0) return Status::malformed;
  // MKI position: after the tag for GCM (RFC 7714), before it for AES-CM (RFC 3711).
  const uint8_t* mki = c.info.aead ? pkt + body + k.tag_len : pkt + body;
  const uint8_t* tag = c.info.aead ? pkt + body : pkt + body + c.mki_len;
  if (c.mki_len != 0 && CRYPTO_memcmp(mki, c.mki.data(), c.mki_len) != 0) return Status::bad_mki;
  if (c.rtp_packets >= c.rtp_limit) return Status::key_expired;

  const uint32_t ssrc = load_be32(pkt + 8);
  const uint16_t seq = load_be16(pkt + 2);
  Stream* s = c.streams.find(ssrc);
  uint64_t index = seq;  // a new stream starts with ROC 0
  const bool known = s != nullptr && s->rtp_started;
  if (known) {
    index = estimate_index(s->rtp.highest(), seq);
    if (index > kMaxSrtpIndex) return Status::key_expired;
    if (Status st = s->rtp.check(index); st != Status::ok) return st;
  }

  uint8_t* payload = pkt + h;
  const uint32_t payload_len = body - h;
  if (c.info.aead) {
    uint8_t iv[12];
    gcm_rtp_iv(k, ssrc, index, iv);
    const AesGcm::Aad aad{pkt, h, nullptr, 0};
    if (!c.rtp.gcm.open(iv, aad, payload, payload_len, tag, k.tag_len)) return Status::auth_failed;
  } else {
    uint8_t roc[4];
    store_be32(roc, static_cast<uint32_t>(index >> 16));
    uint8_t expected[HmacSha1::kDigestLen];
    k.hmac.compute(pkt, body, roc, sizeof(roc), expected);
    if (CRYPTO_memcmp(expected, tag, k.tag_len) != 0) return Status::auth_failed;
    uint8_t iv[16];
    aes_cm_iv(k, ssrc, index, iv);
    if (!c.rtp.ctr.apply(iv, payload, payload_len)) return Status::malformed;
  }

  if (known) {
    s->rtp.add(index);
  } else {
    if (s == nullptr) s = c.streams.claim(ssrc);
    s->rtp.reset(index);
    s->rtp_started = true;
  }
  c.streams.touch(s);
  ++c.rtp_packets;
  *len = body;
  return Status::ok;
}

}  // namespace rtpx::engine::srtp
