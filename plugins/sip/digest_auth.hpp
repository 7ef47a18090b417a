#pragma once
// Server-side HTTP digest authentication (RFC 2617 as SIP uses it, RFC 3261 section 22):
// challenges for REGISTER (401) and INVITE (407), and verification of the answers with
// sofia-sip's digest functions. Nonces are stateless: a timestamp signed with a per-process
// key, so a flood of challenges costs no memory.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class DigestAuth {
 public:
  static constexpr int64_t kNonceLifetime = 300;  // seconds

  DigestAuth();

  // The WWW-Authenticate / Proxy-Authenticate value for `realm`.
  std::string challenge(std::string_view realm, bool stale = false) const;

  enum class Verdict { ok, missing, wrong_realm, bad_nonce, stale, unknown_user, wrong };
  struct Result {
    Verdict verdict = Verdict::missing;
    std::string username;
  };
  using PasswordOf = std::function<std::optional<std::string>(std::string_view user)>;
  // Checks the credentials (Authorization or Proxy-Authorization list) against `realm`.
  Result verify(const msg_auth_t* credentials, std::string_view realm, const char* method,
                const PasswordOf& password_of) const;

  static const char* describe(Verdict v);

 private:
  std::string nonce(int64_t now) const;
  bool nonce_valid(std::string_view nonce, int64_t now, bool& stale) const;
  std::string sign(std::string_view data) const;
  unsigned char key_[32];
};

}  // namespace rtpx::sip
