// The demo's second call: carol speaks PCMU, dave opus; rtpxd transcodes both ways (ng-style
// `codec: {transcode: [opus]}` on carol's offer, dave answers opus only). Each side checks that
// the tone the other sent arrives recognisably (SNR after codec delay) in its own codec.

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ostream>
#include <thread>
#include <vector>

#include "codecs/codec/codec_registry.hpp"
#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "control/cli/format.hpp"
#include "control/client/control_client.hpp"
#include "control/daemon/demo_call.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::daemon {
namespace {

constexpr size_t kFrame = 160;  // 20 ms at 8 kHz

struct Peer {
  int fd = -1;
  net::SockAddr local;
  net::SockAddr relay;
  double tone_hz = 0;
  std::vector<int16_t> heard;  // what arrived, decoded to 8 kHz
};

std::string sdp_for(const Peer& p, const char* formats, const char* attrs) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=transcode\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(p.local.port()) + " RTP/AVP " + formats + "\r\n" + attrs +
         "a=ptime:20\r\na=sendrecv\r\n";
}

void tone(double hz, uint32_t first, std::span<int16_t> out) {
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * (first + i) / 8000.0));
}

// Best SNR (dB) of `got` against a tone of `hz` over all phases: the codecs' delay is unknown.
double tone_snr(const std::vector<int16_t>& got, double hz) {
  if (got.size() < 4000) return -99;
  double best = -99;
  std::vector<int16_t> ref(got.size());
  for (uint32_t lag = 0; lag < 8000 / static_cast<uint32_t>(hz) + 1; ++lag) {
    tone(hz, lag, ref);
    double sig = 0, err = 0;
    for (size_t i = 800; i < got.size(); ++i) {  // skip the codecs' start-up
      const double r = ref[i], g = got[i];
      sig += r * r;
      err += (r - g) * (r - g);
    }
    if (err > 0) best = std::max(best, 10 * std::log10(sig / err));
  }
  return best;
}

void receive(Peer& p, codecs::Decoder* opus) {
  uint8_t buf[1600];
  for (;;) {
    const ssize_t n = ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    codecs::RtpFrame f;
    if (!codecs::read_rtp({buf, static_cast<size_t>(n)}, &f)) continue;
    int16_t pcm[960];
    if (opus == nullptr && f.payload_type == 0 && f.payload.size() <= 960) {
      codecs::decode_ulaw(f.payload, {pcm, f.payload.size()});
      p.heard.insert(p.heard.end(), pcm, pcm + f.payload.size());
    } else if (opus != nullptr && f.payload_type == 96) {
      const int got = opus->decode(f.payload, pcm);
      if (got > 0) p.heard.insert(p.heard.end(), pcm, pcm + got);
    }
  }
}

}  // namespace

bool run_demo_transcode(client::ControlClient& ctl, double seconds, std::ostream& out) {
  Peer carol, dave;
  carol.tone_hz = 440;
  dave.tone_hz = 1000;
  carol.fd = open_udp(&carol.local);
  dave.fd = open_udp(&dave.local);
  const codecs::CodecDescriptor* opus = codecs::find_codec("opus", 48000);
  codecs::CodecParams at8k;
  at8k.sample_rate = 8000;
  std::string error;
  auto enc = opus->make_encoder(at8k, &error);
  auto dec = opus->make_decoder(at8k, &error);
  if (!enc || !dec) throw std::runtime_error("demo: opus: " + error);

  const std::string call_id = "demo-transcode-" + std::to_string(::getpid());
  auto offer =
      ctl.request("session.offer", {{"call_id", call_id},
                                    {"from_tag", "carol-tag"},
                                    {"sdp", sdp_for(carol, "0", "a=rtpmap:0 PCMU/8000\r\n")},
                                    {"codec", {{"transcode", {"opus"}}}}});
  dave.relay = relay_address(offer["sdp"]);
  auto answer =
      ctl.request("session.answer", {{"call_id", call_id},
                                     {"from_tag", "carol-tag"},
                                     {"to_tag", "dave-tag"},
                                     {"sdp", sdp_for(dave, "96", "a=rtpmap:96 opus/48000/2\r\n")}});
  carol.relay = relay_address(answer["sdp"]);
  out << "  carol " << carol.local.to_string() << " (PCMU) -> rtpxd " << carol.relay.to_string()
      << " | rtpxd " << dave.relay.to_string() << " <- dave " << dave.local.to_string()
      << " (opus): rtpxd transcodes both ways\n";

  const auto start = std::chrono::steady_clock::now();
  const uint32_t frames = static_cast<uint32_t>(std::lround(seconds * 50));
  uint8_t pkt[codecs::kRtpHeaderSize + 1400];
  int16_t pcm[kFrame];
  for (uint32_t i = 0; i < frames; ++i) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * i));
    const uint16_t seq = static_cast<uint16_t>(i);
    tone(carol.tone_hz, i * kFrame, pcm);
    codecs::write_rtp_header(pkt, 0, i == 0, seq, i * kFrame, 0x33333333);
    codecs::encode_ulaw(pcm, {pkt + codecs::kRtpHeaderSize, kFrame});
    ::sendto(carol.fd, pkt, codecs::kRtpHeaderSize + kFrame, 0, &carol.relay.u.sa,
             carol.relay.len());
    tone(dave.tone_hz, i * kFrame, pcm);
    codecs::write_rtp_header(pkt, 96, i == 0, seq, i * 960, 0x44444444);
    const int n = enc->encode(pcm, {pkt + codecs::kRtpHeaderSize, 1400});
    if (n > 0)
      ::sendto(dave.fd, pkt, codecs::kRtpHeaderSize + static_cast<size_t>(n), 0, &dave.relay.u.sa,
               dave.relay.len());
    receive(dave, dec.get());
    receive(carol, nullptr);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  receive(dave, dec.get());
  receive(carol, nullptr);

  const double to_dave = tone_snr(dave.heard, carol.tone_hz);
  const double to_carol = tone_snr(carol.heard, dave.tone_hz);
  const uint32_t want = frames * kFrame * 9 / 10;
  out << "  carol -> dave: " << dave.heard.size() / kFrame << " of " << frames
      << " frames heard (PCMU in, opus out), tone SNR " << std::lround(to_dave) << " dB\n"
      << "  dave -> carol: " << carol.heard.size() / kFrame << " of " << frames
      << " frames heard (opus in, PCMU out), tone SNR " << std::lround(to_carol) << " dB\n\n";
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  out << cli::format_call(ctl.request("session.query", {{"call_id", call_id}}), now) << "\n";
  ctl.request("session.delete", {{"call_id", call_id}});
  ::close(carol.fd);
  ::close(dave.fd);
  // 10 dB: a tone through G.711 and opus measures about 20 dB here; a wrong rate, gaps or
  // garbled frames fall far below.
  return dave.heard.size() >= want && carol.heard.size() >= want && to_dave > 10 && to_carol > 10;
}

}  // namespace rtpx::daemon
