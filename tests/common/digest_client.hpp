#pragma once
// The client side of SIP digest authentication (RFC 2617 / RFC 3261 22.4, qop=auth), written
// independently of plugins/sip so tests can check the registrar's answers against it.

#include <openssl/evp.h>

#include <string>

namespace rtpx::test {

inline std::string md5hex(const std::string& s) {
  unsigned char d[16];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  static const char* x = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += x[d[i] >> 4];
    out += x[d[i] & 15];
  }
  return out;
}

// The value of `name="..."` in a WWW-Authenticate / Authorization header, or empty.
inline std::string quoted_param(const std::string& header, const std::string& name) {
  const size_t at = header.find(name + "=\"");
  if (at == std::string::npos) return {};
  const size_t from = at + name.size() + 2;
  return header.substr(from, header.find('"', from) - from);
}

// response= for qop=auth.
inline std::string digest_response(const std::string& user, const std::string& realm,
                                   const std::string& password, const std::string& method,
                                   const std::string& uri, const std::string& nonce,
                                   const std::string& nc, const std::string& cnonce) {
  const std::string ha1 = md5hex(user + ":" + realm + ":" + password);
  const std::string ha2 = md5hex(method + ":" + uri);
  return md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
}

}  // namespace rtpx::test
