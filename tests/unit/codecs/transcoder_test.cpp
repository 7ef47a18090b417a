// The transcoding stage on its own: RTP in one codec and packet time in, RTP in another out, with
// a fake clock. Checks the output timeline (SSRC, sequence, timestamps without gaps), ptime
// conversion, loss concealment, reordering, silence, DTMF both ways and signal quality.

#include "codecs/transcode/transcoder.hpp"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "codecs/dtmf/dtmf_tone.hpp"
#include "codecs/dtmf/rfc4733.hpp"
#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs {
namespace {

constexpr int64_t kMs = 1'000'000;

const CodecDescriptor& codec(const char* name, uint32_t clock) {
  const CodecDescriptor* d = find_codec(name, clock);
  EXPECT_NE(d, nullptr) << name;
  return *d;
}

TranscoderConfig config(const char* in, uint32_t in_clock, uint8_t in_pt, const char* out,
                        uint32_t out_clock, uint8_t out_pt, uint32_t out_ptime = 20) {
  TranscoderConfig c;
  c.inputs.push_back({in_pt, &codec(in, in_clock), {}});
  c.output = &codec(out, out_clock);
  c.output_pt = out_pt;
  c.output_params.ptime_ms = out_ptime;
  c.output_params.channels = c.output->channels;
  c.ssrc = 0x11223344;
  c.first_seq = 65530;  // wraps during the tests
  c.first_ts = 0xfffff000;
  return c;
}

std::vector<int16_t> tone(size_t n, double hz, uint32_t rate, double amp = 8000,
                          size_t offset = 0) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<int16_t>(amp *
                                std::sin(2 * M_PI * hz * static_cast<double>(i + offset) / rate));
  return v;
}

std::vector<uint8_t> rtp(uint8_t pt, uint16_t seq, uint32_t ts, std::span<const uint8_t> payload,
                         bool marker = false, uint32_t ssrc = 0xabcdef01) {
  std::vector<uint8_t> p(kRtpHeaderSize + payload.size());
  write_rtp_header(p, pt, marker, seq, ts, ssrc);
  std::memcpy(p.data() + kRtpHeaderSize, payload.data(), payload.size());
  return p;
}

std::vector<uint8_t> pcmu_packet(uint16_t seq, uint32_t ts, std::span<const int16_t> pcm) {
  std::vector<uint8_t> pay(pcm.size());
  encode_ulaw(pcm, pay);
  return rtp(0, seq, ts, pay);
}

struct Out {
  RtpFrame h;
  std::vector<uint8_t> payload;
};

std::vector<Out> drain(Transcoder& t, int64_t now) {
  std::vector<Out> out;
  uint8_t buf[Transcoder::kMaxPacket];
  for (size_t n; (n = t.pull(now, buf)) != 0;) {
    RtpFrame f;
    EXPECT_TRUE(read_rtp({buf, n}, &f));
    out.push_back({f, std::vector<uint8_t>(f.payload.begin(), f.payload.end())});
    out.back().h.payload = {};
  }
  return out;
}

// Pushes `frames` 20 ms PCMU packets of `signal`, one every 20 ms of fake time (skipping the
// indices in `drop`, swapping pairs in `swap`), and collects the output, letting time run past
// the jitter buffer's delay at the end.
std::vector<Out> run_pcmu(Transcoder& t, const std::vector<int16_t>& signal, size_t frames,
                          const std::vector<size_t>& drop = {},
                          const std::vector<size_t>& swap = {}) {
  std::vector<std::vector<uint8_t>> pkts;
  for (size_t i = 0; i < frames; ++i)
    pkts.push_back(pcmu_packet(static_cast<uint16_t>(1000 + i), static_cast<uint32_t>(160 * i),
                               {signal.data() + 160 * i, 160}));
  for (size_t i : swap) std::swap(pkts[i], pkts[i + 1]);
  std::vector<Out> out;
  int64_t now = 1000 * kMs;
  for (size_t i = 0; i < frames; ++i, now += 20 * kMs) {
    if (std::find(drop.begin(), drop.end(), i) == drop.end()) t.push(pkts[i], now);
    for (Out& o : drain(t, now)) out.push_back(std::move(o));
  }
  for (int k = 0; k < 50; ++k, now += 5 * kMs)
    for (Out& o : drain(t, now)) out.push_back(std::move(o));
  return out;
}

