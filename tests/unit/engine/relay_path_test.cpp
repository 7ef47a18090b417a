// relay_one on a hand-built endpoint table wired the way the session service wires a call:
// party A faces slots 0 (RTP) and 1 (RTCP), party B faces slots 2 (RTP) and 3 (RTCP); what
// arrives facing one party leaves from the sockets facing the other.

#include "engine/session/relay_path.hpp"
#include "tests/unit/engine/packet_builders.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

namespace rtpx::net {
// Failure messages show "1.2.3.4:5" instead of 28 raw bytes.
void PrintTo(const SockAddr& a, std::ostream* os) {
  *os << a.to_string();
}
}  // namespace rtpx::net

namespace rtpx::engine {

// Readable failure messages for EXPECT_EQ(drop, DropReason::...).
void PrintTo(DropReason r, std::ostream* os) {
  *os << (r < DropReason::count ? kDropReasonNames[static_cast<int>(r)] : "?");
}

namespace {

using rtpx::engine::testing::addr;
using rtpx::engine::testing::Bytes;
using rtpx::engine::testing::rtp;

constexpr io::SocketId kArtp = 0, kArtcp = 1, kBrtp = 2, kBrtcp = 3;
constexpr uint32_t kSlots = 8;

// Compound SR (no report blocks) + SDES (CNAME "abc").
Bytes rtcp(uint32_t ssrc) {
  const uint8_t s[4] = {static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                        static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  Bytes b{0x80, 200, 0, 6, s[0], s[1], s[2], s[3]};
  for (int i = 0; i < 20; ++i) b.push_back(static_cast<uint8_t>(i));
  for (uint8_t c : {0x81, 202, 0, 3}) b.push_back(c);
  b.insert(b.end(), s, s + 4);
  for (uint8_t c : Bytes{1, 3, 'a', 'b', 'c', 0, 0, 0}) b.push_back(c);
  return b;
}

struct Outcome {
  std::optional<DropReason> drop;
  io::SocketId socket = io::kNoSocket;
  net::SockAddr to;
  bool bytes_intact = false;
};

struct Wiring {
  bool mux_a = false;
  bool mux_b = false;
  bool strict = false;
  Relatch relatch = Relatch::same_ssrc;
  net::SockAddr a_rtp, a_rtcp, b_rtp, b_rtcp;  // signaled; default = not known yet
};

class RelayPath : public ::testing::Test {
 protected:
  const net::SockAddr a_rtp_ = addr("192.0.2.10:4000");
  const net::SockAddr a_rtcp_ = addr("192.0.2.10:4001");
  const net::SockAddr b_rtp_ = addr("198.51.100.20:6000");
  const net::SockAddr b_rtcp_ = addr("198.51.100.20:6001");
  const net::SockAddr a_nat_ = addr("203.0.113.5:30000");  // where A's packets really come from
  const net::SockAddr stranger_ = addr("203.0.113.66:1234");

  Wiring signaled_both() const {
    Wiring w;
    w.a_rtp = a_rtp_;
    w.a_rtcp = a_rtcp_;
    w.b_rtp = b_rtp_;
    w.b_rtcp = b_rtcp_;
    return w;
  }

  // Same shape as SessionService::wire().
  void wire(const Wiring& w) {
    struct Side {
      io::SocketId rtp, rtcp;
      bool mux;
      net::SockAddr sig_rtp, sig_rtcp;
    };
    const Side sides[2] = {{kArtp, kArtcp, w.mux_a, w.a_rtp, w.a_rtcp},
                           {kBrtp, kBrtcp, w.mux_b, w.b_rtp, w.b_rtcp}};
    for (int k = 0; k < 2; ++k) {
      const Side& x = sides[k];
      const Side& y = sides[1 - k];
      const io::SocketId y_rtcp = y.mux ? y.rtp : y.rtcp;
      EndpointConfig cfg;
      cfg.strict_source = w.strict;
      cfg.relatch = w.relatch;
      cfg.rtcp_mux = x.mux;
      cfg.component = Component::rtp;
      cfg.signaled = x.sig_rtp;
      cfg.forward_to = y.rtp;
      cfg.rtcp_forward_to = y_rtcp;
      slots_[x.rtp].reset(cfg);
      cfg.component = Component::rtcp;
      cfg.rtcp_mux = false;
      cfg.signaled = x.sig_rtcp;
      cfg.forward_to = y_rtcp;
      cfg.rtcp_forward_to = y_rtcp;
      slots_[x.rtcp].reset(cfg);
    }
  }

  Outcome relay(io::SocketId on, const net::SockAddr& from, const Bytes& bytes, int64_t now = 1'000,
                const RelaySinks& sinks = {}) {
    buf_ = bytes;
    io::Packet p;
    p.data = buf_.data();
    p.len = static_cast<uint32_t>(buf_.size());
    p.cap = static_cast<uint32_t>(buf_.size());
    p.socket = on;
    p.addr = from;
    Outcome o;
    o.drop = relay_one(table(), &p, now, sinks);
    o.socket = p.socket;
    o.to = p.addr;
    o.bytes_intact = p.data == buf_.data() && p.len == bytes.size() && buf_ == bytes;
    return o;
  }

  // Expects the packet to be relayed and returns where it goes.
  Outcome relayed(io::SocketId on, const net::SockAddr& from, const Bytes& bytes,
                  int64_t now = 1'000) {
    Outcome o = relay(on, from, bytes, now);
    EXPECT_FALSE(o.drop.has_value()) << "dropped: " << kDropReasonNames[int(o.drop.value())];
    EXPECT_TRUE(o.bytes_intact);
    return o;
  }

  EndpointTable table() { return {slots_.get(), kSlots}; }
  Endpoint& ep(io::SocketId id) { return slots_[id]; }

  std::unique_ptr<Endpoint[]> slots_{new Endpoint[kSlots]};
  Bytes buf_;
};

// ---- forwarding ---------------------------------------------------------------------------

TEST_F(RelayPath, RtpFromAIsRewrittenToLeaveFromBsSocketToBsAddress) {
  wire(signaled_both());
  Outcome o = relayed(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(o.socket, kBrtp);
  EXPECT_EQ(o.to, b_rtp_);
}

TEST_F(RelayPath, RtpFromBGoesToA) {
  wire(signaled_both());
  Outcome o = relayed(kBrtp, b_rtp_, rtp(0x2222));
  EXPECT_EQ(o.socket, kArtp);
  EXPECT_EQ(o.to, a_rtp_);
}

TEST_F(RelayPath, PayloadIsNeverTouched) {
  wire(signaled_both());
  for (size_t len : {0, 1, 20, 160, 1200}) {
    Outcome o = relayed(kArtp, a_rtp_, rtp(0x1111, 7, len));
    EXPECT_EQ(o.socket, kBrtp) << len;
  }
}

// ---- latching -----------------------------------------------------------------------------

TEST_F(RelayPath, FirstPacketLatchesAndPublishesThePeer) {
  wire(signaled_both());
  EXPECT_FALSE(ep(kArtp).latched);
  EXPECT_FALSE(ep(kArtp).published_latched.load());
  EXPECT_FALSE(ep(kArtp).published_peer.load().valid());

  relayed(kArtp, a_nat_, rtp(0xabcdef01));
  EXPECT_TRUE(ep(kArtp).latched);
  EXPECT_EQ(ep(kArtp).latched_addr, a_nat_);
  EXPECT_EQ(ep(kArtp).latched_ssrc, 0xabcdef01u);
  EXPECT_TRUE(ep(kArtp).published_latched.load());
  EXPECT_EQ(ep(kArtp).published_peer.load(), a_nat_);
  // Only the endpoint the packet arrived on latches.
  EXPECT_FALSE(ep(kArtcp).latched);
  EXPECT_FALSE(ep(kBrtp).latched);
  EXPECT_FALSE(ep(kBrtp).published_latched.load());
}

TEST_F(RelayPath, RepliesGoToTheLatchedAddressNotTheSignaledOne) {
  wire(signaled_both());
  relayed(kArtp, a_nat_, rtp(0x1111));  // A is behind a NAT: signaled 192.0.2.10:4000
  Outcome o = relayed(kBrtp, b_rtp_, rtp(0x2222));
  EXPECT_EQ(o.socket, kArtp);
  EXPECT_EQ(o.to, a_nat_);
}

TEST_F(RelayPath, NoDestinationWhileBIsNotSignaled) {
  Wiring w = signaled_both();
  w.b_rtp = {};
  wire(w);
  Outcome o = relay(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(o.drop, DropReason::no_destination);
  EXPECT_EQ(ep(kArtp).dropped.get(), 1u);
  EXPECT_EQ(ep(kArtp).errors.get(), 0u);
}

TEST_F(RelayPath, NoDestinationWhileBIsOnHoldOrPortless) {
  Wiring w = signaled_both();
  w.b_rtp = addr("0.0.0.0:6000");  // SDP hold
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);
  w.b_rtp = addr("[::]:6000");
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);
  w.b_rtp = addr("198.51.100.20:0");
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);
}

TEST_F(RelayPath, AfterBLatchesAsPacketsGoToBsLatchedAddress) {
  Wiring w = signaled_both();
  w.b_rtp = {};  // B's SDP not seen yet (or B is behind a NAT that hides it)
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);

