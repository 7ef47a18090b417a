#include "codecs/l16/l16_codec.hpp"

namespace rtpx::codecs {
namespace {

constexpr uint32_t kMaxPtimeMs = 200;

int16_t read_be(const uint8_t* b) noexcept {
  return static_cast<int16_t>(static_cast<uint16_t>((b[0] << 8) | b[1]));
}
void write_be(uint8_t* b, int16_t s) noexcept {
  const auto u = static_cast<uint16_t>(s);
  b[0] = static_cast<uint8_t>(u >> 8);
  b[1] = static_cast<uint8_t>(u & 0xff);
}

class L16Decoder final : public Decoder {
 public:
  L16Decoder(uint32_t rate, uint8_t channels) : rate_(rate), channels_(channels) {}

  int decode(std::span<const uint8_t> payload, std::span<int16_t> pcm) noexcept override {
    const size_t frame_bytes = size_t{2} * channels_;
    if (payload.size() % frame_bytes != 0) return -1;
    const size_t n = payload.size() / frame_bytes;
    if (n > pcm.size()) return -1;
    const uint8_t* b = payload.data();
    if (channels_ == 1) {
      for (size_t i = 0; i < n; ++i) pcm[i] = read_be(b + 2 * i);
    } else {
      for (size_t i = 0; i < n; ++i) {
        const int sum = read_be(b + 4 * i) + read_be(b + 4 * i + 2);
        pcm[i] = static_cast<int16_t>(sum / 2);
      }
    }
    return static_cast<int>(n);
  }
  int conceal(uint32_t, std::span<int16_t>) noexcept override { return -1; }
  uint32_t sample_rate() const noexcept override { return rate_; }

 private:
  uint32_t rate_;
  uint8_t channels_;
};

class L16Encoder final : public Encoder {
 public:
  L16Encoder(uint32_t rate, uint8_t channels, uint32_t frame)
      : rate_(rate), channels_(channels), frame_(frame) {}

  int encode(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept override {
    const size_t bytes = size_t{frame_} * 2 * channels_;
    if (pcm.size() != frame_ || out.size() < bytes) return -1;
    uint8_t* b = out.data();
    for (size_t i = 0; i < frame_; ++i) {
      for (uint8_t c = 0; c < channels_; ++c) write_be(b + 2 * (i * channels_ + c), pcm[i]);
    }
    return static_cast<int>(bytes);
  }
  uint32_t sample_rate() const noexcept override { return rate_; }
  uint32_t frame_samples() const noexcept override { return frame_; }

 private:
  uint32_t rate_;
  uint8_t channels_;
  uint32_t frame_;
};

std::string name(uint32_t rate, uint8_t channels) {
  return "L16/" + std::to_string(rate) + "/" + std::to_string(channels);
}

bool check(uint32_t rate, uint8_t channels, const CodecParams& p, std::string* error) {
  if (rate == 0 || (channels != 1 && channels != 2)) {
    *error = name(rate, channels) + ": unsupported rate or channel count";
    return false;
  }
  if (p.sample_rate != 0 && p.sample_rate != rate) {
    *error = name(rate, channels) + ": sample rate " + std::to_string(p.sample_rate) +
             " is not supported (only " + std::to_string(rate) + ")";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<Decoder> make_l16_decoder(uint32_t rate, uint8_t channels, const CodecParams& p,
                                          std::string* error) {
  if (!check(rate, channels, p, error)) return nullptr;
  return std::make_unique<L16Decoder>(rate, channels);
}

std::unique_ptr<Encoder> make_l16_encoder(uint32_t rate, uint8_t channels, const CodecParams& p,
                                          std::string* error) {
  if (!check(rate, channels, p, error)) return nullptr;
  const uint32_t ptime = p.ptime_ms == 0 ? 20 : p.ptime_ms;
  if (ptime > kMaxPtimeMs || uint64_t{rate} * ptime % 1000 != 0) {
    *error = name(rate, channels) + ": ptime " + std::to_string(ptime) +
             " ms is not within 1..200 or is not a whole number of samples";
    return nullptr;
  }
  return std::make_unique<L16Encoder>(rate, channels, rate * ptime / 1000);
}

}  // namespace rtpx::codecs
