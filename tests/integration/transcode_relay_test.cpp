// Transcoding through a real rtpxd, black box: parties in different codecs signal over the control
// socket, send real-time RTP and decode what arrives with independent codec code (libopus,
// SpanDSP's G.722, G.711 tables), checking the output stream's numbering, the signal quality,
// loss concealment, DTMF across the codec change and rtpxd's own RTCP on the legs.

#include <opus/opus.h>
#include <spandsp.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "codecs/dtmf/rfc4733.hpp"
#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtcp_report.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/rtpengine_process.hpp"
#include "tests/unit/codecs/signal_quality.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kFrame = 160;  // 20 ms at 8 kHz
using Packets = std::vector<std::vector<uint8_t>>;

std::string sdp(uint16_t port, const std::string& formats, const std::string& attrs) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP " + formats + "\r\n" + attrs + "a=ptime:20\r\n";
}
const std::string kPcmuTe =
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";
const std::string kOpusTe =
    "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 telephone-event/48000\r\na=fmtp:97 0-15\r\n";

std::vector<uint8_t> packet(uint8_t pt, uint16_t seq, uint32_t ts, std::span<const uint8_t> pay,
                            uint32_t ssrc, bool marker = false) {
  std::vector<uint8_t> p(codecs::kRtpHeaderSize + pay.size());
  codecs::write_rtp_header(p, pt, marker, seq, ts, ssrc);
  std::memcpy(p.data() + codecs::kRtpHeaderSize, pay.data(), pay.size());
  return p;
}

struct Rx {
  codecs::RtpFrame h;
  std::vector<uint8_t> payload;
};

// What has arrived at `p`, waiting up to wait_ms (recv_all counts whole milliseconds left: 2 is
// the least that reads anything).
void collect(const Phone& p, std::vector<Rx>& out, int wait_ms = 2) {
  for (auto& bytes : p.recv_all(wait_ms)) {
    codecs::RtpFrame f;
    if (!codecs::read_rtp(bytes, &f) || bytes[1] == 200) continue;  // RTCP is checked apart
    out.push_back({f, std::vector<uint8_t>(f.payload.begin(), f.payload.end())});
    out.back().h.payload = {};
  }
}

// Checks an output stream's numbering: one SSRC, sequence +1, timestamp + `step` per packet.
void expect_one_clean_stream(const std::vector<Rx>& rx, uint8_t pt, uint32_t step) {
  ASSERT_FALSE(rx.empty());
  for (size_t i = 1; i < rx.size(); ++i) {
    EXPECT_EQ(rx[i].h.payload_type, pt) << i;
    EXPECT_EQ(rx[i].h.ssrc, rx[0].h.ssrc) << i;
    EXPECT_EQ(static_cast<uint16_t>(rx[i].h.seq - rx[i - 1].h.seq), 1) << i << " of " << rx.size();
    EXPECT_EQ(rx[i].h.timestamp - rx[i - 1].h.timestamp, step) << i;
  }
}

class TranscodeRelay : public ::testing::Test {
 protected:
  TranscodeRelay() : d_(DaemonArgs{}) {}

  // Offer from A with `codec` options, answer from B; sets where each sends.
  void call(const std::string& id, const std::string& a_sdp, const json& codec,
            const std::string& b_sdp) {
    auto offer = d_.control().request(
        "session.offer", {{"call_id", id}, {"from_tag", "A"}, {"sdp", a_sdp}, {"codec", codec}});
    offer_ = offer["sdp"];
    auto answer = d_.control().request(
        "session.answer", {{"call_id", id}, {"from_tag", "A"}, {"to_tag", "B"}, {"sdp", b_sdp}});
    answer_ = answer["sdp"];
    to_b_ = media_address(offer_);
    to_a_ = media_address(answer_);
  }

