// Black-box: a real rtpxd, signaled over its control socket, relays RTP and RTCP between two
// UDP phones. Runs once per I/O backend.

#include <gtest/gtest.h>

#include <set>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;

class RelayTest : public ::testing::TestWithParam<std::string> {
 protected:
  RelayTest() : d_(args()) {}
  static DaemonArgs args() {
    DaemonArgs a;
    a.backend = GetParam();
    return a;
  }

  // alice offers, bob answers; returns {where alice sends, where bob sends}.
  std::pair<std::string, std::string> call(const std::string& id, bool mux = false) {
    auto offer = d_.control().request(
        "session.offer",
        {{"call_id", id}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port(), mux)}});
    auto answer = d_.control().request("session.answer", {{"call_id", id},
                                                          {"from_tag", "a"},
                                                          {"to_tag", "b"},
                                                          {"sdp", audio_sdp(bob_.port(), mux)}});
    return {answer["sdp"], offer["sdp"]};
  }

  void TearDown() override { EXPECT_EQ(d_.stop(), 0) << "rtpxd did not exit cleanly"; }

  DaemonProcess d_;
  Phone alice_, bob_;
};

TEST_P(RelayTest, RelaysRtpBothWaysIntactAndInOrder) {
  auto [to_alice_sdp, to_bob_sdp] = call("c1");
  const net::SockAddr alice_dst = media_address(to_alice_sdp);
  const net::SockAddr bob_dst = media_address(to_bob_sdp);
  EXPECT_NE(alice_dst.port(), bob_dst.port());
  EXPECT_EQ(alice_dst.port() % 2, 0);
  EXPECT_EQ(bob_dst.port() % 2, 0);

  constexpr int kPackets = 200;
  for (int i = 0; i < kPackets; ++i) {
    alice_.send_to(alice_dst, rtp_packet(0xA, static_cast<uint16_t>(i)));
    bob_.send_to(bob_dst, rtp_packet(0xB, static_cast<uint16_t>(i)));
    if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto at_bob = bob_.recv_all(1000);
  auto at_alice = alice_.recv_all(300);
  ASSERT_EQ(at_bob.size(), static_cast<size_t>(kPackets));
  ASSERT_EQ(at_alice.size(), static_cast<size_t>(kPackets));
  for (int i = 0; i < kPackets; ++i) {
    EXPECT_EQ(at_bob[i], rtp_packet(0xA, static_cast<uint16_t>(i))) << "packet " << i;
    EXPECT_EQ(at_alice[i], rtp_packet(0xB, static_cast<uint16_t>(i))) << "packet " << i;
  }

  // Media leaves from the relay port facing the receiver (symmetric RTP).
  net::SockAddr from;
  alice_.send_to(alice_dst, rtp_packet(0xA, 999));
  ASSERT_FALSE(bob_.recv(1000, &from).empty());
  EXPECT_EQ(from.port(), bob_dst.port());

  json q = d_.control().request("session.query", {{"call_id", "c1"}});
  ASSERT_EQ(q["legs"].size(), 2u);
  const json& a_rtp = q["legs"][0]["media"][0]["streams"][0];
  EXPECT_EQ(q["legs"][0]["tag"], "a");
  EXPECT_EQ(a_rtp["component"], "rtp");
  EXPECT_EQ(a_rtp["stats"]["packets"], kPackets + 1);
  EXPECT_EQ(a_rtp["stats"]["bytes"], (kPackets + 1) * 172);
  EXPECT_TRUE(a_rtp["latched"].get<bool>());
  EXPECT_EQ(a_rtp["peer"], alice_.local().to_string());
  EXPECT_FALSE(a_rtp["stats"]["last_seen"].is_null());
  EXPECT_EQ(q["legs"][1]["media"][0]["streams"][0]["stats"]["packets"], kPackets);
}

TEST_P(RelayTest, RelaysRtcpOnTheOddPorts) {
  auto [to_alice_sdp, to_bob_sdp] = call("c2");
  const net::SockAddr alice_rtcp = rtcp_address(to_alice_sdp);
  EXPECT_EQ(alice_rtcp.port(), media_address(to_alice_sdp).port() + 1);
  // bob's RTCP port is his RTP port + 1: give him a socket there.
  // Our phones are single sockets, so check that RTCP sent by alice reaches bob's signaled
  // RTCP address by having bob signal a=rtcp pointing to his one socket.
  Phone bob_rtcp;
  std::string bob_sdp =
      audio_sdp(bob_.port()) + "a=rtcp:" + std::to_string(bob_rtcp.port()) + "\r\n";
  d_.control().request("session.answer",
                       {{"call_id", "c2"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", bob_sdp}});
  alice_.send_to(alice_rtcp, rtcp_rr(0xA));
  auto got = bob_rtcp.recv(1000);
  EXPECT_EQ(got, rtcp_rr(0xA));
  json q = d_.control().request("session.query", {{"call_id", "c2"}});
  EXPECT_EQ(q["totals"]["rtcp"]["packets"], 1);
}

TEST_P(RelayTest, RtcpMuxCarriesRtcpOnTheRtpPort) {
  auto [to_alice_sdp, to_bob_sdp] = call("c3", true);
  EXPECT_NE(to_alice_sdp.find("a=rtcp-mux"), std::string::npos);
  const net::SockAddr alice_dst = media_address(to_alice_sdp);
  EXPECT_EQ(rtcp_address(to_alice_sdp).port(), alice_dst.port());
  alice_.send_to(alice_dst, rtp_packet(0xA, 1));
  alice_.send_to(alice_dst, rtcp_rr(0xA));
  auto got = bob_.recv_all(500);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], rtp_packet(0xA, 1));
  EXPECT_EQ(got[1], rtcp_rr(0xA));
}

// T.38 passthrough: both parties speak UDPTL (m=image udptl t38), which is not RTP. Its
// datagrams are relayed as they are, and the T.38 attributes reach the other party unchanged.
TEST_P(RelayTest, RelaysT38UdptlPassthrough) {
  const auto image_sdp = [](uint16_t port) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fax\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=image " +
           std::to_string(port) +
           " udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
           "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1800\r\n"
           "a=T38FaxMaxDatagram:512\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n";
  };
  auto offer = d_.control().request(
      "session.offer", {{"call_id", "fax"}, {"from_tag", "a"}, {"sdp", image_sdp(alice_.port())}});
  auto answer = d_.control().request(
      "session.answer",
      {{"call_id", "fax"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", image_sdp(bob_.port())}});
  const std::string to_bob = offer["sdp"], to_alice = answer["sdp"];
  for (const std::string& sdp : {to_bob, to_alice}) {
    EXPECT_NE(sdp.find(" udptl t38\r\n"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("a=T38FaxUdpEC:t38UDPRedundancy\r\n"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("a=T38FaxMaxDatagram:512\r\n"), std::string::npos) << sdp;
  }
  // UDPTL datagrams: sequence number, a primary IFP, no redundancy yet. The first octet is
  // rarely an RTP version 2 byte; these would be dropped as malformed RTP.
  const auto udptl = [](uint16_t seq, uint8_t ifp) {
    return std::vector<uint8_t>{
        static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 1, ifp, 0, 0};
  };
  const net::SockAddr alice_dst = media_address(to_alice), bob_dst = media_address(to_bob);
  for (uint16_t i = 0; i < 20; ++i) {
    alice_.send_to(alice_dst, udptl(i, 0x02));
    bob_.send_to(bob_dst, udptl(static_cast<uint16_t>(1000 + i), 0x06));
  }
  const auto at_bob = bob_.recv_all(1000);
  const auto at_alice = alice_.recv_all(300);
  ASSERT_EQ(at_bob.size(), 20u);
  ASSERT_EQ(at_alice.size(), 20u);
  for (uint16_t i = 0; i < 20; ++i) {
    EXPECT_EQ(at_bob[i], udptl(i, 0x02));
    EXPECT_EQ(at_alice[i], udptl(static_cast<uint16_t>(1000 + i), 0x06));
  }
}

TEST_P(RelayTest, DeleteFreesPortsAndListForgetsTheCall) {
  call("c4");
  json list = d_.control().request("session.list");
  ASSERT_EQ(list["calls"].size(), 1u);
  EXPECT_EQ(list["calls"][0]["call_id"], "c4");
  EXPECT_EQ(d_.control().request("stats")["ports"]["used"], 4);
  json final_state = d_.control().request("session.delete", {{"call_id", "c4"}});
  EXPECT_EQ(final_state["call_id"], "c4");
  EXPECT_EQ(d_.control().request("session.list")["calls"].size(), 0u);
  json stats = d_.control().request("stats");
  EXPECT_EQ(stats["ports"]["used"], 0);
  EXPECT_EQ(stats["sessions"]["current"], 0);
  EXPECT_EQ(stats["sessions"]["deleted"], 1);
  auto r = d_.control().try_request("session.query", {{"call_id", "c4"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "not_found");
}

TEST_P(RelayTest, ManyCallsGetDistinctPorts) {
  std::set<uint16_t> ports;
  for (int i = 0; i < 8; ++i) {
    auto [a, b] = call("m" + std::to_string(i));
    ports.insert(media_address(a).port());
    ports.insert(media_address(b).port());
  }
  EXPECT_EQ(ports.size(), 16u);
  // The range holds 20 pairs: the 11th call needs pairs 21 and 22.
  auto r = d_.control().try_request(
      "session.offer",
      {{"call_id", "over1"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port())}});
  EXPECT_TRUE(r.ok());
  r = d_.control().try_request(
      "session.offer",
      {{"call_id", "over2"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port())}});
  EXPECT_TRUE(r.ok());
  r = d_.control().try_request(
      "session.offer",
      {{"call_id", "over3"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port())}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "no_ports");
  // A failed offer leaves nothing behind.
  auto calls = d_.control().request("session.list")["calls"];
  EXPECT_EQ(calls.size(), 10u);
  EXPECT_EQ(d_.control().request("stats")["ports"]["used"], 40);
}

TEST_P(RelayTest, ShutsDownCleanly) {
  call("c5");
  EXPECT_EQ(d_.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RelayTest, ::testing::Values("epoll", "io_uring"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace rtpx::test

namespace rtpx::test {
namespace {

// Wake-up coalescing trades latency for CPU; it must never lose or reorder a packet.
TEST(RelayCoalescing, EveryPacketArrivesInOrder) {
  DaemonArgs args;
  args.backend = "io_uring";
  args.extra = {"--coalesce-us", "2000"};
  DaemonProcess d(args);
  Phone alice, bob;
  auto offer = d.control().request(
      "session.offer", {{"call_id", "co"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice.port())}});
  auto answer = d.control().request(
      "session.answer",
      {{"call_id", "co"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(bob.port())}});
  const net::SockAddr dst = media_address(answer["sdp"]);
  for (uint16_t i = 0; i < 100; ++i) {
    alice.send_to(dst, rtp_packet(5, i));
    if (i % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto got = bob.recv_all(1000);
  ASSERT_EQ(got.size(), 100u);
  for (uint16_t i = 0; i < 100; ++i) EXPECT_EQ(got[i], rtp_packet(5, i));
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
