// Opus (libopus) behind the codec interface: the parameters the factories accept, frame sizes at
// every PCM rate, signal quality after alignment for the codec delay, in-band FEC against plain
// concealment, DTX, bandwidth and bitrate limits, stereo packets and corrupt payloads.

#include "codecs/opus/opus_codec.hpp"

#include <gtest/gtest.h>
#include <opus.h>

#include <numeric>
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

CodecParams params(uint32_t rate, uint32_t bitrate = 32000, uint32_t ptime = 20) {
  CodecParams p;
  p.sample_rate = rate;
  p.bitrate = bitrate;
  p.ptime_ms = ptime;
  p.channels = 2;
  return p;
}

Pair make(const CodecParams& p) {
  std::string error;
  Pair c{make_opus_encoder(p, &error), make_opus_decoder(p, &error)};
  EXPECT_TRUE(c.enc && c.dec) << error;
  return c;
}

// Encodes `in` into one payload per frame.
std::vector<std::vector<uint8_t>> encode_all(Encoder& enc, std::span<const int16_t> in) {
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> buf(1500);
  const size_t f = enc.frame_samples();
  for (size_t at = 0; at + f <= in.size(); at += f) {
    const int n = enc.encode(in.subspan(at, f), buf);
    EXPECT_GE(n, 0);
    out.emplace_back(buf.begin(), buf.begin() + std::max(n, 0));
  }
  return out;
}

TEST(Opus, RegistryEntry) {
  const CodecDescriptor* d = find_codec("opus", 48000, 2);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->static_payload_type, -1);
  EXPECT_TRUE(d->has_plc);
  EXPECT_EQ(d->make_decoder, &make_opus_decoder);
  EXPECT_EQ(d->make_encoder, &make_opus_encoder);
}

TEST(Opus, FactoriesRefuseBadParameters) {
  std::string error;
  CodecParams p = params(11025);
  EXPECT_EQ(make_opus_decoder(p, &error), nullptr);
  EXPECT_EQ(error, "opus: sample rate 11025 is not one of 8000, 12000, 16000, 24000, 48000");
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "opus: sample rate 11025 is not one of 8000, 12000, 16000, 24000, 48000");

  p = params(48000);
  p.ptime_ms = 30;
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "opus: ptime 30 ms is not one of 10, 20, 40, 60");
  p.ptime_ms = 5;
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);

  p = params(48000, 5999);
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "opus: bitrate 5999 is not within 6000..510000");
  p = params(48000, 510001);
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);

  p = params(48000);
  p.complexity = 11;
  EXPECT_EQ(make_opus_encoder(p, &error), nullptr);
  EXPECT_EQ(error, "opus: complexity 11 is not within 0..10");
  for (int c : {-1, 0, 5, 10}) {
    p.complexity = c;
    EXPECT_NE(make_opus_encoder(p, &error), nullptr) << c;
  }
}

TEST(Opus, FrameSizesAtEveryRateAndPtime) {
  for (uint32_t rate : {8000u, 12000u, 16000u, 24000u, 48000u}) {
    for (uint32_t ptime : {10u, 20u, 40u, 60u}) {
      Pair c = make(params(rate, 32000, ptime));
      ASSERT_TRUE(c.enc && c.dec);
      const uint32_t frame = rate * ptime / 1000;
      EXPECT_EQ(c.enc->sample_rate(), rate);
      EXPECT_EQ(c.dec->sample_rate(), rate);
      EXPECT_EQ(c.enc->frame_samples(), frame);
      const auto in = test::speech_like(frame, rate);
      std::vector<uint8_t> payload(1500);
      const int n = c.enc->encode(in, payload);
      ASSERT_GT(n, 0) << rate << "/" << ptime;
      EXPECT_EQ(opus_packet_get_nb_samples(payload.data(), n, int(rate)), int(frame));
      std::vector<int16_t> pcm(5760);
      EXPECT_EQ(c.dec->decode({payload.data(), size_t(n)}, pcm), int(frame))
          << rate << "/" << ptime;
      EXPECT_EQ(c.enc->encode({in.data(), frame - 1}, payload), -1);
    }
  }
}

TEST(Opus, ZeroSampleRateMeans48000) {
  Pair c = make(params(0));
  EXPECT_EQ(c.enc->sample_rate(), 48000u);
  EXPECT_EQ(c.dec->sample_rate(), 48000u);
  EXPECT_EQ(c.enc->frame_samples(), 960u);
}

