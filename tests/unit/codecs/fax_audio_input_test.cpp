// Tests for codecs/t38/fax_audio_input: frames of the G.711 fax leg delivered in timestamp order,
// reordering repaired within the hold time, losses handed on as gaps of the right length, late
// and duplicate frames dropped, timestamp jumps taken as a new timeline.

#include "codecs/t38/fax_audio_input.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rtpx::codecs::t38 {
namespace {

constexpr int64_t kMs = 1'000'000;

// Records deliveries as "s<first sample value>" and "g<samples>".
struct Recorder final : FaxAudioSink {
  std::vector<std::string> log;
  uint64_t samples = 0;
  void on_samples(std::span<const int16_t> pcm) noexcept override {
    log.push_back("s" + std::to_string(pcm[0]));
    samples += pcm.size();
  }
  void on_gap(uint32_t n) noexcept override {
    log.push_back("g" + std::to_string(n));
    samples += n;
  }
};

// Frame k of a 160-sample stream starting at timestamp `base`: its samples are all k.
struct Stream {
  uint32_t base = 1000;
  std::vector<int16_t> pcm = std::vector<int16_t>(160);
  uint32_t ts(int k) const { return base + static_cast<uint32_t>(k) * 160; }
  std::span<const int16_t> frame(int k) {
    std::fill(pcm.begin(), pcm.end(), static_cast<int16_t>(k));
    return pcm;
  }
};

void push(FaxAudioInput& in, Stream& s, int k, int64_t now, Recorder& r) {
  in.push(s.ts(k), s.frame(k), now, r);
}

using Log = std::vector<std::string>;

TEST(FaxAudioInput, InOrderIsDeliveredAtOnce) {
  FaxAudioInput in;
  Recorder r;
  Stream s;
  for (int k = 0; k < 5; ++k) push(in, s, k, k * 20 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0", "s1", "s2", "s3", "s4"}));
  EXPECT_FALSE(in.holding());
  EXPECT_EQ(in.stats().frames, 5u);
}

TEST(FaxAudioInput, ReorderedWithinHoldTimeIsRepaired) {
  FaxAudioInput in(40);
  Recorder r;
  Stream s;
  push(in, s, 0, 0, r);
  push(in, s, 2, 40 * kMs, r);  // 1 is late
  push(in, s, 3, 60 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0"}));
  EXPECT_TRUE(in.holding());
  in.poll(70 * kMs, r);  // held for 30 ms: still waiting
  push(in, s, 1, 75 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0", "s1", "s2", "s3"}));
  EXPECT_EQ(in.stats().held, 2u);
  EXPECT_EQ(in.stats().gap_samples, 0u);
}

TEST(FaxAudioInput, LossBecomesAGapAfterTheHoldTime) {
  FaxAudioInput in(40);
  Recorder r;
  Stream s;
  push(in, s, 0, 0, r);
  push(in, s, 3, 60 * kMs, r);  // 1 and 2 lost
  push(in, s, 4, 80 * kMs, r);
  in.poll(99 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0"}));
  in.poll(100 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0", "g320", "s3", "s4"}));
  EXPECT_EQ(in.stats().gap_samples, 320u);
  // The lost frames arrive after all: late.
  push(in, s, 1, 110 * kMs, r);
  push(in, s, 5, 120 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0", "g320", "s3", "s4", "s5"}));
  EXPECT_EQ(in.stats().late, 1u);
  EXPECT_EQ(r.samples, 6u * 160);  // the timeline has no hole and no overlap
}

TEST(FaxAudioInput, DuplicatesAreDropped) {
  FaxAudioInput in;
  Recorder r;
  Stream s;
  push(in, s, 0, 0, r);
  push(in, s, 0, 1, r);  // delivered already: late
  push(in, s, 2, 2, r);
  push(in, s, 2, 3, r);  // held already
  push(in, s, 1, 4, r);
  EXPECT_EQ(r.log, (Log{"s0", "s1", "s2"}));
  EXPECT_EQ(in.stats().duplicates, 1u);
  EXPECT_EQ(in.stats().late, 1u);
}

TEST(FaxAudioInput, FullSlotsGiveUpTheGapEarly) {
  FaxAudioInput in(1000);
  Recorder r;
  Stream s;
  push(in, s, 0, 0, r);
  for (int k = 2; k < 2 + static_cast<int>(FaxAudioInput::kSlots); ++k) push(in, s, k, k, r);
  EXPECT_EQ(r.log.size(), 1u);
  push(in, s, 2 + FaxAudioInput::kSlots, 100, r);  // no room: frame 1 is given up
  ASSERT_GE(r.log.size(), 3u);
  EXPECT_EQ(r.log[1], "g160");
  EXPECT_EQ(r.log.back(), "s" + std::to_string(2 + FaxAudioInput::kSlots));
  EXPECT_FALSE(in.holding());
}

TEST(FaxAudioInput, TimestampJumpStartsANewTimeline) {
  FaxAudioInput in;
  Recorder r;
  Stream s;
  push(in, s, 0, 0, r);
  Stream t;
  t.base = 5'000'000;
  push(in, t, 7, 20 * kMs, r);
  push(in, t, 8, 40 * kMs, r);
  EXPECT_EQ(r.log, (Log{"s0", "s7", "s8"}));
  EXPECT_EQ(in.stats().resyncs, 1u);
  EXPECT_EQ(in.stats().gap_samples, 0u);
}

TEST(FaxAudioInput, OverlapDeliversOnlyNewSamples) {
  FaxAudioInput in;
  Recorder r;
  std::vector<int16_t> a(160, 1), b(160, 2);
  in.push(0, a, 0, r);
  in.push(80, b, 1, r);  // repacketised: half of it was delivered already
  EXPECT_EQ(r.samples, 240u);
  EXPECT_EQ(r.log, (Log{"s1", "s2"}));
}

TEST(FaxAudioInput, OversizedAndEmptyFramesAreIgnored) {
  FaxAudioInput in;
  Recorder r;
  std::vector<int16_t> big(FaxAudioInput::kMaxFrame + 1, 3);
  in.push(0, big, 0, r);
  in.push(0, {}, 0, r);
  EXPECT_TRUE(r.log.empty());
}

}  // namespace
}  // namespace rtpx::codecs::t38
