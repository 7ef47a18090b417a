// DTLS-SRTP through a Shard driven by hand over the loopback backend: the shard hands handshake
// datagrams to the endpoint's association, sends its flights, installs the keys, and then
// relays plain RTP <-> SRTP. A ClientHello that arrives before the answer (while rtpxd's
// DTLS offer is pending) is kept and answered as soon as the association exists.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/io/loopback_backend.hpp"
#include "engine/shard/shard.hpp"
#include "tests/unit/engine/packet_builders.hpp"

namespace rtpx::engine {
namespace {

using testing::addr;
using testing::Bytes;
using testing::rtp;

constexpr io::SocketId kArtp = 0, kArtcp = 1, kBrtp = 2, kBrtcp = 3;
constexpr uint32_t kSlots = 8;

class ShardDtls : public ::testing::Test {
 protected:
  const net::SockAddr a_ = addr("192.0.2.10:4000");
  const net::SockAddr b_ = addr("198.51.100.20:6000");

  void SetUp() override {
    io::BackendOptions o;
    o.pool_packets = 256;
    o.buffer_size = 2048;
    o.max_sockets = kSlots;
    o.burst = 32;
    std::string error;
    std::unique_ptr<io::IoBackend> b = io::make_loopback_backend(o, &error);
    ASSERT_NE(b, nullptr) << error;
    lb_ = static_cast<io::LoopbackBackend*>(b.get());
    shard_ = std::make_unique<Shard>(0, std::move(b), EndpointTable{slots_.get(), kSlots}, 32);
    rtpx_cert_ = dtls::Certificate::generate();
    peer_cert_ = dtls::Certificate::generate();
  }

  void post(ShardCommand::Op op, io::SocketId id, EndpointConfig cfg) {
    ShardCommand c;
    c.op = op;
    c.id = id;
    c.fd = -1;
    c.cfg = cfg;
    shard_->post(c);
    shard_->poll_once(0);
  }

  // A plain on slots 0/1, B (the DTLS peer) on 2/3 with `crypto` on its RTP socket.
  void wire(EndpointCrypto* b_crypto, ShardCommand::Op op = ShardCommand::Op::add) {
    EndpointConfig a;
    a.signaled = a_;
    a.forward_to = kBrtp;
    a.rtcp_forward_to = kBrtcp;
    EndpointConfig b;
    b.signaled = b_;
    b.forward_to = kArtp;
    b.rtcp_forward_to = kArtcp;
    b.crypto = b_crypto;
    if (op == ShardCommand::Op::add) {
      post(op, kArtp, a);
      a.component = Component::rtcp;
      post(op, kArtcp, a);
      EndpointConfig b_rtcp = b;
      b_rtcp.component = Component::rtcp;
      b_rtcp.crypto = nullptr;
      post(op, kBrtcp, b_rtcp);
    }
    post(op, kBrtp, b);
  }

  std::unique_ptr<EndpointCrypto> server_crypto() {
    auto c = std::make_unique<EndpointCrypto>();
    c->kx = KeyExchange::dtls;
    dtls::Options o;
    o.role = dtls::Role::server;
    o.peer_fingerprint = peer_cert_->fingerprint();
    std::string error;
    c->dtls = dtls::Connection::create(rtpx_cert_, o, &error);
    EXPECT_NE(c->dtls, nullptr) << error;
    return c;
  }

  std::unique_ptr<dtls::Connection> peer_client() {
    dtls::Options o;
    o.role = dtls::Role::client;
    o.peer_fingerprint = rtpx_cert_->fingerprint();
    std::string error;
    auto c = dtls::Connection::create(peer_cert_, o, &error);
    EXPECT_NE(c, nullptr) << error;
    return c;
  }

  // Whatever the peer queued goes to rtpxd's B socket.
  void peer_sends(dtls::Connection& peer) {
    uint8_t buf[dtls::Connection::kMaxDatagram];
    uint32_t len = 0;
    while (peer.pop_datagram(buf, &len)) ASSERT_TRUE(lb_->inject(kBrtp, b_, Bytes(buf, buf + len)));
  }

  // Runs the shard and delivers what it sent to B to the peer; returns the other datagrams.
  std::vector<Bytes> shard_turn(dtls::Connection& peer) {
    shard_->poll_once(0);
    std::vector<Bytes> elsewhere;
    lb_->drain_sent([&](const io::Packet& p) {
      Bytes b(p.data, p.data + p.len);
      if (p.socket == kBrtp && p.addr == b_ && looks_like_dtls(p))
        peer.receive(b, 1);
      else
        elsewhere.push_back(b);
    });
    return elsewhere;
  }

