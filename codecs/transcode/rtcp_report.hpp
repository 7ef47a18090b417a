#pragma once
// RTCP sender reports (RFC 3550 section 6.4.1) for a stream rtpx originates: a transcoded leg's
// parties must hear about rtpx's stream (its SSRC, counts, timing), not about the stream the
// other party sent, which never reaches them.

#include <cstdint>
#include <optional>
#include <span>

namespace rtpx::codecs {

// How the stream rtpx receives from a party is doing, for the report block sent back to it.
struct ReceptionStats {
  uint32_t ssrc = 0;              // the party's SSRC
  uint32_t extended_max_seq = 0;  // cycles << 16 | highest sequence number
  uint32_t cumulative_lost = 0;   // expected - received, clamped to 24 bits
  uint8_t fraction_lost = 0;      // since the previous report, in 1/256
  uint32_t jitter = 0;            // interarrival jitter in RTP clock units
  uint32_t lsr = 0;   // middle 32 bits of the NTP time of the party's last SR, 0: none yet
  uint32_t dlsr = 0;  // delay since that SR arrived, in 1/65536 s
};

struct SenderInfo {
  uint32_t ssrc = 0;
  uint64_t ntp = 0;  // NTP timestamp (RFC 3550 section 4): seconds << 32 | fraction
  uint32_t rtp_timestamp = 0;
  uint32_t packets = 0;
  uint32_t octets = 0;  // payload octets
};

inline constexpr size_t kSenderReportSize = 28 + 24;  // with one report block

// Writes an SR with one report block when `block` is set (else none); returns its length, or 0
// when `out` is too small.
size_t write_sender_report(const SenderInfo& s, const ReceptionStats* block,
                           std::span<uint8_t> out) noexcept;

// The NTP timestamp of the first sender report in a compound RTCP packet (as it arrives from a
// party, decrypted), or nullopt when it holds none or is malformed.
std::optional<uint64_t> find_sender_report_ntp(std::span<const uint8_t> rtcp) noexcept;

// The NTP timestamp for a CLOCK_REALTIME time in nanoseconds.
uint64_t ntp_from_unix_ns(int64_t unix_ns) noexcept;

}  // namespace rtpx::codecs
