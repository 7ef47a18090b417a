// Tests for codecs/t38/fax_tone_detector: CNG and CED heard in G.711 RTP (from SpanDSP's tone
// generator and from real fax terminals), nothing heard in silence, a plain tone or noise, and
// non-G.711 packets ignored.

#include "codecs/t38/fax_tone_detector.hpp"

#include <gtest/gtest.h>
#include <spandsp.h>

#include <array>
#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "tools/faxload/fax_terminals.hpp"

namespace rtpx::codecs::t38 {
namespace {

constexpr int kSamples = 160;

// Feeds `seconds` of audio from `source` as 20 ms RTP packets of payload type `pt`; returns the
// packet after which a tone was first detected (-1: never).
int feed(FaxToneDetector& d, const std::function<void(int16_t*, int)>& source, double seconds,
         uint8_t pt = 0) {
  for (int k = 0; k < static_cast<int>(seconds * 50); ++k) {
    std::array<int16_t, kSamples> pcm{};
    source(pcm.data(), kSamples);
    std::array<uint8_t, kRtpHeaderSize + kSamples> rtp;
    write_rtp_header(rtp, pt, false, static_cast<uint16_t>(k), k * kSamples, 7);
    if (pt == 8)
      encode_alaw(pcm, std::span(rtp).subspan(kRtpHeaderSize));
    else
      encode_ulaw(pcm, std::span(rtp).subspan(kRtpHeaderSize));
    d.push_rtp(rtp);
    if (d.detected() != FaxTone::none) return k;
  }
  return -1;
}

std::unique_ptr<FaxToneDetector> make() {
  std::string error;
  auto d = FaxToneDetector::create(&error);
  EXPECT_NE(d, nullptr) << error;
  return d;
}

std::function<void(int16_t*, int)> generator(int tone) {
  auto* tx = modem_connect_tones_tx_init(nullptr, tone);
  auto holder = std::shared_ptr<modem_connect_tones_tx_state_t>(tx, modem_connect_tones_tx_free);
  return [holder](int16_t* out, int n) { modem_connect_tones_tx(holder.get(), out, n); };
}

TEST(FaxToneDetector, HearsCng) {
  auto d = make();
  const int at = feed(*d, generator(MODEM_CONNECT_TONES_FAX_CNG), 4);
  EXPECT_GE(at, 0);
  EXPECT_EQ(d->detected(), FaxTone::cng);
  EXPECT_STREQ(to_string(d->detected()), "CNG");
}

TEST(FaxToneDetector, HearsCedInPcma) {
  auto d = make();
  EXPECT_GE(feed(*d, generator(MODEM_CONNECT_TONES_ANS), 4, 8), 0);
  EXPECT_EQ(d->detected(), FaxTone::ced);
}

TEST(FaxToneDetector, HearsRealFaxMachines) {
  rtpx::testing::FaxOptions caller, answerer;
  caller.tiff_receive = "/dev/null";
  answerer.calling = false;
  answerer.tiff_receive = "/dev/null";
  rtpx::testing::AudioFaxTerminal calling(caller), answering(answerer);
  auto d = make();
  EXPECT_GE(feed(
                *d, [&](int16_t* o, int n) { calling.tx(o, n); }, 5),
            0);
  EXPECT_EQ(d->detected(), FaxTone::cng);
  auto e = make();
  EXPECT_GE(feed(
                *e, [&](int16_t* o, int n) { answering.tx(o, n); }, 5),
            0);
  EXPECT_EQ(e->detected(), FaxTone::ced);
}

TEST(FaxToneDetector, SilenceToneAndNoiseAreNotFax) {
  auto d = make();
  EXPECT_EQ(feed(
                *d, [](int16_t* o, int n) { std::fill(o, o + n, 0); }, 5),
            -1);
  int phase = 0;
  EXPECT_EQ(feed(
                *d,
                [&](int16_t* o, int n) {
                  for (int i = 0; i < n; ++i, ++phase)
                    o[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * phase / 8000));
                },
                5),
            -1);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 3000);
  EXPECT_EQ(feed(
                *d,
                [&](int16_t* o, int n) {
                  for (int i = 0; i < n; ++i) o[i] = static_cast<int16_t>(noise(rng));
                },
                5),
            -1);
  EXPECT_EQ(d->detected(), FaxTone::none);
}

TEST(FaxToneDetector, IgnoresOtherPayloadsAndMalformedPackets) {
  auto d = make();
  EXPECT_EQ(feed(*d, generator(MODEM_CONNECT_TONES_FAX_CNG), 4, 18), -1);  // G.729 PT
  const std::array<uint8_t, 3> junk = {1, 2, 3};
  d->push_rtp(junk);
  EXPECT_EQ(d->detected(), FaxTone::none);
}

}  // namespace
}  // namespace rtpx::codecs::t38
