// Black-box: a real rtpxd gateways a fax call between a G.711 fax machine and a T.38 endpoint,
// both real SpanDSP fax terminals on UDP sockets in real time. The offer engages the gateway
// with `t38: [force]` (the audio party offers, the T.38 party answers) or `t38: [decode]` (the
// T.38 party offers); the received pages must equal the sent ones pixel for pixel, and
// session.query reports the fax's progress.

#include <gtest/gtest.h>
#include <spandsp.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "codecs/g711/g711.hpp"
#include "codecs/t38/udptl.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "tests/integration/daemon_fixture.hpp"
#include "tools/faxload/fax_terminals.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;
using rtpx::testing::AudioFaxTerminal;
using rtpx::testing::FaxOptions;
using rtpx::testing::FaxResult;
using rtpx::testing::T38FaxTerminal;
namespace t38 = codecs::t38;

constexpr int kSamples = 160;

std::string audio_sdp(uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fax\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) +
         " RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n"
         "a=sendrecv\r\n";
}

std::string image_sdp(uint16_t port) {
  return "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=fax\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=image " +
         std::to_string(port) +
         " udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
         "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1800\r\n"
         "a=T38FaxMaxDatagram:400\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n";
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/faxrelay_XXXXXX";
    if (const char* d = mkdtemp(tmpl)) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class FaxRelayTest : public ::testing::Test {
 protected:
  FaxRelayTest() : d_(DaemonArgs{}) {}
  void TearDown() override { EXPECT_EQ(d_.stop(), 0) << "rtpxd did not exit cleanly"; }

  // The audio terminal on `audio_`, the T.38 terminal on `t38_`, each sending to `*_dst` (the
  // rtpxd ports named in the SDP it got), in 20 ms steps of real time until both are done.
  void run(AudioFaxTerminal& audio, T38FaxTerminal& fax, t38::UdptlSender& udptl_tx,
           std::vector<std::vector<uint8_t>>& ifps_out, const net::SockAddr& audio_dst,
           const net::SockAddr& t38_dst) {
    t38::UdptlReceiver udptl_rx;
    uint16_t seq = 1;
    uint32_t ts = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int step = 0; step < 90 * 50; ++step) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * step));
      std::array<int16_t, kSamples> pcm;
      audio.tx(pcm.data(), kSamples);
      std::vector<uint8_t> rtp(codecs::kRtpHeaderSize + kSamples);
      codecs::write_rtp_header(rtp, 0, step == 0, seq++, ts, 0xfa7);
      ts += kSamples;
      codecs::encode_ulaw(pcm, std::span(rtp).subspan(codecs::kRtpHeaderSize));
      audio_.send_to(audio_dst, rtp);
      for (std::vector<uint8_t> in; !(in = audio_.recv(0)).empty();) {
        codecs::RtpFrame f;
        if (!codecs::read_rtp(in, &f) || f.payload.size() > 480) continue;
        std::array<int16_t, 480> dec;
        if (f.payload_type == 8)
          codecs::decode_alaw(f.payload, dec);
        else
          codecs::decode_ulaw(f.payload, dec);
        audio.rx(dec.data(), static_cast<int>(f.payload.size()));
      }
      for (std::vector<uint8_t> in; !(in = t38_.recv(0)).empty();) {
        udptl_rx.push(in, [&](t38::Bytes ifp, uint16_t s) {
          fax.rx_ifp(ifp.data(), static_cast<int>(ifp.size()), s);
        });
      }
      fax.advance(kSamples);
      for (const auto& ifp : ifps_out) {
        std::array<uint8_t, 1500> d;
        const auto r = udptl_tx.build(ifp, d);
        if (r.ok()) t38_.send_to(t38_dst, std::vector<uint8_t>(d.begin(), d.begin() + r.value));
      }
      ifps_out.clear();
      if (audio.result().done && fax.result().done) break;
    }
  }

  void expect_sent(const FaxResult& sender, const FaxResult& receiver, const std::string& sent,
                   const std::string& received) {
    ASSERT_TRUE(sender.done);
    ASSERT_TRUE(receiver.done);
    EXPECT_EQ(sender.completion, T30_ERR_OK) << sender.completion_text;
    EXPECT_EQ(receiver.completion, T30_ERR_OK) << receiver.completion_text;
    EXPECT_EQ(receiver.pages, 2);
    std::string why;
    EXPECT_TRUE(rtpx::testing::same_pages(sent, received, &why)) << why;
  }

  // The fax block of session.query for leg `leg`.
  json fax_status(const std::string& call_id, int leg) {
    json q = d_.control().request("session.query", {{"call_id", call_id}});
    return q["legs"][leg]["media"][0].value("fax", json());
  }

  DaemonProcess d_;
  Phone audio_, t38_;
};

