// Tests for codecs/t38/udptl's receiver: ordering, recovery from secondaries and FEC, duplicates,
// sequence wrap, restarts and strays, with randomized loss and reordering.

#include <algorithm>
#include <random>

#include "tests/unit/codecs/udptl_test_util.hpp"

namespace rtpx::codecs::t38 {
namespace {

using namespace testing;

// ---- receiver ----------------------------------------------------------------------------------

// Pushes the datagrams of `s` whose index is in `order` (indices may repeat).
void push_all(UdptlReceiver& rx, Collector& c, const Stream& s, const std::vector<size_t>& order) {
  for (size_t i : order) ASSERT_EQ(rx.push(s.datagrams[i], c), Error::ok);
}

std::vector<size_t> all_but(size_t n, const std::set<size_t>& drop) {
  std::vector<size_t> v;
  for (size_t i = 0; i < n; ++i)
    if (!drop.count(i)) v.push_back(i);
  return v;
}

std::vector<uint16_t> range(uint16_t first, size_t n) {
  std::vector<uint16_t> v;
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint16_t>(first + i));
  return v;
}

TEST(UdptlReceiver, InOrderDelivery) {
  const Stream s = make_stream(redundancy(2), 30);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, all_but(30, {}));
  ASSERT_EQ(c.got.size(), 30u);
  for (size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(c.got[i].first, i);
    EXPECT_EQ(c.got[i].second, s.ifps[i]);
  }
  EXPECT_EQ(rx.stats().packets, 30u);
  EXPECT_EQ(rx.stats().recovered, 0u);
  EXPECT_EQ(rx.stats().lost, 0u);
  EXPECT_EQ(rx.stats().duplicates, 0u);
  EXPECT_EQ(rx.next_seq(), 30);
}

TEST(UdptlReceiver, RedundancyRecoversUpToDepth) {
  for (uint8_t depth = 1; depth <= kMaxRedundancy; ++depth) {
    const Stream s = make_stream(redundancy(depth), 40);
    for (size_t burst = 1; burst <= depth + 1u; ++burst) {
      std::set<size_t> drop;
      for (size_t i = 0; i < burst; ++i) drop.insert(10 + i);
      UdptlReceiver rx(ReceiverConfig{0});
      Collector c;
      push_all(rx, c, s, all_but(40, drop));
      const bool beyond = burst > depth;  // only the oldest of the burst is out of reach
      EXPECT_EQ(rx.stats().recovered, beyond ? depth : burst) << int(depth) << " " << burst;
      EXPECT_EQ(rx.stats().lost, beyond ? 1u : 0u);
      std::vector<uint16_t> want = range(0, 40);
      if (beyond) want.erase(want.begin() + 10);
      EXPECT_EQ(c.seqs(), want);
      for (const auto& [seq, ifp] : c.got) EXPECT_EQ(ifp, s.ifps[seq]);
    }
  }
}

TEST(UdptlReceiver, FecRecoversSingleLossesAndBursts) {
  const Stream s = make_stream(fec(3, 3), 60);
  const std::vector<std::set<size_t>> patterns = {
      {1}, {4}, {5}, {10}, {30}, {10, 11, 12}, {20, 21}, {10, 30, 50}, {6, 7, 8, 30, 31}};
  for (const auto& drop : patterns) {
    // The packet after a loss repairs it at once (no window needed), except for IFP 1: packet 2
    // carries no FEC yet (wind-up: 2 < span), packet 3 does, so the window must wait for it.
    UdptlReceiver rx(ReceiverConfig{static_cast<uint8_t>(drop.count(1) ? 1 : 0)});
    Collector c;
    push_all(rx, c, s, all_but(60, drop));
    EXPECT_EQ(c.seqs(), range(0, 60));
    for (const auto& [seq, ifp] : c.got) EXPECT_EQ(ifp, s.ifps[seq]);
    EXPECT_EQ(rx.stats().recovered, drop.size());
    EXPECT_EQ(rx.stats().lost, 0u);
  }
}

