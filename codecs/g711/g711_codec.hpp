#pragma once
// PCMU and PCMA (RFC 3551: G.711 mu-law and A-law, 8000 Hz, one byte per sample) behind the codec
// interface. Any frame size decodes; G.711 has no loss concealment of its own (conceal() is -1).

#include <memory>
#include <string>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs {

std::unique_ptr<Decoder> make_pcmu_decoder(const CodecParams& p, std::string* error);
std::unique_ptr<Encoder> make_pcmu_encoder(const CodecParams& p, std::string* error);
std::unique_ptr<Decoder> make_pcma_decoder(const CodecParams& p, std::string* error);
std::unique_ptr<Encoder> make_pcma_encoder(const CodecParams& p, std::string* error);

}  // namespace rtpx::codecs
