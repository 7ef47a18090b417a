// Known answers: RFC 3711 B.2 (AES-CM keystream) and B.3 (key derivation), RFC 6188 section 7.2
// (AES-256 key derivation), and libsrtp's own srtp_validate / srtp_validate_mki /
// srtp_validate_gcm packets (test/srtp_driver.c), which go through the whole context: key
// derivation, cipher, tag and packet layout.

#include <gtest/gtest.h>

#include "engine/srtp/srtp_cipher.hpp"
#include "engine/srtp/srtp_context.hpp"
#include "engine/srtp/srtp_kdf.hpp"
#include "tests/unit/engine/srtp/srtp_test_packets.hpp"

namespace rtpx::engine::srtp {
namespace {

using testing::Bytes;
using testing::hex;

Bytes derive(const Bytes& key, const Bytes& salt, KdfLabel label, size_t n) {
  Bytes out(n);
  EXPECT_TRUE(
      derive_session_key(key.data(), key.size(), salt.data(), salt.size(), label, out.data(), n));
  return out;
}

TEST(SrtpVectors, Rfc3711B2AesCmKeystream) {
  const Bytes key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
  const Bytes iv = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");  // salt * 2^16, SSRC and index 0
  AesCtr ctr;
  ASSERT_TRUE(ctr.init(key.data(), key.size()));
  Bytes ks(0xFF02 * 16, 0);  // the RFC's whole keystream segment
  ASSERT_TRUE(ctr.apply(iv.data(), ks.data(), ks.size()));
  auto block = [&ks](size_t i) { return Bytes(ks.begin() + i * 16, ks.begin() + i * 16 + 16); };
  EXPECT_EQ(block(0x0000), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
  EXPECT_EQ(block(0x0001), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
  EXPECT_EQ(block(0x0002), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
  EXPECT_EQ(block(0xFEFF), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
  EXPECT_EQ(block(0xFF00), hex("362B7C3C6773516318A077D7FC5073AE"));
  EXPECT_EQ(block(0xFF01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

TEST(SrtpVectors, Rfc3711B3KeyDerivation) {
  const Bytes key = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const Bytes salt = hex("0EC675AD498AFEEBB6960B3AABE6");
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_encryption, 16),
            hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_salt, 14), hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_auth, 94),
            hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
                "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
                "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"));
}

TEST(SrtpVectors, Rfc6188Aes256KeyDerivation) {
  const Bytes key = hex("F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6");
  const Bytes salt = hex("3B04803DE51EE7C96423AB5B78D2");
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_encryption, 32),
            hex("5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_salt, 14), hex("FA31791685CA444A9E07C6C64E93"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_auth, 20),
            hex("FD9C32D39ED5FBB5A9DC96B30818454D1313DC05"));
}

// libsrtp test/srtp_driver.c: test_key, test_key_gcm, test_mki_id.
const Bytes kLibsrtpKey =
    hex("e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6"
        "c317f2dabe357793b6960b3aabe6");
const Bytes kLibsrtpGcmKey = hex("000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab");
const Bytes kRtpPlain = hex("800f1234decafbadcafebabe abababababababababababababababab");
const Bytes kRtcpPlain = hex("81c8000bcafebabe abababababababababababababababab");

struct Vector {
  const char* name;
  Suite suite;
  Bytes key;
  Bytes mki;
  Bytes srtp;
  Bytes srtcp;
};

class LibsrtpVector : public ::testing::TestWithParam<Vector> {};

TEST_P(LibsrtpVector, ProtectsAndUnprotectsToTheReferenceBytes) {
  const Vector& v = GetParam();
  const MasterKey mk = testing::master_key(v.suite, v.key, v.mki);
  std::string error;
  auto tx = Context::create(mk, Context::Direction::outbound, &error);
  auto rx = Context::create(mk, Context::Direction::inbound, &error);
  ASSERT_TRUE(tx && rx) << error;

  Bytes pkt = kRtpPlain;
  ASSERT_EQ(testing::protect(*tx, &pkt), Status::ok);
  EXPECT_EQ(pkt, v.srtp);
  Bytes rtcp = kRtcpPlain;
  ASSERT_EQ(testing::protect(*tx, &rtcp, true), Status::ok);
  EXPECT_EQ(rtcp, v.srtcp);

  pkt = v.srtp;
  ASSERT_EQ(testing::unprotect(*rx, &pkt), Status::ok);
  EXPECT_EQ(pkt, kRtpPlain);
  rtcp = v.srtcp;
  ASSERT_EQ(testing::unprotect(*rx, &rtcp, true), Status::ok);
  EXPECT_EQ(rtcp, kRtcpPlain);
}

INSTANTIATE_TEST_SUITE_P(
    SrtpDriver, LibsrtpVector,
    ::testing::Values(
        // srtp_validate()
        Vector{"aes_cm_128_hmac_sha1_80",
               Suite::aes_cm_128_hmac_sha1_80,
               kLibsrtpKey,
               {},
               hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402"
                   "b78d6acc99ea179b8dbb"),
               hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8"
                   "80000001 993e08cd54d6c1230798")},
        // srtp_validate_mki(): the MKI goes between the payload (or E||index) and the tag.
        Vector{"aes_cm_128_hmac_sha1_80_mki", Suite::aes_cm_128_hmac_sha1_80, kLibsrtpKey,
               hex("e1f97a0d"),
               hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402"
                   "e1f97a0d b78d6acc99ea179b8dbb"),
               hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8"
                   "80000001 e1f97a0d 993e08cd54d6c1230798")},
        // srtp_validate_gcm(): SRTCP puts E||index after the GCM tag (RFC 7714 section 9).
        Vector{"aead_aes_128_gcm",
               Suite::aead_aes_128_gcm,
               kLibsrtpGcmKey,
               {},
               hex("800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e"
                   "d2976826f796b201df3131a127e8a392"),
               hex("81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025"
                   "c52c6fbea2b3b446ea31123ba88ce61e 80000001")}),
    [](const ::testing::TestParamInfo<Vector>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace rtpx::engine::srtp
