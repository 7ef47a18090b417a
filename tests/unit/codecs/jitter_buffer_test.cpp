// The jitter buffer on a fake clock: a caller that sleeps until next_due_ns() and pops everything
// due, fed with packet arrivals built per test (steady, reordered, lost, duplicated, jittered,
// silent, wrapped, restarted) and a 10 000-packet random stream checked for its invariants. Every
// global operator new of this binary is counted, so put/pop are checked to allocate nothing.

#include "codecs/jitter/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <set>
#include <vector>

#include "tests/common/counting_new.hpp"

namespace rtpx::codecs {
namespace {

using Kind = JitterBuffer::Frame::Kind;
using Put = JitterBuffer::Put;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'700'000'000'000 * kMs;  // a wall-clock-like origin
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

using test::CountedRegion;

struct Arrival {
  int64_t at;  // ns
  uint16_t seq;
  uint32_t ts;
  bool marker = false;
  size_t len = 160;
};

std::vector<uint8_t> payload_of(uint16_t seq, size_t len) {
  std::vector<uint8_t> p(len);
  for (size_t i = 0; i < len; ++i) p[i] = static_cast<uint8_t>(seq * 7 + i);
  return p;
}

// n packets of 20 ms (160 samples at 8 kHz) arriving on time, the first at `at`.
std::vector<Arrival> stream(uint16_t seq, uint32_t ts, int n, int64_t at, uint32_t step = 160) {
  std::vector<Arrival> v;
  for (int i = 0; i < n; ++i) {
    v.push_back({at + i * 20 * kMs, static_cast<uint16_t>(seq + i), ts + i * step});
  }
  return v;
}

void drop(std::vector<Arrival>& v, std::initializer_list<uint16_t> seqs) {
  std::erase_if(v, [&](const Arrival& a) {
    return std::find(seqs.begin(), seqs.end(), a.seq) != seqs.end();
  });
}

struct Out {
  Kind kind;
  uint16_t seq;
  uint32_t ts;
  bool discontinuity;
  int64_t at;
  std::vector<uint8_t> payload, next_payload;
};

// A caller that sleeps until next_due_ns() and pops each frame at exactly its due time.
class Player {
 public:
  explicit Player(const JitterConfig& c = {}) : jb(c) {}