// Best SNR (dB) of `got` against `ref` over lags 0..max_lag (codec delay).
double snr_db(const std::vector<int16_t>& ref, const std::vector<int16_t>& got, size_t max_lag,
              size_t skip = 800) {
  double best = -100;
  for (size_t lag = 0; lag <= max_lag; ++lag) {
    double sig = 0, err = 0;
    for (size_t i = skip; i + lag < got.size() && i < ref.size(); ++i) {
      const double r = ref[i], g = got[i + lag];
      sig += r * r;
      err += (r - g) * (r - g);
    }
    if (sig > 0 && err > 0) best = std::max(best, 10 * std::log10(sig / err));
  }
  return best;
}

void expect_continuous(const std::vector<Out>& out, uint32_t ts_step) {
  ASSERT_FALSE(out.empty());
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(out[i].h.seq - out[i - 1].h.seq), 1) << i;
    EXPECT_EQ(out[i].h.timestamp - out[i - 1].h.timestamp, ts_step) << i;
    EXPECT_EQ(out[i].h.ssrc, 0x11223344u);
  }
}

TEST(Transcoder, PcmuToPcmuRepacketises20To30ms) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 30), &err);
  ASSERT_NE(t, nullptr) << err;
  const auto sig = tone(160 * 60, 1000, 8000);
  const auto out = run_pcmu(*t, sig, 60);
  ASSERT_EQ(out.size(), 40u);  // 1.2 s in 30 ms packets
  expect_continuous(out, 240);
  EXPECT_TRUE(out.front().h.marker);
  EXPECT_EQ(out.front().h.seq, 65530);
  EXPECT_EQ(out.front().h.timestamp, 0xfffff000u);
  for (const Out& o : out) EXPECT_EQ(o.payload.size(), 240u);
  // G.711 in, G.711 out: the samples come through untouched.
  std::vector<int16_t> got;
  for (const Out& o : out) {
    std::vector<int16_t> pcm(o.payload.size());
    decode_ulaw(o.payload, pcm);
    got.insert(got.end(), pcm.begin(), pcm.end());
  }
  EXPECT_GT(snr_db(sig, got, 0, 0), 35);  // two G.711 quantisations of the same value: exact
  EXPECT_EQ(t->stats().frames_decoded.load(), 60u);
  EXPECT_EQ(t->stats().packets_out.load(), 40u);
}

TEST(Transcoder, LossIsConcealedWithoutTimestampGaps) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 8 /* any */, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  const auto sig = tone(160 * 50, 440, 8000);
  const auto out = run_pcmu(*t, sig, 50, {10, 11, 30});
  EXPECT_EQ(out.size(), 50u);
  expect_continuous(out, 160);
  EXPECT_EQ(t->stats().frames_lost.load(), 3u);
  EXPECT_EQ(t->stats().frames_repeated.load(), 3u);  // G.711 has no PLC: rtpx repeats
}

TEST(Transcoder, ReorderingIsPlayedInOrder) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  const auto sig = tone(160 * 50, 700, 8000);
  const auto out = run_pcmu(*t, sig, 50, {}, {5, 20, 33});
  ASSERT_EQ(out.size(), 50u);
  expect_continuous(out, 160);
  EXPECT_EQ(t->stats().frames_lost.load(), 0u);
  std::vector<int16_t> got;
  for (const Out& o : out) {
    std::vector<int16_t> pcm(o.payload.size());
    decode_ulaw(o.payload, pcm);
    got.insert(got.end(), pcm.begin(), pcm.end());
  }
  EXPECT_GT(snr_db(sig, got, 0, 0), 35);
}

