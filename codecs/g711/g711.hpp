#pragma once
// G.711 (ITU-T G.711) mu-law (PCMU) and A-law (PCMA) conversion to and from 16-bit linear PCM.

#include <cstdint>
#include <span>

namespace rtpx::codecs {

uint8_t linear_to_ulaw(int16_t pcm) noexcept;
int16_t ulaw_to_linear(uint8_t ulaw) noexcept;
uint8_t linear_to_alaw(int16_t pcm) noexcept;
int16_t alaw_to_linear(uint8_t alaw) noexcept;

// Whole frames; out.size() must be >= in.size().
void encode_ulaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept;
void decode_ulaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept;
void encode_alaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept;
void decode_alaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept;

}  // namespace rtpx::codecs
