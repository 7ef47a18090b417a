#include "codecs/opus/opus_codec.hpp"

#include <opus.h>

#include <algorithm>
#include <climits>

namespace rtpx::codecs {
namespace {

constexpr uint32_t kDefaultRate = 48000;
constexpr uint32_t kMaxFrameMs = 120;  // longest opus packet (RFC 6716 3.2.5)

// Whether the first frame of a SILK or hybrid packet carries LBRR (in-band FEC) data: what
// opus_packet_has_lbrr() of libopus 1.5 does. The SILK layer starts its range coder with one
// equiprobable VAD bit per 20 ms SILK frame and then the LBRR flag (per channel), and a fresh
// range coder's equiprobable bits are the first byte's top bits.
bool has_lbrr(std::span<const uint8_t> packet) noexcept {
  if ((packet[0] >> 3) >= 16) return false;  // TOC config 16..31: CELT only, no SILK layer
  const unsigned char* frames[48];
  opus_int16 sizes[48];
  const auto len = static_cast<opus_int32>(packet.size());
  if (opus_packet_parse(packet.data(), len, nullptr, frames, sizes, nullptr) <= 0 || sizes[0] == 0)
    return false;
  const int silk_frames =
      std::max(1, opus_packet_get_samples_per_frame(packet.data(), 48000) / 960);
  const uint8_t b = frames[0][0];
  bool lbrr = (b >> (7 - silk_frames)) & 1;
  if (opus_packet_get_nb_channels(packet.data()) == 2)
    lbrr = lbrr || ((b >> (6 - 2 * silk_frames)) & 1);
  return lbrr;
}

bool opus_rate(uint32_t r) {
  return r == 8000 || r == 12000 || r == 16000 || r == 24000 || r == 48000;
}

bool resolve_rate(const CodecParams& p, uint32_t* rate, std::string* error) {
  *rate = p.sample_rate == 0 ? kDefaultRate : p.sample_rate;
  if (opus_rate(*rate)) return true;
  *error = "opus: sample rate " + std::to_string(p.sample_rate) +
           " is not one of 8000, 12000, 16000, 24000, 48000";
  return false;
}

class OpusDecoderImpl final : public Decoder {
 public:
  OpusDecoderImpl(OpusDecoder* d, uint32_t rate) : d_(d), rate_(rate) {}
  ~OpusDecoderImpl() override { opus_decoder_destroy(d_); }
  OpusDecoderImpl(const OpusDecoderImpl&) = delete;
  OpusDecoderImpl& operator=(const OpusDecoderImpl&) = delete;

  int decode(std::span<const uint8_t> payload, std::span<int16_t> pcm) noexcept override {
    // An empty payload would make libopus conceal instead: not a packet that decodes.
    if (payload.empty() || payload.size() > INT_MAX) return -1;
    const int n = opus_decode(d_, payload.data(), static_cast<opus_int32>(payload.size()),
                              pcm.data(), capacity(pcm), 0);
    return n < 0 ? -1 : n;
  }

  int conceal(uint32_t samples, std::span<int16_t> pcm) noexcept override {
    if (samples == 0 || samples > pcm.size() || samples > max_frame()) return -1;
    const int n = opus_decode(d_, nullptr, 0, pcm.data(), static_cast<int>(samples), 0);
    return n < 0 ? -1 : n;
  }

  int decode_fec(std::span<const uint8_t> next_payload, uint32_t samples,
                 std::span<int16_t> pcm) noexcept override {
    if (next_payload.empty() || next_payload.size() > INT_MAX) return -1;
    if (samples == 0 || samples > pcm.size() || samples > max_frame()) return -1;
    // Without LBRR data libopus would only conceal: say so, the caller conceals.
    if (!has_lbrr(next_payload)) return -1;
    const int n = opus_decode(d_, next_payload.data(), static_cast<opus_int32>(next_payload.size()),
                              pcm.data(), static_cast<int>(samples), 1);
    return n < 0 ? -1 : n;
  }

  uint32_t sample_rate() const noexcept override { return rate_; }

 private:
  uint32_t max_frame() const noexcept { return rate_ / 1000 * kMaxFrameMs; }
  int capacity(std::span<int16_t> pcm) const noexcept {
    return static_cast<int>(std::min<size_t>(pcm.size(), max_frame()));
  }

  OpusDecoder* d_;
  uint32_t rate_;
};

class OpusEncoderImpl final : public Encoder {
 public:
  OpusEncoderImpl(OpusEncoder* e, uint32_t rate, uint32_t frame, bool dtx)
      : e_(e), rate_(rate), frame_(frame), dtx_(dtx) {}
  ~OpusEncoderImpl() override { opus_encoder_destroy(e_); }
  OpusEncoderImpl(const OpusEncoderImpl&) = delete;
  OpusEncoderImpl& operator=(const OpusEncoderImpl&) = delete;

