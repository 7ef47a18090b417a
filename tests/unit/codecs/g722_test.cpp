// G.722 (SpanDSP, 64 kbit/s) behind the codec interface: frame and payload sizes against the
// RFC 3551 mapping, signal quality after the codec's QMF delay, wideband content that narrowband
// codecs cannot carry, and the failures the decoder must return instead of writing past buffers.

#include "codecs/g722/g722_codec.hpp"

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

Pair make(uint32_t ptime = 20) {
  CodecParams p;
  p.ptime_ms = ptime;
  std::string error;
  Pair c{make_g722_encoder(p, &error), make_g722_decoder(p, &error)};
  EXPECT_TRUE(c.enc && c.dec) << error;
  return c;
}

// The QMF analysis + synthesis filters delay the output by 22 samples; searched up to 64.
constexpr int kMaxLag = 64;

TEST(G722, RegistryEntryIsRfc3551) {
  const CodecDescriptor* d = find_codec("G722", 8000);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->static_payload_type, 9);
  EXPECT_EQ(d->native_rate, 16000u);
  EXPECT_EQ(d->make_decoder, &make_g722_decoder);
  EXPECT_EQ(d->make_encoder, &make_g722_encoder);
}

TEST(G722, SixteenKilohertzPcmOneBytePerTwoSamples) {
  for (uint32_t ptime : {10u, 20u, 30u, 60u}) {
    Pair c = make(ptime);
    ASSERT_EQ(c.enc->sample_rate(), 16000u);
    ASSERT_EQ(c.dec->sample_rate(), 16000u);
    const uint32_t frame = 16 * ptime;
    ASSERT_EQ(c.enc->frame_samples(), frame);
    const auto in = test::tone(frame, 1000, 16000);
    std::vector<uint8_t> payload(frame);
    const int n = c.enc->encode(in, payload);
    EXPECT_EQ(n, int(frame / 2)) << ptime;  // 64 kbit/s: 8 bytes per ms
    std::vector<int16_t> out(frame);
    EXPECT_EQ(c.dec->decode({payload.data(), size_t(n)}, out), int(frame)) << ptime;
  }
}

TEST(G722, ToneAndSpeechSurviveAfterTheCodecDelay) {
  // G.722 at 64 kbit/s is sub-band ADPCM with 6 bits per low-band sample. Measured at a lag of
  // 22 samples: 1 kHz tone (-12 dBFS) 47.3 dB, the speech-like signal 34.3 dB. Bounds ~3 dB
  // under. A broken band split or the wrong mode gives well under 10 dB.
  struct Case {
    const char* what;
    std::vector<int16_t> in;
    double min_db;
  };
  const Case cases[] = {
      {"1 kHz tone", test::tone(16000, 1000, 16000), 44.0},
      {"speech-like", test::speech_like(16000, 16000), 31.0},
  };
  for (const Case& k : cases) {
    Pair c = make();
    const auto out = test::round_trip(*c.enc, *c.dec, k.in);
    ASSERT_EQ(out.size(), k.in.size());
    const auto snr = test::aligned_snr(k.in, out, 1600, 12000, 0, kMaxLag);
    EXPECT_GT(snr.db, k.min_db) << k.what;
    EXPECT_EQ(snr.lag, 22) << k.what;
  }
}

TEST(G722, CarriesFiveKilohertzThatNarrowbandCannot) {
  // 5 kHz is above the 4 kHz Nyquist limit of 8 kHz codecs; G.722's upper band codes 4-8 kHz
  // with 2 bits per sample (measured 21.9 dB; bound 3 dB under).
  Pair c = make();
  const auto in = test::tone(16000, 5000, 16000);
  const auto out = test::round_trip(*c.enc, *c.dec, in);
  const auto snr = test::aligned_snr(in, out, 1600, 12000, 0, kMaxLag);
  EXPECT_EQ(snr.lag, 22);
  EXPECT_GT(snr.db, 19.0);
}

TEST(G722, RefusesWhatDoesNotFit) {
  Pair c = make();
  std::vector<uint8_t> payload(160, 0x55);
  std::vector<int16_t> pcm(320);
  EXPECT_EQ(c.dec->decode(payload, {pcm.data(), 319}), -1);
  EXPECT_EQ(c.dec->decode(payload, pcm), 320);
  EXPECT_EQ(c.dec->conceal(320, pcm), -1);
  EXPECT_EQ(c.enc->encode({pcm.data(), 319}, payload), -1);
  EXPECT_EQ(c.enc->encode(pcm, {payload.data(), 159}), -1);
}

TEST(G722, AnyPayloadBytesDecodeWithinRange) {
  // Every byte is a valid G.722 code word: random bytes decode to the right number of samples.
  Pair c = make();
  std::vector<uint8_t> payload(160);
  uint32_t x = 12345;
  std::vector<int16_t> pcm(320);
  for (int round = 0; round < 50; ++round) {
    for (uint8_t& b : payload) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 24);
    ASSERT_EQ(c.dec->decode(payload, pcm), 320);
  }
}

TEST(G722, FactoryErrors) {
  CodecParams p;
  p.sample_rate = 48000;
  std::string error;
  EXPECT_EQ(make_g722_decoder(p, &error), nullptr);
  EXPECT_EQ(error, "G722: sample rate 48000 is not supported (only 16000)");
  p.sample_rate = 0;
  p.ptime_ms = 400;
  EXPECT_EQ(make_g722_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "G722: ptime 400 ms is not within 1..200");
}

}  // namespace
}  // namespace rtpx::codecs