TEST(UdptlReceiver, FecBeyondItsReachLosesSome) {
  const Stream s = make_stream(fec(3, 3), 60);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, all_but(60, {10, 11, 12, 13}));  // 10 and 13 share every group
  rx.flush(c);
  EXPECT_EQ(rx.stats().recovered + rx.stats().lost, 4u);
  EXPECT_GE(rx.stats().lost, 1u);
  const std::vector<uint16_t> got = c.seqs();
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_EQ(got.size(), 60 - rx.stats().lost);
  for (const auto& [seq, ifp] : c.got) EXPECT_EQ(ifp, s.ifps[seq]);
}

TEST(UdptlReceiver, FecRebuildsShortIfpWithPadding) {
  UdptlSender tx(fec(2, 1));
  std::vector<Vec> ifps, dgs;
  for (size_t i = 0; i < 8; ++i) {
    ifps.push_back(make_ifp(static_cast<uint16_t>(i), i == 5 ? 4 : 10));
    dgs.push_back(build(tx, ifps.back()));
  }
  UdptlReceiver rx(ReceiverConfig{0});
  Collector c;
  for (size_t i = 0; i < 8; ++i)
    if (i != 5) rx.push(dgs[i], c);
  ASSERT_EQ(c.seqs(), range(0, 8));
  // IFP 5 comes back from the entry of packet 6 (XOR of 5 and 4): the FEC scheme carries no
  // lengths, so it has the length of the longest IFP of the group, zero padded.
  Vec want = ifps[5];
  want.resize(10, 0);
  EXPECT_EQ(c.got[5].second, want);
}

TEST(UdptlReceiver, ReorderingWithinWindow) {
  const Stream s = make_stream(no_ec(), 6);
  UdptlReceiver rx(ReceiverConfig{2});
  Collector c;
  push_all(rx, c, s, {0, 2, 1, 3, 5, 4});
  EXPECT_EQ(c.seqs(), range(0, 6));
  EXPECT_EQ(rx.stats().lost, 0u);
  EXPECT_EQ(rx.stats().late, 0u);
}

TEST(UdptlReceiver, NoWindowDropsReorderedAsLate) {
  const Stream s = make_stream(no_ec(), 4);
  UdptlReceiver rx(ReceiverConfig{0});
  Collector c;
  push_all(rx, c, s, {0, 2, 1, 3});
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0, 2, 3}));
  EXPECT_EQ(rx.stats().lost, 1u);
  EXPECT_EQ(rx.stats().late, 1u);
}

TEST(UdptlReceiver, WindowExceededGivesUp) {
  const Stream s = make_stream(no_ec(), 6);
  UdptlReceiver rx(ReceiverConfig{2});
  Collector c;
  push_all(rx, c, s, {0, 2, 3});
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0}));  // 2 and 3 wait for 1
  push_all(rx, c, s, {4});                          // a third: 1 is given up
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0, 2, 3, 4}));
  EXPECT_EQ(rx.stats().lost, 1u);
  push_all(rx, c, s, {1, 5});
  EXPECT_EQ(rx.stats().late, 1u);
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0, 2, 3, 4, 5}));
}

TEST(UdptlReceiver, FlushReleasesHeld) {
  const Stream s = make_stream(no_ec(), 5);
  UdptlReceiver rx(ReceiverConfig{4});
  Collector c;
  push_all(rx, c, s, {0, 2, 4});
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0}));
  rx.flush(c);
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{0, 2, 4}));
  EXPECT_EQ(rx.stats().lost, 2u);
  rx.flush(c);  // nothing more
  EXPECT_EQ(c.got.size(), 3u);
  EXPECT_EQ(rx.next_seq(), 5);
}

