// Tests for codecs/t38/fax_gateway with real fax endpoints from SpanDSP on both sides, in
// simulated time (20 ms steps): an audio fax terminal (T.30 modulated over G.711 RTP) on one
// leg, a T.38 terminal (IFPs over UDPTL) on the other, in both directions. The pages the
// receiving terminal writes must equal the sent ones pixel for pixel; with ECM on and off, V.17
// and V.29, and with packet loss on the T.38 leg repaired by UDPTL redundancy or FEC.

#include "codecs/t38/fax_gateway.hpp"

#include <gtest/gtest.h>
#include <spandsp.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "tools/faxload/fax_terminals.hpp"

namespace rtpx::codecs::t38 {
namespace {

using rtpx::testing::AudioFaxTerminal;
using rtpx::testing::FaxOptions;
using rtpx::testing::FaxResult;
using rtpx::testing::T38FaxTerminal;

constexpr int64_t kStepNs = 20'000'000;
constexpr int kSamples = 160;
constexpr int64_t kLimitNs = 300'000'000'000;  // 5 simulated minutes

struct Scenario {
  bool audio_sends = true;  // else the T.38 terminal sends and the audio terminal receives
  bool ecm = true;
  int modems = T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17;
  uint32_t gateway_modems = kDefaultModems;
  double udptl_loss = 0;  // each direction of the T.38 leg
  ErrorCorrection ec = ErrorCorrection::redundancy;
  int pages = 2;
  unsigned seed = 1234;  // of the loss pattern
};

struct Outcome {
  FaxResult sender, receiver;
  FaxProgress progress;
  bool same_pages = false;
  std::string why;
  uint64_t udptl_sent = 0;  // datagrams both ways
  uint64_t udptl_dropped = 0;
  uint64_t recovered = 0;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/faxgw_XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d != nullptr) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return path_ + "/" + name; }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

// Runs one fax through the gateway: audio terminal <-> RTP <-> gateway <-> UDPTL <-> T.38
// terminal. The T.38 terminal's UDPTL framing is rtpx's too (UdptlSender / UdptlReceiver).
Outcome run_fax(const Scenario& sc) {
  Outcome out;
  TempDir dir;
  EXPECT_TRUE(dir.ok());
  const std::string sent = dir.file("sent.tif"), received = dir.file("received.tif");
  rtpx::testing::write_test_tiff(sent, sc.pages);

  FaxOptions audio_opt, t38_opt;
  audio_opt.ecm = t38_opt.ecm = sc.ecm;
  audio_opt.supported_modems = t38_opt.supported_modems = sc.modems;
  // The sender dials (a receiver that dials would have to poll).
  audio_opt.calling = sc.audio_sends;
  t38_opt.calling = !sc.audio_sends;
  (sc.audio_sends ? audio_opt.tiff_send : audio_opt.tiff_receive) =
      sc.audio_sends ? sent : received;
  (sc.audio_sends ? t38_opt.tiff_receive : t38_opt.tiff_send) = sc.audio_sends ? received : sent;
  audio_opt.ident = "rtpx audio";
  t38_opt.ident = "rtpx t38";

  FaxGatewayConfig gc;
  gc.ssrc = 0x51ab;
  gc.ecm = sc.ecm;
  gc.modems = sc.gateway_modems;
  gc.udptl.mode = sc.ec;
  gc.udptl.redundancy = 3;
  gc.udptl.max_datagram = 400;
  std::string error;
  auto gw = FaxGateway::create(gc, &error);
  EXPECT_NE(gw, nullptr) << error;
  if (gw == nullptr) return out;

  // The T.38 terminal's own UDPTL endpoint.
  SenderConfig term_tx_cfg = gc.udptl;
  UdptlSender term_tx(term_tx_cfg);
  UdptlReceiver term_rx;
  std::vector<std::vector<uint8_t>> to_gateway;
  T38FaxTerminal t38(t38_opt, [&](const uint8_t* ifp, int len, int count) {
    std::array<uint8_t, 1500> d;
    const Result<size_t> r = term_tx.build({ifp, static_cast<size_t>(len)}, d);
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    for (int i = 0; i < std::max(count, 1); ++i)
      to_gateway.emplace_back(d.begin(), d.begin() + r.value);
  });
  AudioFaxTerminal audio(audio_opt);

  std::mt19937 rng(sc.seed);
  std::bernoulli_distribution lost(sc.udptl_loss);
  uint16_t seq = 7;
  uint32_t ts = 1000;
  std::array<uint8_t, 1500> buf;
  for (int64_t now = 0; now < kLimitNs; now += kStepNs) {
    // Audio terminal -> gateway.
    std::array<int16_t, kSamples> pcm;
    audio.tx(pcm.data(), kSamples);
    std::array<uint8_t, kRtpHeaderSize + kSamples> rtp;
    write_rtp_header(rtp, 0, false, seq++, ts, 0xa0d10);
    ts += kSamples;
    encode_ulaw(pcm, std::span(rtp).subspan(kRtpHeaderSize));
    gw->push_rtp(rtp, now);
    gw->tick(now);
    // Gateway -> audio terminal.
    for (size_t n; (n = gw->pull_rtp(buf)) != 0;) {
      RtpFrame f;
      EXPECT_TRUE(read_rtp({buf.data(), n}, &f));
      if (f.payload.size() != kSamples) continue;
      std::array<int16_t, kSamples> in;
      decode_ulaw(f.payload, in);
      audio.rx(in.data(), static_cast<int>(f.payload.size()));
    }
    // Gateway -> T.38 terminal.
    for (size_t n; (n = gw->pull_udptl(buf)) != 0;) {
      ++out.udptl_sent;
      if (lost(rng)) {
        ++out.udptl_dropped;
        continue;
      }
      term_rx.push({buf.data(), n}, [&](Bytes ifp, uint16_t s) {
        t38.rx_ifp(ifp.data(), static_cast<int>(ifp.size()), s);
      });
    }
    // T.38 terminal -> gateway.
    t38.advance(kSamples);
    for (const auto& d : to_gateway) {
      ++out.udptl_sent;
      if (lost(rng)) {
        ++out.udptl_dropped;
        continue;
      }
      gw->push_udptl(d, now);
    }
    to_gateway.clear();
    const FaxResult& s = sc.audio_sends ? audio.result() : t38.result();
    const FaxResult& r = sc.audio_sends ? t38.result() : audio.result();
    if (s.done && r.done) break;
  }
  out.sender = sc.audio_sends ? audio.result() : t38.result();
  out.receiver = sc.audio_sends ? t38.result() : audio.result();
  out.progress = gw->progress();
  out.recovered = gw->stats().ifp_recovered.load() + term_rx.stats().recovered;
  if (out.receiver.done && out.receiver.completion == T30_ERR_OK)
    out.same_pages = rtpx::testing::same_pages(sent, received, &out.why);
  return out;
}

void expect_delivered(const Outcome& o, int pages) {
  EXPECT_TRUE(o.sender.done);
  EXPECT_TRUE(o.receiver.done);
  EXPECT_EQ(o.sender.completion, T30_ERR_OK) << o.sender.completion_text;
  EXPECT_EQ(o.receiver.completion, T30_ERR_OK) << o.receiver.completion_text;
  EXPECT_EQ(o.receiver.pages, pages);
  EXPECT_TRUE(o.same_pages) << o.why;
  EXPECT_EQ(o.progress.phase, FaxPhase::done);
  EXPECT_EQ(o.progress.pages, static_cast<uint32_t>(pages));
}

TEST(FaxGateway, AudioToT38WithEcm) {
  const Outcome o = run_fax({});
  expect_delivered(o, 2);
  EXPECT_TRUE(o.receiver.ecm);
  EXPECT_TRUE(o.progress.ecm);
  EXPECT_EQ(o.receiver.bit_rate, 14400);
  EXPECT_EQ(o.progress.bit_rate, 14400u);
}

TEST(FaxGateway, T38ToAudioWithEcm) {
  Scenario sc;
  sc.audio_sends = false;
  expect_delivered(run_fax(sc), 2);
}

TEST(FaxGateway, AudioToT38WithoutEcm) {
  Scenario sc;
  sc.ecm = false;
  const Outcome o = run_fax(sc);
  expect_delivered(o, 2);
  EXPECT_FALSE(o.receiver.ecm);
  EXPECT_FALSE(o.progress.ecm);
}

TEST(FaxGateway, T38ToAudioWithoutEcm) {
  Scenario sc;
  sc.audio_sends = false;
  sc.ecm = false;
  expect_delivered(run_fax(sc), 2);
}

TEST(FaxGateway, V29Only) {
  Scenario sc;
  sc.modems = T30_SUPPORT_V27TER | T30_SUPPORT_V29;
  const Outcome o = run_fax(sc);
  expect_delivered(o, 2);
  EXPECT_EQ(o.receiver.bit_rate, 9600);
  EXPECT_EQ(o.progress.bit_rate, 9600u);
}

TEST(FaxGateway, GatewayWithoutV17FallsBackToV29) {
  Scenario sc;
  sc.gateway_modems = kModemV27ter | kModemV29;  // the terminals could do V.17
  const Outcome o = run_fax(sc);
  expect_delivered(o, 2);
  EXPECT_EQ(o.receiver.bit_rate, 9600);
}

// Loss on the T.38 leg, both ways, with the receivers repairing it: several loss patterns per
// direction so that losses hit indicators, control frames and image data.
void lossy_faxes(ErrorCorrection ec) {
  uint64_t sent = 0, dropped = 0, recovered = 0;
  for (bool audio_sends : {true, false}) {
    for (unsigned seed : {1u, 2u, 3u}) {
      SCOPED_TRACE(std::string(audio_sends ? "audio sends" : "T.38 sends") + ", seed " +
                   std::to_string(seed));
      Scenario sc;
      sc.audio_sends = audio_sends;
      sc.udptl_loss = 0.02;
      sc.ec = ec;
      sc.seed = seed;
      const Outcome o = run_fax(sc);
      expect_delivered(o, 2);
      sent += o.udptl_sent;
      dropped += o.udptl_dropped;
      recovered += o.recovered;
    }
  }
  EXPECT_GT(sent, 500u);
  EXPECT_GT(dropped, sent / 100);  // about 2 % were lost...
  EXPECT_GT(recovered, 0u);        // ... and repaired
}

TEST(FaxGateway, TwoPercentLossWithRedundancy) {
  lossy_faxes(ErrorCorrection::redundancy);
}

TEST(FaxGateway, TwoPercentLossWithFec) {
  lossy_faxes(ErrorCorrection::fec);
}

TEST(FaxGateway, RejectsBadConfiguration) {
  std::string error;
  FaxGatewayConfig c;
  c.audio_pt = 18;
  EXPECT_EQ(FaxGateway::create(c, &error), nullptr);
  EXPECT_NE(error.find("PCMU"), std::string::npos);
  c = {};
  c.modems = kModemV34;
  EXPECT_EQ(FaxGateway::create(c, &error), nullptr);
  EXPECT_NE(error.find("modem"), std::string::npos);
  c = {};
  c.udptl.redundancy = 200;
  EXPECT_EQ(FaxGateway::create(c, &error), nullptr);
  c = {};
  c.udptl.max_datagram = 40;
  EXPECT_EQ(FaxGateway::create(c, &error), nullptr);
  EXPECT_NE(error.find("T38FaxMaxDatagram"), std::string::npos);
}

TEST(FaxGateway, MalformedInputIsCountedAndDropped) {
  std::string error;
  auto gw = FaxGateway::create({}, &error);
  ASSERT_NE(gw, nullptr) << error;
  const std::vector<uint8_t> junk = {0x12, 0x34};
  gw->push_rtp(junk, 0);
  std::array<uint8_t, kRtpHeaderSize + 160> opus{};
  write_rtp_header(opus, 111, false, 1, 0, 1);
  gw->push_rtp(opus, 0);
  gw->push_udptl(junk, 0);
  EXPECT_EQ(gw->stats().rtp_malformed.load(), 2u);
  EXPECT_EQ(gw->stats().udptl_malformed.load(), 1u);
  EXPECT_EQ(gw->stats().rtp_in.load(), 0u);
}

TEST(FaxGateway, AudioClockSendsOneFramePer20Ms) {
  std::string error;
  FaxGatewayConfig c;
  c.audio_pt = 8;
  c.ssrc = 77;
  c.first_seq = 65535;
  c.first_ts = 100;
  auto gw = FaxGateway::create(c, &error);
  ASSERT_NE(gw, nullptr) << error;
  gw->tick(0);
  gw->tick(kStepNs * 2 + 1);  // 3 frames due: at 0, 20 and 40 ms
  std::array<uint8_t, 1500> buf;
  std::vector<RtpFrame> frames;
  for (size_t n; (n = gw->pull_rtp(buf)) != 0;) {
    RtpFrame f;
    ASSERT_TRUE(read_rtp({buf.data(), n}, &f));
    EXPECT_EQ(f.payload.size(), 160u);
    frames.push_back(f);
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload_type, 8);
  EXPECT_TRUE(frames[0].marker);
  EXPECT_FALSE(frames[1].marker);
  EXPECT_EQ(frames[0].ssrc, 77u);
  EXPECT_EQ(frames[0].seq, 65535);
  EXPECT_EQ(frames[1].seq, 0);
  EXPECT_EQ(frames[2].timestamp, 100u + 320);
  EXPECT_EQ(gw->next_due_ns(), kStepNs * 3);
  // A stalled caller does not get a burst of the backlog.
  gw->tick(kStepNs * 100);
  size_t burst = 0;
  while (gw->pull_rtp(buf) != 0) ++burst;
  EXPECT_LE(burst, 10u);
  EXPECT_GT(gw->next_due_ns(), kStepNs * 100);
}

}  // namespace
}  // namespace rtpx::codecs::t38
