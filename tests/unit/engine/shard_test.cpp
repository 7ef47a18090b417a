// A Shard driven by hand (poll_once, no thread) over the loopback backend: control commands,
// what leaves for which socket and address, per-reason drop counters, and buffer accounting.

#include "engine/shard/shard.hpp"
#include "tests/unit/engine/packet_builders.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "engine/io/loopback_backend.hpp"

namespace rtpx::net {
// Failure messages show "1.2.3.4:5" instead of 28 raw bytes.
void PrintTo(const SockAddr& a, std::ostream* os) {
  *os << a.to_string();
}
}  // namespace rtpx::net

namespace rtpx::engine {
namespace {

using rtpx::engine::testing::addr;
using rtpx::engine::testing::Bytes;
using rtpx::engine::testing::rtp;

constexpr io::SocketId kArtp = 0, kArtcp = 1, kBrtp = 2, kBrtcp = 3;
constexpr uint32_t kSlots = 16;
constexpr uint32_t kPool = 256;
constexpr uint32_t kBurst = 32;

Bytes rtcp_rr(uint32_t ssrc) {
  return {0x80,
          201,
          0,
          1,
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
}

struct Sent {
  io::SocketId socket;
  net::SockAddr to;
  Bytes bytes;
};

class ShardTest : public ::testing::Test {
 protected:
  const net::SockAddr a_rtp_ = addr("192.0.2.10:4000");
  const net::SockAddr a_rtcp_ = addr("192.0.2.10:4001");
  const net::SockAddr b_rtp_ = addr("198.51.100.20:6000");
  const net::SockAddr b_rtcp_ = addr("198.51.100.20:6001");
  const net::SockAddr a_nat_ = addr("203.0.113.5:30000");
  const net::SockAddr stranger_ = addr("203.0.113.66:1234");

  void SetUp() override {
    io::BackendOptions o;
    o.pool_packets = kPool;
    o.buffer_size = 2048;
    o.max_sockets = kSlots;
    o.burst = kBurst;
    std::string error;
    std::unique_ptr<io::IoBackend> b = io::make_loopback_backend(o, &error);
    ASSERT_NE(b, nullptr) << error;
    lb_ = static_cast<io::LoopbackBackend*>(b.get());
    shard_ = std::make_unique<Shard>(0, std::move(b), EndpointTable{slots_.get(), kSlots}, kBurst);
  }

  static EndpointConfig cfg_for(Component c, net::SockAddr signaled, io::SocketId fwd,
                                io::SocketId rtcp_fwd) {
    EndpointConfig cfg;
    cfg.component = c;
    cfg.signaled = signaled;
    cfg.forward_to = fwd;
    cfg.rtcp_forward_to = rtcp_fwd;
    return cfg;
  }
  EndpointConfig a_rtp_cfg() const { return cfg_for(Component::rtp, a_rtp_, kBrtp, kBrtcp); }
  EndpointConfig a_rtcp_cfg() const { return cfg_for(Component::rtcp, a_rtcp_, kBrtcp, kBrtcp); }
  EndpointConfig b_rtp_cfg() const { return cfg_for(Component::rtp, b_rtp_, kArtp, kArtcp); }
  EndpointConfig b_rtcp_cfg() const { return cfg_for(Component::rtcp, b_rtcp_, kArtcp, kArtcp); }

  uint64_t post(ShardCommand::Op op, io::SocketId id, const EndpointConfig& cfg = {}) {
    ShardCommand c;
    c.op = op;
    c.id = id;
    c.fd = -1;  // the loopback backend only closes descriptors >= 0
    c.cfg = cfg;
    return shard_->post(c);
  }

  // The four endpoints of one call, applied.
  void wire_call() {
    post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
    post(ShardCommand::Op::add, kArtcp, a_rtcp_cfg());
    post(ShardCommand::Op::add, kBrtp, b_rtp_cfg());
    const uint64_t t = post(ShardCommand::Op::add, kBrtcp, b_rtcp_cfg());
    EXPECT_EQ(shard_->poll_once(0), 0u);
    ASSERT_TRUE(shard_->applied(t));
  }

  void inject(io::SocketId on, const net::SockAddr& from, const Bytes& bytes) {
    ASSERT_TRUE(lb_->inject(on, from, bytes)) << "socket " << on;
  }

  std::vector<Sent> drain() {
    std::vector<Sent> out;
    lb_->drain_sent([&](const io::Packet& p) {
      out.push_back({p.socket, p.addr, Bytes(p.data, p.data + p.len)});
    });
    return out;
  }

  uint64_t drops(DropReason r) const {
    return shard_->counters().drops[static_cast<size_t>(r)].get();
  }
  uint64_t all_drops() const {
    uint64_t n = 0;
    for (const auto& d : shard_->counters().drops) n += d.get();
    return n;
  }

  // Declared before the shard: the shard's table points into it.
  std::unique_ptr<Endpoint[]> slots_{new Endpoint[kSlots]};
  io::LoopbackBackend* lb_ = nullptr;
  std::unique_ptr<Shard> shard_;
};

// ---- control commands ---------------------------------------------------------------------

TEST_F(ShardTest, CommandsTakeEffectOnlyWhenTheShardPolls) {
  const uint64_t t = post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
  EXPECT_EQ(t, 1u);
  EXPECT_FALSE(shard_->applied(t));
  EXPECT_FALSE(shard_->wait_applied(t, 20));  // nobody polls: times out
  EXPECT_FALSE(slots_[kArtp].active);
  EXPECT_FALSE(lb_->is_open(kArtp));

  EXPECT_EQ(shard_->poll_once(0), 0u);
  EXPECT_TRUE(shard_->applied(t));
  EXPECT_TRUE(shard_->wait_applied(t, 0));
  EXPECT_TRUE(slots_[kArtp].active);
  EXPECT_TRUE(lb_->is_open(kArtp));
  EXPECT_EQ(slots_[kArtp].cfg.signaled, a_rtp_);
  EXPECT_EQ(slots_[kArtp].cfg.forward_to, kBrtp);
  EXPECT_EQ(shard_->counters().sockets.get(), 1u);
}

TEST_F(ShardTest, TicketsCountUpAndABarrierCoversEverythingBeforeIt) {
  EXPECT_EQ(post(ShardCommand::Op::add, kArtp, a_rtp_cfg()), 1u);
  EXPECT_EQ(post(ShardCommand::Op::add, kBrtp, b_rtp_cfg()), 2u);
  const uint64_t barrier = post(ShardCommand::Op::barrier, io::kNoSocket);
  EXPECT_EQ(barrier, 3u);
  EXPECT_FALSE(shard_->applied(1));
  shard_->poll_once(0);
  EXPECT_TRUE(shard_->applied(barrier));
  EXPECT_TRUE(slots_[kArtp].active);
  EXPECT_TRUE(slots_[kBrtp].active);
  EXPECT_FALSE(shard_->applied(barrier + 1));

  // A barrier alone is applied too (and changes nothing).
  const uint64_t b2 = post(ShardCommand::Op::barrier, io::kNoSocket);
  EXPECT_FALSE(shard_->wait_applied(b2, 10));
  shard_->poll_once(0);
  EXPECT_TRUE(shard_->wait_applied(b2, 0));
  EXPECT_EQ(shard_->counters().sockets.get(), 2u);
}

TEST_F(ShardTest, WaitAppliedWithTheShardThreadRunning) {
  shard_->start();
  post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
  const uint64_t t = post(ShardCommand::Op::barrier, io::kNoSocket);
  EXPECT_TRUE(shard_->wait_applied(t, 5000));
  shard_->stop();
  EXPECT_TRUE(slots_[kArtp].active);
  EXPECT_GE(shard_->counters().loops.get(), 1u);
}

TEST_F(ShardTest, StopAppliesWhatWasPostedLast) {
  shard_->start();
  const uint64_t t = post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
  shard_->stop();  // run() drains the queue once more on the way out
  EXPECT_TRUE(shard_->applied(t));
  EXPECT_TRUE(slots_[kArtp].active);
}

TEST_F(ShardTest, CommandForASlotBeyondTheTableIsDroppedButCountsAsApplied) {
  const uint64_t t = post(ShardCommand::Op::add, kSlots + 5, a_rtp_cfg());
  post(ShardCommand::Op::remove, io::kNoSocket);
  const uint64_t u = post(ShardCommand::Op::update, kSlots, a_rtp_cfg());
  shard_->poll_once(0);
  EXPECT_TRUE(shard_->applied(t));
  EXPECT_TRUE(shard_->applied(u));
  EXPECT_EQ(shard_->counters().sockets.get(), 0u);
}

// ---- relaying -----------------------------------------------------------------------------

TEST_F(ShardTest, RelaysAToBFromBsSocketWithThePayloadIntact) {
  wire_call();
  const Bytes pkt = rtp(0x1111, 42);
  inject(kArtp, a_rtp_, pkt);
  EXPECT_EQ(shard_->poll_once(0), 1u);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].socket, kBrtp);
  EXPECT_EQ(sent[0].to, b_rtp_);
  EXPECT_EQ(sent[0].bytes, pkt);
  EXPECT_EQ(shard_->counters().relayed_packets.get(), 1u);
  EXPECT_EQ(lb_->stats().tx_bytes, pkt.size());
  EXPECT_EQ(all_drops(), 0u);
  EXPECT_EQ(slots_[kArtp].packets.get(), 1u);
  EXPECT_EQ(slots_[kArtp].bytes.get(), pkt.size());
  EXPECT_GT(slots_[kArtp].last_seen_ns.load(), 0);
  EXPECT_EQ(lb_->pool_available(), kPool);  // every buffer is back
}

TEST_F(ShardTest, BothDirectionsAndRtcpInOneBurst) {
  wire_call();
  inject(kArtp, a_nat_, rtp(0x1111, 1));
  inject(kBrtp, b_rtp_, rtp(0x2222, 1));
  inject(kArtcp, a_rtcp_, rtcp_rr(0x1111));
  inject(kBrtcp, b_rtcp_, rtcp_rr(0x2222));
  inject(kBrtp, b_rtp_, rtp(0x2222, 2));
  EXPECT_EQ(shard_->poll_once(0), 5u);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0].socket, kBrtp);
  EXPECT_EQ(sent[0].to, b_rtp_);
  EXPECT_EQ(sent[1].socket, kArtp);
  EXPECT_EQ(sent[1].to, a_nat_);  // A latched from its NAT address one packet earlier
  EXPECT_EQ(sent[2].socket, kBrtcp);
  EXPECT_EQ(sent[2].to, b_rtcp_);
  EXPECT_EQ(sent[2].bytes, rtcp_rr(0x1111));
  EXPECT_EQ(sent[3].socket, kArtcp);
  EXPECT_EQ(sent[3].to, a_rtcp_);
  EXPECT_EQ(sent[4].bytes, rtp(0x2222, 2));
  EXPECT_EQ(shard_->counters().relayed_packets.get(), 5u);
  EXPECT_EQ(lb_->stats().rx_packets, 5u);
  EXPECT_EQ(lb_->stats().tx_packets, 5u);
}

