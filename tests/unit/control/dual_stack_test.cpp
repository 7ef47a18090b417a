// Dual-stack media (media.interface6): each side of a call gets the family of its party's SDP or
// the one ng `address family` asks for, and the SDP it receives names rtpxd's address of that
// family. Without interface6 everything stays on the one interface and the ng layer warns.

#include <gtest/gtest.h>

#include <algorithm>

#include "control/ng/ng_signal.hpp"
#include "tests/unit/control/session_fixture.hpp"

namespace rtpx::control {
namespace {

std::string body(uint16_t port, const std::string& ip) {
  const std::string type = ip.find(':') != std::string::npos ? "IP6" : "IP4";
  return "v=0\r\no=- 7 1 IN " + type + " " + ip + "\r\ns=-\r\nc=IN " + type + " " + ip +
         "\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:" + std::to_string(port + 1) + " IN " +
         type + " " + ip + "\r\n";
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\r\n") != std::string::npos;
}

class DualStackTest : public SessionServiceTest {
 protected:
  DualStackTest() {
    svc_.reset();
    media_.interface6 = "::1";
    engine::EngineOptions o;
    o.backend = "loopback";
    o.endpoint_slots = SessionService::endpoint_slots(media_);
    o.io.pool_packets = 64;
    engine_ = std::make_unique<engine::Engine>(o);
    svc_ = std::make_unique<SessionService>(*engine_, media_);
  }

  // Offer from A (`a_ip`), answer from B (`b_ip`); returns {offer out, answer out}.
  std::pair<std::string, std::string> exchange(const std::string& a_ip, const std::string& b_ip,
                                               std::optional<int> family = {}) {
    SignalRequest o = req("dual", body(4000, a_ip));
    o.address_family = family;
    o.rtcp_attribute = RtcpAttribute::kFull;
    o.replace_origin = true;
    auto offered = svc_->offer(o);
    EXPECT_TRUE(offered.ok()) << offered.error().message;
    SignalRequest a = req("dual", body(5000, b_ip), "B");
    a.rtcp_attribute = RtcpAttribute::kFull;
    a.replace_origin = true;
    auto answered = svc_->answer(a);
    EXPECT_TRUE(answered.ok()) << answered.error().message;
    return {offered.ok() ? *offered : "", answered.ok() ? *answered : ""};
  }
};

TEST_F(DualStackTest, EndpointTableHoldsBothFamilies) {
  EXPECT_EQ(SessionService::endpoint_slots(media_), 32u);
  EXPECT_TRUE(svc_->families().ip4);
  EXPECT_TRUE(svc_->families().ip6);
  EXPECT_EQ(svc_->counters().port_pairs_total, 16u);
}

TEST_F(DualStackTest, Ipv6OfferToIpv4CalleeByAddressFamily) {
  auto [offer, answer] = exchange("2001:db8::1", "10.0.0.2", AF_INET);
  // B was asked for IPv4: c=, o= and a=rtcp name 127.0.0.1.
  EXPECT_TRUE(has_line(offer, "c=IN IP4 127.0.0.1")) << offer;
  EXPECT_TRUE(has_line(offer, "o=- 7 1 IN IP4 127.0.0.1")) << offer;
  EXPECT_TRUE(has_line(offer, "a=rtcp:" + std::to_string(port_of(offer) + 1) + " IN IP4 127.0.0.1"))
      << offer;
  EXPECT_EQ(offer.find("::1"), std::string::npos) << offer;
  // A offered IPv6 and gets rtpxd's IPv6 address back.
  EXPECT_TRUE(has_line(answer, "c=IN IP6 ::1")) << answer;
  EXPECT_TRUE(has_line(answer, "o=- 7 1 IN IP6 ::1")) << answer;
  EXPECT_TRUE(has_line(answer, "a=rtcp:" + std::to_string(port_of(answer) + 1) + " IN IP6 ::1"))
      << answer;
  EXPECT_EQ(answer.find("127.0.0.1"), std::string::npos) << answer;

  auto snap = svc_->query("dual");
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->legs.size(), 2u);
  EXPECT_EQ(snap->legs[0].media.at(0).streams.at(0).local.family(), AF_INET6);
  EXPECT_EQ(snap->legs[1].media.at(0).streams.at(0).local.family(), AF_INET);
}

TEST_F(DualStackTest, Ipv6OfferWithoutAddressFamilyStaysIpv6) {
  auto [offer, answer] = exchange("2001:db8::1", "2001:db8::2");
  EXPECT_TRUE(has_line(offer, "c=IN IP6 ::1")) << offer;
  EXPECT_TRUE(has_line(answer, "c=IN IP6 ::1")) << answer;
}

TEST_F(DualStackTest, Ipv4OfferWithAddressFamilyIp6GivesBIpv6) {
  auto [offer, answer] = exchange("10.0.0.1", "2001:db8::2", AF_INET6);
  EXPECT_TRUE(has_line(offer, "c=IN IP6 ::1")) << offer;
  EXPECT_TRUE(has_line(offer, "o=- 7 1 IN IP6 ::1")) << offer;
  EXPECT_TRUE(has_line(answer, "c=IN IP4 127.0.0.1")) << answer;
  EXPECT_EQ(answer.find("::1"), std::string::npos) << answer;
}

TEST_F(DualStackTest, PortsMayCoincideAcrossFamiliesWithDistinctEndpoints) {
  auto [offer, answer] = exchange("10.0.0.1", "2001:db8::2", AF_INET6);
  auto snap = svc_->query("dual");
  ASSERT_TRUE(snap.ok());
  std::vector<std::pair<int, uint16_t>> seen;
  for (const auto& leg : snap->legs)
    for (const auto& s : leg.media.at(0).streams)
      seen.emplace_back(s.local.family(), s.local.port());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  // Both families start at port_min: the first pair of each is the same port number.
  EXPECT_EQ(seen.front().second, media_.port_min);
  EXPECT_EQ(seen[2].second, media_.port_min);
}

TEST_F(DualStackTest, ReofferKeepsEachSidesFamily) {
  exchange("10.0.0.1", "2001:db8::2", AF_INET6);
  // A re-offers from IPv6 now, without address family: its side stays IPv4, B's stays IPv6.
  SignalRequest o = req("dual", body(4000, "2001:db8::1"));
  auto again = svc_->offer(o);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(has_line(*again, "c=IN IP6 ::1")) << *again;
  auto snap = svc_->query("dual");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->legs[0].media.at(0).streams.at(0).local.family(), AF_INET);
}

