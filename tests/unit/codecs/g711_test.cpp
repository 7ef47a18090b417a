// G.711 against ITU-T G.711 (11/88) tables 1a/2a: decoder output values per segment, the
// encoder's decision intervals, and exhaustive properties over every int16 sample and every
// code word.
//
// Units: the tables give mu-law values on a 14-bit scale (max 8031) and A-law values on a 13-bit
// scale (max 4032); 16-bit linear PCM is those times 4 and 8 respectively.

#include "codecs/g711/g711.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace rtpx::codecs {
namespace {

constexpr int kMinPcm = -32768;
constexpr int kMaxPcm = 32767;

// Quantisation step (16-bit units) of the segment a code word belongs to.
int ulaw_step(uint8_t code) {
  return 8 << ((~code >> 4) & 7);
}
int alaw_step(uint8_t code) {
  const int seg = ((code ^ 0x55) >> 4) & 7;
  return seg == 0 ? 16 : 16 << (seg - 1);
}

struct Known {
  uint8_t code;
  int value;  // table units
};

// ---- known values ---------------------------------------------------------------------------

TEST(G711Ulaw, DecoderOutputValuesFromTheTable) {
  // First and last output of each positive segment, then their negative twins.
  const Known table[] = {
      {0xff, 0},    {0xfe, 2},    {0xf0, 30},   {0xef, 33},    {0xe0, 93},    {0xdf, 99},
      {0xd0, 219},  {0xcf, 231},  {0xc0, 471},  {0xbf, 495},   {0xb0, 975},   {0xaf, 1023},
      {0xa0, 1983}, {0x9f, 2079}, {0x90, 3999}, {0x8f, 4191},  {0x80, 8031},  {0x7f, 0},
      {0x7e, -2},   {0x6f, -33},  {0x5f, -99},  {0x0f, -4191}, {0x00, -8031},
  };
  for (const Known& k : table)
    EXPECT_EQ(ulaw_to_linear(k.code), k.value * 4) << std::hex << int{k.code};
}

TEST(G711Alaw, DecoderOutputValuesFromTheTable) {
  // Even bits inverted (XOR 0x55); sign bit 1 = positive.
  const Known table[] = {
      {0xd5, 1},   {0xd4, 3},   {0xda, 31},  {0xc5, 33},    {0xca, 63},    {0xf5, 66},
      {0xe5, 132}, {0x95, 264}, {0x85, 528}, {0xb5, 1056},  {0xa5, 2112},  {0xaa, 4032},
      {0x55, -1},  {0x54, -3},  {0x45, -33}, {0x25, -2112}, {0x2a, -4032},
  };
  for (const Known& k : table)
    EXPECT_EQ(alaw_to_linear(k.code), k.value * 8) << std::hex << int{k.code};
}

TEST(G711Ulaw, EncoderKnownValues) {
  EXPECT_EQ(linear_to_ulaw(0), 0xff);
  EXPECT_EQ(linear_to_ulaw(kMaxPcm), 0x80);
  EXPECT_EQ(linear_to_ulaw(kMinPcm), 0x00);
  EXPECT_EQ(linear_to_ulaw(-1), 0x7f);  // -0.25 on the 14-bit scale: negative first interval
  EXPECT_EQ(linear_to_ulaw(-4), 0x7e);
  EXPECT_EQ(linear_to_ulaw(100), 0xf2);  // 25 on the 14-bit scale: interval [25, 27) -> 26
  EXPECT_EQ(linear_to_ulaw(-100), 0x72);
  EXPECT_EQ(linear_to_ulaw(1000), 0xce);  // 250: segment [223, 479), step 16 -> 0x31
  EXPECT_EQ(linear_to_ulaw(-1000), 0x4e);
  EXPECT_EQ(linear_to_ulaw(32635), 0x80);  // last value before overload
  EXPECT_EQ(linear_to_ulaw(-32635), 0x00);
}

TEST(G711Ulaw, EncoderDecisionValuesOfTheFirstSegments) {
  // 14-bit decision values 1, 3, 5 ... 31 | 35 ...: times 4 in 16-bit.
  EXPECT_EQ(linear_to_ulaw(3), 0xff);
  EXPECT_EQ(linear_to_ulaw(4), 0xfe);
  EXPECT_EQ(linear_to_ulaw(11), 0xfe);
  EXPECT_EQ(linear_to_ulaw(12), 0xfd);
  EXPECT_EQ(linear_to_ulaw(123), 0xf0);  // 30.75: last interval of segment 0
  EXPECT_EQ(linear_to_ulaw(124), 0xef);  // 31: first of segment 1
  EXPECT_EQ(linear_to_ulaw(139), 0xef);
  EXPECT_EQ(linear_to_ulaw(140), 0xee);  // 35
}

TEST(G711Alaw, EncoderKnownValues) {
  EXPECT_EQ(linear_to_alaw(0), 0xd5);
  EXPECT_EQ(linear_to_alaw(kMaxPcm), 0xaa);
  EXPECT_EQ(linear_to_alaw(kMinPcm), 0x2a);
  EXPECT_EQ(linear_to_alaw(1000), 0xfa);  // 125 on the 13-bit scale: segment [64, 128), step 4
  EXPECT_EQ(linear_to_alaw(-1000), 0x7a);
  EXPECT_EQ(linear_to_alaw(15), 0xd5);  // 13-bit 1: interval [0, 2)
  EXPECT_EQ(linear_to_alaw(16), 0xd4);  // 13-bit 2: interval [2, 4)
  EXPECT_EQ(linear_to_alaw(-1), 0x55);
  EXPECT_EQ(linear_to_alaw(255), 0xda);  // 31: last interval of segment 0
  EXPECT_EQ(linear_to_alaw(256), 0xc5);  // 32: first of segment 1
}

// ---- exhaustive properties ------------------------------------------------------------------

TEST(G711Ulaw, RoundTripErrorWithinHalfAStepForEverySample) {
  int worst_in_range = 0;
  for (int x = kMinPcm; x <= kMaxPcm; ++x) {
    const uint8_t code = linear_to_ulaw(static_cast<int16_t>(x));
    const int y = ulaw_to_linear(code);
    const int err = std::abs(y - x);
    const int step = ulaw_step(code);
    if (std::abs(x) <= 32635) {
      ASSERT_LE(err, step / 2) << "x=" << x << " code=" << int{code} << " y=" << y;
      if (err > worst_in_range) worst_in_range = err;
    } else {
      // Overload: clipped to the largest output, still within one step.
      ASSERT_EQ(std::abs(y), 32124) << x;
      ASSERT_LE(err, step) << x;
    }
    ASSERT_TRUE((x > 0 && y >= 0) || (x < 0 && y <= 0) || x == 0) << "sign flipped at " << x;
  }
  EXPECT_EQ(worst_in_range, 512);  // half of the last segment's step (1024)
}

TEST(G711Alaw, RoundTripErrorWithinHalfAStepForEverySample) {
  for (int x = kMinPcm; x <= kMaxPcm; ++x) {
    const uint8_t code = linear_to_alaw(static_cast<int16_t>(x));
    const int y = alaw_to_linear(code);
    ASSERT_LE(std::abs(y - x), alaw_step(code) / 2)
        << "x=" << x << " code=" << int{code} << " y=" << y;
    ASSERT_TRUE((x >= 0 && y > 0) || (x < 0 && y < 0)) << "sign flipped at " << x;
  }
}

TEST(G711Ulaw, EncoderIsMonotonic) {
  int prev = ulaw_to_linear(linear_to_ulaw(static_cast<int16_t>(kMinPcm)));
  for (int x = kMinPcm + 1; x <= kMaxPcm; ++x) {
    const int y = ulaw_to_linear(linear_to_ulaw(static_cast<int16_t>(x)));
    ASSERT_GE(y, prev) << x;
    prev = y;
  }
}

TEST(G711Alaw, EncoderIsMonotonic) {
  int prev = alaw_to_linear(linear_to_alaw(static_cast<int16_t>(kMinPcm)));
  for (int x = kMinPcm + 1; x <= kMaxPcm; ++x) {
    const int y = alaw_to_linear(linear_to_alaw(static_cast<int16_t>(x)));
    ASSERT_GE(y, prev) << x;
    prev = y;
  }
}

TEST(G711Ulaw, DecodeIsStrictlyMonotonicInEachSignHalf) {
  // Positive half 0x80..0xff: largest magnitude first.
  for (int c = 0x80; c < 0xff; ++c)
    EXPECT_GT(ulaw_to_linear(static_cast<uint8_t>(c)), ulaw_to_linear(static_cast<uint8_t>(c + 1)))
        << std::hex << c;
  // Negative half 0x00..0x7f: most negative first.
  for (int c = 0x00; c < 0x7f; ++c)
    EXPECT_LT(ulaw_to_linear(static_cast<uint8_t>(c)), ulaw_to_linear(static_cast<uint8_t>(c + 1)))
        << std::hex << c;
  EXPECT_GE(ulaw_to_linear(0x80), 0);
  EXPECT_LE(ulaw_to_linear(0x7f), 0);
}

TEST(G711Alaw, DecodeIsStrictlyMonotonicInEachSignHalf) {
  // Magnitude order is the code with the even-bit inversion undone.
  for (int i = 0; i < 127; ++i) {
    const auto pos = [](int k) { return alaw_to_linear(static_cast<uint8_t>(k ^ 0xd5)); };
    const auto neg = [](int k) { return alaw_to_linear(static_cast<uint8_t>(k ^ 0x55)); };
    EXPECT_LT(pos(i), pos(i + 1)) << i;
    EXPECT_GT(neg(i), neg(i + 1)) << i;
    EXPECT_GT(pos(i), 0);
    EXPECT_LT(neg(i), 0);
  }
}

TEST(G711, DecodeIsSymmetricInTheSignBit) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    EXPECT_EQ(ulaw_to_linear(code), -ulaw_to_linear(code ^ 0x80)) << c;
    EXPECT_EQ(alaw_to_linear(code), -alaw_to_linear(code ^ 0x80)) << c;
  }
}

