#pragma once
// The codecs rtpx can transcode, declared as data: one descriptor per codec with its SDP identity
// and its factories. Looked up by the control plane when it negotiates codecs and builds a
// transcoding stage; nothing registers itself at start-up.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs {

struct CodecDescriptor {
  std::string_view name;    // a=rtpmap encoding name, compared case-insensitively: "PCMU"
  uint32_t clock_rate;      // RTP clock rate in a=rtpmap (G722: 8000, opus: 48000)
  uint8_t channels;         // a=rtpmap channels (opus: 2)
  int static_payload_type;  // RFC 3551 number, or -1 for a dynamic one
  uint32_t native_rate;     // PCM rate the codec works at by default (G722: 16000)
  std::string_view fmtp;    // a=fmtp rtpx writes when it offers the codec itself ("" none)
  bool has_plc;             // the decoder conceals lost frames itself
  std::unique_ptr<Decoder> (*make_decoder)(const CodecParams& p, std::string* error);
  std::unique_ptr<Encoder> (*make_encoder)(const CodecParams& p, std::string* error);
};

// Every codec rtpx can decode and encode, in the order rtpx prefers them when it adds codecs.
std::span<const CodecDescriptor> all_codecs();

// The codec an a=rtpmap names ("PCMU", 8000, 1), or null. clock_rate 0 and channels 0 match any
// (the first such codec in the table's order).
const CodecDescriptor* find_codec(std::string_view name, uint32_t clock_rate, uint8_t channels = 0);

// Fills the opus/L16 fields of `p` from an a=fmtp value ("useinbandfec=1;
// maxaveragebitrate=24000"). Unknown parameters are ignored; returns false (with `error` naming the
// parameter) for a known one whose value is invalid.
bool apply_fmtp(std::string_view fmtp, CodecParams& p, std::string* error);

}  // namespace rtpx::codecs
