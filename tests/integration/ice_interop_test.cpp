// ICE against a real full ICE agent: rtpengine. Phone A -> rtpxd (ICE=force towards the callee)
// -> rtpengine, which receives rtpxd's ICE-lite offer, runs its connectivity checks against
// rtpxd's candidates and nominates a pair; media then flows A <-> rtpxd <-> rtpengine <-> B.
// Proves the STUN responder (credentials, MESSAGE-INTEGRITY, FINGERPRINT, XOR-MAPPED-ADDRESS)
// works with an independent implementation, not only with test vectors.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/rtpengine_process.hpp"

namespace rtpx::test {
namespace {

using ng::Dict;
using ng::Value;

TEST(IceInterop, RtpengineCompletesIceAgainstRtpxdAndMediaFlows) {
  auto bin = RtpengineProcess::find_binary();
  ASSERT_TRUE(bin) << "rtpengine is not installed (tools/setup installs rtpengine-daemon)";
  RtpengineProcess rtpengine(*bin, {"127.0.0.1"});
  DaemonProcess rtpxd{DaemonArgs{}};
  Phone a, b;

  // A's plain offer; rtpxd offers ICE onwards.
  Value o1 = rtpxd.ng(Dict{{"command", "offer"},
                           {"call-id", "ice1"},
                           {"from-tag", "a"},
                           {"sdp", audio_sdp(a.port())},
                           {"ICE", "force"}});
  ASSERT_EQ(ng_str(o1, "result"), "ok") << ng_str(o1, "error-reason");
  ASSERT_NE(ng_str(o1, "sdp").find("a=ice-lite"), std::string::npos);
  // rtpengine takes rtpxd's SDP as its offer, hands B a plain one, and answers rtpxd with ICE.
  Value o2 = rtpengine.ng(Dict{{"command", "offer"},
                               {"call-id", "ice1"},
                               {"from-tag", "x"},
                               {"sdp", ng_str(o1, "sdp")},
                               {"ICE", "remove"}});
  ASSERT_EQ(ng_str(o2, "result"), "ok") << ng_str(o2, "error-reason");
  Value a2 = rtpengine.ng(Dict{{"command", "answer"},
                               {"call-id", "ice1"},
                               {"from-tag", "x"},
                               {"to-tag", "b"},
                               {"sdp", audio_sdp(b.port())}});
  ASSERT_EQ(ng_str(a2, "result"), "ok") << ng_str(a2, "error-reason");
  ASSERT_NE(ng_str(a2, "sdp").find("a=ice-ufrag:"), std::string::npos) << ng_str(a2, "sdp");
  Value a1 = rtpxd.ng(Dict{{"command", "answer"},
                           {"call-id", "ice1"},
                           {"from-tag", "a"},
                           {"to-tag", "y"},
                           {"sdp", ng_str(a2, "sdp")}});
  ASSERT_EQ(ng_str(a1, "result"), "ok") << ng_str(a1, "error-reason");

  const net::SockAddr to_rtpxd = media_address(ng_str(a1, "sdp"));
  const net::SockAddr to_rtpengine = media_address(ng_str(o2, "sdp"));
  size_t at_b = 0, at_a = 0;
  for (uint16_t seq = 0; seq < 100; ++seq) {
    a.send_to(to_rtpxd, rtp_packet(0x1111, seq));
    b.send_to(to_rtpengine, rtp_packet(0x2222, seq));
    at_b += b.recv_all(10).size();
    at_a += a.recv_all(10).size();
  }
  at_b += b.recv_all(300).size();
  at_a += a.recv_all(300).size();
  // rtpengine only sends to an ICE peer once a pair is nominated, so B and A hearing each other
  // means rtpengine's checks against rtpxd succeeded. A few packets may precede nomination.
  EXPECT_GE(at_b, 90u);
  EXPECT_GE(at_a, 90u);
  const auto stats = rtpxd.control().request("stats");
  EXPECT_EQ(stats["packets"]["dropped"]["bad_auth"], 0) << stats.dump();
  EXPECT_NE(rtpengine.log_tail(20000).find("ICE negotiated"), std::string::npos)
      << rtpengine.log_tail();
  EXPECT_EQ(rtpxd.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
