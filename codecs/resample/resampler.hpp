#pragma once
// Mono 16-bit sample-rate conversion (speexdsp's resampler), created on the control plane and run
// on a shard: process() never allocates. Streaming: the filter state carries over between calls,
// so any block size may be fed; the output is delayed by latency_samples() output samples (the
// filter's group delay) and, over a stream, has in * out_rate / in_rate samples.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct SpeexResamplerState_;

namespace rtpx::codecs {

class Resampler {
 public:
  // speexdsp quality 0..10. 4 is speexdsp's own SPEEX_RESAMPLER_QUALITY_DEFAULT, one step above
  // its VoIP preset (3): a 1 kHz tone through 8 -> 16 kHz comes out within 16-bit rounding
  // (resampler_test), far below G.711 or opus coding noise, and 8 -> 48 kHz costs ~1/7 of
  // quality 10 with a shorter delay (docs/benchmarks.md).
  static constexpr int kDefaultQuality = 4;

  // Null with `error` set for a rate of 0 or above 384000, or a quality outside 0..10.
  static std::unique_ptr<Resampler> create(uint32_t in_rate, uint32_t out_rate, int quality,
                                           std::string* error);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // Converts `in` into `out`; returns the samples written. Consumes all of `in` when out has room
  // for max_output(in.size()) samples (otherwise what does not fit is dropped).
  size_t process(std::span<const int16_t> in, std::span<int16_t> out) noexcept;
  // The most samples process() writes for `in` input samples.
  size_t max_output(size_t in) const;
  uint32_t in_rate() const { return in_rate_; }
  uint32_t out_rate() const { return out_rate_; }
  // The filter's delay in output samples (0 when the rates are equal: a plain copy).
  int latency_samples() const;

 private:
  Resampler(SpeexResamplerState_* st, uint32_t in_rate, uint32_t out_rate)
      : st_(st), in_rate_(in_rate), out_rate_(out_rate) {}

  SpeexResamplerState_* st_;  // null when in_rate == out_rate
  uint32_t in_rate_;
  uint32_t out_rate_;
};

}  // namespace rtpx::codecs