TEST_F(ShardTest, BurstsAreCappedAndOrderIsKept) {
  wire_call();
  constexpr int kCount = 100;
  for (int i = 0; i < kCount; ++i) inject(kArtp, a_rtp_, rtp(0x1111, static_cast<uint16_t>(i)));
  EXPECT_EQ(shard_->poll_once(0), kBurst);
  EXPECT_EQ(shard_->poll_once(0), kBurst);
  EXPECT_EQ(shard_->poll_once(0), kBurst);
  EXPECT_EQ(shard_->poll_once(0), kCount - 3 * kBurst);
  EXPECT_EQ(shard_->poll_once(0), 0u);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(sent[i].bytes, rtp(0x1111, static_cast<uint16_t>(i)));
  EXPECT_EQ(shard_->counters().busy_loops.get(), 4u);
  EXPECT_EQ(shard_->counters().loops.get(), 6u);  // + the wire_call() poll
}

TEST_F(ShardTest, DropsAreCountedByReasonAndBuffersReturned) {
  wire_call();
  // Slot 4 forwards to slot 5 whose party has not been signaled.
  post(ShardCommand::Op::add, 4, cfg_for(Component::rtp, a_rtp_, 5, 5));
  post(ShardCommand::Op::add, 5, cfg_for(Component::rtp, {}, 4, 4));
  EndpointConfig strict = cfg_for(Component::rtp, a_rtp_, kBrtp, kBrtcp);
  strict.strict_source = true;
  post(ShardCommand::Op::add, 6, strict);
  shard_->poll_once(0);

  inject(kArtp, a_rtp_, Bytes{0x80, 0, 0});  // malformed
  inject(kArtcp, a_rtcp_, rtp(0x1111));      // malformed: RTP on the RTCP socket
  inject(4, a_rtp_, rtp(0x4444));            // no_destination
  inject(6, stranger_, rtp(0x6666));         // unexpected_source
  inject(kArtp, a_rtp_, rtp(0x1111));        // relayed
  EXPECT_EQ(shard_->poll_once(0), 5u);
  EXPECT_EQ(drops(DropReason::malformed), 2u);
  EXPECT_EQ(drops(DropReason::no_destination), 1u);
  EXPECT_EQ(drops(DropReason::unexpected_source), 1u);
  EXPECT_EQ(drops(DropReason::inactive), 0u);
  EXPECT_EQ(drops(DropReason::tx_error), 0u);
  EXPECT_EQ(shard_->counters().relayed_packets.get(), 1u);
  EXPECT_EQ(lb_->stats().tx_bytes, rtp(0x1111).size());
  EXPECT_EQ(lb_->sent_count(), 1u);
  drain();
  EXPECT_EQ(lb_->pool_available(), kPool);  // dropped packets went back to the pool
}