  // Sends `frames` 20 ms frames in real time, A's from `a(i)` and B's from `b(i)` (empty: none),
  // collecting what arrives at each.
  template <typename FA, typename FB>
  void run(uint32_t frames, FA a, FB b) {
    const auto start = Clock::now();
    for (uint32_t i = 0; i < frames; ++i) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * i));
      for (const auto& p : a(i)) alice_.send_to(to_a_, p);
      for (const auto& p : b(i)) bob_.send_to(to_b_, p);
      collect(bob_, at_b_);
      collect(alice_, at_a_);
    }
    collect(bob_, at_b_, 400);
    collect(alice_, at_a_, 100);
  }

  json transcode_of(const std::string& id, int leg) {
    auto q = d_.control().request("session.query", {{"call_id", id}});
    return q["legs"][leg]["media"][0]["streams"][0]["transcode"];
  }

  DaemonProcess d_;
  Phone alice_, bob_;
  std::string offer_, answer_;
  net::SockAddr to_a_, to_b_;
  std::vector<Rx> at_a_, at_b_;
};

std::vector<int16_t> decode_opus(const std::vector<Rx>& rx, int rate) {
  int e = 0;
  OpusDecoder* dec = opus_decoder_create(rate, 1, &e);
  std::vector<int16_t> pcm;
  for (const Rx& r : rx) {
    int16_t buf[5760];
    const int n =
        opus_decode(dec, r.payload.data(), static_cast<int>(r.payload.size()), buf, 5760, 0);
    if (n > 0) pcm.insert(pcm.end(), buf, buf + n);
  }
  opus_decoder_destroy(dec);
  return pcm;
}

std::vector<int16_t> decode_ulaw(const std::vector<Rx>& rx) {
  std::vector<int16_t> pcm;
  for (const Rx& r : rx) {
    std::vector<int16_t> f(r.payload.size());
    codecs::decode_ulaw(r.payload, f);
    pcm.insert(pcm.end(), f.begin(), f.end());
  }
  return pcm;
}

