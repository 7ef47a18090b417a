// In-band DTMF: the generator's tones are found by the detector, digit by digit, straight and
// through G.711 (mu-law and A-law), at the shortest timing Q.24 asks for (40 ms on, 50 ms
// off), and with white noise at 20 dB SNR; a 1 kHz tone, silence and a speech-like signal give
// no digit over 5 s. The generator is checked on its own for frame-size independence, duration,
// gap and level.

#include "codecs/dtmf/dtmf_tone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "codecs/g711/g711.hpp"

#include "tests/common/counting_new.hpp"

namespace rtpx::codecs::dtmf {
namespace {

constexpr const char* kAllDigits = "0123456789*#ABCD";
constexpr size_t kFrame = 160;  // 20 ms
constexpr size_t kMs = 8;       // samples per ms

using Channel = std::function<void(std::vector<int16_t>&)>;

// Plays `digits` with the generator, frame by frame: each for `on_ms`, then the generator's own
// 50 ms gap, then silence up to `off_ms` (>= 50), all sample-exact; then one second of silence.
std::vector<int16_t> play(const std::string& digits, uint32_t on_ms, uint32_t off_ms,
                          int level = -10) {
  ToneGenerator gen;
  std::vector<int16_t> out;
  std::vector<int16_t> frame(kFrame);
  for (char d : digits) {
    EXPECT_TRUE(gen.start(d, on_ms, level)) << d;
    for (size_t left = (on_ms + ToneGenerator::kGapMs) * kMs; left > 0;) {
      const size_t n = std::min(left, kFrame);
      std::fill(frame.begin(), frame.end(), int16_t{1});
      gen.render(std::span(frame).first(n));
      out.insert(out.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
      left -= n;
    }
    EXPECT_FALSE(gen.busy());
    out.insert(out.end(), (off_ms - ToneGenerator::kGapMs) * kMs, 0);
  }
  out.insert(out.end(), 8000, 0);
  return out;
}

struct Heard {
  std::string started;
  std::string ended;
  std::vector<ToneEvent> events;
};

Heard detect(const std::vector<int16_t>& pcm, size_t frame = kFrame) {
  ToneDetector det;
  Heard h;
  for (size_t i = 0; i < pcm.size(); i += frame) {
    det.feed(std::span(pcm).subspan(i, std::min(frame, pcm.size() - i)));
    while (const auto e = det.poll()) {
      h.events.push_back(*e);
      (e->kind == ToneEvent::Kind::started ? h.started : h.ended).push_back(e->digit);
    }
  }
  EXPECT_EQ(det.dropped(), 0u);
  EXPECT_EQ(det.samples_fed(), pcm.size());
  return h;
}

void ulaw(std::vector<int16_t>& pcm) {
  std::vector<uint8_t> coded(pcm.size());
  encode_ulaw(pcm, coded);
  decode_ulaw(coded, pcm);
}

void alaw(std::vector<int16_t>& pcm) {
  for (int16_t& s : pcm) s = alaw_to_linear(linear_to_alaw(s));
}

double mean_square(std::span<const int16_t> pcm) {
  double sum = 0;
  for (int16_t s : pcm) sum += static_cast<double>(s) * s;
  return pcm.empty() ? 0 : sum / static_cast<double>(pcm.size());
}

int16_t saturate(double v) {
  return static_cast<int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
}

// ---- detection of generated digits -----------------------------------------------------------

TEST(DtmfTone, AllSixteenDigitsAreDetectedOnceEach) {
  const std::vector<int16_t> pcm = play(kAllDigits, 100, 100);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, kAllDigits);
  EXPECT_EQ(h.ended, kAllDigits);
  // Events alternate started/ended, each end after its start, and land near the tone.
  ASSERT_EQ(h.events.size(), 32u);
  constexpr uint64_t kBlock = 102;  // the detector's analysis block
  for (size_t k = 0; k < 16; ++k) {
    const ToneEvent& on = h.events[2 * k];
    const ToneEvent& off = h.events[2 * k + 1];
    EXPECT_EQ(on.kind, ToneEvent::Kind::started);
    EXPECT_EQ(off.kind, ToneEvent::Kind::ended);
    const uint64_t tone_start = k * 200 * kMs, tone_end = tone_start + 100 * kMs;
    EXPECT_GE(on.at_sample, tone_start) << k;
    EXPECT_LE(on.at_sample, tone_start + 4 * kBlock) << k;
    EXPECT_GE(off.at_sample, tone_end) << k;
    EXPECT_LE(off.at_sample, tone_end + 4 * kBlock) << k;
    EXPECT_NEAR(off.duration_samples, 100 * kMs, 2 * kBlock) << k;
    EXPECT_NEAR(on.level_dbm0, -7, 2) << k;  // two tones at -10 dBm0 each
  }
}

TEST(DtmfTone, SurvivesMuLaw) {
  std::vector<int16_t> pcm = play(kAllDigits, 100, 100);
  ulaw(pcm);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, kAllDigits);
  EXPECT_EQ(h.ended, kAllDigits);
}

TEST(DtmfTone, SurvivesALaw) {
  std::vector<int16_t> pcm = play(kAllDigits, 100, 100);
  alaw(pcm);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, kAllDigits);
  EXPECT_EQ(h.ended, kAllDigits);
}

