#include "tools/rtpload/media_loop.hpp"

#include <opus.h>
#include <spandsp.h>

#include "tests/unit/codecs/signal_quality.hpp"

namespace rtpload {

namespace {

constexpr int kFramesPerLoop = 50;  // one second of 20 ms frames

// One second of the codec tests' speech-like signal (a 140 Hz voice with formants and a 4 Hz
// syllable rhythm) at `rate`.
std::vector<int16_t> one_second(uint32_t rate) {
  return rtpx::codecs::test::speech_like(rate, rate);
}

}  // namespace

const std::vector<std::string>& transcode_codecs() {
  static const std::vector<std::string> k{"opus"};
  return k;
}

MediaLoop pcmu_loop() {
  MediaLoop m{"PCMU/8000", {}, 160};
  const auto pcm = one_second(8000);
  for (int f = 0; f < kFramesPerLoop; ++f) {
    std::vector<uint8_t> payload(160);
    for (size_t i = 0; i < payload.size(); ++i)
      payload[i] = linear_to_ulaw(pcm[static_cast<size_t>(f) * 160 + i]);
    m.frames.push_back(std::move(payload));
  }
  return m;
}

std::optional<MediaLoop> codec_loop(const std::string& codec, std::string& error) {
  if (codec != "opus") {
    error = "--transcode " + codec + ": not supported (only opus)";
    return std::nullopt;
  }
  constexpr int kRate = 48000, kFrame = kRate / 50;
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(kRate, 1, OPUS_APPLICATION_VOIP, &err);
  if (enc == nullptr || err != OPUS_OK) {
    error = std::string("opus_encoder_create: ") + opus_strerror(err);
    return std::nullopt;
  }
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  MediaLoop m{"opus/48000/2", {}, kFrame};
  const auto pcm = one_second(kRate);
  for (int f = 0; f < kFramesPerLoop; ++f) {
    std::vector<uint8_t> payload(1000);
    const int n = opus_encode(enc, pcm.data() + static_cast<size_t>(f) * kFrame, kFrame,
                              payload.data(), static_cast<opus_int32>(payload.size()));
    if (n <= 0) {
      error = std::string("opus_encode: ") + opus_strerror(n);
      opus_encoder_destroy(enc);
      return std::nullopt;
    }
    payload.resize(static_cast<size_t>(n));
    m.frames.push_back(std::move(payload));
  }
  opus_encoder_destroy(enc);
  return m;
}

}  // namespace rtpload
