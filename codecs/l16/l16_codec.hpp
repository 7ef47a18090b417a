#pragma once
// L16 (RFC 3551 4.5.11): 16-bit signed linear PCM, big-endian, interleaved when stereo. The rate
// and channels come from the a=rtpmap (the codec descriptor), not from CodecParams: PCM is at
// `rate`, and a stereo stream is downmixed (the average of left and right) when decoding and
// carries the same signal on both channels when encoding. No loss concealment.

#include <cstdint>
#include <memory>
#include <string>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs {

std::unique_ptr<Decoder> make_l16_decoder(uint32_t rate, uint8_t channels, const CodecParams& p,
                                          std::string* error);
std::unique_ptr<Encoder> make_l16_encoder(uint32_t rate, uint8_t channels, const CodecParams& p,
                                          std::string* error);

}  // namespace rtpx::codecs