TEST(DtmfTone, ShortestTimingFortyOnFiftyOff) {
  for (const Channel& channel :
       {Channel([](std::vector<int16_t>&) {}), Channel(ulaw), Channel(alaw)}) {
    std::vector<int16_t> pcm = play(kAllDigits, 40, 50);
    channel(pcm);
    const Heard h = detect(pcm);
    EXPECT_EQ(h.started, kAllDigits);
    EXPECT_EQ(h.ended, kAllDigits);
  }
}

TEST(DtmfTone, HundredMsDigitsWithFiftyMsGaps) {
  // Repeated digits too: only the 50 ms gap separates them.
  std::vector<int16_t> pcm = play("1122334455667788", 100, 50);
  ulaw(pcm);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, "1122334455667788");
  EXPECT_EQ(h.ended, "1122334455667788");
}

TEST(DtmfTone, DetectionDoesNotDependOnFeedSize) {
  const std::vector<int16_t> pcm = play("159#D", 60, 60);
  const Heard ref = detect(pcm, 160);
  for (size_t frame : {1, 37, 102, 240, 1000}) {
    const Heard h = detect(pcm, frame);
    EXPECT_EQ(h.started, "159#D") << frame;
    ASSERT_EQ(h.events.size(), ref.events.size()) << frame;
    for (size_t k = 0; k < h.events.size(); ++k)
      EXPECT_EQ(h.events[k].at_sample, ref.events[k].at_sample) << frame;
  }
}

TEST(DtmfTone, WhiteNoiseAtTwentyDbSnrStillDetects) {
  std::vector<int16_t> pcm = play(kAllDigits, 100, 100);
  const double tone_power = mean_square(std::span(pcm).first(100 * kMs));
  ASSERT_GT(tone_power, 1e6);
  std::mt19937 rng(4733);
  std::normal_distribution<double> noise(0.0, std::sqrt(tone_power / 100.0));  // 20 dB below
  for (int16_t& s : pcm) s = saturate(s + noise(rng));
  ulaw(pcm);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, kAllDigits);
  EXPECT_EQ(h.ended, kAllDigits);
}

TEST(DtmfTone, QuietTonesDetectedUntilTheThreshold) {
  // SpanDSP's default threshold is about -42 dBm0 for the pair: -30 dBm0 per tone is heard,
  // -50 dBm0 is not.
  EXPECT_EQ(detect(play("123", 100, 100, -30)).started, "123");
  EXPECT_EQ(detect(play("123", 100, 100, -50)).started, "");
}

// ---- no talk-off -----------------------------------------------------------------------------

constexpr size_t kFiveSeconds = size_t{5} * 8000;

TEST(DtmfTone, NoDigitInOneKilohertzTone) {
  std::vector<int16_t> pcm(kFiveSeconds);
  for (size_t n = 0; n < pcm.size(); ++n)
    pcm[n] = saturate(8000 * std::sin(2 * std::numbers::pi * 1000 * static_cast<double>(n) / 8000));
  ulaw(pcm);
  EXPECT_TRUE(detect(pcm).events.empty());
}

TEST(DtmfTone, NoDigitInSilence) {
  const std::vector<int16_t> pcm(kFiveSeconds, 0);
  EXPECT_TRUE(detect(pcm).events.empty());
}