  void advance(int64_t t) {
    for (int guard = 0; guard < 100000; ++guard) {
      const int64_t due = jb.next_due_ns();
      if (due > t) break;
      if (due > now) {
        EXPECT_EQ(jb.pop(due - 1).kind, Kind::none) << "before next_due_ns()";
      }
      now = std::max(now, due);
      const JitterBuffer::Frame f = jb.pop(now);
      EXPECT_NE(f.kind, Kind::none) << "next_due_ns() promised a frame";
      if (f.kind == Kind::none) break;
      if (f.kind == Kind::packet) {
        EXPECT_EQ(std::vector<uint8_t>(f.payload.begin(), f.payload.end()),
                  payload_of(f.seq, f.payload.size()))
            << "seq " << f.seq;
      }
      out.push_back({f.kind, f.seq, f.ts, f.discontinuity, now,
                     std::vector<uint8_t>(f.payload.begin(), f.payload.end()),
                     std::vector<uint8_t>(f.next_payload.begin(), f.next_payload.end())});
    }
    now = std::max(now, t);
  }
  Put put(const Arrival& a) {
    advance(a.at);
    const std::vector<uint8_t> p = payload_of(a.seq, a.len);
    return jb.put(a.seq, a.ts, 0, a.marker, p, now);
  }
  // Puts the arrivals in time order; results[i] is what put() said of v[i].
  void feed(const std::vector<Arrival>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return v[a].at < v[b].at; });
    const size_t base = results.size();
    results.resize(base + v.size());
    for (size_t i : order) results[base + i] = put(v[i]);
  }
  void drain() { advance(now + 10'000 * kMs); }

  std::vector<uint16_t> seqs(Kind k) const {
    std::vector<uint16_t> s;
    for (const Out& o : out) {
      if (o.kind == k) s.push_back(o.seq);
    }
    return s;
  }
  const Out& frame(uint16_t seq) const {
    for (const Out& o : out) {
      if (o.seq == seq) return o;
    }
    static const Out none{Kind::none, 0, 0, false, 0, {}, {}};
    ADD_FAILURE() << "seq " << seq << " never came out";
    return none;
  }

  JitterBuffer jb;
  int64_t now = kT0;
  std::vector<Out> out;
  std::vector<Put> results;
};

std::vector<uint16_t> range(uint16_t first, int n) {
  std::vector<uint16_t> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<uint16_t>(first + i));
  return v;
}

TEST(JitterBuffer, SteadyStreamPlaysInOrderWithConstantDelay) {
  Player p;
  const auto in = stream(1000, 5000, 500, kT0);
  for (const Arrival& a : in) {
    ASSERT_EQ(p.put(a), Put::stored);
    EXPECT_EQ(p.jb.delay_ms(), 40u);
  }
  p.drain();
  ASSERT_EQ(p.out.size(), 500u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(p.out[i].kind, Kind::packet);
    EXPECT_EQ(p.out[i].seq, in[i].seq);
    EXPECT_EQ(p.out[i].ts, in[i].ts);
    EXPECT_EQ(p.out[i].at, in[i].at + 40 * kMs) << i;  // start_delay, never changed
    EXPECT_EQ(p.out[i].discontinuity, i == 0);
  }
  EXPECT_EQ(p.jb.stats().played, 500u);
  EXPECT_EQ(p.jb.stats().lost + p.jb.stats().late + p.jb.stats().reordered, 0u);
  EXPECT_EQ(p.jb.stats().jitter_ms, 0u);
  EXPECT_EQ(p.jb.next_due_ns(), kNever);
  EXPECT_EQ(p.jb.pop(p.now + 1000 * kMs).kind, Kind::none);
}

TEST(JitterBuffer, ReorderingWithinTheDelayPlaysInOrder) {
  Player p;
  auto in = stream(0, 0, 100, kT0);
  for (int i = 10; i < 100; i += 10) in[i].at += 35 * kMs;  // after the next one, before due
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.seqs(Kind::packet), range(0, 100));
  EXPECT_EQ(p.jb.stats().reordered, 9u);
  EXPECT_EQ(p.jb.stats().lost + p.jb.stats().late, 0u);
}

TEST(JitterBuffer, LossOfOneAndOfThreeYieldsExactlyThoseLostFrames) {
  Player p;
  auto in = stream(0, 0, 40, kT0);
  drop(in, {10, 20, 21, 22});
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.seqs(Kind::lost), (std::vector<uint16_t>{10, 20, 21, 22}));
  EXPECT_EQ(p.jb.stats().lost, 4u);
  EXPECT_EQ(p.out.size(), 40u);
  for (size_t i = 0; i < p.out.size(); ++i) EXPECT_EQ(p.out[i].seq, i);
  // FEC for a lost frame lives in the packet right after it, when that one arrived.
  EXPECT_EQ(p.frame(10).next_payload, payload_of(11, 160));
  EXPECT_EQ(p.frame(22).next_payload, payload_of(23, 160));
  EXPECT_TRUE(p.frame(20).next_payload.empty());
  EXPECT_TRUE(p.frame(21).next_payload.empty());
  EXPECT_TRUE(p.frame(10).payload.empty());
  // Timestamps of lost frames follow the stream; each is reported when the one after it is due.
  EXPECT_EQ(p.frame(10).ts, 1600u);
  EXPECT_EQ(p.frame(21).ts, 3360u);
  EXPECT_EQ(p.frame(10).at, kT0 + (11 * 20 + 40) * kMs);
  EXPECT_EQ(p.frame(20).at, kT0 + (21 * 20 + 40) * kMs);
  EXPECT_EQ(p.frame(22).at, kT0 + (23 * 20 + 40) * kMs);
  EXPECT_EQ(p.frame(23).at, kT0 + (23 * 20 + 40) * kMs);
}

TEST(JitterBuffer, PacketArrivingAfterBeingDeclaredLostIsLate) {
  Player p;
  auto in = stream(0, 0, 30, kT0);
  in[10].at = kT0 + (11 * 20 + 41) * kMs;  // just after 11 was due, so 10 was reported lost
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.results[10], Put::late);
  EXPECT_EQ(p.jb.stats().late, 1u);
  EXPECT_EQ(p.seqs(Kind::lost), std::vector<uint16_t>{10});
  const std::vector<uint16_t> played = p.seqs(Kind::packet);
  EXPECT_EQ(std::count(played.begin(), played.end(), 10), 0);
  EXPECT_EQ(p.jb.stats().played, 29u);
}

