#include "codecs/g711/g711_codec.hpp"

#include "codecs/g711/g711.hpp"

namespace rtpx::codecs {
namespace {

constexpr uint32_t kRate = 8000;
constexpr uint32_t kMaxPtimeMs = 200;

using ToLinear = int16_t (*)(uint8_t) noexcept;
using FromLinear = uint8_t (*)(int16_t) noexcept;

template <ToLinear kToLinear>
class G711Decoder final : public Decoder {
 public:
  int decode(std::span<const uint8_t> payload, std::span<int16_t> pcm) noexcept override {
    if (payload.size() > pcm.size()) return -1;
    for (size_t i = 0; i < payload.size(); ++i) pcm[i] = kToLinear(payload[i]);
    return static_cast<int>(payload.size());
  }
  int conceal(uint32_t, std::span<int16_t>) noexcept override { return -1; }
  uint32_t sample_rate() const noexcept override { return kRate; }
};

template <FromLinear kFromLinear>
class G711Encoder final : public Encoder {
 public:
  explicit G711Encoder(uint32_t frame) : frame_(frame) {}
  int encode(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept override {
    if (pcm.size() != frame_ || out.size() < frame_) return -1;
    for (size_t i = 0; i < frame_; ++i) out[i] = kFromLinear(pcm[i]);
    return static_cast<int>(frame_);
  }
  uint32_t sample_rate() const noexcept override { return kRate; }
  uint32_t frame_samples() const noexcept override { return frame_; }

 private:
  uint32_t frame_;
};

// Fixed-rate codec: a requested PCM rate other than 8000 is the caller's mistake (it resamples).
bool check_rate(const char* name, const CodecParams& p, std::string* error) {
  if (p.sample_rate == 0 || p.sample_rate == kRate) return true;
  *error = std::string(name) + ": sample rate " + std::to_string(p.sample_rate) +
           " is not supported (only 8000)";
  return false;
}

template <ToLinear kToLinear>
std::unique_ptr<Decoder> make_decoder(const char* name, const CodecParams& p, std::string* error) {
  if (!check_rate(name, p, error)) return nullptr;
  return std::make_unique<G711Decoder<kToLinear>>();
}

template <FromLinear kFromLinear>
std::unique_ptr<Encoder> make_encoder(const char* name, const CodecParams& p, std::string* error) {
  if (!check_rate(name, p, error)) return nullptr;
  const uint32_t ptime = p.ptime_ms == 0 ? 20 : p.ptime_ms;
  if (ptime > kMaxPtimeMs) {
    *error = std::string(name) + ": ptime " + std::to_string(ptime) + " ms is not within 1..200";
    return nullptr;
  }
  return std::make_unique<G711Encoder<kFromLinear>>(kRate * ptime / 1000);
}

}  // namespace

std::unique_ptr<Decoder> make_pcmu_decoder(const CodecParams& p, std::string* error) {
  return make_decoder<ulaw_to_linear>("PCMU", p, error);
}
std::unique_ptr<Encoder> make_pcmu_encoder(const CodecParams& p, std::string* error) {
  return make_encoder<linear_to_ulaw>("PCMU", p, error);
}
std::unique_ptr<Decoder> make_pcma_decoder(const CodecParams& p, std::string* error) {
  return make_decoder<alaw_to_linear>("PCMA", p, error);
}
std::unique_ptr<Encoder> make_pcma_encoder(const CodecParams& p, std::string* error) {
  return make_encoder<linear_to_alaw>("PCMA", p, error);
}

}  // namespace rtpx::codecs
