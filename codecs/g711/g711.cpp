#include "codecs/g711/g711.hpp"

namespace rtpx::codecs {
namespace {
constexpr int kBias = 0x84;
constexpr int kClip = 32635;

int segment(int v) noexcept {  // position of the highest set bit among bits 7..14
  int seg = 0;
  for (int s = v >> 8; s != 0 && seg < 7; s >>= 1) ++seg;
  return seg;
}
}  // namespace

uint8_t linear_to_ulaw(int16_t pcm) noexcept {
  int v = pcm;
  const int sign = v < 0 ? 0x80 : 0;
  if (v < 0) v = -v;
  if (v > kClip) v = kClip;
  v += kBias;
  const int exp = segment(v);
  const int mant = (v >> (exp + 3)) & 0x0f;
  return static_cast<uint8_t>(~(sign | (exp << 4) | mant));
}

int16_t ulaw_to_linear(uint8_t ulaw) noexcept {
  const int u = ~ulaw & 0xff;
  const int exp = (u >> 4) & 0x07;
  const int mant = u & 0x0f;
  const int v = (((mant << 3) + kBias) << exp) - kBias;
  return static_cast<int16_t>((u & 0x80) ? -v : v);
}

uint8_t linear_to_alaw(int16_t pcm) noexcept {
  int v = pcm >> 3;  // 13-bit magnitude
  int mask;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  if (v > 0xfff) v = 0xfff;
  int seg = 0;
  for (int s = v >> 5; s != 0; s >>= 1) ++seg;
  const int aval = seg == 0 ? (v >> 1) & 0x0f : (seg << 4) | ((v >> seg) & 0x0f);
  return static_cast<uint8_t>(aval ^ mask);
}

int16_t alaw_to_linear(uint8_t alaw) noexcept {
  const int a = alaw ^ 0x55;
  int t = (a & 0x0f) << 4;
  const int seg = (a & 0x70) >> 4;
  if (seg == 0)
    t += 8;
  else if (seg == 1)
    t += 0x108;
  else
    t = (t + 0x108) << (seg - 1);
  return static_cast<int16_t>((a & 0x80) ? t : -t);
}

void encode_ulaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept {
  for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = linear_to_ulaw(in[i]);
}

void decode_ulaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept {
  for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = ulaw_to_linear(in[i]);
}

void encode_alaw(std::span<const int16_t> in, std::span<uint8_t> out) noexcept {
  for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = linear_to_alaw(in[i]);
}

void decode_alaw(std::span<const uint8_t> in, std::span<int16_t> out) noexcept {
  for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = alaw_to_linear(in[i]);
}

}  // namespace rtpx::codecs
