// Black-box: the rtpengine ng protocol (bencode over UDP with cookies) on a real rtpxd.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

using ng::Dict;
using ng::List;
using ng::Value;

class NgTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(d_.stop(), 0) << "rtpxd did not exit cleanly"; }

  Value offer(const std::string& call_id, uint16_t port, List replace = {}) {
    return d_.ng(Dict{{"command", "offer"},
                      {"call-id", call_id},
                      {"from-tag", "ft"},
                      {"sdp", audio_sdp(port, false, "192.0.2.55")},
                      {"replace", std::move(replace)}});
  }
  Value answer(const std::string& call_id, uint16_t port) {
    return d_.ng(Dict{{"command", "answer"},
                      {"call-id", call_id},
                      {"from-tag", "ft"},
                      {"to-tag", "tt"},
                      {"sdp", audio_sdp(port)}});
  }

  DaemonProcess d_{DaemonArgs{}};
  Phone alice_, bob_;
};

TEST_F(NgTest, PingPong) {
  Value r = d_.ng(Dict{{"command", "ping"}});
  EXPECT_EQ(ng_str(r, "result"), "pong");
  // The wire form is exactly rtpengine's.
  EXPECT_EQ(d_.ng_raw("5323_1 d7:command4:pinge"), "5323_1 d6:result4:ponge");
}

TEST_F(NgTest, OfferAnswerRewriteSdpAndRelay) {
  Value o = offer("ng1", alice_.port(), List{"origin", "session-connection"});
  ASSERT_EQ(ng_str(o, "result"), "ok");
  const std::string sdp_b = ng_str(o, "sdp");
  EXPECT_NE(sdp_b.find("o=- 1545997027 1 IN IP4 127.0.0.1\r\n"), std::string::npos) << sdp_b;
  EXPECT_EQ(sdp_b.find("192.0.2.55"), std::string::npos);
  EXPECT_NE(sdp_b.find("c=IN IP4 127.0.0.1\r\n"), std::string::npos);
  EXPECT_EQ(sdp_b.find("m=audio " + std::to_string(alice_.port())), std::string::npos);
  // Everything else passes through untouched.
  EXPECT_NE(sdp_b.find("a=rtpmap:101 telephone-event/8000\r\n"), std::string::npos);

  Value a = answer("ng1", bob_.port());
  ASSERT_EQ(ng_str(a, "result"), "ok");
  const net::SockAddr alice_dst = media_address(ng_str(a, "sdp"));
  const net::SockAddr bob_dst = media_address(sdp_b);
  for (uint16_t i = 0; i < 10; ++i) alice_.send_to(alice_dst, rtp_packet(1, i));
  for (uint16_t i = 0; i < 10; ++i) bob_.send_to(bob_dst, rtp_packet(2, i));
  EXPECT_EQ(bob_.recv_all(500).size(), 10u);
  EXPECT_EQ(alice_.recv_all(300).size(), 10u);

  // query: rtpengine's shape (tags -> medias -> streams, totals).
  Value q = d_.ng(Dict{{"command", "query"}, {"call-id", "ng1"}});
  ASSERT_EQ(ng_str(q, "result"), "ok");
  ASSERT_NE(q.find("created"), nullptr);
  ASSERT_NE(q.find("last signal"), nullptr);
  const Value* tags = q.find("tags");
  ASSERT_TRUE(tags && tags->is_dict());
  const Value* ft = tags->find("ft");
  ASSERT_TRUE(ft && ft->find("medias"));
  const Value& media = ft->find("medias")->as_list().at(0);
  EXPECT_EQ(ng_str(media, "type"), "audio");
  EXPECT_EQ(ng_str(media, "protocol"), "RTP/AVP");
  const Value& stream = media.find("streams")->as_list().at(0);
  EXPECT_EQ(stream.find("stats")->find("packets")->as_int(), 10);
  EXPECT_EQ(stream.find("stats")->find("bytes")->as_int(), 1720);
  EXPECT_EQ(stream.find("local port")->as_int(), alice_dst.port());
  EXPECT_EQ(stream.find("endpoint")->find("port")->as_int(), alice_.port());
  EXPECT_EQ(q.find("totals")->find("RTP")->find("packets")->as_int(), 20);

  Value l = d_.ng(Dict{{"command", "list"}});
  ASSERT_EQ(l.find("calls")->as_list().size(), 1u);
  EXPECT_EQ(l.find("calls")->as_list()[0].as_string(), "ng1");

  Value del = d_.ng(Dict{{"command", "delete"}, {"call-id", "ng1"}, {"from-tag", "ft"}});
  EXPECT_EQ(ng_str(del, "result"), "ok");
  EXPECT_EQ(del.find("totals")->find("RTP")->find("packets")->as_int(), 20);
  EXPECT_TRUE(d_.ng(Dict{{"command", "list"}}).find("calls")->as_list().empty());
}

