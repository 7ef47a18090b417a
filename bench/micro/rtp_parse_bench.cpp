// RTP/RTCP header validation on the packets a relay sees most: 172-byte PCMU RTP packets and an
// SR + SDES compound RTCP packet. The "limit" row only loads the SSRC word of each packet: the
// least any demultiplexer has to read.

#include <array>
#include <cstdint>
#include <span>

#include "bench/micro/micro_common.hpp"
#include "engine/rtp/rtp_header.hpp"

namespace rtpx::bench {
namespace {

using PacketSet = std::array<std::array<uint8_t, kPcmuPacketBytes>, kBurst>;

PacketSet pcmu_burst() {
  PacketSet set;
  for (size_t i = 0; i < kBurst; ++i)
    set[i] = pcmu_packet(static_cast<uint16_t>(1000 + i), 0x1234'5678u + static_cast<uint32_t>(i));
  return set;
}

// SR with one report block (52 bytes) + SDES with a 16-character CNAME (32 bytes) = 84 bytes.
std::array<uint8_t, 84> rtcp_sr_sdes(uint32_t ssrc) {
  std::array<uint8_t, 84> p{};
  auto put32 = [&p](size_t at, uint32_t v) {
    p[at] = static_cast<uint8_t>(v >> 24);
    p[at + 1] = static_cast<uint8_t>(v >> 16);
    p[at + 2] = static_cast<uint8_t>(v >> 8);
    p[at + 3] = static_cast<uint8_t>(v);
  };
  p[0] = 0x81;  // V=2, RC=1
  p[1] = 200;   // SR
  p[3] = 12;    // (52 / 4) - 1
  put32(4, ssrc);
  put32(8, 0xE5A1'0000u);   // NTP seconds
  put32(12, 0x8000'0000u);  // NTP fraction
  put32(16, 160'000);       // RTP timestamp
  put32(20, 1000);          // packet count
  put32(24, 172'000);       // octet count
  put32(28, 0xCAFE'BABEu);  // report block: SSRC of source, then loss, jitter, LSR, DLSR
  p[52] = 0x81;             // V=2, SC=1
  p[53] = 202;              // SDES
  p[55] = 7;                // (32 / 4) - 1
  put32(56, ssrc);
  p[60] = 1;   // CNAME
  p[61] = 16;  // length
  const char cname[] = "rtpx@192.0.2.10x";
  for (size_t i = 0; i < 16; ++i) p[62 + i] = static_cast<uint8_t>(cname[i]);
  // p[78] = 0 ends the item list; 79..83 pad the chunk to a 32-bit boundary.
  return p;
}

void parse_rtp(benchmark::State& state) {
  const PacketSet set = pcmu_burst();
  for (auto _ : state) {
    for (const auto& pkt : set) {
      rtp::RtpView v;
      bool ok = rtp::parse_rtp(pkt, &v);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(v);
    }
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
}

// What the relay does on an rtcp-mux socket: RFC 5761 demultiplexing, then the RTP checks.
void classify_and_parse_rtp(benchmark::State& state) {
  const PacketSet set = pcmu_burst();
  for (auto _ : state) {
    for (const auto& pkt : set) {
      rtp::RtpView v;
      bool ok = rtp::classify_muxed(pkt) == rtp::Kind::rtp && rtp::parse_rtp(pkt, &v);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(v);
    }
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
}

void parse_rtcp(benchmark::State& state) {
  std::array<std::array<uint8_t, 84>, kBurst> set;
  for (size_t i = 0; i < kBurst; ++i)
    set[i] = rtcp_sr_sdes(0x1234'5678u + static_cast<uint32_t>(i));
  for (auto _ : state) {
    for (const auto& pkt : set) {
      rtp::RtcpView v;
      bool ok = rtp::parse_rtcp(pkt, &v);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(v);
    }
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
}

// Limit: read the version bits and the SSRC word, nothing else.
void limit_load_ssrc(benchmark::State& state) {
  const PacketSet set = pcmu_burst();
  for (auto _ : state) {
    for (const auto& pkt : set) {
      benchmark::DoNotOptimize(pkt.data());
      uint32_t ssrc =
          (pkt[0] >> 6) == 2
              ? (uint32_t{pkt[8]} << 24 | uint32_t{pkt[9]} << 16 | uint32_t{pkt[10]} << 8 | pkt[11])
              : 0;
      benchmark::DoNotOptimize(ssrc);
    }
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
}

[[maybe_unused]] const bool kRegistered = [] {
  with_min_max(benchmark::RegisterBenchmark("rtp/parse_rtp_172B", parse_rtp));
  with_min_max(
      benchmark::RegisterBenchmark("rtp/classify_muxed+parse_rtp_172B", classify_and_parse_rtp));
  with_min_max(benchmark::RegisterBenchmark("rtp/parse_rtcp_sr+sdes_84B", parse_rtcp));
  with_min_max(benchmark::RegisterBenchmark("rtp/limit:load_ssrc_172B", limit_load_ssrc));
  return true;
}();

}  // namespace
}  // namespace rtpx::bench
