// FaxStage on a loopback backend: a gateway between an audio leg (endpoint A) and a T.38 leg
// (endpoint B, opaque). What each party sends reaches the gateway; the gateway's RTP leaves from
// A's socket to A's party on the stage's clock, and the stage forgets a gateway once its
// endpoints no longer name it.

#include "engine/shard/fax_stage.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "codecs/t38/fax_gateway.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "engine/io/backend_registry.hpp"
#include "engine/io/loopback_backend.hpp"
#include "tests/unit/engine/packet_builders.hpp"

namespace rtpx::engine {
namespace {

using rtpx::engine::testing::addr;
using rtpx::engine::testing::Bytes;
using rtpx::engine::testing::rtp;

constexpr io::SocketId kA = 0, kB = 1;
constexpr uint32_t kSlots = 4;
constexpr int64_t kMs = 1'000'000;

class FaxStageTest : public ::testing::Test {
 protected:
  const net::SockAddr a_addr_ = addr("192.0.2.10:4000");
  const net::SockAddr b_addr_ = addr("198.51.100.20:6000");

  void SetUp() override {
    io::BackendOptions o;
    o.pool_packets = 64;
    o.buffer_size = 2048;
    o.max_sockets = kSlots;
    o.burst = 16;
    std::string error;
    backend_ = io::make_loopback_backend(o, &error);
    ASSERT_NE(backend_, nullptr) << error;
    lb_ = static_cast<io::LoopbackBackend*>(backend_.get());
    for (io::SocketId id : {kA, kB}) ASSERT_EQ(lb_->add_socket(id, -1), io::IoStatus::ok);
    gw_ = codecs::t38::FaxGateway::create({}, &error);
    ASSERT_NE(gw_, nullptr) << error;
    stage_ = std::make_unique<FaxStage>(*backend_, EndpointTable{slots_.get(), kSlots});
  }

  void wire(bool a_signaled = true) {
    EndpointConfig a;
    a.signaled = a_signaled ? a_addr_ : net::SockAddr{};
    a.forward_to = kB;
    a.rtcp_forward_to = kB;
    a.fax = gw_.get();
    slots_[kA].reset(a);
    EndpointConfig b;
    b.signaled = b_addr_;
    b.forward_to = kA;
    b.rtcp_forward_to = kA;
    b.opaque = true;
    b.fax = gw_.get();
    slots_[kB].reset(b);
    stage_->configured(kA, slots_[kA]);
    stage_->configured(kB, slots_[kB]);
  }

  io::Packet packet(Bytes& bytes, io::SocketId on, const net::SockAddr& from) {
    io::Packet p;
    p.data = bytes.data();
    p.len = static_cast<uint32_t>(bytes.size());
    p.cap = p.len;
    p.socket = on;
    p.addr = from;
    return p;
  }

  struct Sent {
    io::SocketId socket;
    net::SockAddr to;
    Bytes bytes;
  };
  std::vector<Sent> drain() {
    std::vector<Sent> out;
    lb_->drain_sent([&](const io::Packet& p) {
      out.push_back({p.socket, p.addr, Bytes(p.data, p.data + p.len)});
    });
    return out;
  }

  std::unique_ptr<Endpoint[]> slots_{new Endpoint[kSlots]};
  std::unique_ptr<io::IoBackend> backend_;
  io::LoopbackBackend* lb_ = nullptr;
  std::unique_ptr<codecs::t38::FaxGateway> gw_;
  std::unique_ptr<FaxStage> stage_;
};

TEST_F(FaxStageTest, GatewayAudioLeavesFromTheAudioLegToItsParty) {
  wire();
  EXPECT_EQ(stage_->watched(), 2u);
  const int64_t t0 = stage_->next_due_ns();
  ASSERT_NE(t0, INT64_MAX);
  for (int i = 0; i < 20; ++i) stage_->run_timers(t0 + i * 5 * kMs);  // 100 ms
  const std::vector<Sent> sent = drain();
  ASSERT_GE(sent.size(), 4u);
  ASSERT_LE(sent.size(), 6u);
  for (const Sent& s : sent) {
    EXPECT_EQ(s.socket, kA);
    EXPECT_EQ(s.to, a_addr_);
    codecs::RtpFrame f;
    ASSERT_TRUE(codecs::read_rtp(s.bytes, &f));
    EXPECT_EQ(f.payload_type, 0);
    EXPECT_EQ(f.payload.size(), 160u);
  }
  EXPECT_EQ(stage_->counters().rtp_out.get(), sent.size());
  EXPECT_EQ(gw_->stats().rtp_out.load(), sent.size());
}

TEST_F(FaxStageTest, EachLegFeedsItsSideOfTheGateway) {
  wire();
  Bytes audio = rtp(0x1234);
  io::Packet p = packet(audio, kA, a_addr_);
  stage_->on_fax(slots_[kA], p);
  Bytes udptl = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00};  // seq 0, indicator no-signal
  io::Packet q = packet(udptl, kB, b_addr_);
  stage_->on_fax(slots_[kB], q);
  EXPECT_EQ(gw_->stats().rtp_in.load(), 1u);
  EXPECT_EQ(gw_->stats().udptl_in.load(), 1u);
  EXPECT_EQ(gw_->stats().udptl_malformed.load(), 0u);
}

TEST_F(FaxStageTest, UnknownPartyAddressIsNoDestination) {
  wire(/*a_signaled=*/false);
  const int64_t t0 = stage_->next_due_ns();
  stage_->run_timers(t0);
  EXPECT_TRUE(drain().empty());
  EXPECT_GE(stage_->counters().no_destination.get(), 1u);
}

TEST_F(FaxStageTest, ForgetsAGatewayItsEndpointsNoLongerName) {
  wire();
  for (io::SocketId id : {kA, kB}) {
    EndpointConfig c = slots_[id].cfg;
    c.fax = nullptr;
    slots_[id].configure(c);
  }
  stage_->run_timers(stage_->next_due_ns());
  EXPECT_EQ(stage_->watched(), 0u);
  EXPECT_EQ(stage_->next_due_ns(), INT64_MAX);
  EXPECT_TRUE(drain().empty());
}

}  // namespace
}  // namespace rtpx::engine
