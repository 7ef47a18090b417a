#include "control/daemon/demo_call.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <thread>

#include "codecs/g711/g711.hpp"
#include "control/cli/format.hpp"
#include "control/client/control_client.hpp"
#include "control/sdp/sdp.hpp"
#include "control/sdp/sdp_crypto.hpp"
#include "control/session/srtp_negotiation.hpp"
#include "engine/net/sock_addr.hpp"
#include "engine/srtp/srtp_context.hpp"

namespace rtpx::daemon {
namespace {

constexpr size_t kSamples = 160;  // 20 ms at 8 kHz
constexpr size_t kPacket = 12 + kSamples;

// bob speaks SRTP with this suite: rtpxd bridges alice's plain RTP to it and back.
constexpr const char* kDemoSuite = "AES_CM_128_HMAC_SHA1_80";

struct Party {
  const char* name;
  int fd = -1;
  net::SockAddr local;
  net::SockAddr relay;  // where this party sends (from the SDP it received)
  uint32_t ssrc;
  double tone_hz;
  // SRTP parties only: protects what the party sends, unprotects what rtpxd sends it.
  std::unique_ptr<engine::srtp::Context> tx, rx;
};

std::string offer_sdp(const Party& p, const char* session, const std::string& srtp = {}) {
  const std::string port = std::to_string(p.local.port());
  return "v=0\r\no=" + std::string(p.name) + " 1 1 IN IP4 127.0.0.1\r\ns=" + session +
         "\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + port +
         (srtp.empty() ? " RTP/AVP" : " RTP/SAVP") +
         " 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
         "a=ptime:20\r\na=sendrecv\r\n" +
         srtp;
}

// bob's side of SDES: takes rtpxd's a=crypto line for the demo suite, answers with bob's own key.
std::string key_bob(Party& bob, const std::string& offer_text) {
  sdp::ParseResult r = sdp::parse(offer_text);
  if (!r.ok() || r.session->media.empty()) throw std::runtime_error("demo: rtpxd returned bad SDP");
  std::optional<sdp::Crypto> rtpxd_key;
  for (const sdp::Attribute* a : r.session->media[0].find_attributes("crypto"))
    if (auto c = sdp::parse_crypto(a->value.value_or(""), nullptr); c && c->suite == kDemoSuite)
      rtpxd_key = c;
  if (!rtpxd_key) throw std::runtime_error("demo: rtpxd offered no " + std::string(kDemoSuite));
  sdp::Crypto mine = *rtpxd_key;
  for (size_t i = 0; i < mine.key_salt.size(); ++i)
    mine.key_salt[i] = static_cast<char>(0x5a ^ (i * 37) ^ static_cast<uint8_t>(::getpid()));
  std::string error;
  bob.tx = engine::srtp::Context::create(control::sdes_master_key(mine),
                                         engine::srtp::Context::Direction::outbound, &error);
  bob.rx = engine::srtp::Context::create(control::sdes_master_key(*rtpxd_key),
                                         engine::srtp::Context::Direction::inbound, &error);
  if (!bob.tx || !bob.rx) throw std::runtime_error("demo: SRTP keys refused: " + error);
  return "a=crypto:" + mine.to_string() + "\r\n";
}

void build_packet(uint8_t* buf, const Party& p, uint16_t seq) {
  buf[0] = 0x80;
  buf[1] = seq == 0 ? 0x80 : 0x00;  // marker on the first packet, PT 0
  const uint32_t ts = uint32_t{seq} * kSamples;
  buf[2] = static_cast<uint8_t>(seq >> 8);
  buf[3] = static_cast<uint8_t>(seq);
  for (int i = 0; i < 4; ++i) buf[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) buf[8 + i] = static_cast<uint8_t>(p.ssrc >> (24 - 8 * i));
  int16_t pcm[kSamples];
  for (size_t i = 0; i < kSamples; ++i) {
    const double t = static_cast<double>(ts + i) / 8000.0;
    pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * p.tone_hz * t));
  }
  codecs::encode_ulaw(pcm, {buf + 12, kSamples});
}

// Counts packets at `to` that are byte-identical to what `from` sent with that sequence number
// (after decryption, for an SRTP party).
uint64_t drain(const Party& to, const Party& from, uint64_t* intact) {
  uint8_t buf[2048], expect[kPacket];
  uint64_t n = 0;
  for (;;) {
    ssize_t len = ::recv(to.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (len < 0) break;
    ++n;
    if (to.rx) {
      uint32_t plain = static_cast<uint32_t>(len);
      if (to.rx->unprotect_rtp(buf, &plain) != engine::srtp::Status::ok) continue;
      len = plain;
    }
    if (len != static_cast<ssize_t>(kPacket)) continue;
    build_packet(expect, from, static_cast<uint16_t>((buf[2] << 8) | buf[3]));
    if (std::memcmp(buf, expect, kPacket) == 0) ++*intact;
  }
  return n;
}

}  // namespace

int open_udp(net::SockAddr* local) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto any = *net::SockAddr::from_ip("127.0.0.1", 0);
  if (fd < 0 || ::bind(fd, &any.u.sa, any.len()) != 0)
    throw std::runtime_error("demo: bind failed");
  socklen_t len = sizeof local->u;
  ::getsockname(fd, &local->u.sa, &len);
  return fd;
}

