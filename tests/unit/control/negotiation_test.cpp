// Offer/answer negotiation as rtpengine 10.5 does it, checked on the SDP text rtpxd writes:
// attribute order, static rtpmap, rtcp-mux policies, ICE default/remove/force, loop-protect,
// media-address, SIP source address, transport-protocol (SRTP: srtp_negotiation_test).

#include <gtest/gtest.h>

#include "control/session/sdp_rewrite.hpp"
#include "tests/unit/control/session_fixture.hpp"

namespace rtpx::control {
namespace {

// The media part of an SDP (from the first m= line), with ports and ICE secrets replaced so
// expectations can be written literally.
std::string media_part(const std::string& text) {
  auto parsed = sdp::parse(text);
  if (!parsed.ok()) return "unparsable: " + text;
  std::string out;
  for (const sdp::Media& m : parsed.session->media) {
    out += "m=" + m.type + " " + (m.port ? "P" : "0") + " " + m.proto;
    for (const std::string& f : m.formats) out += " " + f;
    out += "\n";
    if (m.connection) out += "c=" + m.connection->to_string() + "\n";
    for (const sdp::Line& l : m.other_lines) out += std::string(1, l.type) + "=" + l.value + "\n";
    for (const sdp::Attribute& a : m.attributes) {
      std::string v = a.value.value_or("");
      if (a.name == "rtcp") v = std::to_string(std::stoi(v) - m.port);  // offset from RTP port
      if (a.name == "ice-ufrag" || a.name == "ice-pwd") v = "X";
      if (a.name == "candidate") v = v.substr(17, 1) + " " + v.substr(v.find(" typ"));
      out += "a=" + a.name + (a.value ? ":" + v : "") + "\n";
    }
  }
  return out;
}

class NegotiationTest : public SessionServiceTest {
 protected:
  // Offer `offer_media`, answer `answer_media`; returns {offer out, answer out}.
  std::pair<std::string, std::string> exchange(const std::string& offer_media,
                                               const std::string& answer_media,
                                               SignalRequest o = {}, SignalRequest a = {}) {
    if (n_ > 0) (void)svc_->remove("call-" + std::to_string(n_));  // 8 port pairs only
    settle();  // the shard closes the removed sockets
    const std::string head =
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n";
    o.call_id = a.call_id = "call-" + std::to_string(++n_);
    o.from_tag = a.from_tag = "A";
    a.to_tag = "B";
    o.sdp = head + offer_media;
    a.sdp = head + answer_media;
    auto out = svc_->offer(o);
    EXPECT_TRUE(out.ok()) << out.error().message;
    if (answer_media.empty() || !out.ok()) return {out.ok() ? *out : "", ""};
    auto back = svc_->answer(a);
    EXPECT_TRUE(back.ok()) << back.error().message;
    return {*out, back.ok() ? *back : ""};
  }
  int n_ = 0;
};

const std::string kIceA =
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=candidate:1 1 UDP 2130706431 10.0.0.1 6000 typ host\r\n"
    "a=candidate:1 2 UDP 2130706430 10.0.0.1 6001 typ host\r\n";

TEST_F(NegotiationTest, MediaIsRebuiltInRtpenginesOrder) {
  auto [offer, answer] = exchange(
      "m=audio 6000 RTP/AVPF 111 0 9\r\nc=IN IP4 10.0.0.1\r\nb=AS:50\r\na=mid:0\r\na=foo:bar\r\n"
      "a=maxptime:40\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 nack\r\n"
      "a=fmtp:111 useinbandfec=1\r\na=ptime:20\r\na=ssrc:1234 cname:x\r\n"
      "a=rtcp:7000 IN IP4 10.0.0.2\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n",
      "m=audio 6010 RTP/AVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=recvonly\r\n"
      "m=video 0 RTP/AVP 96\r\n");
  EXPECT_EQ(media_part(offer),
            "m=audio P RTP/AVPF 111 0 9\n"
            "c=IN IP4 127.0.0.1\n"
            "b=AS:50\n"
            "a=foo:bar\na=maxptime:40\na=ssrc:1234 cname:x\n"
            "a=mid:0\n"
            "a=rtpmap:111 opus/48000/2\na=fmtp:111 useinbandfec=1\na=rtcp-fb:111 nack\n"
            "a=rtpmap:0 PCMU/8000\na=rtpmap:9 G722/8000\n"
            "a=sendrecv\na=rtcp:1\na=ptime:20\n"
            "m=video 0 RTP/AVP 96\n");
  // The answer inherits a=mid and a=ptime from the offer when it has none.
  EXPECT_EQ(media_part(answer),
            "m=audio P RTP/AVPF 111\n"
            "a=mid:0\na=rtpmap:111 opus/48000/2\na=recvonly\na=rtcp:1\na=ptime:20\n"
            "m=video 0 RTP/AVP 96\n");
}

TEST_F(NegotiationTest, SessionLevelDirectionMovesIntoMediaAndBundleGoes) {
  auto [offer, answer] =
      exchange("a=group:BUNDLE 0\r\na=sendonly\r\na=tool:x\r\nm=audio 6000 RTP/AVP 8\r\n", "");
  (void)answer;
  EXPECT_EQ(offer.find("a=group"), std::string::npos);
  EXPECT_NE(offer.find("t=0 0\r\na=tool:x\r\nm=audio"), std::string::npos) << offer;
  EXPECT_EQ(media_part(offer), "m=audio P RTP/AVP 8\na=rtpmap:8 PCMA/8000\na=sendonly\na=rtcp:1\n");
}

struct MuxCase {
  const char* name;
  bool a_offers;
  RtcpMuxPolicy policy;
  bool b_accepts;
  bool offered_to_b;  // a=rtcp-mux in the offer out
  bool a_gets_mux;    // a=rtcp-mux in the answer out
};

TEST_F(NegotiationTest, RtcpMuxPoliciesMatchRtpengine) {
  const MuxCase cases[] = {
      {"passthrough accepted", true, {}, true, true, true},
      {"passthrough declined", true, {}, false, true, false},
      {"demux", true, {.demux = true}, false, false, true},
      {"offer", false, {.offer = true}, true, true, false},
      {"accept", true, {.accept = true}, false, true, true},
      {"reject", true, {.reject = true}, true, true, false},
  };
  for (const MuxCase& c : cases) {
    SignalRequest o;
    o.rtcp_mux = c.policy;
    auto [offer, answer] = exchange(
        std::string("m=audio 6000 RTP/AVP 0\r\n") + (c.a_offers ? "a=rtcp-mux\r\n" : ""),
        std::string("m=audio 6010 RTP/AVP 0\r\n") + (c.b_accepts ? "a=rtcp-mux\r\n" : ""), o);
    EXPECT_EQ(media_part(offer), std::string("m=audio P RTP/AVP 0\na=rtpmap:0 PCMU/8000\n") +
                                     "a=sendrecv\na=rtcp:1\n" +
                                     (c.offered_to_b ? "a=rtcp-mux\n" : ""))
        << c.name;
    EXPECT_EQ(media_part(answer), std::string("m=audio P RTP/AVP 0\na=rtpmap:0 PCMU/8000\n") +
                                      "a=sendrecv\n" +
                                      (c.a_gets_mux ? "a=rtcp:0\na=rtcp-mux\n" : "a=rtcp:1\n"))
        << c.name;
  }
}

TEST_F(NegotiationTest, IceIsReplacedByDefaultRemovedOrForced) {
  const std::string ours =
      "a=ice-ufrag:X\na=ice-pwd:X\na=candidate:1  typ host\na=candidate:2  typ host\n";
  // Default: the offerer spoke ICE, so both parties get rtpxd's own (ICE-lite) candidates.
  auto [offer, answer] =
      exchange("m=audio 6000 RTP/AVP 0\r\n" + kIceA, "m=audio 6010 RTP/AVP 0\r\n");
  EXPECT_EQ(media_part(offer),
            "m=audio P RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=sendrecv\na=rtcp:1\n" + ours);
  EXPECT_EQ(media_part(answer),
            "m=audio P RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=sendrecv\na=rtcp:1\n" + ours);
  EXPECT_NE(offer.find("t=0 0\r\na=ice-lite\r\n"), std::string::npos) << offer;
  EXPECT_NE(offer.find(" 127.0.0.1 "), std::string::npos);
  // The two parties get different credentials.
  auto ufrag = [](const std::string& t) {
    auto at = t.find("a=ice-ufrag:");
    return t.substr(at, t.find('\r', at) - at);
  };
  EXPECT_NE(ufrag(offer), ufrag(answer));

  SignalRequest remove;
  remove.ice = IceMode::kRemove;
  std::tie(offer, answer) =
      exchange("m=audio 6000 RTP/AVP 0\r\n" + kIceA, "m=audio 6010 RTP/AVP 0\r\n", remove, remove);
  EXPECT_EQ(offer.find("ice"), std::string::npos) << offer;
  EXPECT_EQ(answer.find("candidate"), std::string::npos) << answer;

  SignalRequest force;
  force.ice = IceMode::kForce;
  std::tie(offer, answer) =
      exchange("m=audio 6000 RTP/AVP 0\r\n", "m=audio 6010 RTP/AVP 0\r\n" + kIceA, force);
  EXPECT_NE(offer.find("a=ice-ufrag:"), std::string::npos);
  // The offerer never spoke ICE: its answer has none.
  EXPECT_EQ(answer.find("ice"), std::string::npos) << answer;
}

TEST_F(NegotiationTest, IceCredentialsReachTheEndpointsThatAnswerChecks) {
  auto [offer, answer] =
      exchange("m=audio 6000 RTP/AVP 0\r\n" + kIceA, "m=audio 6010 RTP/AVP 0\r\n");
  settle();
  auto pos = answer.find("a=ice-ufrag:") + 12;
  const std::string ufrag = answer.substr(pos, answer.find('\r', pos) - pos);
  const uint16_t port = sdp::parse(answer).session->media[0].port;
  const engine::Endpoint& e = engine_->endpoint(static_cast<io::SocketId>(port - media_.port_min));
  EXPECT_EQ(e.cfg.stun.ufrag_view(), ufrag);
  EXPECT_EQ(e.cfg.stun.pwd_len, 26);
}

TEST_F(NegotiationTest, LoopProtectMarksOurSdpAndPassesItBackUntouched) {
  SignalRequest o;
  o.loop_protect = true;
  auto [offer, answer] = exchange("m=audio 6000 RTP/AVP 0\r\n", "", o);
  const auto at = offer.find("a=rtpengine:");
  ASSERT_NE(at, std::string::npos);
  // The same SDP offered again in a new call (a loop through the proxy) comes back as it was.
  o.call_id = "looped";
  o.from_tag = "X";
  o.sdp = offer;
  auto again = svc_->offer(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, offer);
  EXPECT_FALSE(svc_->query("looped").ok()) << "a looped offer must not create a call";
}

TEST_F(NegotiationTest, MediaAddressAndSipSourceAddress) {
  SignalRequest o;
  o.media_address = "192.0.2.7";
  o.sip_source = true;
  o.received_from = "10.9.9.9";
  auto [offer, answer] = exchange("m=audio 6000 RTP/AVP 0\r\n", "", o);
  EXPECT_NE(offer.find("c=IN IP4 192.0.2.7\r\n"), std::string::npos) << offer;
  EXPECT_EQ(
      svc_->query("call-" + std::to_string(n_))->legs[0].media[0].streams[0].signaled.to_string(),
      "10.9.9.9:6000");
}

TEST_F(NegotiationTest, TransportProtocolOverridesTheRecipientsProtocol) {
  SignalRequest o;
  o.call_id = "s";
  o.from_tag = "A";
  o.sdp = sdp(4000);
  o.transport_protocol = "RTP/AVPF";
  auto r = svc_->offer(o);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find(" RTP/AVPF 0\r\n"), std::string::npos);
}

}  // namespace
}  // namespace rtpx::control