TEST(UdptlReceiver, Duplicates) {
  const Stream s = make_stream(redundancy(2), 10);
  UdptlReceiver rx;
  Collector c;
  std::vector<size_t> order;
  for (size_t i = 0; i < 10; ++i) order.insert(order.end(), {i, i});
  push_all(rx, c, s, order);
  EXPECT_EQ(c.seqs(), range(0, 10));
  EXPECT_EQ(rx.stats().duplicates, 10u);

  // The primary of an IFP already rebuilt from a secondary is a duplicate too.
  UdptlReceiver rx2;
  Collector c2;
  push_all(rx2, c2, s, {0, 2, 1, 3});
  EXPECT_EQ(c2.seqs(), range(0, 4));
  EXPECT_EQ(rx2.stats().recovered, 1u);
  EXPECT_EQ(rx2.stats().duplicates, 1u);
}

TEST(UdptlReceiver, SeqWrap) {
  const Stream s = make_stream(redundancy(2), 12, 65530);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, all_but(12, {5, 6}));  // 65535 and 0 lost, rebuilt from 1's secondaries
  EXPECT_EQ(c.seqs(), range(65530, 12));
  EXPECT_EQ(rx.stats().recovered, 2u);
  for (const auto& [seq, ifp] : c.got) EXPECT_EQ(ifp, s.ifps[static_cast<uint16_t>(seq - 65530)]);

  UdptlReceiver rx2(ReceiverConfig{2});
  Collector c2;
  const Stream n = make_stream(no_ec(), 6, 65533);
  push_all(rx2, c2, n, {0, 1, 3, 2, 5, 4});  // reordered across the wrap
  EXPECT_EQ(c2.seqs(), range(65533, 6));

  const Stream f = make_stream(fec(3, 3), 30, 65520);
  UdptlReceiver rx3(ReceiverConfig{0});
  Collector c3;
  push_all(rx3, c3, f, all_but(30, {15, 16}));  // 65535 and 0
  EXPECT_EQ(c3.seqs(), range(65520, 30));
  EXPECT_EQ(rx3.stats().recovered, 2u);
}

TEST(UdptlReceiver, FirstPacketsLostAreRebuilt) {
  const Stream s = make_stream(redundancy(3), 8);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, all_but(8, {0, 1, 2}));
  EXPECT_EQ(c.seqs(), range(0, 8));
  EXPECT_EQ(rx.stats().recovered, 3u);
  EXPECT_EQ(rx.stats().lost, 0u);
}

TEST(UdptlReceiver, JumpIsFollowedOnceConfirmed) {
  const Stream a = make_stream(redundancy(2), 10);
  const Stream b = make_stream(redundancy(2), 5, 30000);  // the far side restarted numbering
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, a, all_but(10, {}));
  push_all(rx, c, b, {0});
  EXPECT_EQ(c.got.size(), 10u);  // not yet: could be a stray
  push_all(rx, c, b, {1, 2, 3, 4});
  std::vector<uint16_t> want = range(0, 10);
  for (uint16_t x : range(30000, 5)) want.push_back(x);
  EXPECT_EQ(c.seqs(), want);
  EXPECT_EQ(rx.stats().resyncs, 1u);
  EXPECT_EQ(rx.stats().lost, 0u);
  EXPECT_EQ(c.got[10].second, b.ifps[0]);
}

TEST(UdptlReceiver, LoneStrayIsDropped) {
  const Stream a = make_stream(redundancy(2), 10);
  const Stream x = make_stream(no_ec(), 1, 40000);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, a, {0, 1, 2, 3, 4});
  push_all(rx, c, x, {0});
  push_all(rx, c, a, {5, 6, 7, 8, 9});
  EXPECT_EQ(c.seqs(), range(0, 10));
  EXPECT_EQ(rx.stats().strays, 1u);
  EXPECT_EQ(rx.stats().resyncs, 0u);
}

