// The codec table (order, SDP identities, lookups), ng codec specs and a=fmtp parsing; the G.711
// adapters (PCMU/PCMA have no component test of their own beyond the g711 functions); and the
// data-plane rule for every codec in the table: decode, conceal, decode_fec and encode (and the
// resampler) never allocate.

#include "codecs/codec/codec_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "codecs/g711/g711.hpp"
#include "codecs/resample/resampler.hpp"
#include "tests/unit/codecs/signal_quality.hpp"

#include "tests/common/counting_new.hpp"

namespace rtpx::codecs {
namespace {

// operator new calls made by this thread while `f` runs.
template <typename F>
uint64_t news_during(F&& f) {
  const rtpx::test::CountedRegion region;
  f();
  return region.news();
}

void escape(void* p) {
  asm volatile("" : : "g"(p) : "memory");
}

CodecParams params_for(const CodecDescriptor& d) {
  CodecParams p;
  p.channels = d.channels;
  return p;
}

// ---- the table ------------------------------------------------------------------------------

TEST(CodecTable, InPreferenceOrder) {
  std::vector<std::string> got;
  for (const CodecDescriptor& d : all_codecs())
    got.push_back(std::string(d.name) + "/" + std::to_string(d.clock_rate) + "/" +
                  std::to_string(d.channels));
  const std::vector<std::string> want = {"opus/48000/2", "G722/8000/1", "PCMU/8000/1",
                                         "PCMA/8000/1",  "L16/8000/1",  "L16/16000/1",
                                         "L16/44100/1",  "L16/44100/2", "L16/48000/1"};
  EXPECT_EQ(got, want);
}

TEST(CodecTable, Rfc3551StaticPayloadTypesAndRates) {
  struct Want {
    const char* name;
    uint32_t clock;
    uint8_t channels;
    int pt;
    uint32_t native;
    bool plc;
  };
  const Want want[] = {
      {"opus", 48000, 2, -1, 48000, true}, {"G722", 8000, 1, 9, 16000, false},
      {"PCMU", 8000, 1, 0, 8000, false},   {"PCMA", 8000, 1, 8, 8000, false},
      {"L16", 8000, 1, -1, 8000, false},   {"L16", 16000, 1, -1, 16000, false},
      {"L16", 44100, 1, 11, 44100, false}, {"L16", 44100, 2, 10, 44100, false},
      {"L16", 48000, 1, -1, 48000, false},
  };
  for (const Want& w : want) {
    const CodecDescriptor* d = find_codec(w.name, w.clock, w.channels);
    ASSERT_NE(d, nullptr) << w.name << "/" << w.clock;
    EXPECT_EQ(d->static_payload_type, w.pt) << w.name << "/" << w.clock;
    EXPECT_EQ(d->native_rate, w.native) << w.name << "/" << w.clock;
    EXPECT_EQ(d->has_plc, w.plc) << w.name << "/" << w.clock;
    EXPECT_NE(d->make_decoder, nullptr);
    EXPECT_NE(d->make_encoder, nullptr);
  }
  EXPECT_EQ(find_codec("opus", 48000)->fmtp, "");  // offered without fmtp, as rtpengine does
}

TEST(CodecTable, EveryCodecBuildsAtItsNativeRateWithDefaultParams) {
  for (const CodecDescriptor& d : all_codecs()) {
    std::string error;
    auto dec = d.make_decoder(params_for(d), &error);
    auto enc = d.make_encoder(params_for(d), &error);
    ASSERT_NE(dec, nullptr) << d.name << ": " << error;
    ASSERT_NE(enc, nullptr) << d.name << ": " << error;
    EXPECT_EQ(dec->sample_rate(), d.native_rate) << d.name;
    EXPECT_EQ(enc->sample_rate(), d.native_rate) << d.name;
    EXPECT_EQ(enc->frame_samples(), d.native_rate / 50) << d.name;  // 20 ms
  }
}

TEST(CodecTable, FixedRateCodecsRefuseAnotherPcmRate) {
  CodecParams p;
  p.sample_rate = 16000;
  std::string error;
  EXPECT_EQ(find_codec("PCMU", 8000)->make_decoder(p, &error), nullptr);
  EXPECT_EQ(error, "PCMU: sample rate 16000 is not supported (only 8000)");
  EXPECT_EQ(find_codec("PCMA", 8000)->make_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "PCMA: sample rate 16000 is not supported (only 8000)");
  p.sample_rate = 8000;
  EXPECT_EQ(find_codec("G722", 8000)->make_decoder(p, &error), nullptr);
  EXPECT_EQ(error, "G722: sample rate 8000 is not supported (only 16000)");
  EXPECT_EQ(find_codec("L16", 16000)->make_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "L16/16000/1: sample rate 8000 is not supported (only 16000)");
}

// ---- find_codec -----------------------------------------------------------------------------

TEST(FindCodec, NameIsCaseInsensitiveClockAndChannelsMustMatch) {
  EXPECT_EQ(find_codec("pcmu", 8000), find_codec("PCMU", 8000));
  EXPECT_EQ(find_codec("OPUS", 48000, 2), find_codec("opus", 48000));
  EXPECT_EQ(find_codec("g722", 8000)->native_rate, 16000u);
  EXPECT_EQ(find_codec("G722", 16000), nullptr);  // RFC 3551: G722/8000
  EXPECT_EQ(find_codec("PCMU", 16000), nullptr);
  EXPECT_EQ(find_codec("opus", 48000, 1), nullptr);
  EXPECT_EQ(find_codec("L16", 44100, 2)->static_payload_type, 10);
  EXPECT_EQ(find_codec("L16", 44100, 1)->static_payload_type, 11);
  EXPECT_EQ(find_codec("L16", 44100)->channels, 1);  // channels 0: the first that fits
  EXPECT_EQ(find_codec("GSM", 8000), nullptr);
  EXPECT_EQ(find_codec("", 8000), nullptr);
  EXPECT_EQ(find_codec("PCM", 8000), nullptr);
  EXPECT_EQ(find_codec("PCMUX", 8000), nullptr);
}

// ---- apply_fmtp ------------------------------------------------------------------------------

TEST(ApplyFmtp, OpusParameters) {
  CodecParams p;
  std::string error;
  ASSERT_TRUE(
      apply_fmtp("maxaveragebitrate=24000; useinbandfec=1; usedtx=1; stereo=1; "
                 "maxplaybackrate=16000",
                 p, &error))
      << error;
  EXPECT_EQ(p.bitrate, 24000u);
  EXPECT_TRUE(p.fec);
  EXPECT_TRUE(p.dtx);
  EXPECT_TRUE(p.stereo);
  EXPECT_EQ(p.max_playback_rate, 16000u);

  ASSERT_TRUE(apply_fmtp("useinbandfec=0;usedtx=0;stereo=0", p, &error));
  EXPECT_FALSE(p.fec);
  EXPECT_FALSE(p.dtx);
  EXPECT_FALSE(p.stereo);
  EXPECT_EQ(p.bitrate, 24000u);  // untouched
}

TEST(ApplyFmtp, SpacesOptionalKeysCaseInsensitiveUnknownIgnored) {
  CodecParams p;
  std::string error;
  ASSERT_TRUE(
      apply_fmtp("  minptime=10 ;UseInbandFEC = 1;;sprop-stereo=1; 0-15 ; "
                 "MaxAverageBitrate=6000  ",
                 p, &error))
      << error;
  EXPECT_TRUE(p.fec);
  EXPECT_EQ(p.bitrate, 6000u);
  EXPECT_FALSE(p.stereo);  // sprop-stereo is the sender's, not stereo
  EXPECT_TRUE(apply_fmtp("", p, &error));
  EXPECT_TRUE(apply_fmtp("annexb=no", p, &error));
}

TEST(ApplyFmtp, InvalidValuesNameTheKey) {
  struct Case {
    const char* fmtp;
    const char* key;
  };
  const Case cases[] = {
      {"maxaveragebitrate=5999", "maxaveragebitrate"},
      {"maxaveragebitrate=510001", "maxaveragebitrate"},
      {"maxaveragebitrate=abc", "maxaveragebitrate"},
      {"maxaveragebitrate=", "maxaveragebitrate"},
      {"maxaveragebitrate=24000x", "maxaveragebitrate"},
      {"useinbandfec=2", "useinbandfec"},
      {"usedtx=yes", "usedtx"},
      {"stereo=-1", "stereo"},
      {"maxplaybackrate=7999", "maxplaybackrate"},
      {"maxplaybackrate=96000", "maxplaybackrate"},
  };
  for (const Case& c : cases) {
    CodecParams p;
    std::string error;
    EXPECT_FALSE(apply_fmtp(c.fmtp, p, &error)) << c.fmtp;
    EXPECT_NE(error.find(c.key), std::string::npos) << c.fmtp << " -> " << error;
    EXPECT_EQ(p.bitrate, 0u) << c.fmtp;
    EXPECT_EQ(p.max_playback_rate, 0u) << c.fmtp;
  }
}

TEST(ApplyFmtp, ValidParametersApplyAndTheFirstErrorIsReported) {
  CodecParams p;
  std::string error;
  EXPECT_FALSE(apply_fmtp("useinbandfec=1; usedtx=7; maxaveragebitrate=1; stereo=1", p, &error));
  EXPECT_EQ(error, "fmtp usedtx=7: not 0 or 1");
  EXPECT_TRUE(p.fec);
  EXPECT_TRUE(p.stereo);
  EXPECT_FALSE(p.dtx);
  EXPECT_EQ(p.bitrate, 0u);
}

// ---- G.711 adapters -------------------------------------------------------------------------

TEST(G711Codec, PcmuAndPcmaMatchTheG711Functions) {
  std::vector<int16_t> pcm(160);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(i * 409 - 32768);
  for (const char* name : {"PCMU", "PCMA"}) {
    const bool mu = name[3] == 'U';
    std::string error;
    auto enc = find_codec(name, 8000)->make_encoder({}, &error);
    auto dec = find_codec(name, 8000)->make_decoder({}, &error);
    ASSERT_TRUE(enc && dec);
    uint8_t payload[160];
    ASSERT_EQ(enc->encode(pcm, payload), 160);
    int16_t out[160];
    ASSERT_EQ(dec->decode(payload, out), 160);
    for (size_t i = 0; i < 160; ++i) {
      ASSERT_EQ(payload[i], mu ? linear_to_ulaw(pcm[i]) : linear_to_alaw(pcm[i])) << name << i;
      ASSERT_EQ(out[i], mu ? ulaw_to_linear(payload[i]) : alaw_to_linear(payload[i])) << name << i;
    }
  }
}

TEST(G711Codec, ToneSnrNearTheTheoreticalLogPcmFigure) {
  // 8-bit log PCM gives ~38 dB SNR over a wide range of levels (about 6 dB per bit of the 4-bit
  // mantissa plus the companding gain). Measured: speech-like 37.5 (PCMU) / 37.1 (PCMA) dB; the
  // -12 dBFS 1 kHz tone 43.1 / 37.0 dB (at 8 kHz it repeats every 8 samples, so its error is
  // not noise-like). A broken segment or sign bit costs tens of dB.
  for (const char* name : {"PCMU", "PCMA"}) {
    std::string error;
    auto enc = find_codec(name, 8000)->make_encoder({}, &error);
    auto dec = find_codec(name, 8000)->make_decoder({}, &error);
    for (const auto& in : {test::tone(8000, 1000, 8000), test::speech_like(8000, 8000)}) {
      const auto out = test::round_trip(*enc, *dec, in);
      ASSERT_EQ(out.size(), in.size());
      const auto snr = test::aligned_snr(in, out, 0, in.size(), 0, 0);
      EXPECT_GT(snr.db, 35.0) << name;
    }
  }
}

TEST(G711Codec, AnyFrameSizeDecodesAndWrongSizesFail) {
  std::string error;
  auto dec = find_codec("PCMU", 8000)->make_decoder({}, &error);
  std::vector<uint8_t> payload(480, 0xff);
  std::vector<int16_t> pcm(480, 7);
  EXPECT_EQ(dec->decode({payload.data(), 1}, pcm), 1);
  EXPECT_EQ(dec->decode(payload, pcm), 480);
  EXPECT_EQ(dec->decode(payload, {pcm.data(), 479}), -1);  // does not fit
  EXPECT_EQ(dec->decode({}, pcm), 0);
  EXPECT_EQ(dec->conceal(160, pcm), -1);
  EXPECT_EQ(dec->decode_fec(payload, 160, pcm), -1);

  CodecParams p;
  p.ptime_ms = 30;
  auto enc = find_codec("PCMA", 8000)->make_encoder(p, &error);
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->frame_samples(), 240u);
  EXPECT_EQ(enc->encode({pcm.data(), 240}, payload), 240);
  EXPECT_EQ(enc->encode({pcm.data(), 160}, payload), -1);
  EXPECT_EQ(enc->encode({pcm.data(), 240}, {payload.data(), 239}), -1);
  p.ptime_ms = 300;
  EXPECT_EQ(find_codec("PCMA", 8000)->make_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "PCMA: ptime 300 ms is not within 1..200");
}

// ---- no allocation on the data plane ----------------------------------------------------------

TEST(NoAllocation, TheCounterSeesOperatorNew) {
  const uint64_t n = news_during([] {
    auto* v = new std::vector<int>(100);
    escape(v->data());
    delete v;
  });
  EXPECT_EQ(n, 2u);
}

TEST(NoAllocation, EncodeDecodeConcealAndFecOfEveryCodec) {
  for (const CodecDescriptor& d : all_codecs()) {
    CodecParams p = params_for(d);
    p.fec = true;
    p.dtx = true;
    std::string error;
    auto enc = d.make_encoder(p, &error);
    auto dec = d.make_decoder(p, &error);
    ASSERT_TRUE(enc && dec) << d.name << ": " << error;
    const auto in = test::speech_like(enc->frame_samples() * 20, enc->sample_rate());
    std::vector<uint8_t> payload(8000);
    std::vector<int16_t> pcm(5760);
    int results = 0;
    const uint64_t n = news_during([&] {
      for (size_t at = 0; at + enc->frame_samples() <= in.size(); at += enc->frame_samples()) {
        const int len = enc->encode({in.data() + at, enc->frame_samples()}, payload);
        results += len;
        if (len <= 0) continue;
        results += dec->decode({payload.data(), size_t(len)}, pcm);
        results += dec->conceal(enc->frame_samples(), pcm);
        results += dec->decode_fec({payload.data(), size_t(len)}, enc->frame_samples(), pcm);
      }
    });
    EXPECT_EQ(n, 0u) << d.name << "/" << d.clock_rate << "/" << int{d.channels};
    EXPECT_GT(results, 0) << d.name;
  }
}

TEST(NoAllocation, Resampler) {
  std::string error;
  auto up = Resampler::create(8000, 48000, Resampler::kDefaultQuality, &error);
  auto down = Resampler::create(48000, 8000, Resampler::kDefaultQuality, &error);
  ASSERT_TRUE(up && down);
  const auto in = test::tone(8000, 1000, 8000);
  std::vector<int16_t> mid(1000), out(200);
  size_t total = 0;
  const uint64_t n = news_during([&] {
    for (size_t at = 0; at + 160 <= in.size(); at += 160) {
      const size_t m = up->process({in.data() + at, 160}, mid);
      total += down->process({mid.data(), m}, out);
    }
  });
  EXPECT_EQ(n, 0u);
  EXPECT_GT(total, 7800u);
}

}  // namespace
}  // namespace rtpx::codecs