TEST(Transcoder, PcmuToOpusKeepsATone) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "opus", 48000, 96, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_EQ(t->pipeline_rate(), 8000u);  // opus encodes the 8 kHz signal directly
  const auto sig = tone(160 * 100, 1000, 8000);
  const auto out = run_pcmu(*t, sig, 100);
  ASSERT_EQ(out.size(), 100u);
  expect_continuous(out, 960);  // 20 ms at the 48 kHz RTP clock
  int e = 0;
  OpusDecoder* dec = opus_decoder_create(8000, 1, &e);
  ASSERT_EQ(e, OPUS_OK);
  std::vector<int16_t> got;
  for (const Out& o : out) {
    EXPECT_EQ(o.h.payload_type, 96);
    int16_t pcm[960];
    const int n =
        opus_decode(dec, o.payload.data(), static_cast<int>(o.payload.size()), pcm, 960, 0);
    ASSERT_GT(n, 0);
    got.insert(got.end(), pcm, pcm + n);
  }
  opus_decoder_destroy(dec);
  // Opus at its default bitrate after G.711: measured ~20 dB on this tone; 12 dB leaves room for
  // encoder updates while still failing for a wrong rate, gap or garbled frame (those give < 3 dB).
  EXPECT_GT(snr_db(sig, got, 400), 12);
}

TEST(Transcoder, SilenceRestartsTheTimelineWithAMarker) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  const auto sig = tone(160 * 10, 500, 8000);
  std::vector<Out> out;
  int64_t now = 1000 * kMs;
  for (int i = 0; i < 10; ++i, now += 20 * kMs) {
    t->push(pcmu_packet(static_cast<uint16_t>(i), static_cast<uint32_t>(160 * i),
                        {sig.data() + 160 * i, 160}),
            now);
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  }
  now += 1000 * kMs;  // one second of silence (the sender sent nothing), then a new talk spurt
  for (int i = 0; i < 5; ++i, now += 20 * kMs) {
    const uint32_t ts = static_cast<uint32_t>(160 * (10 + 50 + i));
    auto p = pcmu_packet(static_cast<uint16_t>(10 + i), ts, {sig.data() + 160 * i, 160});
    if (i == 0) p[1] |= 0x80;
    t->push(p, now);
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  }
  for (int k = 0; k < 40; ++k, now += 5 * kMs)
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  ASSERT_EQ(out.size(), 15u);
  EXPECT_TRUE(out[10].h.marker);
  const uint32_t jump = out[10].h.timestamp - out[9].h.timestamp;
  EXPECT_GE(jump, 160u * 45);  // the pause shows in the timestamps, not as concealed frames
  EXPECT_EQ(t->stats().frames_lost.load(), 0u);
  EXPECT_EQ(static_cast<uint16_t>(out[10].h.seq - out[9].h.seq), 1);
}