TEST_F(ShardTest, PacketForADeactivatedEndpointIsAnInactiveDrop) {
  wire_call();
  slots_[kArtp].active = false;  // table says removed, backend socket still open
  inject(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(shard_->poll_once(0), 1u);
  EXPECT_EQ(drops(DropReason::inactive), 1u);
  EXPECT_EQ(lb_->sent_count(), 0u);
  EXPECT_EQ(lb_->pool_available(), kPool);
}

// Slot 7 is active in the table but its socket is not open in the backend, and A's RTP is
// forwarded there: the backend refuses the send.
TEST_F(ShardTest, TxFailureIsATxErrorDropNotARelayedPacket) {
  wire_call();
  slots_[7].reset(cfg_for(Component::rtp, b_rtp_, kArtp, kArtp));
  post(ShardCommand::Op::update, kArtp, cfg_for(Component::rtp, a_rtp_, 7, 7));
  shard_->poll_once(0);
  inject(kArtp, a_rtp_, rtp(0x1111));
  inject(kBrtp, b_rtp_, rtp(0x2222));  // in the same burst, sent fine
  EXPECT_EQ(shard_->poll_once(0), 2u);
  EXPECT_EQ(drops(DropReason::tx_error), 1u);
  EXPECT_EQ(all_drops(), 1u);
  EXPECT_EQ(lb_->stats().tx_errors, 1u);
  EXPECT_EQ(shard_->counters().relayed_packets.get(), 1u);
  EXPECT_EQ(drain().size(), 1u);
  EXPECT_EQ(lb_->pool_available(), kPool);
}

TEST_F(ShardTest, TxFailureAddsNoRelayedBytes) {
  wire_call();
  slots_[7].reset(cfg_for(Component::rtp, b_rtp_, kArtp, kArtp));
  post(ShardCommand::Op::update, kArtp, cfg_for(Component::rtp, a_rtp_, 7, 7));
  shard_->poll_once(0);
  inject(kArtp, a_rtp_, rtp(0x1111));
  EXPECT_EQ(shard_->poll_once(0), 1u);
  ASSERT_EQ(drops(DropReason::tx_error), 1u);
  ASSERT_EQ(shard_->counters().relayed_packets.get(), 0u);
  EXPECT_EQ(lb_->stats().tx_bytes, 0u)
      << "bytes of a datagram the backend refused are counted as sent";
  EXPECT_EQ(lb_->stats().tx_errors, 1u);
}

TEST_F(ShardTest, RemoveStopsRelaying) {
  wire_call();
  inject(kArtp, a_rtp_, rtp(0x1111, 1));
  shard_->poll_once(0);
  ASSERT_EQ(drain().size(), 1u);

  inject(kArtp, a_rtp_, rtp(0x1111, 2));  // queued when the remove arrives: never relayed
  const uint64_t t = post(ShardCommand::Op::remove, kArtp);
  shard_->poll_once(0);
  EXPECT_TRUE(shard_->applied(t));
  EXPECT_FALSE(slots_[kArtp].active);
  EXPECT_FALSE(lb_->is_open(kArtp));
  EXPECT_EQ(shard_->counters().sockets.get(), 3u);
  EXPECT_EQ(lb_->sent_count(), 0u);
  EXPECT_FALSE(lb_->inject(kArtp, a_rtp_, rtp(0x1111, 3)));
  EXPECT_EQ(lb_->pool_available(), kPool);

  // B's packets have nowhere to go now.
  inject(kBrtp, b_rtp_, rtp(0x2222));
  shard_->poll_once(0);
  EXPECT_EQ(lb_->sent_count(), 0u);
  EXPECT_EQ(drops(DropReason::no_destination), 1u);
  EXPECT_EQ(shard_->counters().relayed_packets.get(), 1u);
}

TEST_F(ShardTest, RemoveTwiceOrOfAnUnknownSlotIsHarmless) {
  wire_call();
  post(ShardCommand::Op::remove, kArtp);
  post(ShardCommand::Op::remove, kArtp);
  post(ShardCommand::Op::remove, 9);
  shard_->poll_once(0);
  EXPECT_EQ(shard_->counters().sockets.get(), 3u);
  EXPECT_TRUE(lb_->is_open(kBrtp));
}

TEST_F(ShardTest, ASlotCanBeAddedAgainAfterRemoveAndStartsFresh) {
  wire_call();
  inject(kArtp, a_nat_, rtp(0x1111));
  shard_->poll_once(0);
  drain();
  ASSERT_TRUE(slots_[kArtp].latched);
  post(ShardCommand::Op::remove, kArtp);
  post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
  shard_->poll_once(0);
  EXPECT_TRUE(slots_[kArtp].active);
  EXPECT_FALSE(slots_[kArtp].latched);
  EXPECT_EQ(slots_[kArtp].packets.get(), 0u);
  EXPECT_EQ(shard_->counters().sockets.get(), 4u);
  inject(kBrtp, b_rtp_, rtp(0x2222));
  shard_->poll_once(0);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, a_rtp_);  // the old latch is gone
}

