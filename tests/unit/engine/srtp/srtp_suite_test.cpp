// The suite table: preference order, lookups, sizes.

#include "engine/srtp/srtp_suite.hpp"

#include <gtest/gtest.h>

namespace rtpx::engine::srtp {
namespace {

TEST(SrtpSuite, PreferenceOrderStrongestFirst) {
  const auto all = all_suites();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].suite, Suite::aead_aes_256_gcm);
  EXPECT_EQ(all[1].suite, Suite::aead_aes_128_gcm);
  EXPECT_EQ(all[2].suite, Suite::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(all[3].suite, Suite::aes_cm_128_hmac_sha1_32);
}

TEST(SrtpSuite, SizesAndProfiles) {
  const SuiteInfo& cm80 = info(Suite::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(cm80.name, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(cm80.openssl_profile, "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(cm80.dtls_profile, 0x0001);
  EXPECT_EQ(cm80.key_len, 16);
  EXPECT_EQ(cm80.salt_len, 14);
  EXPECT_EQ(cm80.rtp_tag_len, 10);
  EXPECT_EQ(cm80.rtcp_tag_len, 10);
  EXPECT_FALSE(cm80.aead);
  const SuiteInfo& cm32 = info(Suite::aes_cm_128_hmac_sha1_32);
  EXPECT_EQ(cm32.openssl_profile, "SRTP_AES128_CM_SHA1_32");
  EXPECT_EQ(cm32.dtls_profile, 0x0002);
  EXPECT_EQ(cm32.rtp_tag_len, 4);
  EXPECT_EQ(cm32.rtcp_tag_len, 10);
  const SuiteInfo& gcm128 = info(Suite::aead_aes_128_gcm);
  EXPECT_EQ(gcm128.openssl_profile, "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(gcm128.dtls_profile, 0x0007);
  EXPECT_EQ(gcm128.key_len, 16);
  EXPECT_EQ(gcm128.salt_len, 12);
  EXPECT_EQ(gcm128.rtp_tag_len, 16);
  EXPECT_TRUE(gcm128.aead);
  const SuiteInfo& gcm256 = info(Suite::aead_aes_256_gcm);
  EXPECT_EQ(gcm256.name, "AEAD_AES_256_GCM");
  EXPECT_EQ(gcm256.openssl_profile, "SRTP_AEAD_AES_256_GCM");
  EXPECT_EQ(gcm256.dtls_profile, 0x0008);
  EXPECT_EQ(gcm256.key_len, 32);
  EXPECT_EQ(gcm256.rtcp_tag_len, 16);
}

TEST(SrtpSuite, Lookups) {
  for (const SuiteInfo& i : all_suites()) {
    EXPECT_EQ(suite_by_name(i.name), i.suite);
    EXPECT_EQ(suite_by_dtls_profile(i.dtls_profile), i.suite);
    EXPECT_EQ(&info(i.suite), &i);
  }
  EXPECT_FALSE(suite_by_name("aes_cm_128_hmac_sha1_80"));  // case-sensitive
  EXPECT_FALSE(suite_by_name("F8_128_HMAC_SHA1_80"));
  EXPECT_FALSE(suite_by_dtls_profile(0x0005));
}

}  // namespace
}  // namespace rtpx::engine::srtp