TEST(G711, EveryCodeWordSurvivesDecodeThenEncode) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    EXPECT_EQ(linear_to_alaw(alaw_to_linear(code)), code) << c;
    // mu-law has two zeros; the encoder produces the positive one.
    EXPECT_EQ(linear_to_ulaw(ulaw_to_linear(code)), code == 0x7f ? 0xff : code) << c;
  }
}

TEST(G711, EveryCodeWordIsReachable) {
  std::array<bool, 256> ulaw{}, alaw{};
  for (int x = kMinPcm; x <= kMaxPcm; ++x) {
    ulaw[linear_to_ulaw(static_cast<int16_t>(x))] = true;
    alaw[linear_to_alaw(static_cast<int16_t>(x))] = true;
  }
  for (int c = 0; c < 256; ++c) {
    EXPECT_TRUE(alaw[c]) << c;
    EXPECT_TRUE(ulaw[c]) << c;  // 0x7f (negative zero) comes from -1..-3
  }
}

// ---- frames -------------------------------------------------------------------------------

TEST(G711Ulaw, FrameCallsMatchSampleCalls) {
  std::vector<int16_t> pcm(160);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>((i * 977) % 65536 - 32768);
  std::vector<uint8_t> enc(160, 0x11);
  encode_ulaw(pcm, enc);
  std::vector<int16_t> dec(160, 1);
  decode_ulaw(enc, dec);
  for (size_t i = 0; i < pcm.size(); ++i) {
    EXPECT_EQ(enc[i], linear_to_ulaw(pcm[i])) << i;
    EXPECT_EQ(dec[i], ulaw_to_linear(enc[i])) << i;
  }
}

TEST(G711Ulaw, FrameCallsNeverWritePastTheOutput) {
  const std::vector<int16_t> pcm(10, 1000);
  std::vector<uint8_t> enc(12, 0x11);
  encode_ulaw(pcm, std::span<uint8_t>(enc.data(), 4));
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(enc[i], 0xce);
  for (size_t i = 4; i < enc.size(); ++i) EXPECT_EQ(enc[i], 0x11) << i;
  std::vector<int16_t> dec(12, 7);
  decode_ulaw(enc, std::span<int16_t>(dec.data(), 3));
  for (size_t i = 3; i < dec.size(); ++i) EXPECT_EQ(dec[i], 7) << i;
}

}  // namespace
}  // namespace rtpx::codecs
