#include "engine/dtls/dtls_certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <regex>

namespace rtpx::engine::dtls {
namespace {

const std::shared_ptr<const Certificate>& cert() {
  static const auto c = Certificate::generate();
  return c;
}

// "sha-256 " + `bytes` bytes as upper-case hex pairs separated by colons.
std::regex fingerprint_pattern(const std::string& algorithm, int bytes) {
  return std::regex(algorithm + " [0-9A-F]{2}(:[0-9A-F]{2}){" + std::to_string(bytes - 1) + "}");
}

TEST(DtlsCertificate, FingerprintIsSha256WithColons) {
  const std::string& fp = cert()->fingerprint();
  ASSERT_EQ(fp.size(), 8u + 95u);
  EXPECT_EQ(fp.substr(0, 8), "sha-256 ");
  EXPECT_TRUE(std::regex_match(fp, fingerprint_pattern("sha-256", 32))) << fp;
  EXPECT_EQ(fingerprint_of(cert()->x509(), "sha-256"), fp);
}

TEST(DtlsCertificate, FingerprintOfEachAlgorithm) {
  const struct {
    const char* name;
    int bytes;
  } algs[] = {{"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}};
  for (const auto& a : algs) {
    const std::string fp = fingerprint_of(cert()->x509(), a.name);
    EXPECT_EQ(fp.size(), std::string(a.name).size() + 1 + size_t(a.bytes) * 3 - 1) << a.name;
    EXPECT_TRUE(std::regex_match(fp, fingerprint_pattern(a.name, a.bytes))) << fp;
  }
  // The hash name is matched without regard to case; the value keeps the canonical name.
  EXPECT_EQ(fingerprint_of(cert()->x509(), "SHA-256"), cert()->fingerprint());
}

TEST(DtlsCertificate, UnknownAlgorithmGivesEmpty) {
  EXPECT_EQ(fingerprint_of(cert()->x509(), "md5"), "");
  EXPECT_EQ(fingerprint_of(cert()->x509(), "sha256"), "");
  EXPECT_EQ(fingerprint_of(cert()->x509(), ""), "");
  EXPECT_EQ(fingerprint_of(nullptr, "sha-256"), "");
}

TEST(DtlsCertificate, SelfSignedP256NamedRtpxValidForAboutThirtyDays) {
  X509* x = cert()->x509();
  ASSERT_NE(x, nullptr);
  ASSERT_NE(cert()->key(), nullptr);
  ASSERT_NE(cert()->ssl_ctx(), nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(cert()->key()), EVP_PKEY_EC);
  char group[64] = {};
  size_t group_len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(cert()->key(), group, sizeof(group), &group_len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_verify(x, cert()->key()), 1);

  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "rtpx");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);

  time_t now = std::time(nullptr);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(x), &now), 0);
  time_t in_29_days = now + 29 * 24 * 3600;
  time_t in_31_days = now + 31 * 24 * 3600;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x), &in_29_days), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(x), &in_31_days), 0);
}

TEST(DtlsCertificate, EachCertificateIsNew) {
  const auto other = Certificate::generate();
  EXPECT_NE(other->fingerprint(), cert()->fingerprint());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(other->x509()),
                             X509_get0_serialNumber(cert()->x509())),
            0);
}

}  // namespace
}  // namespace rtpx::engine::dtls