TEST_F(NgTest, ErrorsLikeRtpengine) {
  Value r = d_.ng(Dict{{"command", "answer"},
                       {"call-id", "nope"},
                       {"from-tag", "x"},
                       {"to-tag", "y"},
                       {"sdp", audio_sdp(4000)}});
  EXPECT_EQ(ng_str(r, "result"), "error");
  EXPECT_EQ(ng_str(r, "error-reason"), "Unknown call-id");

  r = d_.ng(Dict{{"command", "delete"}, {"call-id", "nope"}});
  EXPECT_EQ(ng_str(r, "result"), "ok");
  EXPECT_EQ(ng_str(r, "warning"), "Call-ID not found or tags didn't match");
  r = d_.ng(Dict{{"command", "delete"}, {"call-id", "nope"}, {"flags", List{"fatal"}}});
  EXPECT_EQ(ng_str(r, "result"), "error");

  r = d_.ng(Dict{{"command", "offer"}, {"from-tag", "x"}, {"sdp", audio_sdp(4000)}});
  EXPECT_EQ(ng_str(r, "error-reason"), "No call-id in message");
  r = d_.ng(Dict{{"command", "offer"}, {"call-id", int64_t{5}}, {"from-tag", "x"}, {"sdp", "v=0"}});
  EXPECT_NE(ng_str(r, "error-reason").find("call-id"), std::string::npos);
  r = d_.ng(Dict{{"command", "offer"}, {"call-id", "c"}, {"from-tag", "x"}, {"sdp", "garbage"}});
  EXPECT_EQ(ng_str(r, "result"), "error");
  EXPECT_NE(ng_str(r, "error-reason").find("Failed to parse SDP"), std::string::npos);
  r = d_.ng(Dict{{"command", "frobnicate"}});
  EXPECT_EQ(ng_str(r, "error-reason"), "Unrecognized command");
  r = d_.ng(Dict{{"command", "offer"},
                 {"call-id", "c"},
                 {"from-tag", "x"},
                 {"sdp", audio_sdp(4000)},
                 {"flags", "trust-address"}});
  EXPECT_NE(ng_str(r, "error-reason").find("'flags'"), std::string::npos);

  // Undecodable bencode: answered, not crashed.
  std::string raw = d_.ng_raw("c9 d7:command4:pi");
  EXPECT_EQ(raw.rfind("c9 d6:result5:error12:error-reason", 0), 0u) << raw;
  // No cookie at all: nothing to answer.
  EXPECT_EQ(d_.ng_raw("nocookie", 300), "");
  // Still alive and nothing leaked.
  EXPECT_EQ(ng_str(d_.ng(Dict{{"command", "ping"}}), "result"), "pong");
  EXPECT_TRUE(d_.ng(Dict{{"command", "list"}}).find("calls")->as_list().empty());
}

TEST_F(NgTest, UnknownFlagsAreAcceptedWithAWarning) {
  Value r = d_.ng(Dict{{"command", "offer"},
                       {"call-id", "w1"},
                       {"from-tag", "ft"},
                       {"sdp", audio_sdp(alice_.port())},
                       {"flags", List{"trust-address", "frobnicate"}}});
  EXPECT_EQ(ng_str(r, "result"), "ok");
  EXPECT_NE(ng_str(r, "warning").find("frobnicate"), std::string::npos);
  EXPECT_EQ(ng_str(r, "warning").find("trust-address"), std::string::npos);
}

