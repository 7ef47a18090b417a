// Black-box: rtpxd with an IPv4 and an IPv6 media interface (--interface6 ::1) bridges an IPv6
// phone on ::1 and an IPv4 phone on 127.0.0.1, signaled over ng with 'address family'. Runs once
// per I/O backend.

#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

using ng::Dict;
using ng::Value;

class DualStackRelayTest : public ::testing::TestWithParam<std::string> {
 protected:
  DualStackRelayTest() : d_(args()) {}
  static DaemonArgs args() {
    DaemonArgs a;
    a.backend = GetParam();
    a.extra = {"--interface6", "::1"};
    return a;
  }
  void TearDown() override { EXPECT_EQ(d_.stop(), 0) << "rtpxd did not exit cleanly"; }

  // `offerer` offers asking for `family` towards `answerer`; returns {where the offerer sends,
  // where the answerer sends}.
  std::pair<net::SockAddr, net::SockAddr> call(const std::string& id, const Phone& offerer,
                                               const Phone& answerer, const char* family) {
    Value o = d_.ng(Dict{{"command", "offer"},
                         {"call-id", id},
                         {"from-tag", "a"},
                         {"sdp", audio_sdp_for(offerer)},
                         {"address family", family}});
    EXPECT_EQ(ng_str(o, "result"), "ok") << ng_str(o, "error-reason");
    EXPECT_EQ(o.find("warning"), nullptr) << ng_str(o, "warning");
    Value a = d_.ng(Dict{{"command", "answer"},
                         {"call-id", id},
                         {"from-tag", "a"},
                         {"to-tag", "b"},
                         {"sdp", audio_sdp_for(answerer)}});
    EXPECT_EQ(ng_str(a, "result"), "ok") << ng_str(a, "error-reason");
    return {media_address(ng_str(a, "sdp")), media_address(ng_str(o, "sdp"))};
  }

  // Both ways, in order and intact; media reaches each phone from the port it sends to.
  void relay_both_ways(const Phone& x, const net::SockAddr& x_dst, const Phone& y,
                       const net::SockAddr& y_dst) {
    constexpr int kPackets = 100;
    for (int i = 0; i < kPackets; ++i) {
      x.send_to(x_dst, rtp_packet(0xA, static_cast<uint16_t>(i)));
      y.send_to(y_dst, rtp_packet(0xB, static_cast<uint16_t>(i)));
      if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    auto at_y = y.recv_all(1000);
    auto at_x = x.recv_all(300);
    ASSERT_EQ(at_y.size(), static_cast<size_t>(kPackets));
    ASSERT_EQ(at_x.size(), static_cast<size_t>(kPackets));
    for (int i = 0; i < kPackets; ++i) {
      EXPECT_EQ(at_y[i], rtp_packet(0xA, static_cast<uint16_t>(i))) << "packet " << i;
      EXPECT_EQ(at_x[i], rtp_packet(0xB, static_cast<uint16_t>(i))) << "packet " << i;
    }
    net::SockAddr from;
    x.send_to(x_dst, rtp_packet(0xA, 999));
    ASSERT_FALSE(y.recv(1000, &from).empty());
    EXPECT_EQ(from, y_dst);
    y.send_to(y_dst, rtp_packet(0xB, 999));
    ASSERT_FALSE(x.recv(1000, &from).empty());
    EXPECT_EQ(from, x_dst);
  }

  DaemonProcess d_;
  Phone v6_{"::1"};
  Phone v4_;
};

TEST_P(DualStackRelayTest, Ipv6OffererToIpv4Answerer) {
  auto [v6_dst, v4_dst] = call("d1", v6_, v4_, "IP4");
  EXPECT_EQ(v6_dst.family(), AF_INET6);
  EXPECT_EQ(v6_dst.ip_string(), "::1");
  EXPECT_EQ(v4_dst.family(), AF_INET);
  EXPECT_EQ(v4_dst.ip_string(), "127.0.0.1");
  relay_both_ways(v6_, v6_dst, v4_, v4_dst);
}

TEST_P(DualStackRelayTest, Ipv4OffererToIpv6Answerer) {
  auto [v4_dst, v6_dst] = call("d2", v4_, v6_, "IP6");
  EXPECT_EQ(v4_dst.family(), AF_INET);
  EXPECT_EQ(v6_dst.family(), AF_INET6);
  relay_both_ways(v4_, v4_dst, v6_, v6_dst);
  Value del = d_.ng(Dict{{"command", "delete"}, {"call-id", "d2"}, {"from-tag", "a"}});
  EXPECT_EQ(ng_str(del, "result"), "ok");
}

INSTANTIATE_TEST_SUITE_P(Backends, DualStackRelayTest, ::testing::Values("epoll", "io_uring"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace rtpx::test
