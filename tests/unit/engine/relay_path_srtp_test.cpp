// relay_one with SRTP on one or both legs: what a party sends is authenticated and decrypted
// before anything trusts it, what leaves towards a party with keys is encrypted with that leg's
// own key, failures are counted per stream and dropped, DTLS datagrams go to the DTLS sink.
// Party A faces slots 0/1 (RTP/RTCP), party B slots 2/3.

#include <gtest/gtest.h>

#include <memory>

#include "engine/session/relay_path.hpp"
#include "tests/unit/engine/packet_builders.hpp"

namespace rtpx::engine {
namespace {

using testing::addr;
using testing::Bytes;
using testing::rtp;
namespace srtp = engine::srtp;

constexpr io::SocketId kArtp = 0, kArtcp = 1, kBrtp = 2, kBrtcp = 3;

srtp::MasterKey key(uint8_t seed, srtp::Suite suite = srtp::Suite::aes_cm_128_hmac_sha1_80) {
  srtp::MasterKey k;
  k.suite = suite;
  for (size_t i = 0; i < k.key.size(); ++i) k.key[i] = static_cast<uint8_t>(seed + i);
  for (size_t i = 0; i < k.salt.size(); ++i) k.salt[i] = static_cast<uint8_t>(seed * 7 + i);
  return k;
}

std::unique_ptr<srtp::Context> context(const srtp::MasterKey& k, srtp::Context::Direction d) {
  std::string error;
  auto c = srtp::Context::create(k, d, &error);
  EXPECT_NE(c, nullptr) << error;
  return c;
}

// rtpxd's SRTP towards a party: it unprotects with the party's key, protects with its own.
std::unique_ptr<EndpointCrypto> sdes(const srtp::MasterKey& party, const srtp::MasterKey& ours) {
  auto c = std::make_unique<EndpointCrypto>();
  c->inbound = context(party, srtp::Context::Direction::inbound);
  c->outbound = context(ours, srtp::Context::Direction::outbound);
  return c;
}

// The far end of an SRTP leg: protects with its key, unprotects what rtpxd sends with rtpxd's.
struct Party {
  Party(const srtp::MasterKey& own, const srtp::MasterKey& rtpxd)
      : out(context(own, srtp::Context::Direction::outbound)),
        in(context(rtpxd, srtp::Context::Direction::inbound)) {}
  Bytes protect(Bytes b, bool rtcp = false) {
    uint32_t len = static_cast<uint32_t>(b.size());
    b.resize(b.size() + 64);
    EXPECT_EQ(rtcp ? out->protect_rtcp(b.data(), &len, static_cast<uint32_t>(b.size()))
                   : out->protect_rtp(b.data(), &len, static_cast<uint32_t>(b.size())),
              srtp::Status::ok);
    b.resize(len);
    return b;
  }
  std::optional<Bytes> unprotect(Bytes b, bool rtcp = false) {
    uint32_t len = static_cast<uint32_t>(b.size());
    const srtp::Status s =
        rtcp ? in->unprotect_rtcp(b.data(), &len) : in->unprotect_rtp(b.data(), &len);
    if (s != srtp::Status::ok) return std::nullopt;
    b.resize(len);
    return b;
  }
  std::unique_ptr<srtp::Context> out, in;
};

Bytes sender_report(uint32_t ssrc) {
  Bytes b{0x80,
          200,
          0,
          6,
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
  for (int i = 0; i < 20; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

struct CountingSink final : DtlsSink {
  void on_dtls(Endpoint&, const io::Packet& p, int64_t) noexcept override {
    ++datagrams;
    last_len = p.len;
  }
  int datagrams = 0;
  uint32_t last_len = 0;
};

class RelayPathSrtp : public ::testing::Test {
 protected:
  const net::SockAddr a_ = addr("192.0.2.10:4000"), a_rtcp_ = addr("192.0.2.10:4001");
  const net::SockAddr b_ = addr("198.51.100.20:6000"), b_rtcp_ = addr("198.51.100.20:6001");

  // A and B as the session service wires them; crypto per side (null: plain).
  void wire(EndpointCrypto* a, EndpointCrypto* b) {
    struct Side {
      io::SocketId rtp, rtcp;
      net::SockAddr sig, sig_rtcp;
      EndpointCrypto* crypto;
    };
    const Side sides[2] = {{kArtp, kArtcp, a_, a_rtcp_, a}, {kBrtp, kBrtcp, b_, b_rtcp_, b}};
    for (int k = 0; k < 2; ++k) {
      const Side& x = sides[k];
      const Side& y = sides[1 - k];
      EndpointConfig cfg;
      cfg.crypto = x.crypto;
      cfg.signaled = x.sig;
      cfg.forward_to = y.rtp;
      cfg.rtcp_forward_to = y.rtcp;
      slots_[x.rtp].reset(cfg);
      cfg.component = Component::rtcp;
      cfg.signaled = x.sig_rtcp;
      cfg.forward_to = y.rtcp;
      slots_[x.rtcp].reset(cfg);
    }
  }

  // Relays `bytes` arriving on `on` from `from`; the packet's bytes afterwards in `out`.
  std::optional<DropReason> relay(io::SocketId on, const net::SockAddr& from, const Bytes& bytes,
                                  Bytes* out = nullptr, DtlsSink* sink = nullptr) {
    buf_.assign(2048, 0);
    std::copy(bytes.begin(), bytes.end(), buf_.begin());
    io::Packet p;
    p.data = buf_.data();
    p.len = static_cast<uint32_t>(bytes.size());
    p.cap = static_cast<uint32_t>(buf_.size());
    p.socket = on;
    p.addr = from;
    auto r = relay_one({slots_, 8}, &p, 1000, {.dtls = sink});
    if (out != nullptr) out->assign(p.data, p.data + p.len);
    last_socket_ = p.socket;
    return r;
  }

  Endpoint slots_[8];
  Bytes buf_;
  io::SocketId last_socket_ = io::kNoSocket;
};

TEST_F(RelayPathSrtp, PlainToSrtpAndBackWithTheLegsOwnKeys) {
  auto b_crypto = sdes(key(1), key(2));
  wire(nullptr, b_crypto.get());
  Party b(key(1), key(2));
  for (uint16_t seq = 65530; seq != 10; ++seq) {  // across the sequence number wrap
    const Bytes plain = rtp(0xa, seq);
    Bytes out;
    ASSERT_FALSE(relay(kArtp, a_, plain, &out)) << seq;
    EXPECT_EQ(last_socket_, kBrtp);
    EXPECT_EQ(out.size(), plain.size() + 10) << "AES_CM_128_HMAC_SHA1_80 adds a 10-byte tag";
    EXPECT_NE(out, plain);
    auto back = b.unprotect(out);
    ASSERT_TRUE(back) << "rtpxd protected with its own key for B";
    EXPECT_EQ(*back, plain);

    const Bytes reply = rtp(0xb, seq);
    ASSERT_FALSE(relay(kBrtp, b_, b.protect(reply), &out)) << seq;
    EXPECT_EQ(last_socket_, kArtp);
    EXPECT_EQ(out, reply) << "A hears plain RTP";
  }
  EXPECT_EQ(slots_[kBrtp].packets.get(), 16u);
}

TEST_F(RelayPathSrtp, SrtcpIsDecryptedAndEncryptedToo) {
  auto b_crypto = sdes(key(1), key(2));
  wire(nullptr, b_crypto.get());
  Party b(key(1), key(2));
  Bytes out;
  ASSERT_FALSE(relay(kBrtcp, b_rtcp_, b.protect(sender_report(0xb), true), &out));
  EXPECT_EQ(out, sender_report(0xb));
  ASSERT_FALSE(relay(kArtcp, a_rtcp_, sender_report(0xa), &out));
  EXPECT_EQ(last_socket_, kBrtcp);
  auto back = b.unprotect(out, true);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sender_report(0xa));
}

TEST_F(RelayPathSrtp, SrtpToSrtpReencryptsWithPerLegKeys) {
  auto a_crypto =
      sdes(key(10, srtp::Suite::aead_aes_128_gcm), key(11, srtp::Suite::aead_aes_128_gcm));
  auto b_crypto = sdes(key(20), key(21));
  wire(a_crypto.get(), b_crypto.get());
  Party a(key(10, srtp::Suite::aead_aes_128_gcm), key(11, srtp::Suite::aead_aes_128_gcm));
  Party b(key(20), key(21));
  Bytes out;
  ASSERT_FALSE(relay(kArtp, a_, a.protect(rtp(0xa, 7)), &out));
  auto at_b = b.unprotect(out);
  ASSERT_TRUE(at_b);
  EXPECT_EQ(*at_b, rtp(0xa, 7));
  ASSERT_FALSE(relay(kBrtp, b_, b.protect(rtp(0xb, 9)), &out));
  auto at_a = a.unprotect(out);
  ASSERT_TRUE(at_a);
  EXPECT_EQ(*at_a, rtp(0xb, 9));
}

TEST_F(RelayPathSrtp, TamperedWrongKeyAndReplayedPacketsAreCountedAndDropped) {
  auto b_crypto = sdes(key(1), key(2));
  wire(nullptr, b_crypto.get());
  Party b(key(1), key(2));
  Party impostor(key(99), key(2));

  Bytes tampered = b.protect(rtp(0xb, 1));
  tampered[20] ^= 1;
  EXPECT_EQ(relay(kBrtp, b_, tampered), DropReason::srtp_auth);
  EXPECT_EQ(relay(kBrtp, b_, impostor.protect(rtp(0xb, 2))), DropReason::srtp_auth);
  EXPECT_EQ(slots_[kBrtp].srtp_auth_failures.get(), 2u);
  EXPECT_FALSE(slots_[kBrtp].latched) << "a packet that fails authentication must not latch";

  const Bytes good = b.protect(rtp(0xb, 3));
  EXPECT_FALSE(relay(kBrtp, b_, good));
  EXPECT_EQ(relay(kBrtp, b_, good), DropReason::srtp_replay);
  EXPECT_EQ(slots_[kBrtp].srtp_replays.get(), 1u);
  EXPECT_EQ(slots_[kBrtp].packets.get(), 1u);
  EXPECT_EQ(slots_[kBrtp].dropped.get(), 3u);

  EXPECT_EQ(relay(kBrtp, b_, Bytes{0x80, 0, 0}), DropReason::malformed);
  EXPECT_EQ(relay(kBrtp, b_, rtp(0xb, 4)), DropReason::srtp_auth) << "plain RTP on an SRTP leg";
}

TEST_F(RelayPathSrtp, ALegWaitingForItsDtlsKeysDropsBothWays) {
  EndpointCrypto pending;  // DTLS-SRTP before the handshake: no contexts yet
  pending.kx = KeyExchange::dtls;
  wire(nullptr, &pending);
  EXPECT_EQ(relay(kArtp, a_, rtp(0xa, 1)), DropReason::srtp_not_keyed);
  EXPECT_EQ(relay(kBrtp, b_, rtp(0xb, 1)), DropReason::srtp_not_keyed);
}

TEST_F(RelayPathSrtp, DtlsDatagramsGoToTheSinkAndLatchTheSource) {
  EndpointCrypto c;
  c.kx = KeyExchange::dtls;
  std::string error;
  auto cert = dtls::Certificate::generate();
  c.dtls = dtls::Connection::create(cert, dtls::Options{}, &error);
  ASSERT_NE(c.dtls, nullptr) << error;
  wire(nullptr, &c);
  CountingSink sink;
  Bytes hello(100, 0);
  hello[0] = 22;  // handshake record
  const net::SockAddr nat = addr("203.0.113.5:30000");
  EXPECT_EQ(relay(kBrtp, nat, hello, nullptr, &sink), DropReason::absorbed);
  EXPECT_EQ(sink.datagrams, 1);
  EXPECT_EQ(sink.last_len, 100u);
  EXPECT_TRUE(slots_[kBrtp].latched);
  EXPECT_EQ(slots_[kBrtp].latched_addr, nat);
  // Without a sink (or on an endpoint without DTLS) it is not relayed either.
  EXPECT_EQ(relay(kBrtp, nat, hello), DropReason::absorbed);
}

}  // namespace
}  // namespace rtpx::engine