TEST(UdptlReceiver, LargeGapIsLossNotRestart) {
  const Stream s = make_stream(no_ec(), 520);
  UdptlReceiver rx(ReceiverConfig{0});
  Collector c;
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  for (size_t i = 500; i < 520; ++i) order.push_back(i);
  push_all(rx, c, s, order);
  EXPECT_EQ(c.got.size(), 25u);
  EXPECT_EQ(rx.stats().lost, 495u);
  EXPECT_EQ(rx.stats().resyncs, 0u);
  // Old packets well behind are late, not a restart.
  push_all(rx, c, s, {450});
  EXPECT_EQ(rx.stats().late, 1u);
  EXPECT_EQ(c.got.size(), 25u);
}

TEST(UdptlReceiver, MalformedDoesNotDisturb) {
  const Stream s = make_stream(redundancy(1), 4);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, {0, 1});
  EXPECT_EQ(rx.push(Vec{0x00, 0x02, 0x05}, c), Error::truncated);
  EXPECT_EQ(rx.push(Vec{}, c), Error::truncated);
  push_all(rx, c, s, {2, 3});
  EXPECT_EQ(c.seqs(), range(0, 4));
  EXPECT_EQ(rx.stats().malformed, 2u);
  EXPECT_EQ(rx.stats().packets, 6u);
}

TEST(UdptlReceiver, ResetStartsANewStream) {
  const Stream s = make_stream(no_ec(), 4, 100);
  UdptlReceiver rx;
  Collector c;
  push_all(rx, c, s, {0, 1});
  rx.reset();
  EXPECT_FALSE(rx.started());
  push_all(rx, c, s, {0, 1, 2, 3});  // accepted again from the start
  EXPECT_EQ(c.seqs(), (std::vector<uint16_t>{100, 101, 100, 101, 102, 103}));
}

// Random loss with redundancy depth d, in order: IFP t is delivered exactly when one of the
// packets t..t+d arrived; everything else up to the last packet received is counted lost.
TEST(UdptlReceiver, PropertyRandomLossWithRedundancy) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 60; ++round) {
    const auto depth = static_cast<uint8_t>(1 + round % kMaxRedundancy);
    const size_t n = 300;
    const uint16_t first = static_cast<uint16_t>(rng());  // crosses the wrap sometimes
    const double loss = 0.05 + 0.5 * std::uniform_real_distribution<>(0, 1)(rng);
    const uint8_t window = static_cast<uint8_t>(std::array{0, 2, 8}[round % 3]);
    SenderConfig cfg = redundancy(depth);
    UdptlSender tx(cfg);
    tx.reset(first);
    std::vector<Vec> ifps, dgs;
    for (size_t i = 0; i < n; ++i) {
      ifps.push_back(make_ifp(static_cast<uint16_t>(first + i), 1 + rng() % 60));
      dgs.push_back(build(tx, ifps.back()));
    }
    std::vector<bool> got(n);
    for (size_t i = 0; i < n; ++i) got[i] = std::bernoulli_distribution(1 - loss)(rng);
    got[n - 1] = true;

    UdptlReceiver rx(ReceiverConfig{window});
    Collector c;
    size_t received = 0;
    for (size_t i = 0; i < n; ++i)
      if (got[i]) {
        ASSERT_EQ(rx.push(dgs[i], c), Error::ok);
        ++received;
      }
    rx.flush(c);

    std::vector<uint16_t> want;
    for (size_t t = 0; t < n; ++t) {
      bool reachable = false;
      for (size_t j = t; j <= std::min(n - 1, t + depth); ++j) reachable |= got[j];
      if (reachable) want.push_back(static_cast<uint16_t>(first + t));
    }
    ASSERT_EQ(c.seqs(), want) << "round " << round;
    for (const auto& [seq, ifp] : c.got) EXPECT_EQ(ifp, ifps[static_cast<uint16_t>(seq - first)]);
    const size_t from = static_cast<uint16_t>(want.front() - first);
    EXPECT_EQ(rx.stats().lost, n - from - want.size());
    EXPECT_EQ(rx.stats().recovered, want.size() - received);
    EXPECT_EQ(rx.stats().duplicates + rx.stats().late, 0u);
  }
}