  const net::SockAddr b_real = addr("198.51.100.99:41000");
  Outcome back = relayed(kBrtp, b_real, rtp(0x2222));  // B sends first
  EXPECT_EQ(back.socket, kArtp);
  EXPECT_EQ(back.to, a_rtp_);
  EXPECT_TRUE(ep(kBrtp).latched);

  Outcome o = relayed(kArtp, a_rtp_, rtp(0x1111, 2));
  EXPECT_EQ(o.socket, kBrtp);
  EXPECT_EQ(o.to, b_real);
}

TEST_F(RelayPath, LatchedAddressWinsOverALaterSignaledAddress) {
  wire(signaled_both());
  const net::SockAddr b_real = addr("198.51.100.99:41000");
  relayed(kBrtp, b_real, rtp(0x2222));
  EXPECT_EQ(relayed(kArtp, a_rtp_, rtp(0x1111)).to, b_real);
}

// ---- malformed ----------------------------------------------------------------------------

TEST_F(RelayPath, MalformedIsCountedAndDoesNotLatch) {
  wire(signaled_both());
  const Bytes bad[] = {
      Bytes{},                                       // empty
      Bytes{0x80, 0x00, 0x00},                       // shorter than a header
      Bytes(20, 0x00),                               // version 0
      Bytes{0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},  // 15 CSRCs announced, none present
      rtcp(0x1111),                                  // RTCP on an RTP socket without rtcp-mux
  };
  uint64_t n = 0;
  for (const Bytes& b : bad) {
    Outcome o = relay(kArtp, a_nat_, b);
    EXPECT_EQ(o.drop, DropReason::malformed) << "case " << n;
    EXPECT_EQ(ep(kArtp).errors.get(), ++n);
  }
  EXPECT_FALSE(ep(kArtp).latched);
  EXPECT_FALSE(ep(kArtp).published_latched.load());
  EXPECT_EQ(ep(kArtp).packets.get(), 0u);
  EXPECT_EQ(ep(kArtp).bytes.get(), 0u);
  EXPECT_EQ(ep(kArtp).dropped.get(), 0u);

  // The first valid packet still latches.
  relayed(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(ep(kArtp).latched_addr, a_rtp_);
}

TEST_F(RelayPath, RtpOnTheRtcpSocketIsMalformed) {
  wire(signaled_both());
  EXPECT_EQ(relay(kArtcp, a_rtcp_, rtp(0x1111)).drop, DropReason::malformed);
  EXPECT_EQ(ep(kArtcp).errors.get(), 1u);
  EXPECT_FALSE(ep(kArtcp).latched);
}

// ---- strict source ------------------------------------------------------------------------

TEST_F(RelayPath, StrictSourceAcceptsOnlyTheSignaledAddress) {
  Wiring w = signaled_both();
  w.strict = true;
  wire(w);
  EXPECT_EQ(relay(kArtp, a_nat_, rtp(0x1111)).drop, DropReason::unexpected_source);
  EXPECT_EQ(relay(kArtp, addr("192.0.2.10:4002"), rtp(0x1111)).drop,  // right IP, wrong port
            DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).dropped.get(), 2u);
  EXPECT_FALSE(ep(kArtp).latched);
  EXPECT_EQ(ep(kArtp).packets.get(), 0u);

  EXPECT_EQ(relayed(kArtp, a_rtp_, rtp(0x1111)).to, b_rtp_);
  EXPECT_TRUE(ep(kArtp).latched);
  EXPECT_EQ(ep(kArtp).latched_addr, a_rtp_);
}

TEST_F(RelayPath, StrictSourceOverridesRelatch) {
  Wiring w = signaled_both();
  w.strict = true;
  w.relatch = Relatch::any;
  wire(w);
  relayed(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(relay(kArtp, a_nat_, rtp(0x1111, 2)).drop, DropReason::unexpected_source);
  EXPECT_EQ(relay(kArtp, a_nat_, rtp(0x9999, 2)).drop, DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).latched_addr, a_rtp_);
}

TEST_F(RelayPath, StrictSourceWithUnknownSignaledAddressAcceptsNothing) {
  Wiring w = signaled_both();
  w.strict = true;
  w.a_rtp = {};
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::unexpected_source);
  w.a_rtp = addr("0.0.0.0:4000");
  wire(w);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::unexpected_source);
  EXPECT_EQ(relay(kArtp, addr("0.0.0.0:4000"), rtp(0x1111)).drop, DropReason::unexpected_source);
  EXPECT_FALSE(ep(kArtp).latched);
}

