#include "codecs/resample/resampler.hpp"

#include <speex/speex_resampler.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace rtpx::codecs {

namespace {
constexpr uint32_t kMaxRate = 384000;
}

std::unique_ptr<Resampler> Resampler::create(uint32_t in_rate, uint32_t out_rate, int quality,
                                             std::string* error) {
  if (in_rate == 0 || out_rate == 0 || in_rate > kMaxRate || out_rate > kMaxRate) {
    *error = "resampler: rates " + std::to_string(in_rate) + " -> " + std::to_string(out_rate) +
             " are not within 1..384000";
    return nullptr;
  }
  if (quality < SPEEX_RESAMPLER_QUALITY_MIN || quality > SPEEX_RESAMPLER_QUALITY_MAX) {
    *error = "resampler: quality " + std::to_string(quality) + " is not within 0..10";
    return nullptr;
  }
  SpeexResamplerState* st = nullptr;
  if (in_rate != out_rate) {
    int err = RESAMPLER_ERR_SUCCESS;
    st = speex_resampler_init(1, in_rate, out_rate, quality, &err);
    if (st == nullptr || err != RESAMPLER_ERR_SUCCESS) {
      *error = std::string("resampler: ") + speex_resampler_strerror(err);
      if (st != nullptr) speex_resampler_destroy(st);
      return nullptr;
    }
  }
  return std::unique_ptr<Resampler>(new Resampler(st, in_rate, out_rate));
}

Resampler::~Resampler() {
  if (st_ != nullptr) speex_resampler_destroy(st_);
}

size_t Resampler::process(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  if (st_ == nullptr) {
    const size_t n = std::min(in.size(), out.size());
    if (n != 0) std::memcpy(out.data(), in.data(), n * sizeof(int16_t));
    return n;
  }
  // speexdsp counts in 32 bits; a shard's blocks are a few thousand samples.
  auto in_len = static_cast<spx_uint32_t>(std::min<size_t>(in.size(), UINT32_MAX));
  auto out_len = static_cast<spx_uint32_t>(std::min<size_t>(out.size(), UINT32_MAX));
  if (speex_resampler_process_int(st_, 0, in.data(), &in_len, out.data(), &out_len) !=
      RESAMPLER_ERR_SUCCESS)
    return 0;
  return out_len;
}

size_t Resampler::max_output(size_t in) const {
  if (st_ == nullptr) return in;
  // The fractional position the filter carries between calls adds at most one sample to the
  // rounded-up ratio.
  return (in * out_rate_ + in_rate_ - 1) / in_rate_ + 1;
}

int Resampler::latency_samples() const {
  return st_ == nullptr ? 0 : speex_resampler_get_output_latency(st_);
}

}  // namespace rtpx::codecs