TEST_F(NgTest, RetransmissionGetsTheCachedReplyAndRunsOnce) {
  const std::string req = ng::encode(Dict{{"command", "offer"},
                                          {"call-id", "rt1"},
                                          {"from-tag", "ft"},
                                          {"sdp", audio_sdp(alice_.port())}});
  std::string first = d_.ng_raw("k1 " + req);
  std::string second = d_.ng_raw("k1 " + req);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  // Executed once: one call, two port pairs.
  EXPECT_EQ(d_.control().request("stats")["ports"]["used"], 4);
  EXPECT_EQ(d_.control().request("stats")["ng"]["requests"], 1);
}

TEST_F(NgTest, KamailioKeysAreUnderstoodAndWrongTypesNameTheKey) {
  // What rtpengine_manage("replace-origin replace-session-connection ICE=remove RTP/AVP
  // rtcp-mux-demux direction=priv direction=pub") sends, plus unimplemented extras.
  Value r = d_.ng(Dict{{"command", "offer"},
                       {"call-id", "k1"},
                       {"from-tag", "ft"},
                       {"via-branch", "z9hG4bK.1"},
                       {"sdp", audio_sdp(alice_.port(), true, "192.0.2.55")},
                       {"received-from", List{"IP4", "127.0.0.1"}},
                       {"replace", List{"origin", "session-connection"}},
                       {"ICE", "remove"},
                       {"transport-protocol", "RTP/AVP"},
                       {"rtcp-mux", List{"demux"}},
                       {"direction", List{"priv", "pub"}},
                       {"address family", "IP4"},
                       {"flags", List{"trust-address", "symmetric", "record-call"}},
                       {"codec", Dict{{"strip", List{"all"}}}}});
  ASSERT_EQ(ng_str(r, "result"), "ok") << ng_str(r, "error-reason");
  const std::string sdp = ng_str(r, "sdp");
  EXPECT_NE(sdp.find("o=- 1545997027 1 IN IP4 127.0.0.1\r\n"), std::string::npos) << sdp;
  EXPECT_EQ(sdp.find("a=rtcp-mux"), std::string::npos) << "demux: not offered onwards";
  EXPECT_NE(ng_str(r, "warning").find("record-call"), std::string::npos);
  EXPECT_EQ(ng_str(r, "warning").find("codec"), std::string::npos) << "codec options are supported";

  const std::pair<const char*, Value> wrong[] = {{"ICE", List{"remove"}},
                                                 {"rtcp-mux", "demux"},
                                                 {"replace", "origin"},
                                                 {"received-from", "127.0.0.1"},
                                                 {"direction", int64_t{1}},
                                                 {"via-branch", List{}},
                                                 {"transport-protocol", int64_t{0}},
                                                 {"media-address", List{}},
                                                 {"to-tag", int64_t{3}}};
  for (const auto& [key, value] : wrong) {
    Dict req{{"command", "offer"},
             {"call-id", "k2"},
             {"from-tag", "ft"},
             {"sdp", audio_sdp(alice_.port())}};
    req.emplace_back(key, value);
    Value e = d_.ng(req);
    EXPECT_EQ(ng_str(e, "result"), "error") << key;
    EXPECT_NE(ng_str(e, "error-reason").find(std::string("'") + key + "'"), std::string::npos)
        << key << ": " << ng_str(e, "error-reason");
  }
  Value unknown = d_.ng(Dict{{"command", "offer"},
                             {"call-id", "k3"},
                             {"from-tag", "ft"},
                             {"sdp", audio_sdp(alice_.port())},
                             {"transport-protocol", "RTP/XYZ"}});
  EXPECT_EQ(ng_str(unknown, "result"), "error");
  EXPECT_NE(ng_str(unknown, "error-reason").find("not supported"), std::string::npos);
  // Only the one good offer created a call.
  EXPECT_EQ(d_.ng(Dict{{"command", "list"}}).find("calls")->as_list().size(), 1u);
}

