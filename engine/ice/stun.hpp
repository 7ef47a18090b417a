#pragma once
// ICE-lite connectivity checks on the packet path (RFC 8445 section 2.5, RFC 8489): a STUN
// Binding request that arrives on a media socket, authenticated with the short-term credentials
// rtpxd put in its SDP, is answered in place with a success response carrying the source address
// (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT). Nothing is allocated per packet: the
// responder keeps one HMAC-SHA1 context per shard.

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/net/sock_addr.hpp"

struct evp_mac_ctx_st;

namespace rtpx::engine {

// rtpxd's ICE credentials for one endpoint, stored inline so the endpoint config stays a plain
// value that crosses the shard queue.
struct StunCredentials {
  static constexpr size_t kMaxUfrag = 32;
  static constexpr size_t kMaxPwd = 64;
  uint8_t ufrag_len = 0;
  uint8_t pwd_len = 0;
  char ufrag[kMaxUfrag] = {};
  char pwd[kMaxPwd] = {};

  // Empty ufrag: no ICE on this endpoint. Longer values than the limits are refused (disabled).
  void set(std::string_view u, std::string_view p) noexcept;
  bool enabled() const noexcept { return ufrag_len != 0; }
  std::string_view ufrag_view() const noexcept { return {ufrag, ufrag_len}; }
  std::string_view pwd_view() const noexcept { return {pwd, pwd_len}; }
  bool operator==(const StunCredentials& o) const noexcept {
    return ufrag_view() == o.ufrag_view() && pwd_view() == o.pwd_view();
  }
};

// RFC 7983 demultiplexing: STUN messages start with 0..3 and carry the magic cookie.
bool looks_like_stun(std::span<const uint8_t> b) noexcept;

enum class StunOutcome : uint8_t {
  answered,   // the buffer now holds the response, *out_len its length
  ignored,    // a valid STUN message that needs no answer (indication, response)
  malformed,  // not a well-formed STUN message
  bad_auth,   // wrong USERNAME or MESSAGE-INTEGRITY
};

struct StunResult {
  StunOutcome outcome = StunOutcome::malformed;
  bool use_candidate = false;  // the controlling agent nominated this pair
};

class StunResponder {
 public:
  StunResponder();
  ~StunResponder();
  StunResponder(const StunResponder&) = delete;
  StunResponder& operator=(const StunResponder&) = delete;

  // Checks a Binding request against `creds` and, when it is valid, rewrites buf[0..cap) into
  // the success response for `from`.
  StunResult answer(const StunCredentials& creds, uint8_t* buf, uint32_t len, uint32_t cap,
                    const net::SockAddr& from, uint32_t* out_len) noexcept;

  // HMAC-SHA1 of `data` with `key` into out[20]; false when the crypto library fails.
  bool hmac_sha1(std::string_view key, std::span<const uint8_t> data, uint8_t* out) noexcept;

 private:
  evp_mac_ctx_st* ctx_ = nullptr;
};

}  // namespace rtpx::engine
