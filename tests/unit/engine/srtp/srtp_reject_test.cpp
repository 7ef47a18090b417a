// What an SRTP context refuses, for every suite: tampering, replays, packets behind the window,
// the wrong key, truncation, a buffer without room, an exhausted key, a foreign MKI, and any bytes
// at all (no crash, never ok). More SSRCs than stream slots keep working.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/srtp/srtp_context.hpp"
#include "tests/unit/engine/srtp/srtp_test_packets.hpp"

namespace rtpx::engine::srtp {
namespace {

using testing::Bytes;

class SrtpReject : public ::testing::TestWithParam<Suite> {
 protected:
  void SetUp() override { make(0); }

  void make(uint64_t lifetime, const Bytes& mki = {}) {
    std::mt19937 rng(static_cast<unsigned>(GetParam()) + 7);
    key_ = testing::random_key(rng, GetParam());
    MasterKey mk = testing::master_key(GetParam(), key_, mki);
    mk.lifetime = lifetime;
    tx_ = Context::create(mk, Context::Direction::outbound, nullptr);
    rx_ = Context::create(mk, Context::Direction::inbound, nullptr);
    ASSERT_TRUE(tx_ && rx_);
  }

  Bytes srtp(uint16_t seq, uint32_t ssrc = 0x1234, size_t payload = 160) {
    Bytes p = testing::rtp_packet(ssrc, seq, Bytes(payload, 0x55), 1, 1);
    EXPECT_EQ(testing::protect(*tx_, &p), Status::ok);
    return p;
  }
  Bytes srtcp(uint32_t ssrc = 0x1234) {
    Bytes p = testing::rtcp_packet(ssrc, Bytes(20, 0x66));
    EXPECT_EQ(testing::protect(*tx_, &p, true), Status::ok);
    return p;
  }
  Status rx(Bytes p, bool rtcp = false) { return testing::unprotect(*rx_, &p, rtcp); }