TEST_F(ShardTest, UpdateKeepsLatchAndCountersAndTakesEffect) {
  wire_call();
  inject(kArtp, a_nat_, rtp(0x1111, 1));
  inject(kArtp, a_nat_, rtp(0x1111, 2));
  shard_->poll_once(0);
  drain();
  ASSERT_TRUE(slots_[kArtp].latched);
  const int64_t seen = slots_[kArtp].last_seen_ns.load();

  // A may no longer relatch; B moved to a new address (re-INVITE).
  EndpointConfig a = a_rtp_cfg();
  a.relatch = Relatch::never;
  const net::SockAddr b_moved = addr("198.51.100.77:7000");
  EndpointConfig b = b_rtp_cfg();
  b.signaled = b_moved;
  post(ShardCommand::Op::update, kArtp, a);
  const uint64_t t = post(ShardCommand::Op::update, kBrtp, b);
  shard_->poll_once(0);
  ASSERT_TRUE(shard_->applied(t));

  EXPECT_TRUE(slots_[kArtp].active);
  EXPECT_TRUE(slots_[kArtp].latched);
  EXPECT_EQ(slots_[kArtp].latched_addr, a_nat_);
  EXPECT_EQ(slots_[kArtp].latched_ssrc, 0x1111u);
  EXPECT_TRUE(slots_[kArtp].published_latched.load());
  EXPECT_EQ(slots_[kArtp].published_peer.load(), a_nat_);
  EXPECT_EQ(slots_[kArtp].packets.get(), 2u);
  EXPECT_EQ(slots_[kArtp].last_seen_ns.load(), seen);
  EXPECT_EQ(slots_[kArtp].cfg.relatch, Relatch::never);
  EXPECT_EQ(shard_->counters().sockets.get(), 4u);
  EXPECT_TRUE(lb_->is_open(kArtp));

  // The new configuration is what the packet path reads now.
  inject(kArtp, stranger_, rtp(0x1111, 3));  // same SSRC: same_ssrc would have relatched
  inject(kArtp, a_nat_, rtp(0x1111, 4));
  shard_->poll_once(0);
  EXPECT_EQ(drops(DropReason::unexpected_source), 1u);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].socket, kBrtp);
  EXPECT_EQ(sent[0].to, b_moved);
  EXPECT_EQ(sent[0].bytes, rtp(0x1111, 4));
  EXPECT_EQ(slots_[kArtp].packets.get(), 3u);
}