// A's 1 kHz tone as PCMU reaches B as opus, B's speech-like signal as opus reaches A as PCMU; both
// streams are numbered by rtpxd without gaps, and rtpxd reports on each leg over RTCP.
TEST_F(TranscodeRelay, PcmuAndOpusBothWaysWithRtcpPerLeg) {
  Phone bob_rtcp;
  call("t1", sdp(alice_.port(), "0 101", kPcmuTe), {{"transcode", {"opus"}}},
       sdp(bob_.port(), "96 97", kOpusTe + "a=rtcp:" + std::to_string(bob_rtcp.port()) + "\r\n"));
  EXPECT_NE(offer_.find("m=audio " + std::to_string(to_b_.port()) + " RTP/AVP 0 96 97 101"),
            std::string::npos)
      << offer_;
  EXPECT_NE(answer_.find("RTP/AVP 0 101\r\n"), std::string::npos) << answer_;

  constexpr uint32_t kFrames = 300;  // 6 s: rtpxd's first sender report comes within 5 s
  const auto a_sig = codecs::test::tone(kFrames * kFrame, 1000, 8000);
  const auto b_sig = codecs::test::speech_like(kFrames * kFrame, 8000);
  int e = 0;
  OpusEncoder* enc = opus_encoder_create(8000, 1, OPUS_APPLICATION_VOIP, &e);
  ASSERT_EQ(e, OPUS_OK);
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  // B's own sender report, 1 s in, to rtpxd's RTCP port facing B: rtpxd's report block about B's
  // stream must echo it (LSR) with the time it held it (DLSR).
  const uint64_t b_ntp = 0xe1234567'89abcdefull;
  net::SockAddr to_b_rtcp = to_b_;
  to_b_rtcp.set_port(static_cast<uint16_t>(to_b_.port() + 1));
  Clock::time_point b_sr_sent;
  run(
      kFrames,
      [&](uint32_t i) {
        uint8_t pay[kFrame];
        codecs::encode_ulaw({a_sig.data() + i * kFrame, kFrame}, pay);
        return Packets{packet(0, static_cast<uint16_t>(i), i * kFrame, pay, 0xa)};
      },
      [&](uint32_t i) {
        if (i == 50) {
          uint8_t sr[28];
          codecs::write_sender_report({0xb, b_ntp, i * 960, i, 0}, nullptr, sr);
          bob_rtcp.send_to(to_b_rtcp, std::vector<uint8_t>(sr, sr + sizeof sr));
          b_sr_sent = Clock::now();
        }
        uint8_t pay[400];
        const int n = opus_encode(enc, b_sig.data() + i * kFrame, kFrame, pay, sizeof pay);
        return Packets{packet(96, static_cast<uint16_t>(i), i * 960,
                              {pay, static_cast<size_t>(std::max(n, 0))}, 0xb)};
      });
  opus_encoder_destroy(enc);

  EXPECT_GE(at_b_.size(), kFrames - 5) << transcode_of("t1", 0).dump();
  EXPECT_LE(at_b_.size(), kFrames);
  expect_one_clean_stream(at_b_, 96, 960);
  EXPECT_GE(at_a_.size(), kFrames - 5) << transcode_of("t1", 1).dump();
  expect_one_clean_stream(at_a_, 0, 160);
  // G.711 then opus at libopus's default bitrate: ~20 dB on the tone here; 12 dB still fails for
  // a wrong rate, missing or garbled frames (those measure below 3 dB).
  const auto heard_b = decode_opus(at_b_, 8000);
  const double to_b = codecs::test::aligned_snr(a_sig, heard_b, 1600, 8000, 0, 1200).db;
  EXPECT_GT(to_b, 12);
  // Speech-like through opus 32 kbit/s then G.711: ~16 dB in the codec tests; 9 dB is the bound.
  const auto heard_a = decode_ulaw(at_a_);
  const double to_a = codecs::test::aligned_snr(b_sig, heard_a, 1600, 8000, 0, 1200).db;
  EXPECT_GT(to_a, 9);
  std::cout << "SNR tone PCMU->opus " << to_b << " dB, speech-like opus->PCMU " << to_a << " dB\n";

  // rtpxd's own sender report towards B: its SSRC (the one B's RTP comes from), with a report
  // block about B's stream.
  bool sr = false;
  for (const auto& p : bob_rtcp.recv_all(200)) {
    if (p.size() < 52 || p[1] != 200) continue;
    sr = true;
    const uint32_t ssrc = (uint32_t{p[4]} << 24) | (uint32_t{p[5]} << 16) | (p[6] << 8) | p[7];
    EXPECT_EQ(ssrc, at_b_.front().h.ssrc);
    EXPECT_EQ(p[0] & 0x1f, 1) << "one report block";
    auto get32 = [&p](size_t at) {
      return (uint32_t{p[at]} << 24) | (uint32_t{p[at + 1]} << 16) | (p[at + 2] << 8) | p[at + 3];
    };
    EXPECT_EQ(get32(28), 0xbu);
    EXPECT_EQ(get32(44), static_cast<uint32_t>(b_ntp >> 16)) << "LSR";
    // DLSR: how long rtpxd held B's SR when it wrote this one, at most the time since B sent it.
    const double dlsr_s = get32(48) / 65536.0;
    const double since_s = std::chrono::duration<double>(Clock::now() - b_sr_sent).count();
    EXPECT_GT(dlsr_s, 0.5);
    EXPECT_LE(dlsr_s, since_s);
  }
  EXPECT_TRUE(sr) << "no sender report from rtpxd within 6 s";
  const auto stats = d_.control().request("stats");
  EXPECT_GE(stats["transcoding"]["rtcp_sent"], 1) << stats.dump();
  EXPECT_EQ(stats["transcoding"]["tx_errors"], 0) << stats.dump();
}

