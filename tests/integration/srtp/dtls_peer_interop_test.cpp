// DTLS-SRTP between rtpxd and an independent endpoint (dtls_srtp_peer: OpenSSL + libsrtp2, no
// rtpx code), both roles: phone A (plain RTP) <-> rtpxd <-> DTLS-SRTP peer. Every packet must
// arrive intact both ways; a fingerprint that does not match fails the handshake, which
// `session.query` shows and a dtls_failed event announces; packets under a wrong key are counted
// per stream and dropped.

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/srtp/dtls_srtp_peer_process.hpp"

namespace rtpx::test {
namespace {

using ng::Dict;
using ng::List;
using ng::Value;
using Bytes = std::vector<uint8_t>;

// What the peer expects and sends: payload byte i = (seq + i) & 0xff, 160 bytes, PT 0.
Bytes patterned(uint32_t ssrc, uint16_t seq) {
  Bytes p = rtp_packet(ssrc, seq);
  for (size_t i = 0; i < 160; ++i) p[12 + i] = static_cast<uint8_t>((seq + i) & 0xff);
  return p;
}

bool is_patterned(const Bytes& p) {
  if (p.size() != 172) return false;
  const uint16_t seq = static_cast<uint16_t>((p[2] << 8) | p[3]);
  for (size_t i = 0; i < 160; ++i)
    if (p[12 + i] != static_cast<uint8_t>((seq + i) & 0xff)) return false;
  return true;
}

std::string attribute(const std::string& sdp, const std::string& name) {
  std::smatch m;
  if (std::regex_search(sdp, m, std::regex("a=" + name + ":([^\r\n]+)"))) return m[1];
  return {};
}

class DtlsPeerInterop : public ::testing::Test {
 protected:
  // Offers DTLS-SRTP to the peer and answers for it with `setup` and `fingerprint`.
  void call(const std::string& setup, const std::string& fingerprint) {
    ASSERT_TRUE(peer_->ready());
    Value o = rtpxd_.ng(Dict{{"command", "offer"},
                             {"call-id", "d"},
                             {"from-tag", "a"},
                             {"sdp", audio_sdp(a_.port())},
                             {"transport-protocol", "UDP/TLS/RTP/SAVP"},
                             {"SDES", List{"off"}}});
    ASSERT_EQ(ng_str(o, "result"), "ok") << ng_str(o, "error-reason");
    rtpxd_fingerprint_ = attribute(ng_str(o, "sdp"), "fingerprint");
    ASSERT_FALSE(rtpxd_fingerprint_.empty()) << ng_str(o, "sdp");
    to_b_side_ = media_address(ng_str(o, "sdp"));
    const auto peer_addr = *net::SockAddr::parse(peer_->address());
    std::string answer = audio_sdp(peer_addr.port());
    answer = std::regex_replace(answer, std::regex("RTP/AVP"), "UDP/TLS/RTP/SAVP");
    answer += "a=setup:" + setup + "\r\na=fingerprint:" + fingerprint + "\r\n";
    Value an = rtpxd_.ng(Dict{{"command", "answer"},
                              {"call-id", "d"},
                              {"from-tag", "a"},
                              {"to-tag", "b"},
                              {"sdp", answer}});
    ASSERT_EQ(ng_str(an, "result"), "ok") << ng_str(an, "error-reason");
    to_a_side_ = media_address(ng_str(an, "sdp"));
    peer_->set_remote(to_b_side_.to_string(), rtpxd_fingerprint_);
  }

  // A sends patterned RTP for `ms` while counting what arrives intact from the peer.
  size_t talk(int ms) {
    size_t intact = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (uint16_t seq = 0; std::chrono::steady_clock::now() < end; ++seq) {
      a_.send_to(to_a_side_, patterned(0xaaaa, seq));
      for (const Bytes& got : a_.recv_all(20)) intact += is_patterned(got) ? 1 : 0;
    }
    return intact;
  }

  nlohmann::json srtp_of_b() {
    auto q = rtpxd_.control().request("session.query", {{"call_id", "d"}});
    return q["legs"][1]["media"][0]["streams"][0]["srtp"];
  }

