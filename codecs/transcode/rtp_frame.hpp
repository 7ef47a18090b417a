#pragma once
// The RTP fixed header (RFC 3550 section 5.1) as the transcoding stage reads what a party sent and
// writes what rtpx sends: a view over the payload, no copies.

#include <cstdint>
#include <span>

namespace rtpx::codecs {

struct RtpFrame {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint8_t> payload;  // without CSRCs, extension and padding
};

inline constexpr uint32_t kRtpHeaderSize = 12;

// False unless version 2 and every length (CSRCs, extension, padding) fits the datagram.
bool read_rtp(std::span<const uint8_t> pkt, RtpFrame* out) noexcept;

// Writes a 12-byte header (no CSRC, no extension) at out[0..12); out must hold it.
void write_rtp_header(std::span<uint8_t> out, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                      uint32_t ssrc) noexcept;

}  // namespace rtpx::codecs