// A voiced, speech-like signal: a gliding pitch (90-220 Hz) with every harmonic up to 3.4 kHz,
// shaped by three moving formants, amplitude-modulated at a syllable rate with short pauses.
std::vector<int16_t> speech_like(size_t samples) {
  std::vector<int16_t> pcm(samples);
  std::vector<double> phase(40, 0.0);
  for (size_t n = 0; n < samples; ++n) {
    const double t = static_cast<double>(n) / 8000;
    const double f0 = 150 + 50 * std::sin(2 * std::numbers::pi * 0.7 * t) +
                      20 * std::sin(2 * std::numbers::pi * 3.1 * t);
    const double formant[3] = {500 + 200 * std::sin(2 * std::numbers::pi * 1.3 * t),
                               1500 + 400 * std::sin(2 * std::numbers::pi * 0.9 * t + 1),
                               2500 + 300 * std::sin(2 * std::numbers::pi * 0.5 * t + 2)};
    double v = 0;
    for (size_t k = 1; k < phase.size(); ++k) {
      const double f = f0 * static_cast<double>(k);
      if (f > 3400) break;
      phase[k] += 2 * std::numbers::pi * f / 8000;
      double gain = 0;
      for (double fm : formant) gain += 1.0 / (1.0 + std::pow((f - fm) / 150, 2));
      v += gain * std::sin(phase[k]) / std::sqrt(static_cast<double>(k));
    }
    const double syllable = std::max(0.0, std::sin(2 * std::numbers::pi * 4 * t));  // 4 Hz AM
    const double phrase = std::fmod(t, 1.6) < 1.3 ? 1.0 : 0.0;                      // pauses
    pcm[n] = saturate(4000 * syllable * phrase * v);
  }
  return pcm;
}

TEST(DtmfTone, NoDigitInSpeechLikeSignal) {
  std::vector<int16_t> pcm = speech_like(kFiveSeconds);
  EXPECT_GT(mean_square(pcm), 1e6);  // loud enough to matter
  ulaw(pcm);
  EXPECT_TRUE(detect(pcm).events.empty());
}

// ---- generator -------------------------------------------------------------------------------

std::vector<int16_t> render_all(ToneGenerator& gen, size_t frame, size_t total) {
  std::vector<int16_t> out;
  std::vector<int16_t> buf(frame);
  while (out.size() < total) {
    std::fill(buf.begin(), buf.end(), int16_t{1});
    gen.render(buf);
    out.insert(out.end(), buf.begin(), buf.end());
  }
  out.resize(total);
  return out;
}

TEST(DtmfToneGenerator, SampleSequenceDoesNotDependOnFrameSize) {
  const size_t total = 4000;
  ToneGenerator ref_gen;
  ASSERT_TRUE(ref_gen.start('7', 180));
  const std::vector<int16_t> ref = render_all(ref_gen, 160, total);
  for (size_t frame : {1, 7, 80, 161, 333, 4000}) {
    ToneGenerator gen;
    ASSERT_TRUE(gen.start('7', 180));
    EXPECT_EQ(render_all(gen, frame, total), ref) << frame;
  }
}

TEST(DtmfToneGenerator, ToneThenGapThenUntouched) {
  ToneGenerator gen;
  ASSERT_TRUE(gen.start('5', 30));  // 240 samples of tone, then 400 of silence
  const std::vector<int16_t> out = render_all(gen, 160, 1000);
  const auto first = out.begin();
  EXPECT_GT(*std::max_element(first, first + 240), 3000);
  EXPECT_GT(mean_square(std::span(out).first(240)), 1e6);
  EXPECT_TRUE(std::all_of(first + 240, first + 640, [](int16_t s) { return s == 0; }));
  EXPECT_TRUE(std::all_of(first + 640, out.end(), [](int16_t s) { return s == 1; }));
  EXPECT_FALSE(gen.busy());
}

TEST(DtmfToneGenerator, RenderReportsFramesCarryingTone) {
  ToneGenerator gen;
  std::vector<int16_t> frame(160);
  EXPECT_FALSE(gen.render(frame));  // idle
  ASSERT_TRUE(gen.start('#', 50));  // 400 samples: frames 1-3 carry tone (the third partly)
  EXPECT_TRUE(gen.playing_tone());
  EXPECT_TRUE(gen.render(frame));
  EXPECT_TRUE(gen.render(frame));
  EXPECT_TRUE(gen.render(frame));
  EXPECT_FALSE(gen.playing_tone());
  EXPECT_TRUE(gen.busy());          // gap: 320 of 400 samples left
  EXPECT_FALSE(gen.render(frame));  // gap only
  EXPECT_FALSE(gen.render(frame));
  EXPECT_FALSE(gen.busy());
}

