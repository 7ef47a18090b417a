#pragma once
// Opus (RFC 6716, RTP mapping RFC 7587: a=rtpmap opus/48000/2, dynamic payload type) on libopus.
//
// Decoder: PCM at params.sample_rate (8000, 12000, 16000, 24000 or 48000; 0: 48000), one channel
// (libopus downmixes stereo packets). conceal() is libopus's PLC, decode_fec() rebuilds a lost
// frame from the in-band FEC (LBRR) of the packet after it, and is -1 when that packet has none
// (CELT-only, or sent without FEC).
//
// Encoder: mono at params.sample_rate, OPUS_APPLICATION_VOIP, frames of 10, 20, 40 or 60 ms.
// bitrate (fmtp maxaveragebitrate, 6000..510000; 0: libopus's default for the rate), fec
// (in-band FEC tuned for 10 % loss), dtx (frames of silence are not sent: encode() returns 0),
// max_playback_rate (caps the coded bandwidth), complexity (0..10; -1: kDefaultComplexity).

#include <memory>
#include <string>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs {

// Encoder complexity when the configuration does not say: 5 rather than libopus's own default of
// 10. For VoIP speech the difference is hard to hear at 16-32 kbit/s, while the CPU is a shard's
// budget for hundreds of streams: measured at 8 kHz (all SILK) 20 ms costs ~60 us at 5 against
// ~100 us at 10 (bench/codecs, docs/benchmarks.md).
inline constexpr int kOpusDefaultComplexity = 5;
// The loss rate the encoder sizes its in-band FEC for when fec is on.
inline constexpr int kOpusFecLossPercent = 10;

std::unique_ptr<Decoder> make_opus_decoder(const CodecParams& p, std::string* error);
std::unique_ptr<Encoder> make_opus_encoder(const CodecParams& p, std::string* error);

}  // namespace rtpx::codecs
