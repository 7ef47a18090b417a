// Fuzz target for the packet path's parsers and the relay decision: any datagram on any kind of
// endpoint must be relayed or dropped with a reason, never crash or read out of bounds. Party B
// speaks SRTP (SDES keys), so garbage also goes through SRTP/SRTCP authentication.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/rtp/rtp_header.hpp"
#include "engine/session/relay_path.hpp"

using namespace rtpx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  rtp::RtpView v;
  if (rtp::parse_rtp(bytes, &v) && v.header_len + v.payload_len > size) std::abort();
  rtp::RtcpView c;
  (void)rtp::parse_rtcp(bytes, &c);
  (void)rtp::classify_muxed(bytes);

  // One call: slots 0/1 face A (0 muxed), 2/3 face B.
  static engine::Endpoint slots[4];
  static engine::EndpointCrypto* srtp = [] {
    auto* crypto = new engine::EndpointCrypto;  // lives as long as the fuzzer
    engine::srtp::MasterKey k;
    k.suite = engine::srtp::Suite::aes_cm_128_hmac_sha1_80;
    std::string error;
    crypto->inbound =
        engine::srtp::Context::create(k, engine::srtp::Context::Direction::inbound, &error);
    crypto->outbound =
        engine::srtp::Context::create(k, engine::srtp::Context::Direction::outbound, &error);
    return crypto;
  }();
  const auto a = *net::SockAddr::from_ip("127.0.0.1", 4000);
  const auto b = *net::SockAddr::from_ip("127.0.0.1", 5000);
  for (int i = 0; i < 4; ++i) {
    engine::EndpointConfig cfg;
    cfg.component = (i % 2) ? engine::Component::rtcp : engine::Component::rtp;
    cfg.rtcp_mux = i == 0;
    cfg.signaled = i < 2 ? a : b;
    cfg.forward_to = i < 2 ? 2 + (i % 2) : (i % 2);
    cfg.rtcp_forward_to = i < 2 ? 3 : 0;
    cfg.relatch = static_cast<engine::Relatch>(size % 3);
    cfg.strict_source = (size & 4) != 0;
    if (i >= 2) cfg.crypto = srtp;
    slots[i].reset(cfg);
  }
  uint8_t buf[2048];
  const size_t n = size < sizeof buf ? size : sizeof buf;
  for (uint32_t s = 0; s < 4; ++s) {
    std::memcpy(buf, data, n);
    io::Packet p;
    p.data = buf;
    p.len = static_cast<uint32_t>(n);
    p.cap = sizeof buf;
    p.socket = s;
    p.addr = (size & 1) ? a : b;
    auto verdict = engine::relay_one({slots, 4}, &p, 1);
    if (!verdict && (p.socket >= 4 || p.len > p.cap)) std::abort();
  }
  return 0;
}
