#include "codecs/transcode/rtcp_report.hpp"

namespace rtpx::codecs {
namespace {

void put32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

size_t write_sender_report(const SenderInfo& s, const ReceptionStats* block,
                           std::span<uint8_t> out) noexcept {
  const size_t len = block != nullptr ? kSenderReportSize : 28;
  if (out.size() < len) return 0;
  uint8_t* p = out.data();
  p[0] = static_cast<uint8_t>(0x80 | (block != nullptr ? 1 : 0));  // V=2, RC
  p[1] = 200;                                                      // SR
  const uint16_t words = static_cast<uint16_t>(len / 4 - 1);
  p[2] = static_cast<uint8_t>(words >> 8);
  p[3] = static_cast<uint8_t>(words);
  put32(p + 4, s.ssrc);
  put32(p + 8, static_cast<uint32_t>(s.ntp >> 32));
  put32(p + 12, static_cast<uint32_t>(s.ntp));
  put32(p + 16, s.rtp_timestamp);
  put32(p + 20, s.packets);
  put32(p + 24, s.octets);
  if (block != nullptr) {
    uint8_t* b = p + 28;
    put32(b, block->ssrc);
    put32(b + 4, (uint32_t{block->fraction_lost} << 24) | (block->cumulative_lost & 0xffffff));
    put32(b + 8, block->extended_max_seq);
    put32(b + 12, block->jitter);
    put32(b + 16, block->lsr);
    put32(b + 20, block->dlsr);
  }
  return len;
}

std::optional<uint64_t> find_sender_report_ntp(std::span<const uint8_t> rtcp) noexcept {
  // RFC 3550 section 6.1: packets follow each other, each with V=2 and a length in 32-bit words
  // minus one; an SR carries the NTP timestamp right after the sender's SSRC.
  while (rtcp.size() >= 4) {
    const uint8_t* p = rtcp.data();
    if ((p[0] >> 6) != 2) return std::nullopt;
    const size_t len = (size_t{p[2]} << 8 | p[3]) * 4 + 4;
    if (len > rtcp.size()) return std::nullopt;
    if (p[1] == 200 && len >= 28) {
      uint64_t ntp = 0;
      for (int i = 8; i < 16; ++i) ntp = ntp << 8 | p[i];
      return ntp;
    }
    rtcp = rtcp.subspan(len);
  }
  return std::nullopt;
}

uint64_t ntp_from_unix_ns(int64_t unix_ns) noexcept {
  constexpr uint64_t kNtpUnixOffset = 2208988800ull;  // 1900-01-01 to 1970-01-01 in seconds
  const uint64_t sec = static_cast<uint64_t>(unix_ns / 1'000'000'000) + kNtpUnixOffset;
  const uint64_t frac = (static_cast<uint64_t>(unix_ns % 1'000'000'000) << 32) / 1'000'000'000;
  return (sec << 32) | frac;
}

}  // namespace rtpx::codecs
