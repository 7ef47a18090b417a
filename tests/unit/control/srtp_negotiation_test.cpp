// SRTP offer/answer as rtpxd writes it (rtpengine 10.5's shape): what rtpxd offers a party it
// bridges to SRTP, how it answers a party's SDES or DTLS-SRTP offer, the ng SDES/DTLS options,
// per-leg keys, and the errors that name the field.

#include <gtest/gtest.h>

#include <regex>

#include "control/sdp/sdp_crypto.hpp"
#include "tests/unit/control/session_fixture.hpp"

namespace rtpx::control {
namespace {

std::vector<std::string> lines_named(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  auto parsed = sdp::parse(text);
  if (!parsed.ok()) return out;
  for (const sdp::Media& m : parsed.session->media)
    for (const sdp::Attribute& a : m.attributes)
      if (a.name == name) out.push_back(a.value.value_or(""));
  for (const sdp::Attribute& a : parsed.session->attributes)
    if (a.name == name) out.push_back("session:" + a.value.value_or(""));
  return out;
}

std::string m_line(const std::string& text) {
  auto parsed = sdp::parse(text);
  return parsed.ok() && !parsed.session->media.empty() ? parsed.session->media[0].to_string() : "";
}

std::vector<std::string> suites_of(const std::vector<std::string>& crypto) {
  std::vector<std::string> out;
  for (const std::string& c : crypto) {
    auto parsed = sdp::parse_crypto(c, nullptr);
    out.push_back(parsed ? std::to_string(parsed->tag) + " " + parsed->suite : "bad: " + c);
  }
  return out;
}

std::string body(uint16_t port, const std::string& proto, const std::string& extra) {
  return "v=0\r\no=- 7 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " " + proto + " 0\r\n" + extra;
}

constexpr const char* kKey80 = "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";
constexpr const char* kFingerprint =
    "sha-256 AE:42:A8:52:B0:9B:1C:D1:79:CD:49:48:00:95:87:93:21:65:57:A7:6D:F3:9A:4B:58:A1:AF:"
    "E9:D1:31:C6:F1";

class SrtpNegotiationTest : public SessionServiceTest {
 protected:
  Result<std::string> offer(const std::string& sdp_text, std::vector<std::string> flags = {},
                            const std::string& id = "c") {
    SignalRequest r = req(id, sdp_text);
    for (const std::string& f : flags) EXPECT_TRUE(apply_signal_flag(r, f)) << f;
    return svc_->offer(r);
  }
  Result<std::string> answer(const std::string& sdp_text, const std::string& id = "c") {
    return svc_->answer(req(id, sdp_text, "B"));
  }
  // The SRTP picture of leg `leg`'s RTP socket.
  std::optional<SrtpSnapshot> srtp_of(int leg, const std::string& id = "c") {
    auto q = svc_->query(id);
    if (!q.ok() || q->legs.size() <= static_cast<size_t>(leg)) return std::nullopt;
    return q->legs[static_cast<size_t>(leg)].media.at(0).streams.at(0).srtp;
  }
};

TEST_F(SrtpNegotiationTest, PlainToSavpOffersEverySuiteAndDtlsInRtpenginesOrder) {
  auto o = offer(sdp(4000, "a=ptime:20\r\n"), {"RTP/SAVP"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_NE(m_line(*o).find(" RTP/SAVP 0"), std::string::npos) << *o;
  EXPECT_EQ(suites_of(lines_named(*o, "crypto")),
            (std::vector<std::string>{"1 AEAD_AES_256_GCM", "2 AEAD_AES_128_GCM",
                                      "3 AES_CM_128_HMAC_SHA1_80", "4 AES_CM_128_HMAC_SHA1_32"}));
  EXPECT_EQ(lines_named(*o, "setup"), std::vector<std::string>{"actpass"});
  const auto fp = lines_named(*o, "fingerprint");
  ASSERT_EQ(fp.size(), 1u);
  EXPECT_TRUE(std::regex_match(fp[0], std::regex("sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}")))
      << fp[0];
  // rtpengine's order: rtcp, crypto..., setup, fingerprint, ptime.
  const std::string& t = *o;
  EXPECT_LT(t.find("a=rtcp:"), t.find("a=crypto:1"));
  EXPECT_LT(t.find("a=crypto:4"), t.find("a=setup:"));
  EXPECT_LT(t.find("a=fingerprint:"), t.find("a=ptime:20"));
  // Every key is fresh, of its suite's length.
  std::set<std::string> keys;
  for (const std::string& c : lines_named(*o, "crypto")) {
    auto parsed = sdp::parse_crypto(c, nullptr);
    ASSERT_TRUE(parsed);
    const auto& i = engine::srtp::info(*engine::srtp::suite_by_name(parsed->suite));
    EXPECT_EQ(parsed->key_salt.size(), size_t{i.key_len} + i.salt_len) << c;
    keys.insert(parsed->key_salt);
  }
  EXPECT_EQ(keys.size(), 4u);
}

TEST_F(SrtpNegotiationTest, SdesAnswerKeysTheSavpLegAndThePlainPartyHearsPlainRtp) {
  auto o = offer(sdp(4000), {"RTP/SAVP"});
  ASSERT_TRUE(o.ok());
  auto a = answer(
      body(5000, "RTP/SAVP", "a=crypto:3 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_NE(m_line(*a).find(" RTP/AVP 0"), std::string::npos) << *a;
  EXPECT_TRUE(lines_named(*a, "crypto").empty());
  EXPECT_TRUE(lines_named(*a, "fingerprint").empty());
  settle();
  auto b = srtp_of(1);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->key_exchange, "sdes");
  EXPECT_EQ(b->suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_FALSE(srtp_of(0)) << "the plain party's socket has no SRTP";
}

TEST_F(SrtpNegotiationTest, SavpOfferIsAnsweredWithTheFirstSupportedSuiteAndAFreshKey) {
  auto o = offer(body(4000, "RTP/SAVP",
                      "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + std::string(64, 'A') +
                          "\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 " + kKey80 + "|2^31|1:1\r\n"),
                 {"RTP/AVP"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_NE(m_line(*o).find(" RTP/AVP 0"), std::string::npos);
  EXPECT_TRUE(lines_named(*o, "crypto").empty()) << *o;
  auto a = answer(sdp(5000));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_NE(m_line(*a).find(" RTP/SAVP 0"), std::string::npos) << *a;
  const auto crypto = lines_named(*a, "crypto");
  ASSERT_EQ(crypto.size(), 1u) << *a;
  auto mine = sdp::parse_crypto(crypto[0], nullptr);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->tag, 2u);
  EXPECT_EQ(mine->suite, "AES_CM_128_HMAC_SHA1_32");
  EXPECT_EQ(mine->key_salt.size(), 30u);
  EXPECT_NE(mine->key_salt, sdp::parse_crypto(std::string("2 X ") + kKey80, nullptr)->key_salt)
      << "rtpxd encrypts with its own key, never the party's";
  settle();
  auto s = srtp_of(0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->suite, "AES_CM_128_HMAC_SHA1_32");
}

TEST_F(SrtpNegotiationTest, SavpToSavpUsesAnotherKeyOnEachLeg) {
  auto o = offer(
      body(4000, "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"));
  ASSERT_TRUE(o.ok()) << o.error().message;
  const auto offered = lines_named(*o, "crypto");
  ASSERT_EQ(offered.size(), 4u);
  for (const std::string& c : offered)
    EXPECT_EQ(c.find(std::string(kKey80).substr(7)), std::string::npos) << "A's key leaked: " << c;
  auto a = answer(body(5000, "RTP/SAVP", "a=crypto:4 " + offered[3].substr(2) + "\r\n"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(lines_named(*a, "crypto").size(), 1u);
  settle();
  EXPECT_EQ(srtp_of(0)->suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(srtp_of(1)->suite, "AES_CM_128_HMAC_SHA1_32");
}

TEST_F(SrtpNegotiationTest, SdesAndDtlsFlagsShapeTheOffer) {
  auto o = offer(sdp(4000),
                 {"RTP/SAVPF", "SDES-no-AEAD_AES_256_GCM", "SDES-no-AEAD_AES_128_GCM", "DTLS=off"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(suites_of(lines_named(*o, "crypto")),
            (std::vector<std::string>{"1 AES_CM_128_HMAC_SHA1_80", "2 AES_CM_128_HMAC_SHA1_32"}));
  EXPECT_TRUE(lines_named(*o, "setup").empty());
  auto only = offer(sdp(4100), {"RTP/SAVP", "SDES-only-AES_CM_128_HMAC_SHA1_32"}, "c2");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(suites_of(lines_named(*only, "crypto")),
            std::vector<std::string>{"1 AES_CM_128_HMAC_SHA1_32"});
  auto dtls_only = offer(sdp(4200), {"UDP/TLS/RTP/SAVPF", "SDES-off"}, "c3");
  ASSERT_TRUE(dtls_only.ok());
  EXPECT_TRUE(lines_named(*dtls_only, "crypto").empty());
  EXPECT_EQ(lines_named(*dtls_only, "setup"), std::vector<std::string>{"actpass"});
  EXPECT_NE(m_line(*dtls_only).find("UDP/TLS/RTP/SAVPF"), std::string::npos);
}

TEST_F(SrtpNegotiationTest, DtlsOfferIsAnsweredActiveUnlessAskedPassive) {
  const std::string dtls = "a=setup:actpass\r\na=fingerprint:" + std::string(kFingerprint) +
                           "\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " + kKey80 + "\r\n";
  ASSERT_TRUE(offer(body(4000, "UDP/TLS/RTP/SAVPF", dtls), {"RTP/AVP"}).ok());
  auto a = answer(sdp(5000));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(lines_named(*a, "setup"), std::vector<std::string>{"active"});
  EXPECT_EQ(lines_named(*a, "fingerprint").size(), 1u);
  EXPECT_TRUE(lines_named(*a, "crypto").empty()) << "a=fingerprint wins over a=crypto";
  settle();
  auto s = srtp_of(0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->key_exchange, "dtls");
  EXPECT_EQ(s->dtls_role, "active");

  ASSERT_TRUE(offer(body(4100, "UDP/TLS/RTP/SAVPF", dtls), {"RTP/AVP", "DTLS=passive"}, "c2").ok());
  auto p = answer(sdp(5100), "c2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(lines_named(*p, "setup"), std::vector<std::string>{"passive"});
  // DTLS=off: the same offer is answered with SDES.
  ASSERT_TRUE(offer(body(4200, "RTP/SAVP", dtls), {"RTP/AVP", "DTLS=off"}, "c3").ok());
  auto sdes = answer(sdp(5200), "c3");
  ASSERT_TRUE(sdes.ok());
  EXPECT_EQ(lines_named(*sdes, "crypto").size(), 1u);
  EXPECT_TRUE(lines_named(*sdes, "setup").empty());
}

TEST_F(SrtpNegotiationTest, AnAnswerWithAFingerprintMakesRtpxdTheServerUnlessItIsPassive) {
  ASSERT_TRUE(offer(sdp(4000), {"RTP/SAVP"}).ok());
  auto a = answer(body(5000, "RTP/SAVP",
                       "a=setup:active\r\na=fingerprint:" + std::string(kFingerprint) + "\r\n"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  settle();
  EXPECT_EQ(srtp_of(1)->dtls_role, "passive");
  ASSERT_TRUE(offer(sdp(4100), {"RTP/SAVP"}, "c2").ok());
  ASSERT_TRUE(answer(body(5100, "RTP/SAVP",
                          "a=setup:passive\r\na=fingerprint:" + std::string(kFingerprint) + "\r\n"),
                     "c2")
                  .ok());
  settle();
  EXPECT_EQ(srtp_of(1, "c2")->dtls_role, "active");
}

TEST_F(SrtpNegotiationTest, AReOfferKeepsTheKeys) {
  auto first = offer(sdp(4000), {"RTP/SAVP"});
  ASSERT_TRUE(first.ok());
  auto again = offer(sdp(4000), {"RTP/SAVP"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(lines_named(*first, "crypto"), lines_named(*again, "crypto"));
  auto o = offer(
      body(4100, "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"),
      {"RTP/AVP"}, "c2");
  ASSERT_TRUE(o.ok());
  auto a1 = answer(sdp(5100), "c2");
  ASSERT_TRUE(offer(body(4100, "RTP/SAVP",
                         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"),
                    {"RTP/AVP"}, "c2")
                  .ok());
  auto a2 = answer(sdp(5100), "c2");
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(lines_named(*a1, "crypto"), lines_named(*a2, "crypto"));
}

TEST_F(SrtpNegotiationTest, UnusableKeyExchangeIsRefusedNamingTheSdp) {
  auto none = offer(body(4000, "RTP/SAVP", ""), {"RTP/AVP"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().field, "sdp");
  EXPECT_NE(none.error().message.find("without a usable a=crypto or a=fingerprint"),
            std::string::npos)
      << none.error().message;
  EXPECT_EQ(svc_->counters().current, 0u) << "the refused offer left no call behind";

  auto short_key = offer(
      body(4000, "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n"), {"RTP/AVP"});
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.error().message.find("key has 3 bytes"), std::string::npos)
      << short_key.error().message;

  ASSERT_TRUE(offer(sdp(4000), {"RTP/SAVP"}).ok());
  auto wrong_tag = answer(
      body(5000, "RTP/SAVP", "a=crypto:9 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"));
  ASSERT_FALSE(wrong_tag.ok());
  EXPECT_EQ(wrong_tag.error().field, "sdp");
  EXPECT_NE(wrong_tag.error().message.find("answers no a=crypto line"), std::string::npos);

  ASSERT_TRUE(offer(sdp(4100), {}, "c2").ok());
  auto unasked = answer(
      body(5100, "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + std::string(kKey80) + "\r\n"),
      "c2");
  ASSERT_FALSE(unasked.ok());
  EXPECT_NE(unasked.error().message.find("plain RTP was offered"), std::string::npos);
}

TEST_F(SrtpNegotiationTest, ThePartyDecliningSrtpLeavesItsLegPlain) {
  ASSERT_TRUE(offer(sdp(4000), {"RTP/SAVP"}).ok());
  auto a = answer(sdp(5000));
  ASSERT_TRUE(a.ok()) << a.error().message;
  settle();
  EXPECT_FALSE(srtp_of(1));
}

TEST_F(SrtpNegotiationTest, UnknownTransportProtocolIsRefusedAsNotSupported) {
  SignalRequest r = req("c", sdp(4000));
  r.transport_protocol = "RTP/XYZ";
  auto o = svc_->offer(r);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().field, "transport-protocol");
  EXPECT_EQ(o.error().code, ErrorCode::not_supported);
}

}  // namespace
}  // namespace rtpx::control