// Reordering inside blocks of window + 1 packets never loses or reorders anything.
TEST(UdptlReceiver, PropertyReorderingWithinWindow) {
  std::mt19937 rng(99);
  for (uint8_t window = 1; window <= kMaxReorderWindow; ++window) {
    const size_t n = 200;
    const Stream s = make_stream(no_ec(), n, static_cast<uint16_t>(65500 + window));
    std::vector<size_t> order = all_but(n, {});
    for (size_t b = 1; b < n; b += window + 1u)  // packet 0 first: it starts the stream
      std::shuffle(order.begin() + static_cast<std::ptrdiff_t>(b),
                   order.begin() + static_cast<std::ptrdiff_t>(std::min(n, b + window + 1)), rng);
    UdptlReceiver rx(ReceiverConfig{window});
    Collector c;
    push_all(rx, c, s, order);
    rx.flush(c);
    EXPECT_EQ(c.seqs(), range(static_cast<uint16_t>(65500 + window), n)) << int(window);
    EXPECT_EQ(rx.stats().lost + rx.stats().late, 0u);
  }
}

// Random loss, reordering and duplication with FEC or redundancy: whatever arrives, each IFP is
// delivered at most once, in order, with its own content (FEC-rebuilt ones may be zero padded).
TEST(UdptlReceiver, PropertyChaos) {
  std::mt19937 rng(5);
  for (int round = 0; round < 40; ++round) {
    const SenderConfig cfg =
        round % 2 ? fec(static_cast<uint8_t>(1 + rng() % 4), static_cast<uint8_t>(1 + rng() % 4))
                  : redundancy(static_cast<uint8_t>(rng() % 5));
    const size_t n = 200;
    const auto first = static_cast<uint16_t>(rng());
    UdptlSender tx(cfg);
    tx.reset(first);
    std::vector<Vec> ifps, dgs;
    for (size_t i = 0; i < n; ++i) {
      ifps.push_back(make_ifp(static_cast<uint16_t>(first + i), 1 + rng() % 80));
      dgs.push_back(build(tx, ifps.back()));
    }
    std::vector<size_t> order;
    for (size_t i = 0; i < n; ++i) {
      if (rng() % 5 == 0) continue;  // lost
      order.push_back(i);
      if (rng() % 10 == 0) order.push_back(i);  // duplicated
      if (rng() % 6 == 0 && order.size() >= 2)  // swapped with the one before
        std::swap(order[order.size() - 1], order[order.size() - 2]);
    }
    UdptlReceiver rx(ReceiverConfig{static_cast<uint8_t>(rng() % 4)});
    Collector c;
    for (size_t i : order) ASSERT_EQ(rx.push(dgs[i], c), Error::ok);
    rx.flush(c);
    uint16_t prev = 0;
    for (size_t k = 0; k < c.got.size(); ++k) {
      const auto& [seq, ifp] = c.got[k];
      if (k > 0) {
        EXPECT_GT(static_cast<uint16_t>(seq - first), static_cast<uint16_t>(prev - first));
      }
      prev = seq;
      const Vec& want = ifps[static_cast<uint16_t>(seq - first)];
      ASSERT_GE(ifp.size(), want.size());
      EXPECT_TRUE(std::equal(want.begin(), want.end(), ifp.begin()));
      EXPECT_TRUE(std::all_of(ifp.begin() + static_cast<std::ptrdiff_t>(want.size()), ifp.end(),
                              [](uint8_t b) { return b == 0; }));
    }
    EXPECT_EQ(rx.stats().packets, order.size());
  }
}

}  // namespace
}  // namespace rtpx::codecs::t38