TEST(DtmfToneGenerator, DigitStartedDuringAToneWaitsForItsGap) {
  ToneGenerator gen;
  ASSERT_TRUE(gen.start('1', 60));
  ASSERT_TRUE(gen.start('2', 60));
  EXPECT_FALSE(gen.start('3', 60));  // one digit waits at most
  std::vector<int16_t> pcm = render_all(gen, 160, 8000);
  const Heard h = detect(pcm);
  EXPECT_EQ(h.started, "12");
  // '2' begins right after the 50 ms gap of '1'.
  EXPECT_TRUE(std::all_of(pcm.begin() + 480, pcm.begin() + 880, [](int16_t s) { return s == 0; }));
  EXPECT_GT(*std::max_element(pcm.begin() + 880, pcm.begin() + 1360), 3000);
  EXPECT_TRUE(
      std::all_of(pcm.begin() + 1360, pcm.begin() + 1760, [](int16_t s) { return s == 0; }));
}

TEST(DtmfToneGenerator, StopCutsTheToneShortAndKeepsTheGap) {
  ToneGenerator gen;
  ASSERT_TRUE(gen.start('9', 5000));
  std::vector<int16_t> frame(160);
  EXPECT_TRUE(gen.render(frame));
  gen.stop();
  EXPECT_TRUE(gen.busy());
  for (int k = 0; k < 2; ++k) {
    std::fill(frame.begin(), frame.end(), int16_t{1});
    EXPECT_FALSE(gen.render(frame));
    EXPECT_TRUE(std::all_of(frame.begin(), frame.end(), [](int16_t s) { return s == 0; }));
  }
  std::fill(frame.begin(), frame.end(), int16_t{1});
  gen.render(frame);
  EXPECT_TRUE(std::all_of(frame.begin(), frame.begin() + 80, [](int16_t s) { return s == 0; }));
  EXPECT_TRUE(std::all_of(frame.begin() + 80, frame.end(), [](int16_t s) { return s == 1; }));
}

TEST(DtmfToneGenerator, RejectsUnknownDigitsAndLevels) {
  ToneGenerator gen;
  EXPECT_FALSE(gen.start('E', 100));
  EXPECT_FALSE(gen.start('x', 100));
  EXPECT_FALSE(gen.start('\0', 100));
  EXPECT_FALSE(gen.start('1', 100, 3));
  EXPECT_FALSE(gen.start('1', 100, -61));
  EXPECT_FALSE(gen.busy());
  EXPECT_TRUE(gen.start('a', 100));  // lower case A-D accepted
}

TEST(DtmfToneGenerator, LevelFollowsTheRequest) {
  ToneGenerator loud, quiet;
  ASSERT_TRUE(loud.start('8', 100, -6));
  ASSERT_TRUE(quiet.start('8', 100, -26));
  const std::vector<int16_t> a = render_all(loud, 160, 800), b = render_all(quiet, 160, 800);
  const double db = 10 * std::log10(mean_square(a) / mean_square(b));
  EXPECT_NEAR(db, 20.0, 0.5);
}

TEST(DtmfTone, PerFrameCallsDoNotAllocate) {
  ToneGenerator gen;
  ToneDetector det;
  std::vector<int16_t> frame(kFrame);
  uint64_t allocations = 0;
  int events = 0;
  {
    const test::CountedRegion region;
    for (const char* d = kAllDigits; *d != 0; ++d) {
      (void)gen.start(*d, 60);
      while (gen.busy()) {
        (void)gen.render(frame);
        det.feed(frame);
        while (det.poll()) ++events;
      }
    }
    allocations = region.news();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(events, 0);
}

TEST(DtmfTone, FullQueueDropsAndCounts) {
  const std::vector<int16_t> pcm = play("0123456789*#ABCD0123", 60, 60);  // 40 events
  ToneDetector det;
  det.feed(pcm);
  size_t n = 0;
  while (det.poll()) ++n;
  EXPECT_EQ(n, ToneDetector::kQueueSize);
  EXPECT_EQ(det.dropped(), 40u - ToneDetector::kQueueSize);
}

}  // namespace
}  // namespace rtpx::codecs::dtmf