TEST_F(ShardTest, UpdateWithANewSignaledAddressDropsTheLatch) {
  // A re-INVITE moves party A to a new device: the old latch must not keep the stream, and the
  // new device (new SSRC, so same_ssrc could not relatch) must be able to take it.
  wire_call();
  inject(kArtp, a_rtp_, rtp(0x1111, 1));
  shard_->poll_once(0);
  drain();
  ASSERT_TRUE(slots_[kArtp].latched);

  const net::SockAddr a_moved = addr("198.51.100.9:9000");
  EndpointConfig a = a_rtp_cfg();
  a.signaled = a_moved;
  const uint64_t t = post(ShardCommand::Op::update, kArtp, a);
  shard_->poll_once(0);
  ASSERT_TRUE(shard_->applied(t));
  EXPECT_FALSE(slots_[kArtp].latched);
  EXPECT_FALSE(slots_[kArtp].published_latched.load());

  inject(kArtp, a_moved, rtp(0x9999, 1));
  shard_->poll_once(0);
  ASSERT_EQ(drain().size(), 1u);
  EXPECT_EQ(slots_[kArtp].latched_addr, a_moved);
  // Re-sending the same configuration (every offer/answer re-posts it) keeps the latch.
  post(ShardCommand::Op::update, kArtp, a);
  shard_->poll_once(0);
  EXPECT_TRUE(slots_[kArtp].latched);
}

