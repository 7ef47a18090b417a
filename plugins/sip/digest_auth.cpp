#include "plugins/sip/digest_auth.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <ctime>
#include <stdexcept>

namespace rtpx::sip {

namespace {
std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}
int64_t now_s() {
  return static_cast<int64_t>(std::time(nullptr));
}
}  // namespace

DigestAuth::DigestAuth() {
  if (RAND_bytes(key_, sizeof key_) != 1) throw std::runtime_error("sip: no random bytes");
}

std::string DigestAuth::sign(std::string_view data) const {
  unsigned char mac[32];
  size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_, sizeof key_,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac,
                 &len))
    return {};
  return hex(mac, 12);
}

std::string DigestAuth::nonce(int64_t now) const {
  char ts[24];
  std::snprintf(ts, sizeof ts, "%llx", static_cast<unsigned long long>(now));
  return std::string(ts) + "." + sign(ts);
}

bool DigestAuth::nonce_valid(std::string_view n, int64_t now, bool& stale) const {
  stale = false;
  const size_t dot = n.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 16) return false;
  const std::string ts(n.substr(0, dot));
  if (sign(ts) != n.substr(dot + 1)) return false;
  const int64_t issued = static_cast<int64_t>(std::strtoull(ts.c_str(), nullptr, 16));
  if (issued > now + 5) return false;
  stale = now - issued > kNonceLifetime;
  return true;
}

std::string DigestAuth::challenge(std::string_view realm, bool stale) const {
  std::string c = "Digest realm=\"" + std::string(realm) + "\", nonce=\"" + nonce(now_s()) +
                  "\", algorithm=MD5, qop=\"auth\"";
  if (stale) c += ", stale=true";
  return c;
}

DigestAuth::Result DigestAuth::verify(const msg_auth_t* credentials, std::string_view realm,
                                      const char* method, const PasswordOf& password_of) const {
  Result r;
  su_home_t home[1] = {SU_HOME_INIT(home)};
  for (const msg_auth_t* au = credentials; au; au = au->au_next) {
    if (!au->au_scheme || strcasecmp(au->au_scheme, "Digest") != 0) continue;
    auth_response_t ar[1] = {};
    ar->ar_size = sizeof(ar[0]);
    if (auth_digest_response_get(home, ar, au->au_params) < 0 || !ar->ar_username ||
        !ar->ar_realm || !ar->ar_nonce || !ar->ar_response || !ar->ar_uri) {
      r.verdict = Verdict::wrong;
      continue;
    }
    if (realm != ar->ar_realm) {
      r.verdict = Verdict::wrong_realm;
      continue;
    }
    r.username = ar->ar_username;
    bool stale = false;
    if (!nonce_valid(ar->ar_nonce, now_s(), stale)) {
      r.verdict = Verdict::bad_nonce;
      break;
    }
    auto password = password_of(ar->ar_username);
    if (!password) {
      r.verdict = Verdict::unknown_user;
      break;
    }
    auth_hexmd5_t ha1, expected;
    auth_digest_ha1(ha1, ar->ar_username, ar->ar_realm, password->c_str());
    auth_digest_response(ar, expected, ha1, method, nullptr, 0);
    if (strcasecmp(expected, ar->ar_response) != 0) {
      r.verdict = Verdict::wrong;
      break;
    }
    r.verdict = stale ? Verdict::stale : Verdict::ok;
    break;
  }
  su_home_deinit(home);
  return r;
}

const char* DigestAuth::describe(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "ok";
    case Verdict::missing:
      return "no credentials";
    case Verdict::wrong_realm:
      return "credentials for another realm";
    case Verdict::bad_nonce:
      return "nonce not issued here";
    case Verdict::stale:
      return "stale nonce";
    case Verdict::unknown_user:
      return "unknown user";
    case Verdict::wrong:
      return "wrong password";
  }
  return "?";
}

}  // namespace rtpx::sip
