// SRTP against independent implementations, through a real rtpxd:
//  - rtpengine 10.5 as the far end: rtpxd bridges plain RTP to SDES-SRTP (every suite) or
//    DTLS-SRTP and rtpengine decrypts back to plain RTP, and the reverse (rtpengine encrypts,
//    rtpxd decrypts). Every packet must arrive intact both ways.
//  - a party keyed with libsrtp2 from the keys in the SDP: what rtpxd sends unprotects with
//    libsrtp2; tampered, wrong-key and replayed packets are rejected and counted per stream.

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <chrono>
#include <regex>
#include <thread>

#include "control/sdp/sdp_crypto.hpp"
#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/rtpengine_process.hpp"

namespace rtpx::test {
namespace {

using ng::Dict;
using ng::List;
using ng::Value;
using Bytes = std::vector<uint8_t>;

// Sends `n` packets each way and counts those that arrive byte for byte as sent.
std::pair<size_t, size_t> exchange(Phone& a, const net::SockAddr& to_a_side, Phone& b,
                                   const net::SockAddr& to_b_side, uint16_t n) {
  size_t intact_at_b = 0, intact_at_a = 0;
  auto count = [](Phone& p, uint32_t ssrc, size_t* intact, int wait) {
    for (const Bytes& got : p.recv_all(wait)) {
      if (got.size() != 172) continue;
      const uint16_t seq = static_cast<uint16_t>((got[2] << 8) | got[3]);
      if (got == rtp_packet(ssrc, seq)) ++*intact;
    }
  };
  for (uint16_t seq = 0; seq < n; ++seq) {
    a.send_to(to_a_side, rtp_packet(0xaaaa, seq));
    b.send_to(to_b_side, rtp_packet(0xbbbb, seq));
    if (seq % 10 == 9) {
      count(b, 0xaaaa, &intact_at_b, 5);
      count(a, 0xbbbb, &intact_at_a, 5);
    }
  }
  count(b, 0xaaaa, &intact_at_b, 300);
  count(a, 0xbbbb, &intact_at_a, 300);
  return {intact_at_b, intact_at_a};
}

std::vector<std::string> crypto_lines(const std::string& sdp) {
  std::vector<std::string> out;
  std::regex re("a=crypto:([^\r\n]+)");
  for (auto it = std::sregex_iterator(sdp.begin(), sdp.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

nlohmann::json srtp_of(DaemonProcess& d, const std::string& call, size_t leg) {
  auto q = d.control().request("session.query", {{"call_id", call}});
  return q["legs"][leg]["media"][0]["streams"][0]["srtp"];
}

// The SDP each relay returned for a call A -> first relay -> second relay -> B.
struct Chain {
  std::string offer1, offer2, answer2, answer1;
  net::SockAddr to_first() const { return media_address(answer1); }  // where A sends
  net::SockAddr to_second() const { return media_address(offer2); }  // where B sends
};

// One ng request with `extra` keys; the reply's SDP, or nullopt (reported) on an error.
template <class Relay>
std::optional<std::string> signal(Relay& relay, Dict req, const Dict& extra) {
  for (const auto& kv : extra) req.push_back(kv);
  Value r = relay.ng(req);
  EXPECT_EQ(ng_str(r, "result"), "ok")
      << req.front().second.as_string() << ": " << ng_str(r, "error-reason");
  if (ng_str(r, "result") != "ok") return std::nullopt;
  return ng_str(r, "sdp");
}

// The four requests of that call; each relay's offer gets its `*_extra` keys.
template <class First, class Second>
std::optional<Chain> chain_call(First& first, const Dict& first_extra, Second& second,
                                const Dict& second_extra, const std::string& id, const Phone& a,
                                const Phone& b) {
  Chain c;
  auto o1 = signal(
      first,
      Dict{{"command", "offer"}, {"call-id", id}, {"from-tag", "a"}, {"sdp", audio_sdp(a.port())}},
      first_extra);
  if (!o1) return std::nullopt;
  c.offer1 = *o1;
  auto o2 = signal(
      second, Dict{{"command", "offer"}, {"call-id", id}, {"from-tag", "x"}, {"sdp", c.offer1}},
      second_extra);
  if (!o2) return std::nullopt;
  c.offer2 = *o2;
  auto a2 = signal(second,
                   Dict{{"command", "answer"},
                        {"call-id", id},
                        {"from-tag", "x"},
                        {"to-tag", "b"},
                        {"sdp", audio_sdp(b.port())}},
                   {});
  if (!a2) return std::nullopt;
  c.answer2 = *a2;
  auto a1 = signal(first,
                   Dict{{"command", "answer"},
                        {"call-id", id},
                        {"from-tag", "a"},
                        {"to-tag", "y"},
                        {"sdp", c.answer2}},
                   {});
  if (!a1) return std::nullopt;
  c.answer1 = *a1;
  return c;
}

class SrtpRtpengine : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto bin = RtpengineProcess::find_binary();
    ASSERT_TRUE(bin) << "rtpengine is not installed (tools/setup installs rtpengine-daemon)";
    rtpengine_ = std::make_unique<RtpengineProcess>(*bin, std::vector<std::string>{"127.0.0.1"});
    rtpxd_ = std::make_unique<DaemonProcess>(DaemonArgs{});
  }
  std::unique_ptr<RtpengineProcess> rtpengine_;
  std::unique_ptr<DaemonProcess> rtpxd_;
  Phone a_, b_;
};

// A (plain) -> rtpxd -> SRTP -> rtpengine -> B (plain).
TEST_P(SrtpRtpengine, RtpxdEncryptsRtpengineDecryptsEveryPacketIntact) {
  const std::string suite = GetParam();
  auto c = chain_call(
      *rtpxd_,
      Dict{{"transport-protocol", "RTP/SAVP"}, {"DTLS", "off"}, {"SDES", List{"only-" + suite}}},
      *rtpengine_, Dict{{"transport-protocol", "RTP/AVP"}}, "s1", a_, b_);
  ASSERT_TRUE(c);
  ASSERT_EQ(crypto_lines(c->offer1).size(), 1u) << c->offer1;
  const auto answer_crypto = crypto_lines(c->answer2);
  ASSERT_EQ(answer_crypto.size(), 1u) << c->answer2;
  EXPECT_NE(answer_crypto[0].find(suite), std::string::npos);
  EXPECT_TRUE(crypto_lines(c->answer1).empty()) << "A is plain";

  auto [at_b, at_a] = exchange(a_, c->to_first(), b_, c->to_second(), 100);
  EXPECT_EQ(at_b, 100u);
  EXPECT_EQ(at_a, 100u);
  const auto srtp = srtp_of(*rtpxd_, "s1", 1);
  EXPECT_EQ(srtp["suite"], suite) << srtp.dump();
  EXPECT_EQ(srtp["auth_failures"], 0);
  const auto stats = rtpxd_->control().request("stats");
  EXPECT_EQ(stats["packets"]["dropped"]["srtp_auth"], 0) << stats.dump();
  EXPECT_EQ(rtpxd_->stop(), 0);
}

// A (plain) -> rtpengine -> SRTP -> rtpxd -> B (plain): rtpxd answers rtpengine's SDES offer.
// rtpengine 10.5 offers every suite whatever SDES says; rtpxd takes the one the test names.
TEST_P(SrtpRtpengine, RtpengineEncryptsRtpxdDecryptsEveryPacketIntact) {
  const std::string suite = GetParam();
  auto c = chain_call(
      *rtpengine_,
      Dict{{"transport-protocol", "RTP/SAVP"}, {"DTLS", "off"}, {"SDES", List{"only-" + suite}}},
      *rtpxd_, Dict{{"transport-protocol", "RTP/AVP"}, {"SDES", List{"only-" + suite}}}, "s2", a_,
      b_);
  ASSERT_TRUE(c);
  const auto mine = crypto_lines(c->answer2);
  ASSERT_EQ(mine.size(), 1u) << c->answer2;
  EXPECT_NE(mine[0].find(suite), std::string::npos);

  auto [at_b, at_a] = exchange(a_, c->to_first(), b_, c->to_second(), 100);
  EXPECT_EQ(at_b, 100u);
  EXPECT_EQ(at_a, 100u);
  EXPECT_EQ(srtp_of(*rtpxd_, "s2", 0)["suite"], suite);
  EXPECT_EQ(rtpxd_->stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Suites, SrtpRtpengine,
                         ::testing::Values("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
                                           "AEAD_AES_128_GCM", "AEAD_AES_256_GCM"),
                         [](const auto& p) { return std::string(p.param); });

// rtpengine answers rtpxd's offer with DTLS-SRTP (it prefers a=fingerprint): rtpxd is the DTLS
// server, the handshake runs between the two relays, media flows.
TEST(SrtpRtpengineDtls, HandshakeBetweenTheRelaysAndMediaFlows) {
  auto bin = RtpengineProcess::find_binary();
  ASSERT_TRUE(bin);
  RtpengineProcess rtpengine(*bin, {"127.0.0.1"});
  DaemonProcess rtpxd{DaemonArgs{}};
  Phone a, b;
  auto c =
      chain_call(rtpxd, Dict{{"transport-protocol", "UDP/TLS/RTP/SAVP"}, {"SDES", List{"off"}}},
                 rtpengine, Dict{{"transport-protocol", "RTP/AVP"}}, "d1", a, b);
  ASSERT_TRUE(c);
  ASSERT_NE(c->answer2.find("a=setup:active"), std::string::npos) << c->answer2;
  // rtpengine (the client) sent its ClientHello when it answered, before rtpxd had the answer:
  // rtpxd kept it and answered it when the answer came.
  const net::SockAddr to_rtpxd = c->to_first();
  const net::SockAddr to_rtpengine = c->to_second();
  nlohmann::json srtp;
  for (uint16_t i = 0; i < 250; ++i) {
    a.send_to(to_rtpxd, rtp_packet(0xaaaa, static_cast<uint16_t>(60000 + i)));
    b.send_to(to_rtpengine, rtp_packet(0xbbbb, static_cast<uint16_t>(60000 + i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    srtp = srtp_of(rtpxd, "d1", 1);
    if (srtp["dtls"]["state"] == "connected") break;
  }
  ASSERT_EQ(srtp["dtls"]["state"], "connected") << srtp.dump() << rtpengine.log_tail();
  EXPECT_EQ(srtp["dtls"]["role"], "passive");
  EXPECT_FALSE(srtp["suite"].is_null());
  a.recv_all(100);
  b.recv_all(100);
  auto [at_b, at_a] = exchange(a, to_rtpxd, b, to_rtpengine, 100);
  EXPECT_EQ(at_b, 100u);
  EXPECT_EQ(at_a, 100u);
  EXPECT_EQ(rtpxd.stop(), 0);
}

// The far end keyed with libsrtp2 from the SDP rtpxd wrote and the one it was answered with.
class LibsrtpParty {
 public:
  LibsrtpParty(const std::string& suite, const std::string& tx_key, const std::string& rx_key) {
    static const bool once = [] { return srtp_init() == srtp_err_status_ok; }();
    EXPECT_TRUE(once);
    tx_ = make(suite, tx_key, ssrc_any_outbound);
    rx_ = make(suite, rx_key, ssrc_any_inbound);
  }
  ~LibsrtpParty() {
    if (tx_) srtp_dealloc(tx_);
    if (rx_) srtp_dealloc(rx_);
  }
  Bytes protect(Bytes b) {
    int len = static_cast<int>(b.size());
    b.resize(b.size() + SRTP_MAX_TRAILER_LEN);
    EXPECT_EQ(srtp_protect(tx_, b.data(), &len), srtp_err_status_ok);
    b.resize(static_cast<size_t>(len));
    return b;
  }
  bool unprotect(Bytes* b) {
    int len = static_cast<int>(b->size());
    if (srtp_unprotect(rx_, b->data(), &len) != srtp_err_status_ok) return false;
    b->resize(static_cast<size_t>(len));
    return true;
  }

 private:
  static srtp_t make(const std::string& suite, const std::string& key, srtp_ssrc_type_t type) {
    srtp_policy_t p{};
    if (suite == "AES_CM_128_HMAC_SHA1_80") {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    }
    p.ssrc.type = type;
    p.key = reinterpret_cast<unsigned char*>(const_cast<char*>(key.data()));
    p.window_size = 128;
    srtp_t s = nullptr;
    EXPECT_EQ(srtp_create(&s, &p), srtp_err_status_ok);
    return s;
  }
  srtp_t tx_ = nullptr;
  srtp_t rx_ = nullptr;
};

TEST(SrtpLibsrtpParty, WhatRtpxdSendsUnprotectsAndBadPacketsAreCountedAndDropped) {
  DaemonProcess rtpxd{DaemonArgs{}};
  Phone a, b;
  Value o = rtpxd.ng(Dict{{"command", "offer"},
                          {"call-id", "k1"},
                          {"from-tag", "a"},
                          {"sdp", audio_sdp(a.port())},
                          {"transport-protocol", "RTP/SAVP"},
                          {"DTLS", "off"}});
  ASSERT_EQ(ng_str(o, "result"), "ok") << ng_str(o, "error-reason");
  std::optional<sdp::Crypto> rtpxd_key;
  for (const std::string& line : crypto_lines(ng_str(o, "sdp"))) {
    auto c = sdp::parse_crypto(line, nullptr);
    if (c && c->suite == "AES_CM_128_HMAC_SHA1_80") rtpxd_key = c;
  }
  ASSERT_TRUE(rtpxd_key) << ng_str(o, "sdp");
  const std::string b_key = "0123456789abcdefABCDEFGHIJKLMN";  // 30 bytes: key || salt
  sdp::Crypto mine;
  mine.tag = rtpxd_key->tag;
  mine.suite = rtpxd_key->suite;
  mine.key_salt = b_key;
  std::string answer = audio_sdp(b.port());
  answer = std::regex_replace(answer, std::regex("RTP/AVP"), "RTP/SAVP");
  answer += "a=crypto:" + mine.to_string() + "\r\n";
  Value an = rtpxd.ng(Dict{{"command", "answer"},
                           {"call-id", "k1"},
                           {"from-tag", "a"},
                           {"to-tag", "b"},
                           {"sdp", answer}});
  ASSERT_EQ(ng_str(an, "result"), "ok") << ng_str(an, "error-reason");
  const net::SockAddr to_a_side = media_address(ng_str(an, "sdp"));
  const net::SockAddr to_b_side = media_address(ng_str(o, "sdp"));

  LibsrtpParty party("AES_CM_128_HMAC_SHA1_80", b_key, rtpxd_key->key_salt);
  LibsrtpParty impostor("AES_CM_128_HMAC_SHA1_80", std::string(30, 'x'), rtpxd_key->key_salt);
  // A -> B: rtpxd encrypts, libsrtp2 decrypts.
  size_t decrypted = 0;
  for (uint16_t seq = 0; seq < 50; ++seq) {
    a.send_to(to_a_side, rtp_packet(0xaaaa, seq));
    Bytes got = b.recv(500);
    if (!got.empty() && party.unprotect(&got) && got == rtp_packet(0xaaaa, seq)) ++decrypted;
  }
  EXPECT_EQ(decrypted, 50u);
  // B -> A: good, tampered, wrong key, replayed.
  size_t good = 0;
  for (uint16_t seq = 0; seq < 20; ++seq) {
    const Bytes p = party.protect(rtp_packet(0xbbbb, seq));
    if (seq == 6) {  // tampered, ahead of the genuine packet (after it, it would be a replay)
      Bytes t = p;
      t[40] ^= 0x01;
      b.send_to(to_b_side, t);
    }
    b.send_to(to_b_side, p);
    if (seq == 5) b.send_to(to_b_side, p);  // replay
    if (seq == 7) b.send_to(to_b_side, impostor.protect(rtp_packet(0xbbbb, 1000)));
    for (const Bytes& got : a.recv_all(20))
      if (got == rtp_packet(0xbbbb, static_cast<uint16_t>((got[2] << 8) | got[3]))) ++good;
  }
  for (const Bytes& got : a.recv_all(200))
    if (got.size() == 172 &&
        got == rtp_packet(0xbbbb, static_cast<uint16_t>((got[2] << 8) | got[3])))
      ++good;
  EXPECT_EQ(good, 20u) << "every genuine packet, each once";
  const auto srtp = srtp_of(rtpxd, "k1", 1);
  EXPECT_EQ(srtp["auth_failures"], 2) << srtp.dump();
  EXPECT_EQ(srtp["replays"], 1) << srtp.dump();
  const auto stats = rtpxd.control().request("stats");
  EXPECT_EQ(stats["packets"]["dropped"]["srtp_auth"], 2) << stats.dump();
  EXPECT_EQ(stats["packets"]["dropped"]["srtp_replay"], 1) << stats.dump();
  EXPECT_EQ(rtpxd.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