net::SockAddr relay_address(const std::string& sdp_text) {
  sdp::ParseResult r = sdp::parse(sdp_text);
  if (!r.ok() || r.session->media.empty()) throw std::runtime_error("demo: rtpxd returned bad SDP");
  const sdp::Media& m = r.session->media[0];
  const sdp::Connection* c = sdp::effective_connection(*r.session, m);
  auto a = c ? net::SockAddr::from_ip(c->address, m.port) : std::nullopt;
  if (!a) throw std::runtime_error("demo: rtpxd's SDP has no usable c=/m=");
  return *a;
}

DemoResult run_demo_call(const std::string& control_socket, double seconds, std::ostream& out) {
  DemoResult res;
  Party alice{"alice", -1, {}, {}, 0x11111111, 440.0, nullptr, nullptr};
  Party bob{"bob", -1, {}, {}, 0x22222222, 1000.0, nullptr, nullptr};
  alice.fd = open_udp(&alice.local);
  bob.fd = open_udp(&bob.local);

  client::ControlClient ctl;
  ctl.connect(control_socket);
  const nlohmann::json info = ctl.request("engine.info");
  const std::string call_id = "demo-" + std::to_string(::getpid());
  out << "rtpx demo: rtpxd " << info.value("version", "?") << ", backend "
      << info.value("backend", "?") << ", " << info["shards"].size() << " shard(s)\n";

  // alice offers plain RTP, rtpxd offers bob SRTP (SDES), bob answers with his key; each side
  // learns where rtpxd wants its media.
  auto offer = ctl.request("session.offer", {{"call_id", call_id},
                                             {"from_tag", "alice-tag"},
                                             {"sdp", offer_sdp(alice, "demo")},
                                             {"transport_protocol", "RTP/SAVP"},
                                             {"dtls", "off"},
                                             {"sdes", {std::string("only-") + kDemoSuite}}});
  bob.relay = relay_address(offer["sdp"]);
  const std::string bob_crypto = key_bob(bob, offer["sdp"]);
  auto answer = ctl.request("session.answer", {{"call_id", call_id},
                                               {"from_tag", "alice-tag"},
                                               {"to_tag", "bob-tag"},
                                               {"sdp", offer_sdp(bob, "demo", bob_crypto)}});
  alice.relay = relay_address(answer["sdp"]);
  out << "  alice " << alice.local.to_string() << " (RTP) -> rtpxd " << alice.relay.to_string()
      << " | rtpxd " << bob.relay.to_string() << " <- bob " << bob.local.to_string() << " (SRTP "
      << kDemoSuite << ", SDES)\n"
      << "  sending PCMU, 20 ms packets, both ways for " << seconds
      << " s; rtpxd encrypts towards bob and decrypts what bob sends\n";

  const auto start = std::chrono::steady_clock::now();
  const uint16_t packets = static_cast<uint16_t>(std::lround(seconds * 50));
  uint8_t buf[kPacket + 64];
  uint64_t got[2] = {0, 0};
  for (uint16_t seq = 0; seq < packets; ++seq) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * seq));
    build_packet(buf, alice, seq);
    if (::sendto(alice.fd, buf, kPacket, 0, &alice.relay.u.sa, alice.relay.len()) > 0)
      ++res.sent[0];
    build_packet(buf, bob, seq);
    uint32_t len = kPacket;
    if (bob.tx->protect_rtp(buf, &len, sizeof buf) == engine::srtp::Status::ok &&
        ::sendto(bob.fd, buf, len, 0, &bob.relay.u.sa, bob.relay.len()) > 0)
      ++res.sent[1];
    got[0] += drain(bob, alice, &res.received[0]);
    got[1] += drain(alice, bob, &res.received[1]);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  got[0] += drain(bob, alice, &res.received[0]);
  got[1] += drain(alice, bob, &res.received[1]);

  out << "  alice -> bob: sent " << res.sent[0] << ", received " << got[0] << ", intact "
      << res.received[0] << "\n"
      << "  bob -> alice: sent " << res.sent[1] << ", received " << got[1] << ", intact "
      << res.received[1] << "\n\n";
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  out << cli::format_call(ctl.request("session.query", {{"call_id", call_id}}), now) << "\n";
  ctl.request("session.delete", {{"call_id", call_id}});
  out << "  call " << call_id << " deleted\n\n";
  ::close(alice.fd);
  ::close(bob.fd);
  const bool relayed =
      res.sent[0] > 0 && res.received[0] == res.sent[0] && res.received[1] == res.sent[1];
  res.transcoded = run_demo_transcode(ctl, seconds, out);
  res.ok = relayed && res.transcoded;
  if (res.ok) {
    out << "demo OK: every packet relayed intact both ways (RTP <-> SRTP), and each tone heard "
           "through PCMU <-> opus transcoding\n";
  } else {
    out << "demo FAILED: " << (relayed ? "" : "packets lost or altered (RTP <-> SRTP) ")
        << (res.transcoded ? "" : "tones not heard through transcoding") << "\n";
  }
  return res;
}

}  // namespace rtpx::daemon