TEST_F(FaxRelayTest, AudioFaxToT38WithForce) {
  TempDir dir;
  const std::string sent = dir.file("sent.tif"), received = dir.file("received.tif");
  rtpx::testing::write_test_tiff(sent, 2, 100);
  d_.control().request("events.subscribe", {{"events", {"fax"}}});

  json offer = d_.control().request("session.offer", {{"call_id", "fax1"},
                                                      {"from_tag", "a"},
                                                      {"sdp", audio_sdp(audio_.port())},
                                                      {"t38", {"force"}}});
  const std::string to_t38 = offer["sdp"];
  ASSERT_NE(to_t38.find(" udptl t38\r\n"), std::string::npos) << to_t38;
  json answer = d_.control().request(
      "session.answer",
      {{"call_id", "fax1"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", image_sdp(t38_.port())}});
  const std::string to_audio = answer["sdp"];
  ASSERT_NE(to_audio.find("m=audio "), std::string::npos) << to_audio;
  ASSERT_NE(to_audio.find(" RTP/AVP 0\r\n"), std::string::npos) << to_audio;

  FaxOptions ao, to;
  ao.calling = true;
  ao.tiff_send = sent;
  to.calling = false;
  to.tiff_receive = received;
  AudioFaxTerminal audio(ao);
  std::vector<std::vector<uint8_t>> ifps;
  T38FaxTerminal fax(to, [&](const uint8_t* ifp, int len, int count) {
    for (int i = 0; i < std::max(count, 1); ++i) ifps.emplace_back(ifp, ifp + len);
  });
  t38::SenderConfig tx_cfg;
  tx_cfg.redundancy = 3;
  t38::UdptlSender udptl_tx(tx_cfg);
  run(audio, fax, udptl_tx, ifps, media_address(to_audio), media_address(to_t38));
  expect_sent(audio.result(), fax.result(), sent, received);

  const json f = fax_status("fax1", 0);
  ASSERT_TRUE(f.is_object()) << f;
  EXPECT_EQ(f["role"], "audio");
  EXPECT_EQ(f["phase"], "done");
  EXPECT_EQ(f["pages"], 2);
  EXPECT_EQ(f["bit_rate"], 14400);
  EXPECT_GT(f["udptl_out"].get<uint64_t>(), 0u);
  EXPECT_EQ(fax_status("fax1", 1)["role"], "t38");

  // The fax's progress as events: through sending to done, with both pages.
  std::vector<json> events;
  while (auto ev = d_.control().next_event(std::chrono::milliseconds(500))) {
    events.push_back(*ev);
    if ((*ev)["phase"] == "done") break;
  }
  ASSERT_FALSE(events.empty());
  const json& last = events.back();
  EXPECT_EQ(last["event"], "fax");
  EXPECT_EQ(last["call_id"], "fax1");
  EXPECT_EQ(last["phase"], "done");
  EXPECT_EQ(last["pages"], 2);
  EXPECT_EQ(last["audio_tag"], "a");
  EXPECT_EQ(last["t38_tag"], "b");
  bool saw_sending = false;
  for (const json& e : events) saw_sending = saw_sending || e["phase"] == "sending";
  EXPECT_TRUE(saw_sending);
}

TEST_F(FaxRelayTest, T38FaxToAudioWithDecode) {
  TempDir dir;
  const std::string sent = dir.file("sent.tif"), received = dir.file("received.tif");
  rtpx::testing::write_test_tiff(sent, 2, 100);

  json offer = d_.control().request("session.offer", {{"call_id", "fax2"},
                                                      {"from_tag", "a"},
                                                      {"sdp", image_sdp(t38_.port())},
                                                      {"t38", {"decode"}}});
  const std::string to_audio = offer["sdp"];
  ASSERT_NE(to_audio.find(" RTP/AVP 0 8\r\n"), std::string::npos) << to_audio;
  json answer = d_.control().request(
      "session.answer",
      {{"call_id", "fax2"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(audio_.port())}});
  const std::string to_t38 = answer["sdp"];
  ASSERT_NE(to_t38.find("a=T38FaxUdpEC:t38UDPRedundancy\r\n"), std::string::npos) << to_t38;

  FaxOptions ao, to;
  to.calling = true;
  to.tiff_send = sent;
  ao.calling = false;
  ao.tiff_receive = received;
  AudioFaxTerminal audio(ao);
  std::vector<std::vector<uint8_t>> ifps;
  T38FaxTerminal fax(to, [&](const uint8_t* ifp, int len, int count) {
    for (int i = 0; i < std::max(count, 1); ++i) ifps.emplace_back(ifp, ifp + len);
  });
  t38::SenderConfig tx_cfg;
  tx_cfg.redundancy = 3;
  t38::UdptlSender udptl_tx(tx_cfg);
  run(audio, fax, udptl_tx, ifps, media_address(to_audio), media_address(to_t38));
  expect_sent(fax.result(), audio.result(), sent, received);
  const json f = fax_status("fax2", 1);
  ASSERT_TRUE(f.is_object()) << f;
  EXPECT_EQ(f["role"], "audio");
  EXPECT_EQ(f["phase"], "done");
  EXPECT_EQ(f["pages"], 2);
}

// fax-detect on a plain G.711 call: the calling fax machine's CNG, relayed as it is, becomes a
// fax_tone event naming its party, which is what signaling needs to re-INVITE to T.38.
TEST_F(FaxRelayTest, FaxToneOnAPassthroughCallIsAnEvent) {
  d_.control().request("events.subscribe", {{"events", {"fax_tone"}}});
  json offer = d_.control().request("session.offer", {{"call_id", "tone"},
                                                      {"from_tag", "a"},
                                                      {"sdp", audio_sdp(audio_.port())},
                                                      {"flags", {"fax-detect"}}});
  json answer = d_.control().request(
      "session.answer",
      {{"call_id", "tone"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(t38_.port())}});
  const net::SockAddr to_rtpxd = media_address(answer["sdp"]);
  FaxOptions o;
  o.tiff_receive = "/dev/null";  // a calling machine: CNG until someone answers
  AudioFaxTerminal machine(o);
  std::vector<std::vector<uint8_t>> sent;
  const auto start = std::chrono::steady_clock::now();
  std::optional<json> event;
  for (int step = 0; step < 4 * 50 && !event; ++step) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * step));
    std::array<int16_t, kSamples> pcm;
    machine.tx(pcm.data(), kSamples);
    std::vector<uint8_t> rtp(codecs::kRtpHeaderSize + kSamples);
    codecs::write_rtp_header(rtp, 0, step == 0, static_cast<uint16_t>(step), step * kSamples,
                             0xc06);
    codecs::encode_ulaw(pcm, std::span(rtp).subspan(codecs::kRtpHeaderSize));
    audio_.send_to(to_rtpxd, rtp);
    sent.push_back(rtp);
    event = d_.control().next_event(std::chrono::milliseconds(0));
  }
  ASSERT_TRUE(event.has_value()) << "no fax_tone event after 4 s of CNG";
  EXPECT_EQ((*event)["event"], "fax_tone");
  EXPECT_EQ((*event)["call_id"], "tone");
  EXPECT_EQ((*event)["tone"], "CNG");
  EXPECT_EQ((*event)["from_tag"], "a");
  // Listening changed nothing of the relaying: B got A's packets as they were sent.
  const auto got = t38_.recv_all(500);
  ASSERT_GE(got.size(), sent.size() - 2);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], sent[i]) << i;
  (void)offer;
}

TEST_F(FaxRelayTest, BadT38OptionsAreRefusedByName) {
  auto bad = d_.control().try_request("session.offer", {{"call_id", "fax3"},
                                                        {"from_tag", "a"},
                                                        {"sdp", audio_sdp(audio_.port())},
                                                        {"t38", {"sideways"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "bad_field");
  EXPECT_EQ(bad.error().field(), "t38");
  // force needs a G.711 codec to carry the fax on the audio side.
  const std::string opus_only =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio " +
      std::to_string(audio_.port()) + " RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n";
  bad = d_.control().try_request(
      "session.offer",
      {{"call_id", "fax4"}, {"from_tag", "a"}, {"sdp", opus_only}, {"t38", {"force"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "not_supported");
  EXPECT_EQ(bad.error().field(), "T.38");
  // Nothing was left behind by the refused offers.
  EXPECT_EQ(d_.control().request("session.list", nullptr)["calls"].size(), 0u);
}

}  // namespace
}  // namespace rtpx::test