TEST(Opus, SignalQualityAt32kbps) {
  // Opus is a perceptual codec, so waveform SNR is modest; measured after the best lag (the
  // encoder look-ahead plus libopus's internal resampling: 6.5 ms for speech at every rate; the
  // tone's lag is ambiguous, it repeats every 1 ms):
  //   rate   1 kHz tone   speech-like
  //   48000  27.5 dB      16.4 dB
  //   16000  19.7 dB      17.6 dB
  //    8000  19.9 dB      18.3 dB
  // Bounds ~3 dB under; a wrong rate, channel count or missing alignment gives < 3 dB.
  struct Case {
    uint32_t rate;
    double tone_db, speech_db;
  };
  const Case cases[] = {{48000, 24.5, 13.0}, {16000, 16.5, 14.5}, {8000, 16.5, 15.0}};
  for (const Case& k : cases) {
    const size_t n = k.rate * 2;
    const int max_lag = int(k.rate / 1000 * 10);
    for (int sig = 0; sig < 2; ++sig) {
      Pair c = make(params(k.rate));
      const auto in = sig == 0 ? test::tone(n, 1000, k.rate) : test::speech_like(n, k.rate);
      const auto out = test::round_trip(*c.enc, *c.dec, in);
      ASSERT_EQ(out.size(), in.size());
      const auto snr = test::aligned_snr(in, out, k.rate / 4, k.rate, 0, max_lag);
      if (sig == 1) {
        EXPECT_NEAR(snr.lag, int(k.rate / 1000 * 13 / 2), 4) << k.rate;
      }
      EXPECT_GT(snr.db, sig == 0 ? k.tone_db : k.speech_db) << k.rate << " " << sig;
    }
  }
}

// Squared error of frames `lost` decoded by `fill` (FEC or PLC) against a loss-free decode.
double loss_error(const std::vector<std::vector<uint8_t>>& packets, const std::vector<size_t>& lost,
                  uint32_t frame, bool use_fec, int* fec_frames) {
  std::string error;
  auto ref = make_opus_decoder(params(16000), &error);
  auto dec = make_opus_decoder(params(16000), &error);
  std::vector<int16_t> a(frame), b(frame);
  double err = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(ref->decode(packets[i], a), int(frame));
    const bool is_lost = std::find(lost.begin(), lost.end(), i) != lost.end();
    if (!is_lost) {
      EXPECT_EQ(dec->decode(packets[i], b), int(frame));
      continue;
    }
    int n = -1;
    if (use_fec && i + 1 < packets.size()) n = dec->decode_fec(packets[i + 1], frame, b);
    if (n >= 0) ++*fec_frames;
    if (n < 0) n = dec->conceal(frame, b);
    EXPECT_EQ(n, int(frame));
    for (uint32_t j = 0; j < frame; ++j) err += double(a[j] - b[j]) * (a[j] - b[j]);
  }
  return err;
}

TEST(Opus, InbandFecRebuildsALostFrameBetterThanConcealment) {
  CodecParams p = params(16000, 32000);
  p.fec = true;
  Pair c = make(p);
  const auto in = test::speech_like(16000 * 4, 16000);
  const auto packets = encode_all(*c.enc, in);
  // Lose one frame in ~12, among those whose next packet carries FEC (the encoder sends none
  // after frames its VAD calls inactive; see the next test).
  std::vector<size_t> lost;
  std::vector<int16_t> scratch(320);
  for (size_t i = 20; i + 1 < packets.size(); ++i) {
    if ((lost.empty() || i >= lost.back() + 12) &&
        c.dec->decode_fec(packets[i + 1], 320, scratch) > 0)
      lost.push_back(i);
  }
  ASSERT_GE(lost.size(), 10u);
  int fec_frames = 0, none = 0;
  const double fec = loss_error(packets, lost, 320, true, &fec_frames);
  const double plc = loss_error(packets, lost, 320, false, &none);
  // Measured: the FEC-rebuilt frames are 19.0 dB closer to the loss-free decode than PLC's.
  EXPECT_EQ(fec_frames, int(lost.size()));
  EXPECT_EQ(none, 0);
  EXPECT_GT(10 * std::log10(plc / fec), 15.0);
}

