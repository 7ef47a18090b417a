#include "engine/dtls/dtls_openssl_error.hpp"

#include <openssl/err.h>

namespace rtpx::engine::dtls {

std::string take_openssl_error(std::string_view fallback) {
  const unsigned long code = ERR_get_error();
  std::string text;
  if (code == 0) {
    text = fallback;
  } else if (const char* reason = ERR_reason_error_string(code)) {
    text = reason;
  } else {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

}  // namespace rtpx::engine::dtls