TEST_F(SessionServiceTest, WithoutInterface6EverythingStaysIpv4) {
  EXPECT_FALSE(svc_->families().ip6);
  SignalRequest o = req("v4", body(4000, "2001:db8::1"));
  auto offer = svc_->offer(o);
  ASSERT_TRUE(offer.ok()) << offer.error().message;
  EXPECT_TRUE(has_line(*offer, "c=IN IP4 127.0.0.1")) << *offer;
  auto answer = svc_->answer(req("v4", body(5000, "2001:db8::2"), "B"));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_TRUE(has_line(*answer, "c=IN IP4 127.0.0.1")) << *answer;
}

ng::Value ng_offer(const char* family) {
  return ng::Value(ng::Dict{{"call-id", "c"},
                            {"from-tag", "A"},
                            {"sdp", body(4000, "10.0.0.1")},
                            {"address family", family}});
}

TEST(NgAddressFamily, HonouredWhenRtpxdHasBothFamilies) {
  auto p = ng::parse_ng_signal(ng_offer("IP6"), false, MediaFamilies{true, true});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->req.address_family.value_or(-1), AF_INET6);
  EXPECT_EQ(p->warning, "");
  p = ng::parse_ng_signal(ng_offer("IP4"), false, MediaFamilies{true, true});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->req.address_family.value_or(-1), AF_INET);
}

TEST(NgAddressFamily, WarnedWhenRtpxdLacksTheFamily) {
  auto p = ng::parse_ng_signal(ng_offer("IP6"), false, MediaFamilies{true, false});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->req.address_family.has_value());
  EXPECT_EQ(p->warning, "Not supported, ignored: address-family=IP6 (no such interface)");
  p = ng::parse_ng_signal(ng_offer("IP4"), false, MediaFamilies{true, false});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->req.address_family.has_value());
  EXPECT_EQ(p->warning, "");
}

}  // namespace
}  // namespace rtpx::control