TEST(Opus, DecodeFecIsMinusOneExactlyWhenThePacketHasNoFec) {
  // Ground truth from libopus itself: asked for FEC from a packet without LBRR data it conceals,
  // so its output equals PLC's from the same state. decode_fec must give -1 for exactly those
  // packets, for every frame length (1-3 SILK frames per packet), and always without FEC.
  const size_t opus_size = size_t(opus_decoder_get_size(1));
  for (bool fec : {true, false}) {
    for (uint32_t ptime : {10u, 20u, 40u, 60u}) {
      CodecParams p = params(16000, 32000, ptime);
      p.fec = fec;
      Pair c = make(p);
      const uint32_t f = c.enc->frame_samples();
      const auto packets = encode_all(*c.enc, test::speech_like(16000 * 2, 16000));
      std::vector<uint8_t> state(opus_size), copy(opus_size);
      auto* ref = reinterpret_cast<OpusDecoder*>(state.data());
      ASSERT_EQ(opus_decoder_init(ref, 16000, 1), OPUS_OK);
      std::vector<int16_t> a(f), b(f);
      int with_fec = 0;
      for (size_t i = 1; i < packets.size(); ++i) {
        ASSERT_EQ(opus_decode(ref, packets[i - 1].data(), int(packets[i - 1].size()), a.data(),
                              int(f), 0),
                  int(f));
        copy = state;  // libopus states are flat: a copy is a second decoder in the same state
        auto* other = reinterpret_cast<OpusDecoder*>(copy.data());
        ASSERT_EQ(opus_decode(ref, nullptr, 0, a.data(), int(f), 0), int(f));
        ASSERT_EQ(
            opus_decode(other, packets[i].data(), int(packets[i].size()), b.data(), int(f), 1),
            int(f));
        const bool libopus_has_fec = a != b;
        state = copy;  // continue from the FEC branch (either is a valid decoder state)
        const int n = c.dec->decode_fec(packets[i], f, b);
        ASSERT_EQ(n >= 0, libopus_has_fec) << "ptime " << ptime << " packet " << i;
        with_fec += libopus_has_fec;
      }
      // Measured with FEC: LBRR in 60-85 % of the packets (not after the quiet part of each
      // 250 ms syllable, which the encoder's VAD calls inactive).
      if (fec) {
        EXPECT_GT(with_fec, int(packets.size()) / 2) << ptime;
      } else {
        EXPECT_EQ(with_fec, 0) << ptime;
      }
    }
  }
}

TEST(Opus, DtxSendsNothingDuringSilence) {
  CodecParams p = params(16000, 24000);
  p.dtx = true;
  Pair dtx = make(p);
  Pair plain = make(params(16000, 24000));
  const std::vector<int16_t> silence(16000 * 2, 0);
  std::vector<size_t> with, without;
  test::round_trip(*dtx.enc, *dtx.dec, silence, &with);
  test::round_trip(*plain.enc, *plain.dec, silence, &without);
  const auto zeros = [](const std::vector<size_t>& v) {
    return std::count(v.begin(), v.end(), 0u);
  };
  // libopus still sends one frame every 400 ms of silence (and the first ones): measured 86 of
  // 100 empty.
  EXPECT_GT(zeros(with), long(with.size() * 3 / 4));
  EXPECT_EQ(zeros(without), 0);
  // Speech is sent.
  std::vector<size_t> speech;
  test::round_trip(*dtx.enc, *dtx.dec, test::speech_like(16000, 16000), &speech);
  EXPECT_EQ(zeros(speech), 0);
}

TEST(Opus, MaxPlaybackRateCapsTheCodedBandwidth) {
  for (auto [rate, want] :
       {std::pair{8000u, OPUS_BANDWIDTH_NARROWBAND}, std::pair{16000u, OPUS_BANDWIDTH_WIDEBAND},
        std::pair{24000u, OPUS_BANDWIDTH_SUPERWIDEBAND}}) {
    CodecParams p = params(48000, 64000);
    p.max_playback_rate = rate;
    Pair c = make(p);
    for (const auto& pkt : encode_all(*c.enc, test::speech_like(48000, 48000)))
      ASSERT_LE(opus_packet_get_bandwidth(pkt.data()), want) << rate;
  }
  // Without a limit, 64 kbit/s of a 48 kHz signal is coded beyond wideband.
  Pair c = make(params(48000, 64000));
  const auto pkts = encode_all(*c.enc, test::speech_like(48000, 48000));
  EXPECT_GT(opus_packet_get_bandwidth(pkts.back().data()), OPUS_BANDWIDTH_WIDEBAND);
}

TEST(Opus, BitrateSetsThePayloadSize) {
  for (uint32_t bitrate : {12000u, 24000u, 64000u}) {
    Pair c = make(params(48000, bitrate));
    const auto pkts = encode_all(*c.enc, test::speech_like(48000 * 2, 48000));
    double bytes = 0;
    for (size_t i = 10; i < pkts.size(); ++i) bytes += double(pkts[i].size());
    const double kbps = bytes * 8 / (double(pkts.size() - 10) * 0.020) / 1000;
    // VBR: measured 9.1, 20.1 and 47.5 kbit/s for this signal.
    EXPECT_GT(kbps, bitrate / 1000.0 * 0.6) << bitrate;
    EXPECT_LT(kbps, bitrate / 1000.0 * 1.25) << bitrate;
  }
}