TEST(Transcoder, TelephoneEventIsMappedOntoTheOutput) {
  std::string err;
  TranscoderConfig c = config("PCMU", 8000, 0, "opus", 48000, 96, 20);
  c.input_event_pt = 101;
  c.input_event_clock = 8000;
  c.output_event_pt = 97;
  c.output_event_clock = 48000;
  auto t = Transcoder::create(c, &err);
  ASSERT_NE(t, nullptr) << err;
  const auto sig = tone(160 * 20, 300, 8000, 2000);
  int64_t now = 1000 * kMs;
  std::vector<Out> out;
  for (int i = 0; i < 10; ++i, now += 20 * kMs) {
    t->push(pcmu_packet(static_cast<uint16_t>(i), 160u * i, {sig.data() + 160 * i, 160}), now);
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  }
  // Digit '#' (11): three progress packets and three end packets, all with timestamp 1600.
  for (int k = 0; k < 6; ++k, now += 20 * kMs) {
    dtmf::Event e{11, k >= 3, 10, static_cast<uint16_t>(k >= 3 ? 640 : 160 * (k + 1))};
    uint8_t pay[4];
    dtmf::write_event(e, pay);
    t->push(rtp(101, static_cast<uint16_t>(10 + k), 1600, pay, k == 0), now);
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  }
  std::vector<Out> events;
  for (const Out& o : out)
    if (o.h.payload_type == 97) events.push_back(o);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_TRUE(events[0].h.marker);
  for (const Out& e : events) {
    EXPECT_EQ(e.h.timestamp, events[0].h.timestamp);
    auto ev = dtmf::parse_event(e.payload);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->code, 11);
  }
  EXPECT_EQ(dtmf::parse_event(events[5].payload)->duration, 640 * 6);  // 8 kHz -> 48 kHz units
  EXPECT_TRUE(dtmf::parse_event(events[5].payload)->end);
  DtmfReport r;
  ASSERT_TRUE(t->dtmf().pop(&r));
  EXPECT_EQ(r.digit, '#');
  EXPECT_EQ(r.duration_ms, 80);
  EXPECT_FALSE(r.inband);
  EXPECT_FALSE(t->dtmf().pop(&r));  // once, whatever the end packets repeat
}

// Decodes PCMU output and runs SpanDSP's detector over it.
std::string detect_pcmu(const std::vector<Out>& out) {
  dtmf::ToneDetector det;
  std::string digits;
  for (const Out& o : out) {
    if (o.h.payload_type != 0) continue;
    std::vector<int16_t> pcm(o.payload.size());
    decode_ulaw(o.payload, pcm);
    det.feed(pcm);
    while (auto e = det.poll())
      if (e->kind == dtmf::ToneEvent::Kind::started) digits += e->digit;
  }
  return digits;
}

TEST(Transcoder, TelephoneEventBecomesInBandToneWhenTheReceiverHasNone) {
  std::string err;
  TranscoderConfig c = config("PCMU", 8000, 0, "PCMU", 8000, 0, 20);
  c.input_event_pt = 101;
  auto t = Transcoder::create(c, &err);
  ASSERT_NE(t, nullptr) << err;
  const std::vector<int16_t> quiet(160, 0);
  int64_t now = 1000 * kMs;
  std::vector<Out> out;
  uint16_t seq = 0;
  uint32_t ts = 0;
  auto audio = [&] {
    t->push(pcmu_packet(seq++, ts, quiet), now);
    ts += 160;
  };
  for (const char digit : std::string("19#")) {
    for (int i = 0; i < 5; ++i, now += 20 * kMs) {  // 100 ms of silence between digits
      audio();
      for (Out& o : drain(*t, now)) out.push_back(std::move(o));
    }
    const uint32_t start = ts;
    for (int k = 0; k < 8; ++k, now += 20 * kMs) {  // 100 ms digit, then 3 end packets
      const bool end = k >= 5;
      dtmf::Event e{*dtmf::digit_code(digit), end, 10,
                    static_cast<uint16_t>(end ? 800 : 160 * (k + 1))};
      uint8_t pay[4];
      dtmf::write_event(e, pay);
      t->push(rtp(101, seq++, start, pay, k == 0), now);
      audio();
      for (Out& o : drain(*t, now)) out.push_back(std::move(o));
    }
  }
  for (int i = 0; i < 20; ++i, now += 20 * kMs) {
    audio();
    for (Out& o : drain(*t, now)) out.push_back(std::move(o));
  }
  EXPECT_EQ(detect_pcmu(out), "19#");
  for (const Out& o : out) EXPECT_EQ(o.h.payload_type, 0);  // no telephone-event goes out
  EXPECT_EQ(t->stats().dtmf_events.load(), 3u);
}

