#pragma once
// Helpers for the SRTP tests: hex, master keys, RTP and RTCP packets with room for the SRTP
// trailer, and a libsrtp2 session wrapper (the reference implementation).

#include <srtp2/srtp.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/srtp/srtp_context.hpp"

namespace rtpx::engine::srtp::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes hex(std::string_view s) {
  Bytes out;
  int hi = -1;
  for (char ch : s) {
    int v;
    if (ch >= '0' && ch <= '9')
      v = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      v = ch - 'A' + 10;
    else
      continue;  // spaces and line breaks
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// key || salt as libsrtp takes it, split into a MasterKey.
inline MasterKey master_key(Suite s, const Bytes& key_and_salt, const Bytes& mki = {}) {
  MasterKey k;
  k.suite = s;
  const SuiteInfo& i = info(s);
  std::memcpy(k.key.data(), key_and_salt.data(), i.key_len);
  std::memcpy(k.salt.data(), key_and_salt.data() + i.key_len, i.salt_len);
  if (!mki.empty()) std::memcpy(k.mki.data(), mki.data(), mki.size());
  k.mki_len = static_cast<uint8_t>(mki.size());
  return k;
}

inline Bytes random_bytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// key || salt of the suite's sizes.
inline Bytes random_key(std::mt19937& rng, Suite s) {
  return random_bytes(rng, info(s).key_len + info(s).salt_len);
}

// An RTP packet: csrcs CSRCs, an RFC 8285 one-byte extension of ext_words words when ext_words
// > 0, then the payload.
inline Bytes rtp_packet(uint32_t ssrc, uint16_t seq, const Bytes& payload, int csrcs = 0,
                        int ext_words = 0, uint8_t pt = 0) {
  Bytes b{static_cast<uint8_t>(0x80 | (ext_words > 0 ? 0x10 : 0) | csrcs),
          pt,
          static_cast<uint8_t>(seq >> 8),
          static_cast<uint8_t>(seq),
          0x00,
          0x01,
          static_cast<uint8_t>(seq >> 4),
          static_cast<uint8_t>(seq << 4),
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
  for (int i = 0; i < csrcs; ++i) {
    for (int j = 0; j < 4; ++j) b.push_back(static_cast<uint8_t>(0xc0 + i * 4 + j));
  }
  if (ext_words > 0) {
    b.insert(b.end(), {0xbe, 0xde, 0x00, static_cast<uint8_t>(ext_words)});
    for (int i = 0; i < ext_words * 4; ++i) b.push_back(static_cast<uint8_t>(0x10 + i));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// An RTCP compound that starts with an SR from `ssrc` and has body_words more 32-bit words.
inline Bytes rtcp_packet(uint32_t ssrc, const Bytes& body) {
  const size_t words = (8 + body.size()) / 4 - 1;
  Bytes b{0x80,
          200,
          static_cast<uint8_t>(words >> 8),
          static_cast<uint8_t>(words),
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// Room after a packet for any SRTP/SRTCP trailer (libsrtp writes up to SRTP_MAX_TRAILER_LEN).
inline constexpr size_t kSlack = 64;

inline Status protect(Context& c, Bytes* pkt, bool rtcp = false) {
  const uint32_t n = static_cast<uint32_t>(pkt->size());
  pkt->resize(n + kSlack);
  uint32_t len = n;
  const Status s = rtcp ? c.protect_rtcp(pkt->data(), &len, static_cast<uint32_t>(pkt->size()))
                        : c.protect_rtp(pkt->data(), &len, static_cast<uint32_t>(pkt->size()));
  pkt->resize(s == Status::ok ? len : n);
  return s;
}

inline Status unprotect(Context& c, Bytes* pkt, bool rtcp = false) {
  uint32_t len = static_cast<uint32_t>(pkt->size());
  const Status s = rtcp ? c.unprotect_rtcp(pkt->data(), &len) : c.unprotect_rtp(pkt->data(), &len);
  if (s == Status::ok) pkt->resize(len);
  return s;
}

// srtp_init() exactly once per process; true when it succeeded.
inline bool libsrtp_ready() {
  static const bool ok = srtp_init() == srtp_err_status_ok;
  return ok;
}

// One libsrtp2 session (a sender or a receiver for any SSRC) keyed like a rtpx Context.
class LibSrtp {
 public:
  LibSrtp(Suite s, const Bytes& key_and_salt, bool sender, const Bytes& mki = {})
      : key_(key_and_salt), mki_(mki) {
    key_.resize(64);
    srtp_policy_t p;
    std::memset(&p, 0, sizeof(p));
    switch (s) {
      case Suite::aes_cm_128_hmac_sha1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
        break;
      case Suite::aes_cm_128_hmac_sha1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);  // SRTCP keeps 80 bits
        break;
      case Suite::aead_aes_128_gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
        break;
      case Suite::aead_aes_256_gcm:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
        break;
    }
    p.ssrc.type = sender ? ssrc_any_outbound : ssrc_any_inbound;
    p.window_size = 128;
    if (mki_.empty()) {
      p.key = key_.data();
    } else {
      mk_.key = key_.data();
      mk_.mki_id = mki_.data();
      mk_.mki_size = static_cast<unsigned>(mki_.size());
      mk_list_[0] = &mk_;
      p.keys = mk_list_;
      p.num_master_keys = 1;
    }
    status_ = srtp_create(&session_, &p);
  }
  ~LibSrtp() {
    if (session_ != nullptr) srtp_dealloc(session_);
  }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;

  srtp_err_status_t status() const { return status_; }

  srtp_err_status_t protect(Bytes* pkt, bool rtcp = false) {
    int len = static_cast<int>(pkt->size());
    pkt->resize(pkt->size() + kSlack);
    const unsigned use_mki = mki_.empty() ? 0 : 1;
    const srtp_err_status_t s = rtcp
                                    ? srtp_protect_rtcp_mki(session_, pkt->data(), &len, use_mki, 0)
                                    : srtp_protect_mki(session_, pkt->data(), &len, use_mki, 0);
    pkt->resize(static_cast<size_t>(len));
    return s;
  }

  srtp_err_status_t unprotect(Bytes* pkt, bool rtcp = false) {
    int len = static_cast<int>(pkt->size());
    const unsigned use_mki = mki_.empty() ? 0 : 1;
    const srtp_err_status_t s = rtcp ? srtp_unprotect_rtcp_mki(session_, pkt->data(), &len, use_mki)
                                     : srtp_unprotect_mki(session_, pkt->data(), &len, use_mki);
    if (s == srtp_err_status_ok) pkt->resize(static_cast<size_t>(len));
    return s;
  }

 private:
  Bytes key_;
  Bytes mki_;
  srtp_master_key_t mk_{};
  srtp_master_key_t* mk_list_[1] = {nullptr};
  srtp_t session_ = nullptr;
  srtp_err_status_t status_ = srtp_err_status_fail;
};

}  // namespace rtpx::engine::srtp::testing