TEST(Opus, StereoPacketsDecodeToMono) {
  // opus/48000/2 lets a peer send stereo; the decoder downmixes.
  int err = 0;
  OpusEncoder* st = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
  ASSERT_EQ(err, OPUS_OK);
  opus_encoder_ctl(st, OPUS_SET_BITRATE(96000));
  const auto mono = test::tone(48000, 1000, 48000);
  std::vector<int16_t> inter(mono.size() * 2);
  for (size_t i = 0; i < mono.size(); ++i) inter[2 * i] = inter[2 * i + 1] = mono[i];
  Pair c = make(params(48000));
  std::vector<int16_t> out, pcm(960);
  uint8_t pkt[1500];
  for (size_t at = 0; at + 960 <= mono.size(); at += 960) {
    const int n = opus_encode(st, inter.data() + 2 * at, 960, pkt, sizeof pkt);
    ASSERT_GT(n, 0);
    ASSERT_EQ(opus_packet_get_nb_channels(pkt), 2);
    ASSERT_EQ(c.dec->decode({pkt, size_t(n)}, pcm), 960);
    out.insert(out.end(), pcm.begin(), pcm.end());
  }
  opus_encoder_destroy(st);
  const auto snr = test::aligned_snr(mono, out, 4800, 38400, 0, 480);
  EXPECT_GT(snr.db, 35.0);  // measured 39.1 dB at 96 kbit/s; a left-only or summed output fails
}

TEST(Opus, CorruptOrOversizedPayloadsFailCleanly) {
  Pair c = make(params(48000));
  std::vector<int16_t> pcm(5760);
  std::vector<uint8_t> payload(1500);
  const auto in = test::speech_like(2880, 48000);
  CodecParams p60 = params(48000, 32000, 60);
  Pair c60 = make(p60);
  const int n60 = c60.enc->encode(in, payload);
  ASSERT_GT(n60, 0);
  // 60 ms does not fit 20 ms of PCM.
  EXPECT_EQ(c.dec->decode({payload.data(), size_t(n60)}, {pcm.data(), 960}), -1);
  EXPECT_EQ(c.dec->decode({payload.data(), size_t(n60)}, pcm), 2880);
  EXPECT_EQ(c.dec->decode({}, pcm), -1);
  // Code 3 (arbitrary frame count) with a count of 0 frames; a truncated code-3 header.
  const uint8_t zero_frames[] = {0x03, 0x00};
  EXPECT_EQ(c.dec->decode(zero_frames, pcm), -1);
  const uint8_t truncated[] = {0x03};
  EXPECT_EQ(c.dec->decode(truncated, pcm), -1);
  // Code 2 (two frames, explicit size) whose first size exceeds the packet.
  const uint8_t too_long[] = {0x02, 0xfb, 0x01, 0x02};
  EXPECT_EQ(c.dec->decode(too_long, pcm), -1);
  // Random bytes: either refused or decoded within the buffer, never a crash (ASan watches).
  uint32_t x = 99;
  for (int round = 0; round < 2000; ++round) {
    const size_t len = 1 + (x = x * 1103515245 + 12345) % 200;
    for (size_t i = 0; i < len; ++i) payload[i] = uint8_t((x = x * 1103515245 + 12345) >> 24);
    const int n = c.dec->decode({payload.data(), len}, {pcm.data(), 960});
    ASSERT_TRUE(n == -1 || (n > 0 && n <= 960)) << n;
  }
}

TEST(Opus, ConcealAndFecArgumentChecks) {
  Pair c = make(params(16000));
  std::vector<int16_t> pcm(320);
  EXPECT_EQ(c.dec->conceal(320, pcm), 320);
  EXPECT_EQ(c.dec->conceal(160, pcm), 160);
  EXPECT_EQ(c.dec->conceal(321, pcm), -1);  // more than pcm holds
  EXPECT_EQ(c.dec->conceal(0, pcm), -1);
  EXPECT_EQ(c.dec->conceal(100, pcm), -1);  // not a multiple of 2.5 ms
  // A CELT-only packet (TOC config 31) carries no FEC.
  const uint8_t celt[] = {0xf8, 0x01, 0x02, 0x03};
  EXPECT_EQ(c.dec->decode_fec(celt, 320, pcm), -1);
  EXPECT_EQ(c.dec->decode_fec({}, 320, pcm), -1);
}

}  // namespace
}  // namespace rtpx::codecs