TEST(JitterBuffer, LateArrivalBeforeTheNextIsDueGrowsTheDelayAndPlays) {
  Player p;
  auto in = stream(0, 0, 30, kT0);
  in[10].at += 55 * kMs;  // later than its playout time, after 11 arrived, before 11 was due
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.results[10], Put::stored);
  EXPECT_EQ(p.seqs(Kind::packet), range(0, 30));
  EXPECT_EQ(p.jb.delay_ms(), 60u);  // lateness 55 + 5 ms margin
  EXPECT_EQ(p.jb.stats().delay_grows, 1u);
  EXPECT_EQ(p.frame(9).at, in[9].at + 40 * kMs);
  EXPECT_EQ(p.frame(10).at, in[10].at + 5 * kMs);
  EXPECT_EQ(p.frame(11).at, in[11].at + 60 * kMs);  // held already: moved by the same 20 ms
  EXPECT_EQ(p.frame(29).at, in[29].at + 60 * kMs);  // the ones after are in time too
  EXPECT_EQ(p.jb.stats().reordered, 1u);
}

TEST(JitterBuffer, DuplicatesAreDropped) {
  Player p;
  auto in = stream(0, 0, 20, kT0);
  in.push_back({in[5].at + 1 * kMs, 5, in[5].ts});  // while 5 is held
  in.push_back({in[8].at, 3, in[3].ts});            // after 3 was played
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.results[20], Put::duplicate);
  EXPECT_EQ(p.results[21], Put::late);
  EXPECT_EQ(p.seqs(Kind::packet), range(0, 20));
  EXPECT_EQ(p.jb.stats().duplicates, 1u);
  EXPECT_EQ(p.jb.stats().late, 1u);
}

