#include "codecs/g722/g722_codec.hpp"

#include <spandsp.h>

namespace rtpx::codecs {
namespace {

constexpr uint32_t kRate = 16000;
constexpr int kBitRate = 64000;
constexpr uint32_t kMaxPtimeMs = 200;

class G722Decoder final : public Decoder {
 public:
  explicit G722Decoder(g722_decode_state_t* s) : s_(s) {}
  ~G722Decoder() override { g722_decode_free(s_); }
  G722Decoder(const G722Decoder&) = delete;
  G722Decoder& operator=(const G722Decoder&) = delete;

  int decode(std::span<const uint8_t> payload, std::span<int16_t> pcm) noexcept override {
    if (payload.size() * 2 > pcm.size()) return -1;
    return g722_decode(s_, pcm.data(), payload.data(), static_cast<int>(payload.size()));
  }
  int conceal(uint32_t, std::span<int16_t>) noexcept override { return -1; }
  uint32_t sample_rate() const noexcept override { return kRate; }

 private:
  g722_decode_state_t* s_;
};

class G722Encoder final : public Encoder {
 public:
  G722Encoder(g722_encode_state_t* s, uint32_t frame) : s_(s), frame_(frame) {}
  ~G722Encoder() override { g722_encode_free(s_); }
  G722Encoder(const G722Encoder&) = delete;
  G722Encoder& operator=(const G722Encoder&) = delete;

  int encode(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept override {
    if (pcm.size() != frame_ || out.size() < frame_ / 2) return -1;
    return g722_encode(s_, out.data(), pcm.data(), static_cast<int>(frame_));
  }
  uint32_t sample_rate() const noexcept override { return kRate; }
  uint32_t frame_samples() const noexcept override { return frame_; }

 private:
  g722_encode_state_t* s_;
  uint32_t frame_;
};

bool check_rate(const CodecParams& p, std::string* error) {
  if (p.sample_rate == 0 || p.sample_rate == kRate) return true;
  *error = "G722: sample rate " + std::to_string(p.sample_rate) + " is not supported (only 16000)";
  return false;
}

}  // namespace

std::unique_ptr<Decoder> make_g722_decoder(const CodecParams& p, std::string* error) {
  if (!check_rate(p, error)) return nullptr;
  g722_decode_state_t* s = g722_decode_init(nullptr, kBitRate, 0);
  if (s == nullptr) {
    *error = "G722: cannot create a decoder";
    return nullptr;
  }
  return std::make_unique<G722Decoder>(s);
}

std::unique_ptr<Encoder> make_g722_encoder(const CodecParams& p, std::string* error) {
  if (!check_rate(p, error)) return nullptr;
  const uint32_t ptime = p.ptime_ms == 0 ? 20 : p.ptime_ms;
  if (ptime > kMaxPtimeMs) {
    *error = "G722: ptime " + std::to_string(ptime) + " ms is not within 1..200";
    return nullptr;
  }
  g722_encode_state_t* s = g722_encode_init(nullptr, kBitRate, 0);
  if (s == nullptr) {
    *error = "G722: cannot create an encoder";
    return nullptr;
  }
  return std::make_unique<G722Encoder>(s, kRate * ptime / 1000);
}

}  // namespace rtpx::codecs