// 5 % of A's packets lost and some swapped on the way in: B still gets one packet every 20 ms,
// numbered without gaps, and rtpxd accounts every lost frame as concealed.
TEST_F(TranscodeRelay, LossAndReorderingLeaveNoGaps) {
  call("t2", sdp(alice_.port(), "0", "a=rtpmap:0 PCMU/8000\r\n"), {{"transcode", {"opus"}}},
       sdp(bob_.port(), "96", "a=rtpmap:96 opus/48000/2\r\n"));
  constexpr uint32_t kFrames = 150;
  const auto sig = codecs::test::tone(kFrames * kFrame, 700, 8000);
  std::vector<std::vector<uint8_t>> pkts;
  for (uint32_t i = 0; i < kFrames; ++i) {
    uint8_t pay[kFrame];
    codecs::encode_ulaw({sig.data() + i * kFrame, kFrame}, pay);
    pkts.push_back(packet(0, static_cast<uint16_t>(i), i * kFrame, pay, 0xa));
  }
  for (uint32_t i : {30u, 70u, 110u}) std::swap(pkts[i], pkts[i + 1]);
  auto lost = [](uint32_t i) { return i > 10 && i < kFrames - 5 && i % 20 == 7; };  // 6 of 150
  run(
      kFrames, [&](uint32_t i) { return lost(i) ? Packets{} : Packets{pkts[i]}; },
      [](uint32_t) { return Packets{}; });
  EXPECT_GE(at_b_.size(), kFrames - 3);  // the jitter buffer's tail may still hold a frame or two
  expect_one_clean_stream(at_b_, 96, 960);
  const json t = transcode_of("t2", 0);
  EXPECT_EQ(t["lost"], 6) << t.dump();
  EXPECT_EQ(t["fec"].get<int>() + t["concealed"].get<int>() + t["repeated"].get<int>(), 6)
      << t.dump();
  EXPECT_EQ(t["late"], 0) << t.dump();
}

// RFC 4733 digits from A cross to B's telephone-event type and clock, and are announced once each
// on the event stream.
TEST_F(TranscodeRelay, TelephoneEventsCrossTheCodecChange) {
  client::ControlClient events;
  events.connect(d_.socket_path());
  events.request("events.subscribe", {{"events", {"dtmf"}}});
  call("t3", sdp(alice_.port(), "0 101", kPcmuTe), {{"transcode", {"opus"}}},
       sdp(bob_.port(), "96 97", kOpusTe));
  const std::string digits = "15#";
  const std::vector<int16_t> quiet(kFrame, 0);
  uint8_t silence[kFrame];
  codecs::encode_ulaw(quiet, silence);
  uint16_t seq = 0;
  run(
      60,
      [&](uint32_t i) {
        Packets out{packet(0, seq++, i * kFrame, silence, 0xa)};
        // Each digit: frames 10k+5 .. 10k+12 carry its events (5 progress, 3 end), 100 ms.
        const uint32_t k = i / 10, in = i % 10;
        if (k >= 1 && k <= digits.size() && in >= 2) {
          const uint32_t start = (k * 10 + 2) * kFrame;
          const bool end = in >= 7;
          codecs::dtmf::Event ev{*codecs::dtmf::digit_code(digits[k - 1]), end, 10,
                                 static_cast<uint16_t>(end ? 800 : (in - 1) * kFrame)};
          uint8_t pay[4];
          codecs::dtmf::write_event(ev, pay);
          out.push_back(packet(101, seq++, start, pay, 0xa, in == 2));
        }
        return out;
      },
      [](uint32_t) { return Packets{}; });
  std::string seen;
  uint32_t last_ts = 0;
  size_t events_at_b = 0;
  for (const Rx& r : at_b_) {
    if (r.h.payload_type != 97) continue;
    ++events_at_b;
    auto ev = codecs::dtmf::parse_event(r.payload);
    ASSERT_TRUE(ev);
    if (seen.empty() || r.h.timestamp != last_ts) seen += codecs::dtmf::digit_char(ev->code);
    last_ts = r.h.timestamp;
    if (ev->end) {
      EXPECT_EQ(ev->duration, 800 * 6) << "8 kHz units become 48 kHz units";
    }
  }
  EXPECT_EQ(seen, digits);
  EXPECT_EQ(events_at_b, 3u * 8u);
  std::string announced;
  while (auto ev = events.next_event(std::chrono::milliseconds(500))) {
    if ((*ev)["event"] != "dtmf") continue;
    announced += (*ev)["digit"].get<std::string>();
    EXPECT_EQ((*ev)["source"], "rfc4733");
    EXPECT_EQ((*ev)["from_tag"], "A");
    EXPECT_EQ((*ev)["duration_ms"], 100);
  }
  EXPECT_EQ(announced, digits);
}

