#include "tools/rtpload/rtp_wire.hpp"

#include <array>
#include <cstring>

namespace rtpload {

namespace {

// Payload layout after the RTP header.
constexpr size_t kOffSendNs = 0;
constexpr size_t kOffStream = 8;
constexpr size_t kOffIndex = 12;
constexpr size_t kOffEpoch = 16;
constexpr size_t kOffPattern = 17;
constexpr size_t kPatternLen = kPayloadLen - kOffPattern;

// Pseudo-random bytes; packet i carries kPattern[(i & 255) .. + kPatternLen), so two packets of
// a stream with different low index bits differ almost everywhere.
constexpr std::array<uint8_t, 256 + kPatternLen> make_pattern() {
  std::array<uint8_t, 256 + kPatternLen> p{};
  uint32_t x = 0x9e3779b9u;
  for (auto& b : p) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x >> 24);
  }
  return p;
}
constexpr auto kPattern = make_pattern();

void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
uint16_t get16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

}  // namespace

void build_packet(const StreamWire& s, uint32_t index, uint8_t epoch, uint64_t send_ns,
                  uint8_t* out) {
  out[0] = 0x80;  // V=2, no padding, no extension, no CSRC
  out[1] = 0x00;  // M=0, PT=0 (PCMU)
  put16(out + 2, uint16_t(s.seq0 + index));
  put32(out + 4, s.ts0 + index * kTimestampStep);
  put32(out + 8, s.ssrc);
  uint8_t* pl = out + kRtpHeaderLen;
  std::memcpy(pl + kOffSendNs, &send_ns, 8);
  put32(pl + kOffStream, s.id);
  put32(pl + kOffIndex, index);
  pl[kOffEpoch] = epoch;
  std::memcpy(pl + kOffPattern, kPattern.data() + (index & 255), kPatternLen);
}

size_t build_media_packet(const StreamWire& s, uint8_t pt, uint32_t ts_step,
                          std::span<const uint8_t> payload, uint32_t index, uint8_t* out) {
  out[0] = 0x80;
  out[1] = static_cast<uint8_t>((index == 0 ? 0x80 : 0) | (pt & 0x7f));
  put16(out + 2, uint16_t(s.seq0 + index));
  put32(out + 4, s.ts0 + index * ts_step);
  put32(out + 8, s.ssrc);
  std::memcpy(out + kRtpHeaderLen, payload.data(), payload.size());
  return kRtpHeaderLen + payload.size();
}

PacketFields read_fields(const uint8_t* pkt) {
  const uint8_t* pl = pkt + kRtpHeaderLen;
  PacketFields f;
  std::memcpy(&f.send_ns, pl + kOffSendNs, 8);
  f.stream_id = get32(pl + kOffStream);
  f.index = get32(pl + kOffIndex);
  f.epoch = pl[kOffEpoch];
  return f;
}

bool packet_intact(const StreamWire& s, const PacketFields& f, const uint8_t* pkt, size_t len) {
  if (len != kPacketLen || pkt[0] != 0x80 || pkt[1] != 0x00) return false;
  if (get16(pkt + 2) != uint16_t(s.seq0 + f.index)) return false;
  if (get32(pkt + 4) != s.ts0 + f.index * kTimestampStep) return false;
  if (get32(pkt + 8) != s.ssrc) return false;
  return std::memcmp(pkt + kRtpHeaderLen + kOffPattern, kPattern.data() + (f.index & 255),
                     kPatternLen) == 0;
}

}  // namespace rtpload