  int encode(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept override {
    if (pcm.size() != frame_ || out.empty()) return -1;
    const auto cap = static_cast<opus_int32>(std::min<size_t>(out.size(), INT_MAX));
    const int n = opus_encode(e_, pcm.data(), static_cast<int>(frame_), out.data(), cap);
    if (n < 0) return -1;
    // With DTX libopus marks a frame that need not be sent by returning 1 or 2 bytes (a TOC byte
    // and maybe a frame count): nothing goes on the wire for it.
    if (dtx_ && n <= 2) return 0;
    return n;
  }
  uint32_t sample_rate() const noexcept override { return rate_; }
  uint32_t frame_samples() const noexcept override { return frame_; }

 private:
  OpusEncoder* e_;
  uint32_t rate_;
  uint32_t frame_;
  bool dtx_;
};

opus_int32 max_bandwidth(uint32_t max_playback_rate) {
  if (max_playback_rate == 0) return OPUS_BANDWIDTH_FULLBAND;
  if (max_playback_rate <= 8000) return OPUS_BANDWIDTH_NARROWBAND;
  if (max_playback_rate <= 12000) return OPUS_BANDWIDTH_MEDIUMBAND;
  if (max_playback_rate <= 16000) return OPUS_BANDWIDTH_WIDEBAND;
  if (max_playback_rate <= 24000) return OPUS_BANDWIDTH_SUPERWIDEBAND;
  return OPUS_BANDWIDTH_FULLBAND;
}

}  // namespace

std::unique_ptr<Decoder> make_opus_decoder(const CodecParams& p, std::string* error) {
  uint32_t rate = 0;
  if (!resolve_rate(p, &rate, error)) return nullptr;
  int err = OPUS_OK;
  OpusDecoder* d = opus_decoder_create(static_cast<opus_int32>(rate), 1, &err);
  if (d == nullptr || err != OPUS_OK) {
    *error = std::string("opus: cannot create a decoder: ") + opus_strerror(err);
    return nullptr;
  }
  return std::make_unique<OpusDecoderImpl>(d, rate);
}

std::unique_ptr<Encoder> make_opus_encoder(const CodecParams& p, std::string* error) {
  uint32_t rate = 0;
  if (!resolve_rate(p, &rate, error)) return nullptr;
  const uint32_t ptime = p.ptime_ms == 0 ? 20 : p.ptime_ms;
  if (ptime != 10 && ptime != 20 && ptime != 40 && ptime != 60) {
    *error = "opus: ptime " + std::to_string(ptime) + " ms is not one of 10, 20, 40, 60";
    return nullptr;
  }
  if (p.bitrate != 0 && (p.bitrate < 6000 || p.bitrate > 510000)) {
    *error = "opus: bitrate " + std::to_string(p.bitrate) + " is not within 6000..510000";
    return nullptr;
  }
  const int complexity = p.complexity < 0 ? kOpusDefaultComplexity : p.complexity;
  if (complexity > 10) {
    *error = "opus: complexity " + std::to_string(p.complexity) + " is not within 0..10";
    return nullptr;
  }
  int err = OPUS_OK;
  OpusEncoder* e =
      opus_encoder_create(static_cast<opus_int32>(rate), 1, OPUS_APPLICATION_VOIP, &err);
  if (e == nullptr || err != OPUS_OK) {
    *error = std::string("opus: cannot create an encoder: ") + opus_strerror(err);
    return nullptr;
  }
  auto impl = std::make_unique<OpusEncoderImpl>(e, rate, rate * ptime / 1000, p.dtx);
  const bool ok =
      (p.bitrate == 0 ||
       opus_encoder_ctl(e, OPUS_SET_BITRATE(static_cast<opus_int32>(p.bitrate))) == OPUS_OK) &&
      opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(complexity)) == OPUS_OK &&
      opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(p.fec ? 1 : 0)) == OPUS_OK &&
      (!p.fec || opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(kOpusFecLossPercent)) == OPUS_OK) &&
      opus_encoder_ctl(e, OPUS_SET_DTX(p.dtx ? 1 : 0)) == OPUS_OK &&
      opus_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(max_bandwidth(p.max_playback_rate))) == OPUS_OK;
  if (!ok) {
    *error = "opus: the encoder refused its settings";
    return nullptr;
  }
  return impl;
}

}  // namespace rtpx::codecs
