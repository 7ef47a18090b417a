#pragma once
// The test packet: a 12-byte RTP header (V=2, PT 0 PCMU, per-stream SSRC, seq, timestamp +160 per
// packet) and 160 payload bytes that carry the send time, the stream id, the stream's packet
// index and the measurement epoch, followed by a pattern derived from the index, so the receiver
// can tell every corruption, reordering, duplicate and misdelivery apart from loss.

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpload {

inline constexpr size_t kRtpHeaderLen = 12;
inline constexpr size_t kPayloadLen = 160;  // 20 ms of PCMU
inline constexpr size_t kPacketLen = kRtpHeaderLen + kPayloadLen;
inline constexpr uint32_t kTimestampStep = 160;

// What identifies a stream on the wire; fixed at setup, read-only afterwards.
struct StreamWire {
  uint32_t id = 0;
  uint32_t ssrc = 0;
  uint16_t seq0 = 0;  // RTP seq of packet index 0
  uint32_t ts0 = 0;   // RTP timestamp of packet index 0
};

// Writes packet `index` of stream `s` into out[kPacketLen].
void build_packet(const StreamWire& s, uint32_t index, uint8_t epoch, uint64_t send_ns,
                  uint8_t* out);

// --transcode: packet `index` of a media stream, whose payload a relay re-encodes (so it cannot
// carry the fields above): the RTP header (marker on index 0, `pt`, seq0 + index, ts0 + index *
// ts_step) and `payload`. Writes into out[kRtpHeaderLen + payload.size()], returns the length.
size_t build_media_packet(const StreamWire& s, uint8_t pt, uint32_t ts_step,
                          std::span<const uint8_t> payload, uint32_t index, uint8_t* out);

struct PacketFields {
  uint64_t send_ns;
  uint32_t stream_id;
  uint32_t index;
  uint8_t epoch;
};

// Reads the payload fields without checking anything else. Needs len >= kPacketLen.
PacketFields read_fields(const uint8_t* pkt);

// True when the packet is exactly what build_packet wrote for stream `s` (whose id must match
// fields.stream_id), apart from the send time.
bool packet_intact(const StreamWire& s, const PacketFields& f, const uint8_t* pkt, size_t len);

}  // namespace rtpload
