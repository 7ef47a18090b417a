// Black-box: hostile or broken input on every interface is counted or answered with an error;
// the daemon keeps running and no session leaks.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;

class BadInputTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Nothing leaked, and the process is healthy (sanitizers would make the exit non-zero).
    json stats = d_.control().request("stats");
    EXPECT_EQ(stats["sessions"]["current"], 0);
    EXPECT_EQ(stats["ports"]["used"], 0);
    EXPECT_EQ(d_.stop(), 0) << "rtpxd did not exit cleanly";
  }

  std::pair<net::SockAddr, net::SockAddr> call(const std::string& id,
                                               std::vector<std::string> flags = {}) {
    json offer_args = {{"call_id", id}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port())}};
    if (!flags.empty()) offer_args["flags"] = flags;
    auto offer = d_.control().request("session.offer", offer_args);
    auto answer = d_.control().request(
        "session.answer",
        {{"call_id", id}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(bob_.port())}});
    return {media_address(answer["sdp"]), media_address(offer["sdp"])};
  }

  // Raw line exchange on a fresh control connection.
  std::string raw_control(const std::string& bytes, bool expect_close = false) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", d_.socket_path().c_str());
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      if (!expect_close && out.find('\n') != std::string::npos) break;
    }
    ::close(fd);
    return out;
  }

  DaemonProcess d_{DaemonArgs{}};
  Phone alice_, bob_;
};

TEST_F(BadInputTest, MalformedRtpIsCountedAndDropped) {
  auto [alice_dst, bob_dst] = call("bad1");
  alice_.send_to(alice_dst, rtp_packet(7, 1));  // latch
  ASSERT_FALSE(bob_.recv(1000).empty());
  alice_.send_to(alice_dst, {0x00, 0x01, 0x02});               // too short
  alice_.send_to(alice_dst, std::vector<uint8_t>(172, 0x40));  // version 1
  auto bad_csrc = rtp_packet(7, 2);
  bad_csrc[0] = 0x8f;  // 15 CSRCs claimed, 172 bytes has room... make it too short
  bad_csrc.resize(40);
  alice_.send_to(alice_dst, bad_csrc);
  alice_.send_to(alice_dst, rtp_packet(7, 3));  // a good one after the bad ones
  auto got = bob_.recv_all(500);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], rtp_packet(7, 3));
  json q = d_.control().request("session.query", {{"call_id", "bad1"}});
  EXPECT_EQ(q["legs"][0]["media"][0]["streams"][0]["stats"]["errors"], 3);
  EXPECT_EQ(q["legs"][0]["media"][0]["streams"][0]["stats"]["packets"], 2);
  EXPECT_EQ(d_.control().request("stats")["packets"]["dropped"]["malformed"], 3);
  d_.control().request("session.delete", {{"call_id", "bad1"}});
}

TEST_F(BadInputTest, PacketsFromAnUnexpectedSourceAreDropped) {
  auto [alice_dst, bob_dst] = call("bad2");
  alice_.send_to(alice_dst, rtp_packet(7, 1));
  ASSERT_FALSE(bob_.recv(1000).empty());
  Phone intruder;
  intruder.send_to(alice_dst, rtp_packet(0x66, 1));  // another SSRC: RTP bleed attempt
  EXPECT_TRUE(bob_.recv(300).empty());
  EXPECT_EQ(d_.control().request("stats")["packets"]["dropped"]["unexpected_source"], 1);
  // The stream stays latched to alice.
  alice_.send_to(alice_dst, rtp_packet(7, 2));
  EXPECT_EQ(bob_.recv(1000), rtp_packet(7, 2));
  json q = d_.control().request("session.query", {{"call_id", "bad2"}});
  EXPECT_EQ(q["legs"][0]["media"][0]["streams"][0]["peer"], alice_.local().to_string());
  d_.control().request("session.delete", {{"call_id", "bad2"}});
}

TEST_F(BadInputTest, StrictSourceRefusesAnyoneButTheSignaledAddress) {
  auto [alice_dst, bob_dst] = call("bad3", {"strict-source"});
  Phone intruder;
  intruder.send_to(alice_dst, rtp_packet(7, 1));  // first packet, but not from alice
  EXPECT_TRUE(bob_.recv(300).empty());
  alice_.send_to(alice_dst, rtp_packet(7, 2));
  EXPECT_EQ(bob_.recv(1000), rtp_packet(7, 2));
  d_.control().request("session.delete", {{"call_id", "bad3"}});
}