TEST(Transcoder, InBandDigitsBecomeTelephoneEvents) {
  std::string err;
  TranscoderConfig c = config("PCMU", 8000, 0, "PCMU", 8000, 0, 20);
  c.output_event_pt = 101;
  auto t = Transcoder::create(c, &err);
  ASSERT_NE(t, nullptr) << err;
  dtmf::ToneGenerator gen;
  std::vector<int16_t> sig(160 * 100, 0);
  for (size_t at = 0; const char d : std::string("47*")) {
    gen.start(d, 100);
    gen.render({sig.data() + 800 + at, 800 + 400});
    at += 2400;
  }
  const auto out = run_pcmu(*t, sig, 100);
  std::vector<std::pair<uint32_t, std::vector<dtmf::Event>>> events;  // by event timestamp
  for (const Out& o : out) {
    if (o.h.payload_type != 101) continue;
    if (events.empty() || events.back().first != o.h.timestamp)
      events.push_back({o.h.timestamp, {}});
    events.back().second.push_back(*dtmf::parse_event(o.payload));
  }
  std::string digits;
  for (const auto& [ts, evs] : events) {
    digits += dtmf::digit_char(evs.front().code);
    EXPECT_TRUE(evs.back().end);
    EXPECT_GE(evs.back().duration, 400);  // at least 50 ms of the 100 ms tone
  }
  EXPECT_EQ(digits, "47*");
  std::string reported;
  for (DtmfReport r; t->dtmf().pop(&r);) {
    EXPECT_TRUE(r.inband);
    reported += r.digit;
  }
  EXPECT_EQ(reported, "47*");
}

TEST(Transcoder, GarbageIsCountedAndDropped) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  const uint8_t junk[] = {0x12, 0x34};
  t->push(junk, 0);
  const uint8_t bad_version[20] = {0x40};
  t->push(bad_version, 0);
  std::vector<uint8_t> unknown = rtp(99, 1, 0, std::vector<uint8_t>(160, 0xff));
  t->push(unknown, 0);
  EXPECT_EQ(t->stats().malformed.load(), 2u);
  EXPECT_EQ(t->stats().unknown_payload_type.load(), 1u);
  uint8_t buf[Transcoder::kMaxPacket];
  EXPECT_EQ(t->pull(100 * kMs, buf), 0u);
}

TEST(Transcoder, RefusesWhatItCannotBuild) {
  std::string err;
  TranscoderConfig c = config("PCMU", 8000, 0, "opus", 48000, 96, 30);  // opus has no 30 ms frame
  EXPECT_EQ(Transcoder::create(c, &err), nullptr);
  EXPECT_FALSE(err.empty());
  TranscoderConfig empty;
  EXPECT_EQ(Transcoder::create(empty, &err), nullptr);
}

}  // namespace
}  // namespace rtpx::codecs

namespace rtpx::codecs {
namespace {

uint32_t get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// RTCP for a transcoded leg: rtpx's own stream in the sender info, the party's stream (with the
// packets it lost on the way in) in the report block.
TEST(TranscoderRtcp, SenderInfoAndReceptionDescribeEachLeg) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_FALSE(t->receiving());
  const auto sig = tone(160 * 50, 440, 8000);
  const auto out = run_pcmu(*t, sig, 50, {7, 8, 9, 20});  // 4 of 50 lost on the way in
  EXPECT_TRUE(t->receiving());

  const ReceptionStats r = t->reception(0);
  EXPECT_EQ(r.ssrc, 0xabcdef01u);
  EXPECT_EQ(r.extended_max_seq, 1049u);  // sequence numbers 1000..1049
  EXPECT_EQ(r.cumulative_lost, 4u);
  EXPECT_EQ(r.fraction_lost, 4 * 256 / 50);
  EXPECT_EQ(r.lsr, 0u) << "no SR from the party yet";
  EXPECT_EQ(r.dlsr, 0u);
  EXPECT_EQ(t->reception(0).fraction_lost, 0) << "nothing new lost since the last report";