TEST_F(ShardTest, UpdateOfTheSignaledAddressDecidesWhetherThereIsADestination) {
  // B is added before its answer arrived: nothing to send to yet.
  post(ShardCommand::Op::add, kArtp, a_rtp_cfg());
  post(ShardCommand::Op::add, kBrtp, cfg_for(Component::rtp, {}, kArtp, kArtp));
  shard_->poll_once(0);
  inject(kArtp, a_rtp_, rtp(0x1111, 1));
  shard_->poll_once(0);
  EXPECT_EQ(drops(DropReason::no_destination), 1u);

  // The answer signals B: forwarding starts.
  post(ShardCommand::Op::update, kBrtp, b_rtp_cfg());
  inject(kArtp, a_rtp_, rtp(0x1111, 2));
  shard_->poll_once(0);
  std::vector<Sent> sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, b_rtp_);

  // B puts the call on hold (c=0.0.0.0) before ever sending: nothing goes out again.
  EndpointConfig hold = b_rtp_cfg();
  hold.signaled = addr("0.0.0.0:6000");
  post(ShardCommand::Op::update, kBrtp, hold);
  inject(kArtp, a_rtp_, rtp(0x1111, 3));
  shard_->poll_once(0);
  EXPECT_EQ(lb_->sent_count(), 0u);
  EXPECT_EQ(drops(DropReason::no_destination), 2u);
}

TEST_F(ShardTest, IdlePollCountsALoopButNotABusyOne) {
  wire_call();
  const uint64_t loops = shard_->counters().loops.get();
  EXPECT_EQ(shard_->poll_once(0), 0u);
  EXPECT_EQ(shard_->counters().loops.get(), loops + 1);
  EXPECT_EQ(shard_->counters().busy_loops.get(), 0u);
}

}  // namespace
}  // namespace rtpx::engine