// PCMA <-> G.722 (mask PCMA, transcode G722): B hears A's tone in G.722 and A hears B's in PCMA.
TEST_F(TranscodeRelay, PcmaAndG722BothWays) {
  call("t4", sdp(alice_.port(), "8", "a=rtpmap:8 PCMA/8000\r\n"),
       {{"mask", {"PCMA"}}, {"transcode", {"G722"}}},
       sdp(bob_.port(), "9", "a=rtpmap:9 G722/8000\r\n"));
  EXPECT_NE(offer_.find("RTP/AVP 9\r\n"), std::string::npos) << offer_;
  EXPECT_NE(answer_.find("RTP/AVP 8\r\n"), std::string::npos) << answer_;
  constexpr uint32_t kFrames = 100;
  const auto a_sig = codecs::test::tone(kFrames * kFrame, 1000, 8000);
  const auto b_sig = codecs::test::tone(kFrames * 2 * kFrame, 800, 16000);
  g722_encode_state_t* enc = g722_encode_init(nullptr, 64000, 0);
  run(
      kFrames,
      [&](uint32_t i) {
        uint8_t pay[kFrame];
        for (size_t k = 0; k < kFrame; ++k) pay[k] = codecs::linear_to_alaw(a_sig[i * kFrame + k]);
        return Packets{packet(8, static_cast<uint16_t>(i), i * kFrame, pay, 0xa)};
      },
      [&](uint32_t i) {
        uint8_t pay[kFrame];
        g722_encode(enc, pay, b_sig.data() + i * 2 * kFrame, 2 * kFrame);
        return Packets{packet(9, static_cast<uint16_t>(i), i * kFrame, pay, 0xb)};
      });
  g722_encode_free(enc);
  expect_one_clean_stream(at_b_, 9, 160);  // G.722's RTP clock is 8000 (RFC 3551)
  expect_one_clean_stream(at_a_, 8, 160);
  g722_decode_state_t* dec = g722_decode_init(nullptr, 64000, 0);
  std::vector<int16_t> heard_b;
  for (const Rx& r : at_b_) {
    int16_t pcm[2 * kFrame];
    const int n = g722_decode(dec, pcm, r.payload.data(), static_cast<int>(r.payload.size()));
    heard_b.insert(heard_b.end(), pcm, pcm + n);
  }
  g722_decode_free(dec);
  std::vector<int16_t> heard_a;
  for (const Rx& r : at_a_) {
    for (uint8_t c : r.payload) heard_a.push_back(codecs::alaw_to_linear(c));
  }
  // A-law, resampling to 16 kHz and G.722 measure ~30 dB on a tone; 20 dB leaves margin and
  // still fails for any rate or framing error.
  const auto a_at_16k = codecs::test::tone(kFrames * 2 * kFrame, 1000, 16000);
  const double to_b = codecs::test::aligned_snr(a_at_16k, heard_b, 3200, 16000, 0, 200).db;
  EXPECT_GT(to_b, 20);
  const auto b_at_8k = codecs::test::tone(kFrames * kFrame, 800, 8000);
  const double to_a = codecs::test::aligned_snr(b_at_8k, heard_a, 1600, 8000, 0, 100).db;
  EXPECT_GT(to_a, 20);
  std::cout << "SNR tone PCMA->G722 " << to_b << " dB, G722->PCMA " << to_a << " dB\n";
}