TEST_F(RelayPath, StrictSourceFollowsTheSignaledAddressAfterAnUpdate) {
  // A re-INVITE moves party A to a new device; the control plane updates the endpoint's
  // configuration in place (ShardCommand::Op::update keeps latch and counters).
  Wiring w = signaled_both();
  w.strict = true;
  wire(w);
  relayed(kArtp, a_rtp_, rtp(0x1111));
  ASSERT_EQ(ep(kArtp).latched_addr, a_rtp_);

  const net::SockAddr a_new = addr("192.0.2.200:5000");
  EndpointConfig moved = ep(kArtp).cfg;
  moved.signaled = a_new;
  ep(kArtp).configure(moved);  // what ShardCommand::Op::update applies
  // The old device is no longer the signaled address: strict source must refuse it.
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111, 2)).drop, DropReason::unexpected_source)
      << "strict_source accepted the previously latched, no longer signaled address";
  // The new device is the signaled address and the only one allowed: it must get through even
  // though its stream (SSRC) is new.
  Outcome o = relay(kArtp, a_new, rtp(0x3333));
  EXPECT_FALSE(o.drop.has_value()) << "strict_source refused the signaled address: "
                                   << (o.drop ? kDropReasonNames[int(*o.drop)] : "");
}

// ---- relatching ---------------------------------------------------------------------------

