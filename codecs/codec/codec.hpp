#pragma once
// The one codec interface: a Decoder turns an RTP payload into 16-bit linear PCM, an Encoder
// turns PCM into a payload. PCM here is always mono, at the codec instance's sample_rate():
// a codec with two channels on the wire (opus/48000/2, L16/x/2) downmixes when decoding and sends
// the same signal on both channels when encoding. Instances are created on the control plane
// (may allocate, may fail with a message) and then used on a shard: decode, conceal and encode are
// noexcept and never allocate.

#include <cstdint>
#include <span>
#include <string_view>

namespace rtpx::codecs {

// How one codec instance is set up: from the SDP's a=rtpmap/a=fmtp, the ng `codec-set` options
// and the configuration.
struct CodecParams {
  uint32_t sample_rate = 0;  // PCM rate wanted (opus: 8000..48000); 0: the codec's own
  uint32_t ptime_ms = 20;    // frame duration the encoder is fed (opus: 10, 20, 40 or 60)
  uint8_t channels = 1;      // channels on the wire (a=rtpmap), 1 or 2
  // Opus (RFC 7587 fmtp): maxaveragebitrate, useinbandfec, usedtx, stereo, maxplaybackrate.
  uint32_t bitrate = 0;  // bits/s; 0: the codec's default
  bool fec = false;      // encoder adds in-band FEC; the decoder may use it for a lost frame
  bool dtx = false;      // encoder may send discontinuously during silence
  bool stereo = false;   // the receiver prefers stereo (fmtp stereo=1)
  uint32_t max_playback_rate = 0;  // 0: no limit
  int complexity = -1;             // opus encoder complexity 0..10; -1: the configured default
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes one payload into `pcm`. Returns the samples written (one frame, or several for a
  // payload that carries many), or -1 for a payload that does not decode (corrupt, too long for
  // `pcm`). Never writes past pcm.size().
  virtual int decode(std::span<const uint8_t> payload, std::span<int16_t> pcm) noexcept = 0;
  // Fills `samples` samples for a frame that was lost, from the codec's own loss concealment.
  // Returns the samples written, or -1 when the codec has none (the caller conceals).
  virtual int conceal(uint32_t samples, std::span<int16_t> pcm) noexcept = 0;
  // Rebuilds a lost frame of `samples` samples from the in-band FEC of the payload that follows
  // it. Returns the samples written, or -1 (no FEC in that payload, or the codec has none).
  virtual int decode_fec(std::span<const uint8_t> next_payload, uint32_t samples,
                         std::span<int16_t> pcm) noexcept {
    (void)next_payload, (void)samples, (void)pcm;
    return -1;
  }
  virtual uint32_t sample_rate() const noexcept = 0;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Encodes exactly frame_samples() samples into `out`. Returns the payload length, 0 when the
  // encoder chose to send nothing for this frame (DTX), or -1 on failure (out too small).
  virtual int encode(std::span<const int16_t> pcm, std::span<uint8_t> out) noexcept = 0;
  virtual uint32_t sample_rate() const noexcept = 0;
  virtual uint32_t frame_samples() const noexcept = 0;  // sample_rate() * ptime / 1000
};

}  // namespace rtpx::codecs
