#pragma once
// RTP (RFC 3550) and RTCP validity checks and the RFC 5761 RTP/RTCP demultiplexing rule.
// Views only: nothing is copied and nothing is allocated.

#include <cstdint>
#include <span>

namespace rtpx::rtp {

struct RtpView {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint32_t header_len = 0;   // fixed header + CSRCs + extension
  uint32_t payload_len = 0;  // without padding
};

struct RtcpView {
  uint8_t packet_type = 0;  // of the first packet in the compound
  uint32_t ssrc = 0;        // sender SSRC of the first packet
};

enum class Kind : uint8_t { rtp, rtcp, invalid };

// Version 2, length covers CSRCs, extension and padding. False for anything else.
bool parse_rtp(std::span<const uint8_t> pkt, RtpView* out) noexcept;
// Version 2, packet type 192..223 (RFC 5761 range), and the compound's length fields walk
// exactly to the end of the datagram.
bool parse_rtcp(std::span<const uint8_t> pkt, RtcpView* out) noexcept;

// RFC 5761 section 4: on a multiplexed port, payload type byte 192..223 means RTCP.
inline Kind classify_muxed(std::span<const uint8_t> pkt) noexcept {
  if (pkt.size() < 2 || (pkt[0] >> 6) != 2) return Kind::invalid;
  return (pkt[1] >= 192 && pkt[1] <= 223) ? Kind::rtcp : Kind::rtp;
}

}  // namespace rtpx::rtp