TEST_F(RelayPath, RelatchNeverKeepsTheFirstSource) {
  Wiring w = signaled_both();
  w.relatch = Relatch::never;
  wire(w);
  relayed(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(relay(kArtp, a_nat_, rtp(0x1111, 2)).drop, DropReason::unexpected_source);
  EXPECT_EQ(relay(kArtp, stranger_, rtp(0x2222, 2)).drop, DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).latched_addr, a_rtp_);
  EXPECT_EQ(ep(kArtp).published_peer.load(), a_rtp_);
  EXPECT_EQ(ep(kArtp).dropped.get(), 2u);
  relayed(kArtp, a_rtp_, rtp(0x1111, 3));  // the latched source keeps flowing
  EXPECT_EQ(ep(kArtp).packets.get(), 2u);
}

TEST_F(RelayPath, RelatchSameSsrcFollowsTheStreamNotAnIntruder) {
  Wiring w = signaled_both();
  w.relatch = Relatch::same_ssrc;
  wire(w);
  relayed(kArtp, a_rtp_, rtp(0x1111));

  // NAT rebinding: same stream (SSRC) from a new address takes over.
  relayed(kArtp, a_nat_, rtp(0x1111, 2));
  EXPECT_EQ(ep(kArtp).latched_addr, a_nat_);
  EXPECT_EQ(ep(kArtp).published_peer.load(), a_nat_);
  EXPECT_EQ(relayed(kBrtp, b_rtp_, rtp(0x2222)).to, a_nat_);

  // RTP bleed: another SSRC from another address is dropped and changes nothing.
  EXPECT_EQ(relay(kArtp, stranger_, rtp(0x6666)).drop, DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).latched_addr, a_nat_);
  EXPECT_EQ(ep(kArtp).latched_ssrc, 0x1111u);
  EXPECT_EQ(ep(kArtp).dropped.get(), 1u);
  EXPECT_EQ(relayed(kBrtp, b_rtp_, rtp(0x2222, 2)).to, a_nat_);
}

