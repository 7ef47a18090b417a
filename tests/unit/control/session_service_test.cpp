#include <unistd.h>

// SessionService over a loopback engine: calls, legs, ports, SDP rewriting, timeouts, events.

#include <gtest/gtest.h>

#include <set>

#include "control/session/port_allocator.hpp"
#include "control/session/sdp_rewrite.hpp"
#include "tests/unit/control/session_fixture.hpp"

namespace rtpx::control {
namespace {

TEST_F(SessionServiceTest, OfferAndAnswerUseDistinctEvenPortsOnOurAddress) {
  auto offered = svc_->offer(req("c", sdp(4000)));
  ASSERT_TRUE(offered.ok());
  EXPECT_NE(offered->find("c=IN IP4 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(offered->find("o=- 7 1 IN IP4 10.0.0.1\r\n"), std::string::npos)
      << "o= kept by default";
  const uint16_t to_b = port_of(*offered);
  EXPECT_EQ(to_b % 2, 0);
  EXPECT_NE(offered->find("a=rtcp:" + std::to_string(to_b + 1) + "\r\n"), std::string::npos);

  auto answered = svc_->answer(req("c", sdp(5000, "", "10.0.0.2"), "B"));
  ASSERT_TRUE(answered.ok());
  const uint16_t to_a = port_of(*answered);
  EXPECT_EQ(to_a % 2, 0);
  EXPECT_NE(to_a, to_b);

  auto q = svc_->query("c");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->legs.size(), 2u);
  EXPECT_EQ(q->legs[0].tag, "A");
  EXPECT_EQ(q->legs[1].tag, "B");
  EXPECT_EQ(q->legs[0].media[0].streams[0].local.port(), to_a);
  EXPECT_EQ(q->legs[0].media[0].streams[0].signaled.to_string(), "10.0.0.1:4000");
  EXPECT_EQ(q->legs[0].media[0].streams[1].signaled.to_string(), "10.0.0.1:4001");
  EXPECT_EQ(q->legs[1].media[0].streams[0].signaled.to_string(), "10.0.0.2:5000");
  EXPECT_EQ(svc_->counters().port_pairs_used, 2u);
  EXPECT_EQ(events_, std::vector<std::string>{"session_created:"});
}

TEST_F(SessionServiceTest, ReofferKeepsPortsAndFollowsTheNewAddress) {
  const uint16_t first = port_of(*svc_->offer(req("c", sdp(4000))));
  ASSERT_TRUE(svc_->answer(req("c", sdp(5000), "B")).ok());
  auto again = svc_->offer(req("c", sdp(4100, "", "10.0.0.9")));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(port_of(*again), first);
  EXPECT_EQ(svc_->counters().port_pairs_used, 2u);
  EXPECT_EQ(svc_->query("c")->legs[0].media[0].streams[0].signaled.to_string(), "10.0.0.9:4100");
}

TEST_F(SessionServiceTest, ReplaceOriginAndRtcpMux) {
  SignalRequest r = req("c", sdp(4000, "a=rtcp-mux\r\n"));
  r.replace_origin = true;
  auto out = svc_->offer(r);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("o=- 7 1 IN IP4 127.0.0.1\r\n"), std::string::npos);
  // The offer passes mux on but keeps a separate RTCP port in case the answerer declines.
  const uint16_t p = port_of(*out);
  EXPECT_NE(out->find("a=rtcp:" + std::to_string(p + 1) + "\r\na=rtcp-mux\r\n"), std::string::npos);
  // The answerer accepts: the offerer's answer names one port for both.
  auto ans = svc_->answer(req("c", sdp(5000, "a=rtcp-mux\r\n"), "B"));
  ASSERT_TRUE(ans.ok());
  const uint16_t q = port_of(*ans);
  EXPECT_NE(ans->find("a=rtcp:" + std::to_string(q) + "\r\na=rtcp-mux\r\n"), std::string::npos);
}

TEST_F(SessionServiceTest, ErrorsNameTheFieldAndLeaveNothingBehind) {
  auto r = svc_->offer(req("", sdp(4000)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "call-id");
  r = svc_->offer(req("c", "v=0\r\nbogus"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "sdp");
  r = svc_->answer(req("nope", sdp(4000), "B"));
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_EQ(svc_->counters().current, 0u);

  // Four pairs per two-media call: the third such call cannot get its ports and is undone.
  const std::string two = sdp(4000) + "m=audio 4002 RTP/AVP 8\r\n";
  auto x1 = svc_->offer(req("x1", two));
  ASSERT_TRUE(x1.ok()) << x1.error().message;
  ASSERT_TRUE(svc_->offer(req("x2", two)).ok());
  r = svc_->offer(req("x3", two));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::no_ports);
  EXPECT_FALSE(svc_->query("x3").ok());
  EXPECT_EQ(svc_->counters().port_pairs_used, 8u);
  ASSERT_TRUE(svc_->remove("x1").ok());
  // x1's pairs stay taken until the shard has closed its sockets (binding them again would fail).
  EXPECT_EQ(svc_->counters().port_pairs_used, 8u);
  settle();
  EXPECT_EQ(svc_->counters().port_pairs_used, 4u);
  EXPECT_TRUE(svc_->offer(req("x3", two)).ok());
}

TEST_F(SessionServiceTest, DisabledMediaKeepsPortZeroAndGetsNoSockets) {
  auto out = svc_->offer(req("c", sdp(4000) + "m=video 0 RTP/AVP 96\r\n"));
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("m=video 0 RTP/AVP 96\r\n"), std::string::npos);
  EXPECT_EQ(svc_->counters().port_pairs_used, 2u);
}

TEST_F(SessionServiceTest, IdleCallsExpireWithEvents) {
  ASSERT_TRUE(svc_->offer(req("c", sdp(4000))).ok());
  const int64_t now = SessionService::mono_now_ns();
  EXPECT_EQ(svc_->expire_idle(now + 4'000'000'000), 0u);
  EXPECT_EQ(svc_->expire_idle(now + 6'000'000'000), 1u);
  EXPECT_EQ(svc_->counters().current, 0u);
  EXPECT_EQ(svc_->counters().timed_out, 1u);
  settle();  // the shard closes the sockets, the pairs go back
  EXPECT_EQ(svc_->counters().port_pairs_used, 0u);
  EXPECT_EQ(events_, (std::vector<std::string>{
                         "session_created:", "media_timeout:", "session_deleted:timeout"}));
}

TEST(PortAllocator, PairsAreEvenBoundAndReleased) {
  const uint16_t b = static_cast<uint16_t>(port_base() + 16);
  PortAllocator ports(*net::SockAddr::from_ip("127.0.0.1", 0), b, static_cast<uint16_t>(b + 7));
  std::set<uint16_t> seen;
  std::vector<PortPair> pairs;
  while (auto p = ports.allocate()) {
    EXPECT_EQ(p->rtp_port % 2, 0);
    EXPECT_GE(p->rtp_fd, 0);
    EXPECT_GE(p->rtcp_fd, 0);
    seen.insert(p->rtp_port);
    pairs.push_back(*p);
  }
  EXPECT_EQ(seen, (std::set<uint16_t>{b, static_cast<uint16_t>(b + 2), static_cast<uint16_t>(b + 4),
                                      static_cast<uint16_t>(b + 6)}));
  EXPECT_EQ(ports.pairs_used(), 4u);
  ports.release(static_cast<uint16_t>(b + 2));
  ::close(pairs[1].rtp_fd);
  ::close(pairs[1].rtcp_fd);
  auto again = ports.allocate();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rtp_port, b + 2);
  for (auto& p : pairs) {
    ::close(p.rtp_fd);
    ::close(p.rtcp_fd);
  }
  ::close(again->rtp_fd);
  ::close(again->rtcp_fd);
}

TEST(SdpRewrite, SignaledAddressesFollowRtcpAttributeAndMux) {
  auto s = sdp::parse(sdp(4000, "a=rtcp:4444 IN IP4 10.9.9.9\r\n"));
  ASSERT_TRUE(s.ok());
  SignaledMedia m = signaled_addresses(*s.session, s.session->media[0]);
  EXPECT_EQ(m.rtp.to_string(), "10.0.0.1:4000");
  EXPECT_EQ(m.rtcp.to_string(), "10.9.9.9:4444");
  // Offering mux does not agree to it: RTCP keeps its own address until the answer decides.
  s = sdp::parse(sdp(4000, "a=rtcp-mux\r\n"));
  m = signaled_addresses(*s.session, s.session->media[0]);
  EXPECT_EQ(m.rtcp.to_string(), "10.0.0.1:4001");
}

}  // namespace
}  // namespace rtpx::control
