#include "engine/dtls/dtls_ssl_ctx.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/dtls/dtls_openssl_error.hpp"

namespace rtpx::engine::dtls {

namespace {

// Self-signed certificates are the norm in DTLS-SRTP: trust comes from the fingerprint, which
// each connection checks in its own callback (set per SSL). This one only keeps the default
// chain checks from refusing the handshake.
int accept_any_certificate(int /*preverify_ok*/, X509_STORE_CTX* /*store*/) {
  return 1;
}

}  // namespace

SSL_CTX* new_dtls_ssl_ctx(X509* cert, EVP_PKEY* key, std::string* error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
  const auto fail = [&](const char* what) -> SSL_CTX* {
    if (error) *error = std::string(what) + ": " + take_openssl_error("unknown error");
    SSL_CTX_free(ctx);
    return nullptr;
  };
  if (!ctx) return fail("SSL_CTX_new");
  // DTLS 1.0 stays allowed for older peers (OpenSSL 3's default security level may still refuse
  // it: its MD5+SHA1 handshake hash is below level 1).
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    return fail("DTLS version range");
  }
  if (SSL_CTX_use_certificate(ctx, cert) != 1) return fail("SSL_CTX_use_certificate");
  if (SSL_CTX_use_PrivateKey(ctx, key) != 1) return fail("SSL_CTX_use_PrivateKey");
  if (SSL_CTX_check_private_key(ctx) != 1) return fail("SSL_CTX_check_private_key");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_certificate);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_read_ahead(ctx, 1);
  return ctx;
}

}  // namespace rtpx::engine::dtls