TEST_F(RelayPath, RelatchSameSsrcAlsoFollowsRtcpOnItsOwnSocket) {
  // NAT rebinding moves A's RTCP port as well as its RTP port. The RTCP sender SSRC identifies
  // the stream just like the RTP SSRC does, so same_ssrc must let the RTCP socket follow too;
  // otherwise A's RTCP is dropped for the rest of the call and B's RTCP goes to a dead binding.
  Wiring w = signaled_both();
  w.relatch = Relatch::same_ssrc;
  wire(w);
  relayed(kArtcp, a_rtcp_, rtcp(0x1111));
  const net::SockAddr a_rtcp_nat = addr("203.0.113.5:30001");
  Outcome o = relay(kArtcp, a_rtcp_nat, rtcp(0x1111));
  EXPECT_FALSE(o.drop.has_value()) << "same-SSRC RTCP from a new binding refused: "
                                   << (o.drop ? kDropReasonNames[int(*o.drop)] : "");
  EXPECT_EQ(ep(kArtcp).latched_addr, a_rtcp_nat);
  // Another SSRC from yet another address is still bleed.
  EXPECT_EQ(relay(kArtcp, stranger_, rtcp(0x6666)).drop, DropReason::unexpected_source);
}

TEST_F(RelayPath, RelatchAnyTakesAnySource) {
  Wiring w = signaled_both();
  w.relatch = Relatch::any;
  wire(w);
  relayed(kArtp, a_rtp_, rtp(0x1111));
  relayed(kArtp, stranger_, rtp(0x6666));
  EXPECT_EQ(ep(kArtp).latched_addr, stranger_);
  EXPECT_EQ(ep(kArtp).latched_ssrc, 0x6666u);
  EXPECT_EQ(ep(kArtp).published_peer.load(), stranger_);
  EXPECT_EQ(relayed(kBrtp, b_rtp_, rtp(0x2222)).to, stranger_);
}

// ---- RTCP ---------------------------------------------------------------------------------

TEST_F(RelayPath, RtcpOnTheRtcpSocketGoesToThePeersRtcpSocket) {
  wire(signaled_both());
  Outcome o = relayed(kArtcp, a_rtcp_, rtcp(0x1111));
  EXPECT_EQ(o.socket, kBrtcp);
  EXPECT_EQ(o.to, b_rtcp_);
  EXPECT_TRUE(ep(kArtcp).latched);
  EXPECT_EQ(ep(kArtcp).latched_ssrc, 0x1111u);
  EXPECT_FALSE(ep(kArtp).latched);  // RTP and RTCP latch separately

  Outcome back = relayed(kBrtcp, b_rtcp_, rtcp(0x2222));
  EXPECT_EQ(back.socket, kArtcp);
  EXPECT_EQ(back.to, a_rtcp_);
}

TEST_F(RelayPath, MuxedRtcpFromAGoesToBsRtcpSocket) {
  Wiring w = signaled_both();
  w.mux_a = true;  // A muxes, B does not
  wire(w);
  Outcome o = relayed(kArtp, a_rtp_, rtcp(0x1111));
  EXPECT_EQ(o.socket, kBrtcp);
  EXPECT_EQ(o.to, b_rtcp_);
  // RTP on the same socket still goes to B's RTP socket.
  Outcome r = relayed(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(r.socket, kBrtp);
  EXPECT_EQ(r.to, b_rtp_);
  // B's RTCP, on its own socket, goes to A's muxed RTP socket.
  Outcome back = relayed(kBrtcp, b_rtcp_, rtcp(0x2222));
  EXPECT_EQ(back.socket, kArtp);
  EXPECT_EQ(back.to, a_rtp_);
}

TEST_F(RelayPath, MuxedOnBothSides) {
  Wiring w = signaled_both();
  w.mux_a = w.mux_b = true;
  wire(w);
  Outcome o = relayed(kArtp, a_rtp_, rtcp(0x1111));
  EXPECT_EQ(o.socket, kBrtp);
  EXPECT_EQ(o.to, b_rtp_);
  Outcome back = relayed(kBrtp, b_rtp_, rtcp(0x2222));
  EXPECT_EQ(back.socket, kArtp);
  EXPECT_EQ(back.to, a_rtp_);
}

TEST_F(RelayPath, MuxedRtcpMustStillBeValidRtcp) {
  Wiring w = signaled_both();
  w.mux_a = true;
  wire(w);
  Bytes b = rtcp(0x1111);
  b.pop_back();  // length fields no longer walk to the end
  EXPECT_EQ(relay(kArtp, a_rtp_, b).drop, DropReason::malformed);
  Bytes v1 = rtcp(0x1111);
  v1[0] = 0x40;
  EXPECT_EQ(relay(kArtp, a_rtp_, v1).drop, DropReason::malformed);
  EXPECT_EQ(ep(kArtp).errors.get(), 2u);
}

// ---- inactive -----------------------------------------------------------------------------

TEST_F(RelayPath, InactiveEndpoint) {
  wire(signaled_both());
  EXPECT_EQ(relay(5, a_rtp_, rtp(0x1111)).drop, DropReason::inactive);       // never configured
  EXPECT_EQ(relay(kSlots, a_rtp_, rtp(0x1111)).drop, DropReason::inactive);  // beyond table
  EXPECT_EQ(relay(io::kNoSocket, a_rtp_, rtp(0x1111)).drop, DropReason::inactive);
  EXPECT_EQ(ep(5).packets.get() + ep(5).errors.get() + ep(5).dropped.get(), 0u);

  ep(kArtp).active = false;  // removed
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::inactive);
  EXPECT_FALSE(ep(kArtp).latched);
  EXPECT_EQ(ep(kArtp).packets.get(), 0u);
}