TEST(JitterBuffer, SequenceAndTimestampWrap) {
  Player p;
  auto in = stream(65530, 0xFFFF'FC00u, 20, kT0);  // seq 65535 -> 0 and ts 2^32 - 1 -> 0
  drop(in, {0});
  p.feed(in);
  p.drain();
  std::vector<uint16_t> want = range(65530, 20);
  ASSERT_EQ(p.out.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(p.out[i].seq, want[i]);
    EXPECT_EQ(p.out[i].kind, want[i] == 0 ? Kind::lost : Kind::packet);
    EXPECT_EQ(p.out[i].ts, static_cast<uint32_t>(0xFFFF'FC00u + 160u * i));
    if (want[i] != 0) {
      EXPECT_EQ(p.out[i].at, in[i < 6 ? i : i - 1].at + 40 * kMs);
    }
  }
  EXPECT_EQ(p.jb.delay_ms(), 40u);
  EXPECT_EQ(p.jb.stats().resyncs + p.jb.stats().late + p.jb.stats().skipped, 0u);
}

// Arrivals jittered uniformly by +/-30 ms; the first one came 30 ms early, so later ones are up to
// 60 ms late against it.
std::vector<Arrival> jittered(uint16_t seq, int n, int64_t at, std::mt19937& rng) {
  std::uniform_int_distribution<int> jitter(-30, 30);
  auto in = stream(seq, seq * 160u, n, at + 30 * kMs);
  for (size_t i = 0; i < in.size(); ++i) in[i].at += (i == 0 ? -30 : jitter(rng)) * kMs;
  return in;
}

TEST(JitterBuffer, JitterGrowsTheDelayButNeverBeyondMax) {
  for (uint32_t max : {200u, 50u}) {
    SCOPED_TRACE(max);
    JitterConfig c;
    c.max_delay_ms = max;
    Player p(c);
    std::mt19937 rng(7);
    auto in = jittered(0, 1000, kT0, rng);
    std::stable_sort(in.begin(), in.end(), [](auto& a, auto& b) { return a.at < b.at; });
    for (const Arrival& a : in) {
      (void)p.put(a);
      ASSERT_LE(p.jb.delay_ms(), max);
    }
    p.drain();
    EXPECT_GE(p.jb.stats().jitter_ms, 15u);  // ~ w / 3 for uniform jitter of width 60
    if (max == 200) {
      EXPECT_GE(p.jb.delay_ms(), 60u);
      EXPECT_EQ(p.jb.stats().late + p.jb.stats().lost, 0u);
      EXPECT_EQ(p.jb.stats().played, 1000u);
    } else {
      EXPECT_EQ(p.jb.delay_ms(), 50u);
      EXPECT_GT(p.jb.stats().late + p.jb.stats().lost, 0u);  // 50 ms cannot cover 60
    }
  }
}

TEST(JitterBuffer, DelayShrinksAfterJitterStopsOnlyAtATalkSpurt) {
  for (bool by_pause : {false, true}) {
    SCOPED_TRACE(by_pause ? "pause" : "marker");
    Player p;
    std::mt19937 rng(11);
    p.feed(jittered(0, 500, kT0, rng));
    const uint32_t grown = p.jb.delay_ms();
    EXPECT_GE(grown, 60u);
    // Jitter stops: on time against the (early) anchor, i.e. 30 ms late; no shrink mid-spurt.
    for (const Arrival& a : stream(500, 500 * 160, 300, kT0 + (500 * 20 + 30) * kMs)) {
      ASSERT_EQ(p.put(a), Put::stored);
      ASSERT_EQ(p.jb.delay_ms(), grown);
    }
    EXPECT_EQ(p.jb.stats().jitter_ms, 0u);
    // A talk spurt starts: a marker, or the first packet after a pause (DTX: ts moved on).
    auto next = stream(800, 800 * 160, 50, kT0 + (800 * 20 + 30) * kMs);
    if (by_pause) {
      for (Arrival& a : next) a.at += 500 * kMs, a.ts += 4000;
    } else {
      next[0].marker = true;
    }
    p.feed(next);
    p.drain();
    EXPECT_EQ(p.jb.delay_ms(), 20u);  // the target: 3 * 0 + 5 ms, raised to min_delay
    EXPECT_TRUE(p.frame(800).discontinuity);
    EXPECT_EQ(p.frame(849).at, next[49].at + 20 * kMs);
    EXPECT_EQ(p.seqs(Kind::lost).size(), 0u);
    EXPECT_EQ(p.jb.stats().resyncs, 0u);
  }
}

TEST(JitterBuffer, LongSilenceThenResumeIsADiscontinuityWithoutLostFrames) {
  struct Case {
    const char* name;
    bool marker;
    uint16_t first;   // the first seq after the silence
    bool ts_follows;  // the timestamp counted through the silence (RFC 3551)
    uint64_t resyncs;
  };
  for (const Case& k :
       {Case{"marker", true, 50, true, 1}, Case{"dtx", false, 50, true, 0},
        Case{"tail lost", true, 52, true, 1}, Case{"ts stood", false, 50, false, 1}}) {
    SCOPED_TRACE(k.name);
    Player p;
    p.feed(stream(0, 0, 50, kT0));
    const int64_t resume = kT0 + (50 * 20 + 2000) * kMs;
    p.advance(resume - 1);
    EXPECT_EQ(p.out.size(), 50u);  // silence: nothing invented
    EXPECT_EQ(p.jb.next_due_ns(), kNever);
    auto next = stream(k.first, k.ts_follows ? (k.first * 160 + 16000) : 50 * 160, 20, resume);
    next[0].marker = k.marker;
    p.feed(next);
    p.drain();
    EXPECT_EQ(p.seqs(Kind::lost).size(), 0u);
    EXPECT_EQ(p.jb.stats().played, 70u);
    EXPECT_TRUE(p.frame(k.first).discontinuity);
    EXPECT_EQ(p.frame(k.first).at, resume + 20 * kMs);
    EXPECT_EQ(p.jb.stats().resyncs, k.resyncs);
    EXPECT_EQ(p.jb.stats().skipped, k.first - 50u);
  }
}

TEST(JitterBuffer, SequenceJumpBeyondCapacityResyncs) {
  Player p;
  p.feed(stream(0, 0, 20, kT0));
  p.feed(stream(1020, 20 * 160, 20, kT0 + 20 * 20 * kMs));
  p.drain();
  EXPECT_EQ(p.seqs(Kind::lost).size(), 0u);
  EXPECT_EQ(p.jb.stats().played, 40u);  // 1020 waited on probation until 1021 confirmed it
  EXPECT_EQ(p.jb.stats().flushed, 0u);
  EXPECT_EQ(p.jb.stats().resyncs, 1u);
  EXPECT_EQ(p.frame(1020).at, kT0 + (20 * 20 + 20) * kMs);  // its arrival + the target delay
  EXPECT_TRUE(p.frame(1020).discontinuity);
  EXPECT_FALSE(p.frame(1021).discontinuity);
}

TEST(JitterBuffer, SenderRestartingLowerResyncs) {
  Player p;
  p.feed(stream(5000, 0, 100, kT0));
  p.feed(stream(100, 100 * 160, 20, kT0 + 100 * 20 * kMs));
  p.drain();
  EXPECT_EQ(p.jb.stats().resyncs, 1u);
  EXPECT_EQ(p.jb.stats().played, 120u);
  EXPECT_EQ(p.jb.stats().late, 0u);
  EXPECT_TRUE(p.frame(100).discontinuity);
  EXPECT_FALSE(p.frame(101).discontinuity);
  EXPECT_EQ(p.seqs(Kind::lost).size(), 0u);
}

TEST(JitterBuffer, AStrayPacketFarAwayDoesNotDisturbTheStream) {
  Player p;
  auto in = stream(0, 0, 40, kT0);
  in.push_back({in[10].at + kMs, 30000, 77});  // ahead: probation, then dropped
  in.push_back({in[20].at + kMs, 40000, 77});  // behind: the same
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.seqs(Kind::packet), range(0, 40));
  EXPECT_EQ(p.jb.stats().resyncs, 0u);
  EXPECT_EQ(p.jb.stats().flushed, 2u);
  EXPECT_EQ(p.jb.delay_ms(), 40u);
}

TEST(JitterBuffer, LongGapWithContinuousTimestampsReportsAtMostTheLossBudget) {
  Player p;
  auto in = stream(0, 0, 80, kT0);
  in.erase(in.begin() + 10, in.begin() + 50);  // 40 missing: more than capacity / 2
  p.feed(in);
  p.drain();
  EXPECT_EQ(p.seqs(Kind::lost), range(10, 10));
  EXPECT_EQ(p.jb.stats().skipped, 30u);
  EXPECT_EQ(p.jb.stats().resyncs, 1u);
  EXPECT_TRUE(p.frame(50).discontinuity);
  EXPECT_EQ(p.jb.stats().played, 40u);
}

TEST(JitterBuffer, StreamMayStartWithAReorderedPacket) {
  Player p;
  p.feed({{kT0, 1, 160}, {kT0 + 5 * kMs, 0, 0}});
  p.drain();
  EXPECT_EQ(p.seqs(Kind::packet), (std::vector<uint16_t>{0, 1}));
  EXPECT_TRUE(p.frame(0).discontinuity);
  EXPECT_FALSE(p.frame(1).discontinuity);
  EXPECT_EQ(p.jb.stats().reordered, 1u);
}

TEST(JitterBuffer, CapacityFull) {
  JitterConfig c;
  c.capacity = 8;
  JitterBuffer jb(c);
  const std::vector<uint8_t> pl = payload_of(0, 10);
  for (uint16_t s = 0; s < 8; ++s) ASSERT_EQ(jb.put(s, s * 160u, 0, false, pl, kT0), Put::stored);
  EXPECT_EQ(jb.put(8, 8 * 160u, 0, false, pl, kT0), Put::full);
  EXPECT_EQ(jb.stats().full, 1u);
  EXPECT_EQ(jb.size(), 8u);
  int played = 0;
  for (int64_t t = kT0; t < kT0 + 1000 * kMs; t += kMs) {
    while (jb.pop(t).kind == Kind::packet) ++played;
  }
  EXPECT_EQ(played, 8);
  EXPECT_EQ(jb.put(8, 8 * 160u, 0, false, pl, kT0 + 1000 * kMs), Put::stored);  // room again
}

TEST(JitterBuffer, TooBigPayload) {
  JitterConfig c;
  c.max_payload = 100;
  Player p(c);
  EXPECT_EQ(p.put({kT0, 0, 0, false, 101}), Put::too_big);
  EXPECT_EQ(p.put({kT0, 0, 0, false, 100}), Put::stored);
  EXPECT_EQ(p.put({kT0 + 20 * kMs, 1, 160, false, 0}), Put::stored);
  p.drain();
  EXPECT_EQ(p.jb.stats().too_big, 1u);
  ASSERT_EQ(p.out.size(), 2u);
  EXPECT_EQ(p.out[0].payload, payload_of(0, 100));
  EXPECT_TRUE(p.out[1].payload.empty());
}

TEST(JitterBuffer, ResetForgetsTheStreamAndKeepsStats) {
  Player p;
  p.feed(stream(0, 0, 10, kT0));
  p.jb.reset();
  EXPECT_EQ(p.jb.next_due_ns(), kNever);
  EXPECT_EQ(p.jb.stats().flushed, 10u - p.out.size());
  p.feed(stream(30000, 7, 10, kT0 + 500 * kMs));
  p.drain();
  EXPECT_TRUE(p.frame(30000).discontinuity);
  EXPECT_EQ(p.jb.stats().received, 20u);
  EXPECT_EQ(p.jb.stats().resyncs, 0u);
}

// 10 000 packets through loss, duplication, reordering and the odd 200-400 ms spike, starting
// close to the sequence-number wrap.
TEST(JitterBuffer, RandomStreamKeepsItsInvariants) {
  std::mt19937 rng(2024);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> jitter_ms(0, 50), spike_ms(200, 400);
  constexpr int kPackets = 10000;
  std::vector<Arrival> in;
  int dups = 0;
  for (int i = 0; i < kPackets; ++i) {
    const bool edge = i == 0 || i == kPackets - 1;
    if (!edge && u(rng) < 0.05) continue;                                   // lost in the network
    int64_t at = kT0 + i * 20 * kMs + (i == 0 ? 0 : jitter_ms(rng)) * kMs;  // first: early
    if (!edge && u(rng) < 0.01) at += spike_ms(rng) * kMs;
    const Arrival a{at, static_cast<uint16_t>(60000 + i), 12345u + i * 160u};
    in.push_back(a);
    if (!edge && u(rng) < 0.03) {
      in.push_back({a.at + jitter_ms(rng) * kMs, a.seq, a.ts});
      ++dups;
    }
  }
  std::stable_sort(in.begin(), in.end(), [](auto& a, auto& b) { return a.at < b.at; });

  JitterBuffer jb(JitterConfig{});
  std::vector<uint8_t> pl(160);
  std::vector<int64_t> emitted;  // unwrapped sequence numbers, in emission order
  emitted.reserve(2 * kPackets);
  uint64_t news = 0;
  int64_t now = kT0;
  size_t next = 0;
  auto unwrap = [&](uint16_t s) {
    return emitted.empty() ? int64_t{s} : emitted.back() + int16_t(s - uint16_t(emitted.back()));
  };
  while (next < in.size() || jb.size() > 0) {
    CountedRegion counted;
    for (JitterBuffer::Frame f = jb.pop(now); f.kind != Kind::none; f = jb.pop(now)) {
      if (f.kind == Kind::packet) {
        ASSERT_EQ(f.payload[0], static_cast<uint8_t>(f.seq));
        ASSERT_EQ(f.payload[1], static_cast<uint8_t>(f.seq >> 8));
      }
      emitted.push_back(unwrap(f.seq));
    }
    for (; next < in.size() && in[next].at <= now; ++next) {
      pl[0] = static_cast<uint8_t>(in[next].seq);
      pl[1] = static_cast<uint8_t>(in[next].seq >> 8);
      (void)jb.put(in[next].seq, in[next].ts, 8, false, pl, now);
      ASSERT_LE(jb.delay_ms(), 200u);
    }
    news += counted.news();
    now += kMs;
  }
  EXPECT_EQ(news, 0u) << "put/pop allocated";

  const JitterBuffer::Stats& s = jb.stats();
  ASSERT_FALSE(emitted.empty());
  for (size_t i = 1; i < emitted.size(); ++i) {
    ASSERT_GT(emitted[i], emitted[i - 1]) << "frame " << i << ": sequence order";
  }
  EXPECT_EQ(std::set<int64_t>(emitted.begin(), emitted.end()).size(), emitted.size());
  EXPECT_EQ(emitted.front(), 60000);
  EXPECT_EQ(emitted.back(), 60000 + kPackets - 1);
  // Every packet put is accounted for once ...
  EXPECT_EQ(s.received, in.size());
  EXPECT_EQ(s.received, s.stored + s.duplicates + s.late + s.too_big + s.full);
  EXPECT_EQ(s.stored, s.played + s.flushed);
  EXPECT_EQ(s.played + s.late + s.duplicates, in.size());
  // ... and every sequence number sent is played, reported lost or skipped by a resync, once.
  EXPECT_EQ(s.played + s.lost + s.skipped, static_cast<uint64_t>(kPackets));
  EXPECT_EQ(s.played + s.lost, emitted.size());
  EXPECT_EQ(s.flushed, 0u);
  // The stream was rough enough to exercise each path.
  EXPECT_GT(s.lost, 300u);
  EXPECT_GT(s.late, 0u);
  EXPECT_GT(s.reordered, 100u);
  EXPECT_GE(s.duplicates, static_cast<uint64_t>(dups) / 2);
  EXPECT_GT(s.delay_grows, 0u);
}

TEST(JitterBuffer, PutAndPopAllocateNothing) {
  JitterConfig c;
  c.capacity = 16;
  JitterBuffer jb(c);
  std::vector<uint8_t> pl(1600, 0x55);  // too big for max_payload 1500
  const std::span<const uint8_t> ok(pl.data(), 160);
  uint64_t frames = 0;
  CountedRegion counted;
  int64_t now = kT0;
  auto pump = [&](int64_t until) {
    for (; now <= until; now += kMs) {
      while (jb.pop(now).kind != Kind::none) ++frames;
    }
  };
  uint16_t seq = 100;
  uint32_t ts = 0;
  for (int i = 0; i < 200; ++i, ++seq, ts += 160) {
    const int64_t at = kT0 + i * 20 * kMs;
    pump(at);
    if (i % 17 == 5) continue;                                       // lost
    (void)jb.put(seq, ts, 0, i % 50 == 0, ok, now);                  // stored (marker: spurt)
    (void)jb.put(seq, ts, 0, false, ok, now);                        // duplicate
    if (i % 23 == 7) (void)jb.put(seq - 10, ts, 0, false, ok, now);  // late
    if (i % 29 == 3) (void)jb.put(seq, ts, 0, false, pl, now);       // too big
    if (i == 120) seq += 1000;                                       // resync: sequence jump
    if (i == 150) ts += 8000 * 30;                                   // resync: timestamp jump
  }
  for (int i = 0; i < 20; ++i) (void)jb.put(seq + i, ts, 0, false, ok, now);  // full
  pump(now + 1000 * kMs);
  jb.reset();
  (void)jb.put(1, 2, 0, false, ok, now);
  pump(now + 100 * kMs);
  EXPECT_EQ(counted.news(), 0u);
  EXPECT_GT(frames, 150u);
  EXPECT_GT(jb.stats().full, 0u);
  EXPECT_GT(jb.stats().lost, 0u);
  EXPECT_GE(jb.stats().resyncs, 2u);
}

}  // namespace
}  // namespace rtpx::codecs

namespace rtpx::codecs {
namespace {

// A sender whose clock runs 2 % slow: every packet arrives 0.4 ms later than the one before
// predicts, 400 ms behind after 1000 packets, twice max_delay. The buffer follows with a few
// resynchronisations instead of dropping everything once the drift passes max_delay.
TEST(JitterBuffer, SlowSenderClockIsFollowedNotDropped) {
  JitterConfig c;
  c.max_delay_ms = 200;
  Player p(c);
  auto in = stream(0, 0, 1000, kT0);
  for (size_t i = 0; i < in.size(); ++i) in[i].at += static_cast<int64_t>(i) * 400'000;
  for (const Arrival& a : in) (void)p.put(a);
  p.drain();
  EXPECT_GE(p.jb.stats().resyncs, 1u);
  EXPECT_LE(p.jb.stats().late, 10u);  // at most a few per resynchronisation
  EXPECT_GE(p.jb.stats().played, 985u);
  EXPECT_LE(p.jb.delay_ms(), 200u);
}

}  // namespace
}  // namespace rtpx::codecs