  void handshake(dtls::Connection& peer, EndpointCrypto& c) {
    for (int i = 0; i < 10 && !(peer.state() == dtls::State::connected && c.keyed.load()); ++i) {
      peer_sends(peer);
      shard_turn(peer);
    }
    ASSERT_EQ(peer.state(), dtls::State::connected) << peer.failure();
    ASSERT_TRUE(c.keyed.load()) << c.failure;
    EXPECT_EQ(c.dtls_state.load(), dtls::State::connected);
  }

  // Media both ways once keyed: A's plain RTP reaches the peer encrypted, the peer's SRTP reaches
  // A decrypted.
  void media_flows(dtls::Connection& peer) {
    std::string error;
    auto in =
        srtp::Context::create(peer.keying()->remote, srtp::Context::Direction::inbound, &error);
    auto out =
        srtp::Context::create(peer.keying()->local, srtp::Context::Direction::outbound, &error);
    ASSERT_TRUE(in && out) << error;
    ASSERT_TRUE(lb_->inject(kArtp, a_, rtp(0xa, 1)));
    shard_->poll_once(0);
    std::vector<Bytes> at_b;
    lb_->drain_sent([&](const io::Packet& p) { at_b.emplace_back(p.data, p.data + p.len); });
    ASSERT_EQ(at_b.size(), 1u);
    uint32_t len = static_cast<uint32_t>(at_b[0].size());
    ASSERT_EQ(in->unprotect_rtp(at_b[0].data(), &len), srtp::Status::ok);
    at_b[0].resize(len);
    EXPECT_EQ(at_b[0], rtp(0xa, 1));

    Bytes reply = rtp(0xb, 1);
    len = static_cast<uint32_t>(reply.size());
    reply.resize(reply.size() + 64);
    ASSERT_EQ(out->protect_rtp(reply.data(), &len, static_cast<uint32_t>(reply.size())),
              srtp::Status::ok);
    reply.resize(len);
    ASSERT_TRUE(lb_->inject(kBrtp, b_, reply));
    shard_->poll_once(0);
    std::vector<Bytes> at_a;
    lb_->drain_sent([&](const io::Packet& p) { at_a.emplace_back(p.data, p.data + p.len); });
    ASSERT_EQ(at_a.size(), 1u);
    EXPECT_EQ(at_a[0], rtp(0xb, 1));
  }

  std::unique_ptr<Endpoint[]> slots_{new Endpoint[kSlots]};
  io::LoopbackBackend* lb_ = nullptr;
  std::unique_ptr<Shard> shard_;
  std::shared_ptr<const dtls::Certificate> rtpx_cert_, peer_cert_;
};

TEST_F(ShardDtls, HandshakeKeysTheLegAndMediaIsBridged) {
  auto crypto = server_crypto();
  wire(crypto.get());
  EXPECT_EQ(crypto->dtls_state.load(), dtls::State::connecting) << "a server waits for a hello";
  auto peer = peer_client();
  peer->start(1);
  handshake(*peer, *crypto);
  media_flows(*peer);
  EXPECT_EQ(shard_->counters().drops[size_t(DropReason::srtp_not_keyed)].get(), 0u);
}

TEST_F(ShardDtls, AClientHelloBeforeTheAnswerIsAnsweredWhenTheAnswerComes) {
  EndpointCrypto pending;  // rtpxd offered DTLS, the answer is not in yet
  pending.kx = KeyExchange::dtls;
  pending.await_dtls = true;
  wire(&pending);
  auto peer = peer_client();
  peer->start(1);
  peer_sends(*peer);  // the ClientHello, early
  EXPECT_TRUE(shard_turn(*peer).empty());
  ASSERT_GT(pending.early_dtls_len, 0u) << "kept for the association the answer brings";
  EXPECT_EQ(lb_->sent_count(), 0u);

  auto crypto = server_crypto();  // the answer: the peer is active, rtpxd the server
  wire(crypto.get(), ShardCommand::Op::update);
  // The kept ClientHello is answered at once: no waiting for the peer's retransmission.
  lb_->drain_sent([&](const io::Packet& p) {
    ASSERT_EQ(p.socket, kBrtp);
    peer->receive(Bytes(p.data, p.data + p.len), 1);
  });
  handshake(*peer, *crypto);
  media_flows(*peer);
}

TEST_F(ShardDtls, SrtpBeforeTheKeysIsDroppedAsNotKeyed) {
  auto crypto = server_crypto();
  wire(crypto.get());
  ASSERT_TRUE(lb_->inject(kArtp, a_, rtp(0xa, 1)));
  shard_->poll_once(0);
  EXPECT_EQ(lb_->sent_count(), 0u);
  EXPECT_EQ(shard_->counters().drops[size_t(DropReason::srtp_not_keyed)].get(), 1u);
}

}  // namespace
}  // namespace rtpx::engine