TEST_F(RelayPath, RemovedDestinationIsNoDestination) {
  wire(signaled_both());
  ep(kBrtp).active = false;
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);
  EndpointConfig cfg = ep(kArtp).cfg;
  cfg.forward_to = io::kNoSocket;
  ep(kArtp).reset(cfg);
  EXPECT_EQ(relay(kArtp, a_rtp_, rtp(0x1111)).drop, DropReason::no_destination);
}

// ---- counters -----------------------------------------------------------------------------

TEST_F(RelayPath, CountsPacketsBytesAndLastSeen) {
  wire(signaled_both());
  const Bytes p1 = rtp(0x1111, 1, 160), p2 = rtp(0x1111, 2, 80), p3 = rtp(0x1111, 3, 20);
  relayed(kArtp, a_rtp_, p1, 1'000'000);
  relayed(kArtp, a_rtp_, p2, 2'000'000);
  EXPECT_EQ(ep(kArtp).last_seen_ns.load(), 2'000'000);
  relayed(kArtp, a_rtp_, p3, 3'000'000);
  EXPECT_EQ(ep(kArtp).packets.get(), 3u);
  EXPECT_EQ(ep(kArtp).bytes.get(), p1.size() + p2.size() + p3.size());
  EXPECT_EQ(ep(kArtp).last_seen_ns.load(), 3'000'000);
  EXPECT_EQ(ep(kArtp).errors.get(), 0u);
  EXPECT_EQ(ep(kArtp).dropped.get(), 0u);

  // Drops do not count as seen traffic.
  EXPECT_EQ(relay(kArtp, a_rtp_, Bytes{1, 2, 3}, 4'000'000).drop, DropReason::malformed);
  EXPECT_EQ(relay(kArtp, stranger_, rtp(0x7777), 5'000'000).drop, DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).packets.get(), 3u);
  EXPECT_EQ(ep(kArtp).last_seen_ns.load(), 3'000'000);

  // The sending side's endpoint counts nothing: counters are per receiving socket.
  EXPECT_EQ(ep(kBrtp).packets.get(), 0u);
  EXPECT_EQ(ep(kBrtp).bytes.get(), 0u);
  EXPECT_EQ(ep(kBrtp).last_seen_ns.load(), 0);
}

TEST_F(RelayPath, ResetClearsLatchAndCounters) {
  wire(signaled_both());
  relayed(kArtp, a_nat_, rtp(0x1111));
  relay(kArtp, a_nat_, Bytes{1});
  ep(kArtp).reset(ep(kArtp).cfg);
  EXPECT_TRUE(ep(kArtp).active);
  EXPECT_FALSE(ep(kArtp).latched);
  EXPECT_FALSE(ep(kArtp).published_latched.load());
  EXPECT_FALSE(ep(kArtp).published_peer.load().valid());
  EXPECT_EQ(ep(kArtp).packets.get() + ep(kArtp).bytes.get() + ep(kArtp).errors.get(), 0u);
  EXPECT_EQ(ep(kArtp).last_seen_ns.load(), 0);
}

// ---- opaque streams (UDPTL) and fax gateways -------------------------------------------------

// A UDPTL datagram: sequence number 0x0001, a 3-octet IFP, no error recovery. Not RTP.
const Bytes kUdptl = {0x00, 0x01, 0x03, 0xd0, 0x01, 0x00, 0x00, 0x00};