TEST_F(NgTest, ReInviteKeepsPortsAndDoubleDeleteIsHarmless) {
  Value first = offer("ri", alice_.port());
  Value ans = answer("ri", bob_.port());
  ASSERT_EQ(ng_str(ans, "result"), "ok");
  // The same offer again (a re-INVITE, here with a new address) keeps rtpxd's ports.
  Value again = d_.ng(Dict{{"command", "offer"},
                           {"call-id", "ri"},
                           {"from-tag", "ft"},
                           {"sdp", audio_sdp(alice_.port(), false, "192.0.2.66")}});
  EXPECT_EQ(media_address(ng_str(again, "sdp")).port(), media_address(ng_str(first, "sdp")).port());
  Value ans2 = answer("ri", bob_.port());
  EXPECT_EQ(media_address(ng_str(ans2, "sdp")).port(), media_address(ng_str(ans, "sdp")).port());
  EXPECT_EQ(d_.control().request("stats")["ports"]["used"], 4);

  Value del = d_.ng(Dict{{"command", "delete"}, {"call-id", "ri"}, {"from-tag", "ft"}});
  EXPECT_EQ(ng_str(del, "result"), "ok");
  EXPECT_NE(del.find("totals"), nullptr);
  Value del2 = d_.ng(Dict{{"command", "delete"}, {"call-id", "ri"}, {"from-tag", "ft"}});
  EXPECT_EQ(ng_str(del2, "result"), "ok");
  EXPECT_EQ(ng_str(del2, "warning"), "Call-ID not found or tags didn't match");
  Value q = d_.ng(Dict{{"command", "query"}, {"call-id", "ri"}});
  EXPECT_EQ(ng_str(q, "result"), "error");
  EXPECT_EQ(d_.control().request("stats")["ports"]["used"], 0);
}

// ng over TCP, both of rtpengine's stream framings, pipelined in one write.
TEST(NgTcpTest, BothFramingsPipelinedOnOneConnection) {
  DaemonProcess d{DaemonArgs{.extra = {"--ng-listen-tcp", "127.0.0.1:0"}}};
  const std::string where = d.control().request("engine.info")["ng_listen_tcp"];
  auto addr = net::SockAddr::parse(where);
  ASSERT_TRUE(addr) << where;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(fd, &addr->u.sa, addr->len()), 0);
  const std::string plain = "t1 d7:command4:pinge";
  const std::string offer =
      "t2 " +
      ng::encode(Dict{
          {"command", "offer"}, {"call-id", "tcp1"}, {"from-tag", "ft"}, {"sdp", audio_sdp(4000)}});
  const std::string prefixed = std::to_string(offer.size()) + ":" + offer;
  const std::string both = plain + prefixed;
  ASSERT_EQ(::send(fd, both.data(), both.size(), 0), static_cast<ssize_t>(both.size()));
  std::string got;
  char buf[65536];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (got.find("t2 d") == std::string::npos || got.back() != 'e') {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  ASSERT_EQ(got.rfind("t1 d6:result4:ponge", 0), 0u) << got;
  const std::string second = got.substr(std::string("t1 d6:result4:ponge").size());
  const size_t colon = second.find(':');
  ASSERT_NE(colon, std::string::npos) << second;
  EXPECT_EQ(std::stoul(second.substr(0, colon)), second.size() - colon - 1)
      << "the reply to a length-prefixed request is length-prefixed";
  EXPECT_NE(second.find("t2 d"), std::string::npos);
  EXPECT_NE(second.find("6:result2:ok"), std::string::npos) << second;
  EXPECT_EQ(d.stop(), 0);
}

// The UNIX-socket framing of Kamailio's rtpengine module: a bare dict, no cookie, one reply.
TEST(NgUnixTest, BareDictInBareDictOut) {
  const std::string path = "/tmp/rtpx-ng-" + std::to_string(::getpid()) + ".sock";
  DaemonProcess d{DaemonArgs{.extra = {"--ng-listen-unix", path}}};
  EXPECT_EQ(d.control().request("engine.info")["ng_listen_unix"], path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  const std::string ping = "d7:command4:pinge";
  ASSERT_EQ(::send(fd, ping.data(), ping.size(), 0), static_cast<ssize_t>(ping.size()));
  char buf[256];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "d6:result4:ponge");
  EXPECT_EQ(d.stop(), 0);
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the socket file is removed at exit";
}

}  // namespace
}  // namespace rtpx::test
