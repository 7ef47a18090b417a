// The speexdsp resampler: a tone through 8 kHz -> 48 kHz -> 8 kHz and 8 kHz -> 16 kHz against the
// ideal signal after the filter delay, output lengths over a stream, max_output() as a bound for
// any block size, equal rates as a copy, and the factory's checks.

#include "codecs/resample/resampler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/codecs/signal_quality.hpp"

namespace rtpx::codecs {
namespace {

std::unique_ptr<Resampler> make(uint32_t in, uint32_t out,
                                int quality = Resampler::kDefaultQuality) {
  std::string error;
  auto r = Resampler::create(in, out, quality, &error);
  EXPECT_NE(r, nullptr) << error;
  return r;
}

// ~1 kHz, off the sample grid: a 1000 Hz tone at 8 kHz repeats every 8 samples, so the lag search
// could not tell the filter delay (64 samples at 16 kHz) from no delay at all.
constexpr double kTone = 997;

// Feeds `in` in blocks of `block` samples; the output, concatenated.
std::vector<int16_t> run(Resampler& r, std::span<const int16_t> in, size_t block) {
  std::vector<int16_t> out;
  std::vector<int16_t> buf(r.max_output(block));
  for (size_t at = 0; at < in.size(); at += block) {
    const size_t n = std::min(block, in.size() - at);
    const size_t m = r.process(in.subspan(at, n), buf);
    out.insert(out.end(), buf.begin(), buf.begin() + m);
  }
  return out;
}

TEST(Resampler, UpAndDownKeepsAToneWithinTheLatency) {
  auto up = make(8000, 48000);
  auto down = make(48000, 8000);
  EXPECT_EQ(up->in_rate(), 8000u);
  EXPECT_EQ(up->out_rate(), 48000u);
  const auto in = test::tone(8000, kTone, 8000);
  const auto mid = run(*up, in, 160);
  const auto out = run(*down, mid, 960);
  // Over the stream the output has in * ratio samples, give or take the filter's phase.
  EXPECT_NEAR(double(mid.size()), 48000.0, 6.0);
  EXPECT_NEAR(double(out.size()), 8000.0, 2.0);
  const int lag = up->latency_samples() / 6 + down->latency_samples();
  const auto snr = test::aligned_snr(in, out, 400, 7000, 0, 2 * lag + 8);
  // Measured 108.7 dB at a lag of 64 samples (192 at 48 kHz + 32 at 8 kHz): below the 16-bit
  // rounding of the -12 dBFS tone. 60 dB is far beyond what the codecs around it keep.
  EXPECT_GT(snr.db, 60.0);
  EXPECT_NEAR(snr.lag, lag, 2);
}

TEST(Resampler, EightToSixteenMatchesTheIdealTone) {
  for (double hz : {310.0, kTone, 2990.0}) {
    auto r = make(8000, 16000);
    const auto in = test::tone(8000, hz, 8000);
    const auto out = run(*r, in, 160);
    const auto ideal = test::tone(16000, hz, 16000);
    // out[i + latency] ~ ideal[i]
    const auto snr = test::aligned_snr(ideal, out, 800, 14000, 0, 4 * r->latency_samples());
    // Measured 84.3-84.6 dB: rounding to 16 bits of a -12 dBFS tone is ~86 dB.
    EXPECT_GT(snr.db, 70.0) << hz;
    EXPECT_NEAR(snr.lag, r->latency_samples(), 2) << hz;
  }
}

TEST(Resampler, DownsamplingKeepsThePassbandAndRemovesWhatTheNewRateCannotHold) {
  // 997 Hz + 6 kHz at 48 kHz -> 8 kHz: 6 kHz is above the new Nyquist limit (4 kHz) and must be
  // filtered out, not folded to 2 kHz; what remains is the 997 Hz tone alone. Measured 89.2 dB (a
  // folded 6 kHz, i.e. no filter, gives 0 dB).
  auto r = make(48000, 8000);
  const auto a = test::tone(48000, kTone, 48000);
  const auto b = test::tone(48000, 6000, 48000);
  std::vector<int16_t> in(a.size());
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int16_t>(a[i] + b[i]);
  const auto out = run(*r, in, 960);
  const auto ideal = test::tone(8000, kTone, 8000);
  const auto snr = test::aligned_snr(ideal, out, 400, 7000, 0, 4 * r->latency_samples());
  EXPECT_GT(snr.db, 60.0);
  EXPECT_EQ(snr.lag, r->latency_samples());
}

TEST(Resampler, MaxOutputBoundsEveryBlockSize) {
  for (auto [in_rate, out_rate] :
       {std::pair{8000u, 48000u}, std::pair{48000u, 8000u}, std::pair{8000u, 16000u},
        std::pair{16000u, 8000u}, std::pair{44100u, 48000u}, std::pair{48000u, 44100u},
        std::pair{8000u, 44100u}}) {
    auto r = make(in_rate, out_rate);
    const auto in = test::tone(in_rate, 440, in_rate);
    std::vector<int16_t> out(r->max_output(2000) + 16);
    uint32_t x = 7;
    size_t total_in = 0, total_out = 0;
    while (total_in < in.size()) {
      const size_t n =
          std::min<size_t>(1 + (x = x * 1103515245 + 12345) % 2000, in.size() - total_in);
      // Exactly max_output(n) of room: all of the input must be consumed, so the running output
      // stays on in * ratio.
      const size_t m = r->process({in.data() + total_in, n}, {out.data(), r->max_output(n)});
      ASSERT_LE(m, r->max_output(n));
      total_in += n;
      total_out += m;
      const double want = double(total_in) * out_rate / in_rate;
      ASSERT_NEAR(double(total_out), want, 2.0 + double(out_rate) / in_rate)
          << in_rate << "->" << out_rate << " after " << total_in;
    }
  }
}

TEST(Resampler, EqualRatesCopy) {
  auto r = make(16000, 16000);
  EXPECT_EQ(r->latency_samples(), 0);
  EXPECT_EQ(r->max_output(320), 320u);
  const auto in = test::speech_like(320, 16000);
  std::vector<int16_t> out(320);
  EXPECT_EQ(r->process(in, out), 320u);
  EXPECT_EQ(out, in);
  EXPECT_EQ(r->process(in, {out.data(), 100}), 100u);  // never past the output
}

TEST(Resampler, FactoryErrors) {
  std::string error;
  EXPECT_EQ(Resampler::create(0, 8000, 4, &error), nullptr);
  EXPECT_EQ(error, "resampler: rates 0 -> 8000 are not within 1..384000");
  EXPECT_EQ(Resampler::create(8000, 768000, 4, &error), nullptr);
  EXPECT_EQ(Resampler::create(8000, 16000, 11, &error), nullptr);
  EXPECT_EQ(error, "resampler: quality 11 is not within 0..10");
  EXPECT_EQ(Resampler::create(8000, 16000, -1, &error), nullptr);
  for (int q = 0; q <= 10; ++q) EXPECT_NE(Resampler::create(8000, 16000, q, &error), nullptr) << q;
}

}  // namespace
}  // namespace rtpx::codecs
