#pragma once
// G.722 at 64 kbit/s (SpanDSP's encoder and decoder): 16000 Hz PCM, one payload byte per two
// samples. RFC 3551 keeps the RTP clock (a=rtpmap G722/8000, static payload type 9) at 8000 Hz
// for historical reasons, so a 20 ms frame is 320 samples, 160 bytes and 160 timestamp units.
// SpanDSP has no G.722 loss concealment: conceal() returns -1.

#include <memory>
#include <string>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs {

std::unique_ptr<Decoder> make_g722_decoder(const CodecParams& p, std::string* error);
std::unique_ptr<Encoder> make_g722_encoder(const CodecParams& p, std::string* error);

}  // namespace rtpx::codecs
