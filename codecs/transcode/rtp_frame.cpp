#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs {

bool read_rtp(std::span<const uint8_t> p, RtpFrame* out) noexcept {
  if (p.size() < kRtpHeaderSize || (p[0] >> 6) != 2) return false;
  size_t off = kRtpHeaderSize + size_t{4} * (p[0] & 0x0f);
  if (p[0] & 0x10) {  // header extension: 4-byte header, then its length in words
    if (p.size() < off + 4) return false;
    off += 4 + size_t{4} * ((size_t{p[off + 2]} << 8) | p[off + 3]);
  }
  size_t end = p.size();
  if (p[0] & 0x20) {  // padding: the last byte counts it
    const uint8_t pad = p[end - 1];
    if (pad == 0 || pad > end) return false;
    end -= pad;
  }
  if (off > end) return false;
  out->payload_type = p[1] & 0x7f;
  out->marker = (p[1] & 0x80) != 0;
  out->seq = static_cast<uint16_t>((p[2] << 8) | p[3]);
  out->timestamp = (uint32_t{p[4]} << 24) | (uint32_t{p[5]} << 16) | (uint32_t{p[6]} << 8) | p[7];
  out->ssrc = (uint32_t{p[8]} << 24) | (uint32_t{p[9]} << 16) | (uint32_t{p[10]} << 8) | p[11];
  out->payload = p.subspan(off, end - off);
  return true;
}

void write_rtp_header(std::span<uint8_t> o, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                      uint32_t ssrc) noexcept {
  o[0] = 0x80;
  o[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | (pt & 0x7f));
  o[2] = static_cast<uint8_t>(seq >> 8);
  o[3] = static_cast<uint8_t>(seq);
  o[4] = static_cast<uint8_t>(ts >> 24);
  o[5] = static_cast<uint8_t>(ts >> 16);
  o[6] = static_cast<uint8_t>(ts >> 8);
  o[7] = static_cast<uint8_t>(ts);
  o[8] = static_cast<uint8_t>(ssrc >> 24);
  o[9] = static_cast<uint8_t>(ssrc >> 16);
  o[10] = static_cast<uint8_t>(ssrc >> 8);
  o[11] = static_cast<uint8_t>(ssrc);
}

}  // namespace rtpx::codecs
