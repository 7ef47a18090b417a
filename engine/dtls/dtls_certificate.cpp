#include "engine/dtls/dtls_certificate.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>
#include <stdexcept>

#include "engine/dtls/dtls_openssl_error.hpp"
#include "engine/dtls/dtls_ssl_ctx.hpp"

namespace rtpx::engine::dtls {

namespace {

constexpr long kValidBeforeS = 24L * 3600;      // an hour of clock skew is common; allow a day
constexpr long kValidAfterS = 30L * 24 * 3600;  // 30 days, as browsers' certificates

struct DigestName {
  std::string_view name;
  const EVP_MD* (*md)();
};
// RFC 4572 section 5 hash function names (the IANA "Hash Function Textual Names").
constexpr std::array<DigestName, 5> kDigests{{
    {"sha-1", EVP_sha1},
    {"sha-224", EVP_sha224},
    {"sha-256", EVP_sha256},
    {"sha-384", EVP_sha384},
    {"sha-512", EVP_sha512},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void throw_openssl(const char* what) {
  throw std::runtime_error(std::string("DTLS certificate: ") + what + ": " +
                           take_openssl_error("unknown error"));
}

// A positive 63-bit serial from the CSPRNG, so two rtpxd instances never present the same one.
void set_random_serial(X509* x509) {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw_openssl("RAND_bytes");
  bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr);
  const bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nullptr;
  BN_free(bn);
  if (!ok) throw_openssl("serial number");
}

void set_name(X509* x509) {
  X509_NAME* name = X509_get_subject_name(x509);
  const auto* cn = reinterpret_cast<const unsigned char*>("rtpx");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(x509, name) != 1) {
    throw_openssl("subject name");
  }
}

}  // namespace

std::shared_ptr<const Certificate> Certificate::generate() {
  ERR_clear_error();
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw_openssl("EVP_EC_gen(P-256)");
  X509* x509 = X509_new();
  try {
    if (!x509) throw_openssl("X509_new");
    if (X509_set_version(x509, X509_VERSION_3) != 1) throw_openssl("X509_set_version");
    set_random_serial(x509);
    set_name(x509);
    if (!X509_gmtime_adj(X509_getm_notBefore(x509), -kValidBeforeS) ||
        !X509_gmtime_adj(X509_getm_notAfter(x509), kValidAfterS)) {
      throw_openssl("validity");
    }
    if (X509_set_pubkey(x509, key) != 1) throw_openssl("X509_set_pubkey");
    if (X509_sign(x509, key, EVP_sha256()) == 0) throw_openssl("X509_sign");
    std::string fingerprint = fingerprint_of(x509, "sha-256");
    if (fingerprint.empty()) throw_openssl("fingerprint");
    std::string error;
    SSL_CTX* ctx = new_dtls_ssl_ctx(x509, key, &error);
    if (!ctx) throw std::runtime_error("DTLS certificate: " + error);
    return std::shared_ptr<const Certificate>(
        new Certificate(x509, key, ctx, std::move(fingerprint)));
  } catch (...) {
    X509_free(x509);
    EVP_PKEY_free(key);
    throw;
  }
}

Certificate::Certificate(X509* x509, EVP_PKEY* key, SSL_CTX* ssl_ctx, std::string fingerprint)
    : x509_(x509), key_(key), ssl_ctx_(ssl_ctx), fingerprint_(std::move(fingerprint)) {}

Certificate::~Certificate() {
  SSL_CTX_free(ssl_ctx_);
  X509_free(x509_);
  EVP_PKEY_free(key_);
}

std::span<const std::string_view> fingerprint_hashes() noexcept {
  static constexpr auto kNames = [] {
    std::array<std::string_view, kDigests.size()> n{};
    for (size_t i = 0; i < n.size(); ++i) n[i] = kDigests[i].name;
    return n;
  }();
  return kNames;
}

std::string fingerprint_of(X509* cert, std::string_view algorithm) {
  if (!cert) return {};
  for (const DigestName& d : kDigests) {
    if (!iequals(d.name, algorithm)) continue;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    if (X509_digest(cert, d.md(), digest.data(), &len) != 1) {
      ERR_clear_error();
      return {};
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out(d.name);
    out.reserve(out.size() + 1 + len * 3);
    out += ' ';
    for (unsigned int i = 0; i < len; ++i) {
      if (i) out += ':';
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 0xf];
    }
    return out;
  }
  return {};
}

}  // namespace rtpx::engine::dtls
