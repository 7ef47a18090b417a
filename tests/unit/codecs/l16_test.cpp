// L16 (RFC 3551 4.5.11): known bytes for the network byte order, lossless round trips at every
// rate in the table, stereo downmix and duplication, and payloads that do not decode.

#include "codecs/l16/l16_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codecs/codec/codec_registry.hpp"
#include "tests/unit/codecs/signal_quality.hpp"

namespace rtpx::codecs {
namespace {

struct Pair {
  std::unique_ptr<Encoder> enc;
  std::unique_ptr<Decoder> dec;
};

Pair make(uint32_t rate, uint8_t channels, uint32_t ptime = 20) {
  const CodecDescriptor* d = find_codec("L16", rate, channels);
  EXPECT_NE(d, nullptr) << rate << "/" << int{channels};
  if (d == nullptr) return {};
  CodecParams p;
  p.ptime_ms = ptime;
  p.channels = channels;
  std::string error;
  Pair c{d->make_encoder(p, &error), d->make_decoder(p, &error)};
  EXPECT_TRUE(c.enc && c.dec) << error;
  return c;
}

TEST(L16, BigEndianKnownAnswer) {
  Pair c = make(8000, 1, 1);  // 1 ms: 8 samples
  const std::vector<int16_t> pcm = {0x1234, -2, 0, 1, -32768, 32767, 0x00ff, -256};
  uint8_t out[16];
  ASSERT_EQ(c.enc->encode(pcm, out), 16);
  const uint8_t want[16] = {0x12, 0x34, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x01,
                            0x80, 0x00, 0x7f, 0xff, 0x00, 0xff, 0xff, 0x00};
  EXPECT_EQ(std::vector<uint8_t>(out, out + 16), std::vector<uint8_t>(want, want + 16));
  int16_t back[8];
  ASSERT_EQ(c.dec->decode(want, back), 8);
  EXPECT_EQ(std::vector<int16_t>(back, back + 8), pcm);
}

TEST(L16, StereoDuplicatesOnEncodeAndAveragesOnDecode) {
  Pair c = make(44100, 2, 10);  // 441 samples
  ASSERT_EQ(c.enc->frame_samples(), 441u);
  std::vector<int16_t> pcm(441);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(i * 149 - 30000);
  std::vector<uint8_t> payload(441 * 4);
  ASSERT_EQ(c.enc->encode(pcm, payload), 441 * 4);
  for (size_t i = 0; i < pcm.size(); ++i) {
    const auto u = static_cast<uint16_t>(pcm[i]);
    ASSERT_EQ(payload[4 * i], u >> 8) << i;
    ASSERT_EQ(payload[4 * i + 1], u & 0xff) << i;
    ASSERT_EQ(payload[4 * i + 2], u >> 8) << i;
    ASSERT_EQ(payload[4 * i + 3], u & 0xff) << i;
  }
  // Left, right -> mean (toward zero), including the extremes, which must not overflow.
  const uint8_t lr[] = {0x03, 0xe8, 0x0b, 0xb8,   // 1000, 3000 -> 2000
                        0x80, 0x00, 0x80, 0x00,   // -32768, -32768 -> -32768
                        0x7f, 0xff, 0x7f, 0xff,   // 32767, 32767 -> 32767
                        0x7f, 0xff, 0x80, 0x00,   // 32767, -32768 -> 0
                        0x00, 0x03, 0x00, 0x00,   // 3, 0 -> 1
                        0xff, 0xfd, 0x00, 0x00};  // -3, 0 -> -1
  int16_t mono[6];
  ASSERT_EQ(c.dec->decode(lr, mono), 6);
  EXPECT_EQ(std::vector<int16_t>(mono, mono + 6),
            (std::vector<int16_t>{2000, -32768, 32767, 0, 1, -1}));
}

TEST(L16, LosslessAtEveryRateOfTheTable) {
  for (const CodecDescriptor& d : all_codecs()) {
    if (d.name != "L16") continue;
    Pair c = make(d.clock_rate, d.channels);
    ASSERT_EQ(c.enc->sample_rate(), d.clock_rate);
    ASSERT_EQ(c.dec->sample_rate(), d.clock_rate);
    ASSERT_EQ(c.enc->frame_samples(), d.clock_rate / 50);
    const auto in = test::speech_like(d.clock_rate / 2, d.clock_rate);
    std::vector<size_t> sizes;
    const auto out = test::round_trip(*c.enc, *c.dec, in, &sizes);
    EXPECT_EQ(out, in) << d.clock_rate << "/" << int{d.channels};
    ASSERT_FALSE(sizes.empty());
    EXPECT_EQ(sizes[0], d.clock_rate / 50 * 2 * d.channels);
  }
}

TEST(L16, PayloadsThatDoNotDecode) {
  Pair mono = make(16000, 1);
  Pair stereo = make(44100, 2);
  std::vector<uint8_t> payload(640, 0x11);
  std::vector<int16_t> pcm(320, 7);
  EXPECT_EQ(mono.dec->decode({payload.data(), 639}, pcm), -1);  // half a sample
  EXPECT_EQ(mono.dec->decode(payload, {pcm.data(), 319}), -1);  // does not fit
  EXPECT_EQ(mono.dec->decode(payload, pcm), 320);
  EXPECT_EQ(stereo.dec->decode({payload.data(), 638}, pcm), -1);  // half a sample pair
  EXPECT_EQ(stereo.dec->decode(payload, pcm), 160);
  EXPECT_EQ(mono.dec->decode({}, pcm), 0);
  EXPECT_EQ(mono.dec->conceal(320, pcm), -1);
  // Encoder: wrong frame or too small output.
  EXPECT_EQ(mono.enc->encode({pcm.data(), 319}, payload), -1);
  EXPECT_EQ(mono.enc->encode(pcm, {payload.data(), 639}), -1);
}

TEST(L16, FactoryErrors) {
  CodecParams p;
  std::string error;
  p.ptime_ms = 25;  // 44100 * 25 ms = 1102.5 samples
  EXPECT_EQ(make_l16_encoder(44100, 1, p, &error), nullptr);
  EXPECT_EQ(error,
            "L16/44100/1: ptime 25 ms is not within 1..200 or is not a whole number of samples");
  EXPECT_NE(make_l16_encoder(48000, 1, p, &error), nullptr);
  p.ptime_ms = 20;
  p.sample_rate = 8000;
  EXPECT_EQ(make_l16_decoder(48000, 1, p, &error), nullptr);
  EXPECT_EQ(error, "L16/48000/1: sample rate 8000 is not supported (only 48000)");
  p.sample_rate = 0;
  EXPECT_EQ(make_l16_decoder(8000, 3, p, &error), nullptr);
  EXPECT_EQ(error, "L16/8000/3: unsupported rate or channel count");
}

}  // namespace
}  // namespace rtpx::codecs