TEST_F(BadInputTest, ControlSocketGarbageGetsTypedErrors) {
  json r = json::parse(raw_control("this is not json\n"));
  EXPECT_EQ(r["error"]["code"], "bad_json");
  r = json::parse(raw_control("[1,2,3]\n"));
  EXPECT_EQ(r["error"]["code"], "bad_json");
  r = json::parse(raw_control("{\"id\":4,\"cmd\":\"nope\"}\n"));
  EXPECT_EQ(r["id"], 4);
  EXPECT_EQ(r["error"]["code"], "unknown_command");
  EXPECT_EQ(r["error"]["field"], "cmd");
  r = json::parse(raw_control("{\"id\":5}\n"));
  EXPECT_EQ(r["error"]["field"], "cmd");

  auto bad = d_.control().try_request(
      "session.offer", {{"call_id", "x"}, {"from_tag", "a"}, {"sdp", "v=0\r\nbroken\r\n"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "bad_field");
  EXPECT_EQ(bad.error().field(), "sdp");
  EXPECT_NE(bad.error().message().find("line 2"), std::string::npos) << bad.error().message();
  bad = d_.control().try_request("session.offer",
                                 {{"call_id", 12}, {"from_tag", "a"}, {"sdp", "v=0"}});
  EXPECT_EQ(bad.error().field(), "call_id");
  bad = d_.control().try_request("session.offer", {{"call_id", "x"}, {"sdp", audio_sdp(1000)}});
  EXPECT_EQ(bad.error().field(), "from_tag");
  bad = d_.control().try_request(
      "session.answer",
      {{"call_id", "x"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(1000)}});
  EXPECT_EQ(bad.error().code(), "not_found");
  bad = d_.control().try_request(
      "session.offer",
      {{"call_id", "x"}, {"from_tag", "a"}, {"sdp", audio_sdp(1000)}, {"flags", {"nonsense"}}});
  EXPECT_EQ(bad.error().field(), "flags");
  // SRTP options: each bad value names its field.
  const json offer{{"call_id", "x"}, {"from_tag", "a"}, {"sdp", audio_sdp(1000)}};
  const std::pair<const char*, json> srtp_cases[] = {{"transport_protocol", "RTP/XYZ"},
                                                     {"sdes", {"sideways"}},
                                                     {"sdes", "off"},
                                                     {"dtls", "sideways"},
                                                     {"dtls_fingerprint", "md5"}};
  for (const auto& [field, value] : srtp_cases) {
    json req = offer;
    req[field] = value;
    bad = d_.control().try_request("session.offer", req);
    ASSERT_FALSE(bad.ok()) << field;
    EXPECT_EQ(bad.error().field(), field) << bad.error().message();
  }
  // An SRTP offer without any usable key exchange names the SDP.
  std::string savp = audio_sdp(1000);
  savp.replace(savp.find("RTP/AVP"), 7, "RTP/SAVP");
  bad = d_.control().try_request("session.offer",
                                 {{"call_id", "x"}, {"from_tag", "a"}, {"sdp", savp}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field(), "sdp");
  EXPECT_NE(bad.error().message().find("a=crypto"), std::string::npos) << bad.error().message();
  // The failed requests created nothing.
  EXPECT_EQ(d_.control().request("session.list")["calls"].size(), 0u);
}

TEST_F(BadInputTest, OversizedLineIsRefusedAndTheConnectionClosed) {
  std::string huge(1200 * 1024, 'x');
  std::string out = raw_control(huge, true);
  ASSERT_FALSE(out.empty());
  json r = json::parse(out.substr(0, out.find('\n')));
  EXPECT_EQ(r["error"]["code"], "line_too_long");
  // Other clients are unaffected.
  EXPECT_EQ(d_.control().request("stats")["sessions"]["current"], 0);
}

TEST_F(BadInputTest, ClientVanishingMidRequestDoesNotHurt) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", d_.socket_path().c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const char partial[] = "{\"cmd\":\"stats\"";
  ::send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL);
  ::close(fd);
  EXPECT_TRUE(d_.alive());
  EXPECT_EQ(d_.control().request("stats")["sessions"]["current"], 0);
}

}  // namespace
}  // namespace rtpx::test

namespace rtpx::test {
namespace {

// A client that pipelines requests without reading replies is slowed down, not served without
// bound: other clients stay served and the flooder gets every reply once it reads.
TEST(ControlBackpressure, PipeliningClientGetsEveryReplyAndOthersStayServed) {
  DaemonProcess d{DaemonArgs{}};
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", d.socket_path().c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string line = "{\"cmd\":\"stats\"}\n";
  size_t sent_bytes = 0;
  // Send until the daemon stops reading (nothing writable for half a second) or 200k requests.
  for (int i = 0; i < 200000;) {
    ssize_t n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(line.size())) {
      sent_bytes += line.size();
      ++i;
      continue;
    }
    if (n > 0) {  // a partial line: finish it so every request is whole
      sent_bytes += static_cast<size_t>(n);
      break;
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 500) <= 0) break;
  }
  const size_t requests = sent_bytes / line.size();
  // The daemon queued at least ~1 MiB of replies (about 400 bytes each) before pausing.
  ASSERT_GT(requests, 2000u) << "the daemon should absorb a backlog before pushing back";
  // The stuck client does not stall the daemon.
  EXPECT_EQ(d.control().request("stats")["sessions"]["current"], 0);

  size_t replies = 0;
  std::string buf(1 << 16, '\0');
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (replies < requests && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      replies += static_cast<size_t>(std::count(buf.begin(), buf.begin() + n, '\n'));
    } else if (n == 0) {
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ::close(fd);
  EXPECT_EQ(replies, requests);
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
