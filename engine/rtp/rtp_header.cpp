#include "engine/rtp/rtp_header.hpp"

namespace rtpx::rtp {
namespace {
inline uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
}  // namespace

bool parse_rtp(std::span<const uint8_t> pkt, RtpView* out) noexcept {
  const size_t n = pkt.size();
  if (n < 12) return false;
  const uint8_t* p = pkt.data();
  if ((p[0] >> 6) != 2) return false;
  if (p[1] >= 192 && p[1] <= 223) return false;  // RTCP packet types (RFC 5761 section 4)
  const uint8_t pt = p[1] & 0x7f;
  size_t hdr = 12 + 4u * (p[0] & 0x0f);
  if (n < hdr) return false;
  if (p[0] & 0x10) {  // header extension
    if (n < hdr + 4) return false;
    hdr += 4 + 4u * be16(p + hdr + 2);
    if (n < hdr) return false;
  }
  size_t pad = 0;
  if (p[0] & 0x20) {
    pad = p[n - 1];
    if (pad == 0 || hdr + pad > n) return false;
  }
  out->payload_type = pt;
  out->marker = (p[1] & 0x80) != 0;
  out->seq = be16(p + 2);
  out->timestamp = be32(p + 4);
  out->ssrc = be32(p + 8);
  out->header_len = static_cast<uint32_t>(hdr);
  out->payload_len = static_cast<uint32_t>(n - hdr - pad);
  return true;
}

bool parse_rtcp(std::span<const uint8_t> pkt, RtcpView* out) noexcept {
  const size_t n = pkt.size();
  if (n < 8) return false;
  const uint8_t* p = pkt.data();
  size_t off = 0;
  while (off < n) {
    if (n - off < 4) return false;
    if ((p[off] >> 6) != 2) return false;
    const uint8_t pt = p[off + 1];
    if (pt < 192 || pt > 223) return false;
    off += 4 + 4u * be16(p + off + 2);
  }
  if (off != n) return false;
  out->packet_type = p[1];
  out->ssrc = be32(p + 4);
  return true;
}

}  // namespace rtpx::rtp
