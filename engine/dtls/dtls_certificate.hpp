#pragma once
// The certificate rtpxd presents in DTLS-SRTP handshakes (RFC 5763): an ECDSA P-256 key and a
// self-signed certificate generated at start-up, identified in SDP by its SHA-256 fingerprint.

#include <memory>
#include <span>
#include <string>
#include <string_view>

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct ssl_ctx_st SSL_CTX;

namespace rtpx::engine::dtls {

class Certificate {
 public:
  // Control plane; throws std::runtime_error when OpenSSL fails.
  static std::shared_ptr<const Certificate> generate();
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  X509* x509() const noexcept { return x509_; }
  EVP_PKEY* key() const noexcept { return key_; }
  // "sha-256 AB:CD:..." as a=fingerprint carries it (upper-case hex, colon separated).
  const std::string& fingerprint() const noexcept { return fingerprint_; }
  // The DTLS context every Connection with this certificate shares (made by generate(): DTLS 1.0
  // to 1.2, this key and certificate, peer certificate required, no session resumption).
  SSL_CTX* ssl_ctx() const noexcept { return ssl_ctx_; }

 private:
  Certificate(X509* x509, EVP_PKEY* key, SSL_CTX* ssl_ctx, std::string fingerprint);
  X509* x509_;
  EVP_PKEY* key_;
  SSL_CTX* ssl_ctx_;
  std::string fingerprint_;
};

// The hash function names a=fingerprint may carry here (RFC 4572), lower case: "sha-1", ...
std::span<const std::string_view> fingerprint_hashes() noexcept;

// The a=fingerprint value of `cert` with hash `algorithm` (sha-1, sha-224, sha-256, sha-384,
// sha-512), or empty when the algorithm is unknown.
std::string fingerprint_of(X509* cert, std::string_view algorithm);

}  // namespace rtpx::engine::dtls
