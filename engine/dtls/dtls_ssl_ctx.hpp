#pragma once
// The OpenSSL context behind every DTLS-SRTP connection that presents one certificate.

#include <string>

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct ssl_ctx_st SSL_CTX;

namespace rtpx::engine::dtls {

// DTLS 1.0 to 1.2 with `cert` and `key`; the peer must present a certificate (any: each
// connection checks it against the SDP fingerprint); no session cache and no tickets, so every
// handshake shows the peer's certificate. nullptr with `error` set on failure.
SSL_CTX* new_dtls_ssl_ctx(X509* cert, EVP_PKEY* key, std::string* error);

}  // namespace rtpx::engine::dtls