  Bytes key_;
  std::unique_ptr<Context> tx_, rx_;
};

TEST_P(SrtpReject, TamperedHeaderPayloadOrTag) {
  const Bytes good = srtp(10);
  for (size_t at : {size_t{1}, size_t{9}, size_t{13}, size_t{30}, good.size() - 1}) {
    Bytes bad = good;
    bad[at] ^= 0x01;
    EXPECT_EQ(rx(bad), Status::auth_failed) << at;
  }
  EXPECT_EQ(rx(good), Status::ok);  // the failures left no trace in the window
  const Bytes good_c = srtcp();
  for (size_t at : {size_t{1}, size_t{5}, size_t{12}, good_c.size() - 1}) {
    Bytes bad = good_c;
    bad[at] ^= 0x80;
    EXPECT_EQ(rx(bad, true), Status::auth_failed) << at;
  }
  EXPECT_EQ(rx(good_c, true), Status::ok);
}

TEST_P(SrtpReject, ReplayedAndTooOld) {
  std::vector<Bytes> sent;
  for (uint16_t s = 1000; s < 1300; ++s) sent.push_back(srtp(s));
  EXPECT_EQ(rx(sent[299]), Status::ok);  // seq 1299
  EXPECT_EQ(rx(sent[299]), Status::replayed);
  EXPECT_EQ(rx(sent[172]), Status::ok);  // 127 behind: inside the window
  EXPECT_EQ(rx(sent[172]), Status::replayed);
  EXPECT_EQ(rx(sent[171]), Status::too_old);  // 128 behind
  EXPECT_EQ(rx(sent[0]), Status::too_old);

  const Bytes c1 = srtcp(), c2 = srtcp();
  EXPECT_EQ(rx(c2, true), Status::ok);
  EXPECT_EQ(rx(c1, true), Status::ok);
  EXPECT_EQ(rx(c1, true), Status::replayed);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(rx(srtcp(), true), Status::ok);
  EXPECT_EQ(rx(c2, true), Status::too_old);
}

TEST_P(SrtpReject, OutboundRefusesToReuseAnIndex) {
  (void)srtp(5);
  Bytes again = testing::rtp_packet(0x1234, 5, Bytes(10, 1));
  EXPECT_EQ(testing::protect(*tx_, &again), Status::replayed);
}

TEST_P(SrtpReject, WrongKey) {
  Bytes other = key_;
  other[0] ^= 1;
  auto wrong =
      Context::create(testing::master_key(GetParam(), other), Context::Direction::inbound, nullptr);
  ASSERT_TRUE(wrong);
  Bytes p = srtp(1), c = srtcp();
  EXPECT_EQ(testing::unprotect(*wrong, &p), Status::auth_failed);
  EXPECT_EQ(testing::unprotect(*wrong, &c, true), Status::auth_failed);
}

TEST_P(SrtpReject, Truncated) {
  const Bytes p = srtp(1, 0x1234, 0);  // 12 + CSRC 4 + extension 8, no payload
  const uint32_t min_rtp = 12 + rx_->rtp_overhead();
  EXPECT_EQ(rx(Bytes(p.begin(), p.begin() + min_rtp - 1)), Status::malformed);
  // Header (CSRC + extension) runs into the tag: not parseable.
  EXPECT_EQ(rx(Bytes(p.begin(), p.end() - 5)), Status::malformed);
  const Bytes c = srtcp();
  EXPECT_EQ(rx(Bytes(c.begin(), c.begin() + 8 + rx_->rtcp_overhead() - 1), true),
            Status::malformed);
  EXPECT_EQ(rx(Bytes(c.begin(), c.end() - 1), true), Status::auth_failed);
  EXPECT_EQ(rx(p), Status::ok);
}

TEST_P(SrtpReject, NoRoom) {
  Bytes p = testing::rtp_packet(1, 1, Bytes(100, 0));
  const uint32_t n = static_cast<uint32_t>(p.size());
  p.resize(n + tx_->rtp_overhead());
  uint32_t len = n;
  EXPECT_EQ(tx_->protect_rtp(p.data(), &len, n + tx_->rtp_overhead() - 1), Status::no_room);
  EXPECT_EQ(len, n);
  EXPECT_EQ(tx_->protect_rtp(p.data(), &len, n + tx_->rtp_overhead()), Status::ok);
  EXPECT_EQ(len, n + tx_->rtp_overhead());
  Bytes c = testing::rtcp_packet(1, Bytes(8, 0));
  const uint32_t m = static_cast<uint32_t>(c.size());
  c.resize(m + tx_->rtcp_overhead());
  len = m;
  EXPECT_EQ(tx_->protect_rtcp(c.data(), &len, m + tx_->rtcp_overhead() - 1), Status::no_room);
  EXPECT_EQ(tx_->protect_rtcp(c.data(), &len, m + tx_->rtcp_overhead()), Status::ok);
}

TEST_P(SrtpReject, LifetimeExhausted) {
  make(3);
  const Bytes a = srtp(1), b = srtp(2), c = srtp(3);
  Bytes d = testing::rtp_packet(0x1234, 4, Bytes(10, 0));
  EXPECT_EQ(testing::protect(*tx_, &d), Status::key_expired);
  EXPECT_EQ(rx(a), Status::ok);
  EXPECT_EQ(rx(b), Status::ok);
  EXPECT_EQ(rx(c), Status::ok);
  EXPECT_EQ(rx(a), Status::key_expired);
  for (int i = 0; i < 3; ++i) (void)srtcp();
  Bytes e = testing::rtcp_packet(0x1234, {});
  EXPECT_EQ(testing::protect(*tx_, &e, true), Status::key_expired);
}

TEST_P(SrtpReject, ForeignMki) {
  make(0, Bytes{1, 2, 3});
  Bytes p = srtp(1), c = srtcp();
  const size_t rtp_mki_at =
      info(GetParam()).aead ? p.size() - 3 : p.size() - 3 - info(GetParam()).rtp_tag_len;
  p[rtp_mki_at] ^= 0xff;
  EXPECT_EQ(rx(p), Status::bad_mki);
  const size_t rtcp_mki_at =
      info(GetParam()).aead ? c.size() - 3 : c.size() - 3 - info(GetParam()).rtcp_tag_len;
  c[rtcp_mki_at] ^= 0xff;
  EXPECT_EQ(rx(c, true), Status::bad_mki);
}

TEST_P(SrtpReject, WrongDirection) {
  Bytes p = srtp(1);
  EXPECT_EQ(testing::unprotect(*tx_, &p), Status::malformed);
  Bytes q = testing::rtp_packet(1, 1, Bytes(10, 0));
  EXPECT_EQ(testing::protect(*rx_, &q), Status::malformed);
}

// 20 SSRCs over 8 slots, round robin (every packet evicts), in both directions.
TEST_P(SrtpReject, MoreSsrcsThanSlots) {
  for (int round = 0; round < 5; ++round) {
    for (uint32_t ssrc = 1; ssrc <= 20; ++ssrc) {
      const Bytes plain =
          testing::rtp_packet(ssrc, static_cast<uint16_t>(100 + round), Bytes(20, 7));
      Bytes p = plain;
      ASSERT_EQ(testing::protect(*tx_, &p), Status::ok);
      ASSERT_EQ(testing::unprotect(*rx_, &p), Status::ok) << ssrc << " " << round;
      EXPECT_EQ(p, plain);
      Bytes c = testing::rtcp_packet(ssrc, Bytes(4, 1));
      ASSERT_EQ(testing::protect(*tx_, &c, true), Status::ok);
      ASSERT_EQ(testing::unprotect(*rx_, &c, true), Status::ok);
    }
  }
  // A stream that keeps its slot keeps its replay protection.
  const Bytes p = srtp(500, 99);
  EXPECT_EQ(rx(p), Status::ok);
  EXPECT_EQ(rx(p), Status::replayed);
}

// A new SSRC that fails authentication takes no slot: it cannot push out a live stream.
TEST_P(SrtpReject, UnauthenticatedSsrcsTakeNoSlot) {
  std::vector<Bytes> live;
  for (uint32_t ssrc = 1; ssrc <= Context::kMaxStreams; ++ssrc) {
    live.push_back(srtp(10, ssrc));
    ASSERT_EQ(rx(live.back()), Status::ok);
  }
  for (uint32_t ssrc = 100; ssrc < 200; ++ssrc) {
    Bytes forged = srtp(10, ssrc);
    forged.back() ^= 1;
    EXPECT_EQ(rx(forged), Status::auth_failed);
  }
  for (const Bytes& p : live) EXPECT_EQ(rx(p), Status::replayed);
}

TEST_P(SrtpReject, GarbageNeverCrashesNorPasses) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  for (const Bytes& mki : {Bytes{}, Bytes{9, 9, 9, 9}}) {
    make(0, mki);
    for (uint32_t len = 0; len <= 100; ++len) {
      for (int i = 0; i < 20; ++i) {
        Bytes g = testing::random_bytes(rng, len);
        if (len > 0 && i % 2 == 0) g[0] = static_cast<uint8_t>(0x80 | (g[0] & 0x3f));  // V=2
        if (mki.size() == 4 && len >= 4 && i % 4 == 0)
          std::copy(mki.begin(), mki.end(), g.end() - 4);
        Bytes h = g;
        uint32_t n = len;
        EXPECT_NE(rx_->unprotect_rtp(g.data(), &n), Status::ok);
        EXPECT_LE(n, len);
        n = len;
        EXPECT_NE(rx_->unprotect_rtcp(h.data(), &n), Status::ok);
        EXPECT_LE(n, len);
      }
    }
  }
}

TEST(SrtpContext, CreateRefusesABadMkiLength) {
  MasterKey mk;
  mk.mki_len = kMaxMkiLen + 1;
  std::string error;
  EXPECT_EQ(Context::create(mk, Context::Direction::inbound, &error), nullptr);
  EXPECT_NE(error.find("MKI"), std::string::npos);
  EXPECT_STREQ(to_string(Status::key_expired), "key_expired");
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SrtpReject,
                         ::testing::Values(Suite::aes_cm_128_hmac_sha1_80,
                                           Suite::aes_cm_128_hmac_sha1_32, Suite::aead_aes_128_gcm,
                                           Suite::aead_aes_256_gcm),
                         [](const ::testing::TestParamInfo<Suite>& i) {
                           return std::string(srtp::info(i.param).name);
                         });

}  // namespace
}  // namespace rtpx::engine::srtp