  const int64_t unix_ns = int64_t{1'700'000'000} * 1'000'000'000 + 500'000'000;
  const SenderInfo s = t->sender_info(unix_ns);
  EXPECT_EQ(s.ssrc, 0x11223344u);
  EXPECT_EQ(s.packets, out.size());
  EXPECT_EQ(s.octets, 160u * out.size());
  EXPECT_EQ(s.rtp_timestamp, 0xfffff000u + 160u * static_cast<uint32_t>(out.size()));
  EXPECT_EQ(s.ntp >> 32, 1'700'000'000ull + 2208988800ull);
  EXPECT_EQ(static_cast<uint32_t>(s.ntp), 0x80000000u);  // half a second

  uint8_t buf[kSenderReportSize];
  ASSERT_EQ(write_sender_report(s, &r, buf), kSenderReportSize);
  EXPECT_EQ(buf[0], 0x81);                // V=2, one report block
  EXPECT_EQ(buf[1], 200);                 // SR
  EXPECT_EQ((buf[2] << 8) | buf[3], 12);  // length in words minus one
  EXPECT_EQ(get32(buf + 4), 0x11223344u);
  EXPECT_EQ(get32(buf + 20), s.packets);
  EXPECT_EQ(get32(buf + 28), 0xabcdef01u);
  EXPECT_EQ(buf[32], r.fraction_lost);
  EXPECT_EQ(get32(buf + 32) & 0xffffff, 4u);
  EXPECT_EQ(get32(buf + 36), 1049u);
  EXPECT_EQ(get32(buf + 44), 0u) << "LSR";
  EXPECT_EQ(get32(buf + 48), 0u) << "DLSR";
  uint8_t small[20];
  EXPECT_EQ(write_sender_report(s, &r, small), 0u);
}

// RFC 3550 section 6.4.1: the report block's LSR is the middle 32 bits of the NTP time of the
// party's last SR, DLSR the time since it arrived in 1/65536 s; the SR is found in a compound
// packet (here after an RR), whatever comes after it.
TEST(TranscoderRtcp, ReportBlockEchoesTheLastSenderReport) {
  std::string err;
  auto t = Transcoder::create(config("PCMU", 8000, 0, "PCMU", 8000, 0, 20), &err);
  ASSERT_NE(t, nullptr) << err;
  run_pcmu(*t, tone(160 * 5, 440, 8000), 5, {});

  const uint64_t ntp = 0x0123456789abcdefull;
  uint8_t compound[8 + 28 + 8] = {0x80, 201, 0, 1, 1, 2, 3, 4};  // RR without blocks
  SenderInfo party{0xabcdef01u, ntp, 1000, 5, 800};
  ASSERT_EQ(write_sender_report(party, nullptr, {compound + 8, 28}), 28u);
  const uint8_t sdes[8] = {0x81, 202, 0, 1, 0xab, 0xcd, 0xef, 0x01};
  std::copy(std::begin(sdes), std::end(sdes), compound + 36);
  const auto found = find_sender_report_ntp(compound);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, ntp);

  const int64_t at = 7'000'000'000;
  t->on_sender_report(*found, at);
  const ReceptionStats r = t->reception(at + 1'500'000'000);  // 1.5 s later
  EXPECT_EQ(r.lsr, 0x456789abu);
  EXPECT_EQ(r.dlsr, 98304u);  // 1.5 * 65536

  EXPECT_FALSE(find_sender_report_ntp({compound, 8})) << "an RR alone";
  EXPECT_FALSE(find_sender_report_ntp({compound + 8, 20})) << "truncated SR";
  uint8_t bad[28] = {0x40, 200, 0, 6};  // version 1
  EXPECT_FALSE(find_sender_report_ntp(bad));
}

}  // namespace
}  // namespace rtpx::codecs
