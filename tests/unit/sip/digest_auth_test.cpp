// Server-side digest: responses computed here from RFC 2617's formula (with OpenSSL MD5, not
// sofia) are accepted only with the right password, realm, user and a nonce we issued.
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "plugins/sip/digest_auth.hpp"
#include "tests/common/digest_client.hpp"

namespace {

using rtpx::sip::DigestAuth;
using V = DigestAuth::Verdict;
using rtpx::test::quoted_param;

class Digest : public ::testing::Test {
 protected:
  void SetUp() override { su_home_init(home); }
  void TearDown() override { su_home_deinit(home); }

  // An Authorization header as a UA computes it for `challenge`.
  msg_auth_t* answer(const std::string& challenge, const std::string& user,
                     const std::string& password, const std::string& method = "REGISTER",
                     std::string realm = {}, std::string nonce = {}) {
    if (realm.empty()) realm = quoted_param(challenge, "realm");
    if (nonce.empty()) nonce = quoted_param(challenge, "nonce");
    const std::string uri = "sip:rtpx.test", nc = "00000001", cnonce = "0a4f113b";
    const std::string resp =
        rtpx::test::digest_response(user, realm, password, method, uri, nonce, nc, cnonce);
    const std::string value = "Digest username=\"" + user + "\", realm=\"" + realm +
                              "\", nonce=\"" + nonce + "\", uri=\"" + uri + "\", response=\"" +
                              resp + "\", algorithm=MD5, cnonce=\"" + cnonce +
                              "\", qop=auth, nc=" + nc;
    return sip_authorization_make(home, value.c_str());
  }

  DigestAuth::Result check(msg_auth_t* au, const char* method = "REGISTER") {
    return auth.verify(au, "rtpx.test", method, [this](std::string_view u) {
      auto it = users.find(std::string(u));
      return it == users.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }

  su_home_t home[1] = {SU_HOME_INIT(home)};
  DigestAuth auth;
  std::map<std::string, std::string> users{{"1000", "s3cret"}, {"1001", "other"}};
};

TEST_F(Digest, ChallengeNamesTheRealmAndASignedNonce) {
  const std::string c = auth.challenge("rtpx.test");
  EXPECT_EQ(quoted_param(c, "realm"), "rtpx.test");
  EXPECT_NE(quoted_param(c, "nonce").find('.'), std::string::npos);
  EXPECT_NE(c.find("qop=\"auth\""), std::string::npos);
}

TEST_F(Digest, RightPasswordIsAccepted) {
  auto r = check(answer(auth.challenge("rtpx.test"), "1000", "s3cret"));
  EXPECT_EQ(r.verdict, V::ok);
  EXPECT_EQ(r.username, "1000");
}

TEST_F(Digest, TheMethodIsPartOfTheResponse) {
  auto au = answer(auth.challenge("rtpx.test"), "1000", "s3cret", "REGISTER");
  EXPECT_EQ(check(au, "INVITE").verdict, V::wrong);
  EXPECT_EQ(
      check(answer(auth.challenge("rtpx.test"), "1000", "s3cret", "INVITE"), "INVITE").verdict,
      V::ok);
}

TEST_F(Digest, WrongPasswordUnknownUserAndNoCredentialsAreRefused) {
  EXPECT_EQ(check(answer(auth.challenge("rtpx.test"), "1000", "guess")).verdict, V::wrong);
  EXPECT_EQ(check(answer(auth.challenge("rtpx.test"), "2000", "s3cret")).verdict, V::unknown_user);
  EXPECT_EQ(check(nullptr).verdict, V::missing);
}

TEST_F(Digest, ANonceWeDidNotIssueIsRefused) {
  const std::string forged = "65f00000.0123456789abcdef01234567";
  auto r = check(answer(auth.challenge("rtpx.test"), "1000", "s3cret", "REGISTER", {}, forged));
  EXPECT_EQ(r.verdict, V::bad_nonce);
  DigestAuth other;  // another process's key
  EXPECT_EQ(check(answer(other.challenge("rtpx.test"), "1000", "s3cret")).verdict, V::bad_nonce);
}

TEST_F(Digest, CredentialsForAnotherRealmAreNotAccepted) {
  auto r = check(answer(auth.challenge("elsewhere.test"), "1000", "s3cret"));
  EXPECT_EQ(r.verdict, V::wrong_realm);
}

}  // namespace