  DaemonProcess rtpxd_{DaemonArgs{}};
  Phone a_;
  std::unique_ptr<DtlsSrtpPeerProcess> peer_;
  std::string rtpxd_fingerprint_;
  net::SockAddr to_a_side_, to_b_side_;
};

TEST_F(DtlsPeerInterop, RtpxdAsClientEveryPacketIntactBothWays) {
  peer_ = std::make_unique<DtlsSrtpPeerProcess>(
      DTLS_SRTP_PEER_PATH, std::vector<std::string>{"--role", "passive", "--send", "100",
                                                    "--expect", "60", "--timeout-s", "15"});
  call("passive", peer_ ? peer_->fingerprint() : "");
  const size_t at_a = talk(3000);
  auto r = peer_->wait_result(15000);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["handshake"], "ok") << r.dump();
  EXPECT_GE(r["received"].get<int>(), 60) << r.dump();
  EXPECT_EQ(r["intact"], r["received"]) << r.dump();
  EXPECT_EQ(r["auth_failed"], 0) << r.dump();
  EXPECT_GE(at_a, 90u) << "the peer's packets, decrypted by rtpxd";
  const auto srtp = srtp_of_b();
  // The peer has finished: it ends the association with close_notify.
  EXPECT_EQ(srtp["dtls"]["state"], "closed") << srtp.dump();
  EXPECT_FALSE(srtp["suite"].is_null()) << srtp.dump();
  EXPECT_EQ(srtp["dtls"]["role"], "active");
  EXPECT_EQ(srtp["auth_failures"], 0);
  EXPECT_EQ(rtpxd_.stop(), 0);
}

TEST_F(DtlsPeerInterop, RtpxdAsServerEveryPacketIntactBothWays) {
  peer_ = std::make_unique<DtlsSrtpPeerProcess>(
      DTLS_SRTP_PEER_PATH, std::vector<std::string>{"--role", "active", "--send", "100", "--expect",
                                                    "60", "--timeout-s", "15"});
  call("active", peer_ ? peer_->fingerprint() : "");
  const size_t at_a = talk(3000);
  auto r = peer_->wait_result(15000);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["handshake"], "ok") << r.dump();
  EXPECT_GE(r["received"].get<int>(), 60) << r.dump();
  EXPECT_EQ(r["intact"], r["received"]) << r.dump();
  EXPECT_GE(at_a, 90u);
  EXPECT_EQ(srtp_of_b()["dtls"]["role"], "passive");
  EXPECT_EQ(rtpxd_.stop(), 0);
}

TEST_F(DtlsPeerInterop, FingerprintMismatchFailsTheHandshakeVisiblyAndAnnouncesIt) {
  client::ControlClient events;
  events.connect(rtpxd_.socket_path());
  events.request("events.subscribe", {{"events", {"dtls_failed"}}});
  peer_ = std::make_unique<DtlsSrtpPeerProcess>(
      DTLS_SRTP_PEER_PATH,
      std::vector<std::string>{"--role", "passive", "--send", "10", "--timeout-s", "4"});
  std::string wrong = "sha-256";
  for (int i = 0; i < 32; ++i) wrong += (i ? ":" : " ") + std::string("AB");
  call("passive", wrong);
  talk(500);
  auto ev = events.next_event(std::chrono::milliseconds(5000));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ((*ev)["event"], "dtls_failed");
  EXPECT_EQ((*ev)["call_id"], "d");
  EXPECT_NE((*ev)["reason"].get<std::string>().find("fingerprint"), std::string::npos)
      << ev->dump();
  const auto srtp = srtp_of_b();
  EXPECT_EQ(srtp["dtls"]["state"], "failed") << srtp.dump();
  EXPECT_NE(srtp["dtls"]["failure"].get<std::string>().find("fingerprint"), std::string::npos);
  EXPECT_TRUE(srtp["suite"].is_null()) << "no keys from a peer that failed verification";
  events.close();
  EXPECT_EQ(rtpxd_.stop(), 0);
}

TEST_F(DtlsPeerInterop, PacketsUnderAWrongKeyAreCountedAndDropped) {
  peer_ = std::make_unique<DtlsSrtpPeerProcess>(
      DTLS_SRTP_PEER_PATH, std::vector<std::string>{"--role", "passive", "--send", "50", "--expect",
                                                    "0", "--wrong-key", "--timeout-s", "10"});
  call("passive", peer_ ? peer_->fingerprint() : "");
  const size_t at_a = talk(2000);
  auto r = peer_->wait_result(10000);
  EXPECT_EQ(r["handshake"], "ok") << r.dump();
  EXPECT_EQ(at_a, 0u);
  const auto srtp = srtp_of_b();
  EXPECT_GE(srtp["auth_failures"].get<int>(), 40) << srtp.dump();
  EXPECT_EQ(rtpxd_.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
