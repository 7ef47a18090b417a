#pragma once
// One direction of one SRTP session (RFC 3711, RFC 7714): everything needed to protect what rtpx
// sends to a party, or to unprotect what the party sends, for SRTP and SRTCP, for every SSRC the
// party uses. Session keys are derived once at creation; per packet there is no allocation, no
// lock and no exception. Crypto is OpenSSL's (AES-CTR, AES-GCM, HMAC-SHA1 with precomputed pads);
// libsrtp2 is the reference the tests check every transform against.
//
// A context is created on the control plane and then used by one shard thread only.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/srtp/srtp_suite.hpp"

namespace rtpx::engine::srtp {

// A master key and salt as SDES (a=crypto inline:) or DTLS-SRTP keying material give them.
struct MasterKey {
  Suite suite = Suite::aes_cm_128_hmac_sha1_80;
  std::array<uint8_t, kMaxKeyLen> key{};    // info(suite).key_len bytes used
  std::array<uint8_t, kMaxSaltLen> salt{};  // info(suite).salt_len bytes used
  std::array<uint8_t, kMaxMkiLen> mki{};    // mki_len bytes, sent after the payload
  uint8_t mki_len = 0;                      // 0: packets carry no MKI
  // Packets this key may protect (a=crypto lifetime); 0 means the RFC 3711 maximum (2^48 SRTP,
  // 2^31 SRTCP).
  uint64_t lifetime = 0;
};

enum class [[nodiscard]] Status : uint8_t{
    ok,
    malformed,    // too short to be SRTP/SRTCP, or a header that does not parse
    auth_failed,  // the authentication tag (or the GCM tag) does not match
    replayed,     // index already seen (inside the replay window)
    too_old,      // index behind the replay window
    no_room,      // protect: the buffer has no room for the tag and MKI
    key_expired,  // the master key's lifetime is used up
    bad_mki,      // the packet's MKI is not this key's
};
const char* to_string(Status s) noexcept;

class Context {
 public:
  enum class Direction : uint8_t { inbound, outbound };

  // SSRCs tracked at once with their own rollover counter, replay window and SRTCP index. A new
  // SSRC beyond this takes the slot used least recently (after it authenticated, inbound).
  static constexpr size_t kMaxStreams = 8;
  // Packets remembered behind the highest index for replay protection (libsrtp's default).
  static constexpr uint32_t kReplayWindow = 128;

  // Control plane. nullptr with `error` set when OpenSSL refuses the key.
  static std::unique_ptr<Context> create(const MasterKey& key, Direction dir, std::string* error);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // In place. protect_* appends the tag (and MKI): *len grows by at most rtp_overhead() /
  // rtcp_overhead(), and must fit `cap`. unprotect_* checks, decrypts and shrinks *len.
  Status protect_rtp(uint8_t* pkt, uint32_t* len, uint32_t cap) noexcept;
  Status unprotect_rtp(uint8_t* pkt, uint32_t* len) noexcept;
  Status protect_rtcp(uint8_t* pkt, uint32_t* len, uint32_t cap) noexcept;
  Status unprotect_rtcp(uint8_t* pkt, uint32_t* len) noexcept;

  uint32_t rtp_overhead() const noexcept;   // tag + MKI
  uint32_t rtcp_overhead() const noexcept;  // 4-byte E||index + tag + MKI
  Suite suite() const noexcept;
  Direction direction() const noexcept;

 private:
  struct Impl;
  explicit Context(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::engine::srtp