// The same PCMU signals (3 s of 1 kHz tone, then 3 s of speech-like) through rtpxd and through
// rtpengine 10.5, each offered `codec: {transcode: [opus]}` with B answering opus: what B decodes
// from rtpxd must be at least as close to what A sent as what it decodes from rtpengine (3 dB of
// slack for the codecs' different bitrates and settings).
template <class Relay>
std::vector<int16_t> through(Relay& relay, const std::string& id, const std::vector<int16_t>& sig) {
  Phone a, b;
  ng::Value offer = relay.ng(ng::Dict{{"command", "offer"},
                                      {"call-id", id},
                                      {"from-tag", "A"},
                                      {"sdp", sdp(a.port(), "0", "a=rtpmap:0 PCMU/8000\r\n")},
                                      {"codec", ng::Dict{{"transcode", ng::List{"opus"}}}}});
  EXPECT_EQ(ng_str(offer, "result"), "ok") << ng_str(offer, "error-reason");
  ng::Value answer =
      relay.ng(ng::Dict{{"command", "answer"},
                        {"call-id", id},
                        {"from-tag", "A"},
                        {"to-tag", "B"},
                        {"sdp", sdp(b.port(), "96", "a=rtpmap:96 opus/48000/2\r\n")}});
  EXPECT_EQ(ng_str(answer, "result"), "ok") << ng_str(answer, "error-reason");
  const net::SockAddr to = media_address(ng_str(answer, "sdp"));
  std::vector<Rx> at_b;
  const auto start = Clock::now();
  const uint32_t frames = static_cast<uint32_t>(sig.size() / kFrame);
  for (uint32_t i = 0; i < frames; ++i) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * i));
    uint8_t pay[kFrame];
    codecs::encode_ulaw({sig.data() + i * kFrame, kFrame}, pay);
    a.send_to(to, packet(0, static_cast<uint16_t>(i), i * kFrame, pay, 0xa, i == 0));
    collect(b, at_b);
  }
  collect(b, at_b, 400);
  std::erase_if(at_b, [](const Rx& r) { return r.h.payload_type != 96; });
  EXPECT_GE(at_b.size(), frames - 5) << id;
  (void)relay.ng(ng::Dict{{"command", "delete"}, {"call-id", id}, {"from-tag", "A"}});
  return decode_opus(at_b, 8000);
}

TEST(TranscodeSideBySide, RtpxdKeepsAtLeastRtpenginesQuality) {
  auto bin = RtpengineProcess::find_binary();
  ASSERT_TRUE(bin) << "rtpengine is not installed (tools/setup installs rtpengine-daemon)";
  RtpengineProcess rtpengine(*bin, {"127.0.0.1"});
  DaemonProcess rtpxd(DaemonArgs{});
  constexpr size_t kHalf = 150 * kFrame;
  std::vector<int16_t> sig = codecs::test::tone(kHalf, 1000, 8000);
  const auto speech = codecs::test::speech_like(kHalf, 8000);
  sig.insert(sig.end(), speech.begin(), speech.end());
  const auto by_rtpxd = through(rtpxd, "side-rtpxd", sig);
  const auto by_rtpengine = through(rtpengine, "side-rtpengine", sig);
  // Each relay's delay differs: each segment is aligned on its own.
  auto snr = [&](const std::vector<int16_t>& got, size_t from) {
    return codecs::test::aligned_snr(sig, got, from + 800, kHalf - 2400, 0, 1600).db;
  };
  const double tone_x = snr(by_rtpxd, 0), tone_e = snr(by_rtpengine, 0);
  const double speech_x = snr(by_rtpxd, kHalf), speech_e = snr(by_rtpengine, kHalf);
  std::cout << "PCMU -> opus, SNR at B: tone rtpxd " << tone_x << " dB, rtpengine " << tone_e
            << " dB; speech-like rtpxd " << speech_x << " dB, rtpengine " << speech_e << " dB\n";
  RecordProperty("tone_rtpxd_db", std::to_string(tone_x));
  RecordProperty("tone_rtpengine_db", std::to_string(tone_e));
  RecordProperty("speech_rtpxd_db", std::to_string(speech_x));
  RecordProperty("speech_rtpengine_db", std::to_string(speech_e));
  EXPECT_GE(tone_x, tone_e - 3);
  EXPECT_GE(speech_x, speech_e - 3);
  EXPECT_GT(tone_e, 3)
      << "rtpengine's output must be decodable for the comparison to mean anything";
}

}  // namespace
}  // namespace rtpx::test