void make_opaque(Endpoint& e) {
  EndpointConfig cfg = e.cfg;
  cfg.opaque = true;
  e.reset(cfg);
}

TEST_F(RelayPath, OpaqueDatagramsAreRelayedUnparsed) {
  wire(signaled_both());
  EXPECT_EQ(relay(kArtp, a_rtp_, kUdptl).drop, DropReason::malformed);  // not RTP
  make_opaque(ep(kArtp));
  make_opaque(ep(kBrtp));
  const Outcome o = relayed(kArtp, a_nat_, kUdptl);
  EXPECT_EQ(o.socket, kBrtp);
  EXPECT_EQ(o.to, b_rtp_);
  EXPECT_TRUE(ep(kArtp).latched);
  EXPECT_EQ(ep(kArtp).latched_addr, a_nat_);
  EXPECT_EQ(relayed(kBrtp, b_rtp_, kUdptl).to, a_nat_);  // back to where A sends from
  EXPECT_EQ(ep(kArtp).packets.get(), 1u);
  EXPECT_EQ(ep(kArtp).bytes.get(), kUdptl.size());
  EXPECT_EQ(relay(kArtp, a_nat_, Bytes{}).drop, DropReason::malformed);
}

TEST_F(RelayPath, OpaqueStreamsHaveNoSsrcToRelatchBy) {
  wire(signaled_both());  // relatch same_ssrc
  make_opaque(ep(kArtp));
  relayed(kArtp, a_nat_, kUdptl);
  EXPECT_EQ(relay(kArtp, stranger_, kUdptl).drop, DropReason::unexpected_source);
  EXPECT_EQ(ep(kArtp).latched_addr, a_nat_);
}

// Records what a fax gateway's legs would take.
struct FaxRecorder final : FaxSink {
  std::vector<std::pair<const Endpoint*, Bytes>> got;
  void on_fax(Endpoint& e, const io::Packet& p) noexcept override {
    got.emplace_back(&e, Bytes(p.data, p.data + p.len));
  }
};

TEST_F(RelayPath, GatewayLegsFeedTheFaxSink) {
  wire(signaled_both());
  // Never dereferenced by relay_one: it only decides that the packet goes to the sink.
  auto* gw = reinterpret_cast<codecs::t38::FaxGateway*>(uintptr_t{0x1000});
  for (io::SocketId id : {kArtp, kArtcp}) {  // A is the audio leg
    EndpointConfig cfg = ep(id).cfg;
    cfg.fax = gw;
    ep(id).reset(cfg);
  }
  EndpointConfig cfg = ep(kBrtp).cfg;  // B is the T.38 leg
  cfg.fax = gw;
  cfg.opaque = true;
  ep(kBrtp).reset(cfg);

  FaxRecorder sink;
  const RelaySinks sinks{.fax = &sink};
  const Bytes audio = rtp(0x1111);
  EXPECT_EQ(relay(kArtp, a_rtp_, audio, 1'000, sinks).drop, DropReason::absorbed);
  EXPECT_EQ(relay(kBrtp, b_rtp_, kUdptl, 1'000, sinks).drop, DropReason::absorbed);
  EXPECT_EQ(relay(kArtcp, a_rtcp_, rtcp(0x1111), 1'000, sinks).drop, DropReason::absorbed);
  EXPECT_EQ(relay(kArtp, a_rtp_, kUdptl, 1'000, sinks).drop, DropReason::malformed);
  ASSERT_EQ(sink.got.size(), 2u);  // RTCP about the audio leg ends here
  EXPECT_EQ(sink.got[0].first, &ep(kArtp));
  EXPECT_EQ(sink.got[0].second, audio);
  EXPECT_EQ(sink.got[1].first, &ep(kBrtp));
  EXPECT_EQ(sink.got[1].second, kUdptl);
  EXPECT_TRUE(ep(kArtp).latched);  // counted and latched like any stream
  EXPECT_TRUE(ep(kBrtp).latched);
  EXPECT_EQ(ep(kBrtp).packets.get(), 1u);
  // Without a sink (a shard with no fax stage) the packets are still absorbed, never relayed.
  EXPECT_EQ(relay(kArtp, a_rtp_, audio).drop, DropReason::absorbed);
  EXPECT_EQ(relay(kBrtp, b_rtp_, kUdptl).drop, DropReason::absorbed);
}

}  // namespace
}  // namespace rtpx::engine
