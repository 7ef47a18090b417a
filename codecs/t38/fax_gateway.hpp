#pragma once
// A T.38 fax gateway between two legs of a call: one carries the fax as G.711 audio over RTP (a
// fax machine or an analogue gateway modulating T.30), the other as T.38 IFPs over UDPTL. SpanDSP's
// t38_gateway demodulates the audio into IFPs and modulates the IFPs into audio; this class feeds
// it and frames what it produces:
//
//   RTP (PCMU/PCMA) -> FaxAudioInput (order, gaps) -> t38_gateway_rx -> IFPs -> UdptlSender ->
//   UDPTL UDPTL -> UdptlReceiver (order, repair) -> t38_core_rx_ifp_packet -> t38_gateway_tx -> RTP
//
// The audio leg runs on rtpx's clock: tick() produces one 20 ms RTP packet per 20 ms (silence
// while the modems are idle), so the fax machine hears a continuous signal. The T.30 frames that
// cross the gateway are watched to report progress: the negotiated rate, ECM, pages confirmed,
// and the outcome when the call disconnects.
//
// Created on the control plane (SpanDSP allocates its state there), then used by one shard
// thread: push_*, tick, pull_* are noexcept and allocation-free. stats() and progress() are read
// by the control plane.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "codecs/t38/udptl.hpp"

namespace rtpx::codecs::t38 {

// Fax modulations the gateway lets the machines choose (the T.30 DIS it passes on is trimmed to
// them).
enum FaxModem : uint32_t {
  kModemV27ter = 1u << 0,  // 2400/4800 bit/s
  kModemV29 = 1u << 1,     // 7200/9600 bit/s
  kModemV17 = 1u << 2,     // 7200..14400 bit/s
  kModemV34 = 1u << 3,     // not implemented by SpanDSP's gateway: never offered
  kModemIaf = 1u << 4,     // Internet-aware fax
};
inline constexpr uint32_t kDefaultModems = kModemV27ter | kModemV29 | kModemV17;

struct FaxGatewayConfig {
  // Audio leg.
  uint8_t audio_pt = 0;  // what the gateway sends: 0 PCMU or 8 PCMA (both are accepted in)
  uint32_t ssrc = 0;     // its RTP stream
  uint16_t first_seq = 0;
  uint32_t first_ts = 0;
  uint32_t audio_hold_ms = 40;  // how long a frame after a gap waits for the missing one
  // Fax options.
  bool ecm = true;
  uint32_t modems = kDefaultModems;
  // T.38 leg, as negotiated in SDP (RFC 3362 / T.38 Annex D attributes).
  uint8_t t38_version = 0;        // T38FaxVersion
  uint32_t max_bitrate = 14400;   // T38MaxBitRate
  bool local_tcf = false;         // T38FaxRateManagement: localTCF (else transferredTCF)
  bool fill_bit_removal = false;  // T38FaxFillBitRemoval
  bool transcoding_mmr = false;   // T38FaxTranscodingMMR
  bool transcoding_jbig = false;  // T38FaxTranscodingJBIG
  SenderConfig udptl;             // T38FaxUdpEC and the far side's T38FaxMaxDatagram
  ReceiverConfig udptl_rx;
  int64_t udptl_flush_ms = 100;  // no UDPTL for this long: deliver what waits behind a gap
};

// Where the fax call is, as seen from the T.30 frames crossing the gateway.
enum class FaxPhase : uint8_t {
  idle,         // no T.30 frame yet
  negotiating,  // DIS/DCS exchanged, training
  sending,      // page data (after CFR)
  done,         // DCN after the last page was confirmed
  failed,       // DCN at any other point
};
const char* to_string(FaxPhase p) noexcept;

struct FaxProgress {
  FaxPhase phase = FaxPhase::idle;
  uint32_t pages = 0;     // pages confirmed (MCF) by the receiving machine
  uint32_t bit_rate = 0;  // image data rate of the last DCS
  bool ecm = false;       // the last DCS asked for error correction mode
};

struct FaxGatewayStats {
  std::atomic<uint64_t> rtp_in{0};  // audio packets accepted
  std::atomic<uint64_t> rtp_out{0};
  std::atomic<uint64_t> rtp_malformed{0};  // not RTP, or not PCMU/PCMA (payload type or size)
  std::atomic<uint64_t> audio_late{0};
  std::atomic<uint64_t> audio_gap_samples{0};  // lost audio fed to the modems as fill-in
  std::atomic<uint64_t> udptl_in{0};
  std::atomic<uint64_t> udptl_out{0};
  std::atomic<uint64_t> udptl_malformed{0};
  std::atomic<uint64_t> ifp_recovered{0};  // rebuilt from redundancy or FEC
  std::atomic<uint64_t> ifp_lost{0};       // given up
  std::atomic<uint64_t> ifp_errors{0};     // IFPs t38_core rejected, or too long to send
  std::atomic<uint64_t> out_overflow{0};   // produced while the shard was not draining
};

class FaxGateway {
 public:
  static constexpr uint32_t kMaxPacket = 1500;
  static constexpr uint32_t kFrameSamples = 160;  // 20 ms at 8 kHz
  static constexpr int64_t kFrameNs = 20'000'000;

  // nullptr and *error set when SpanDSP cannot be set up or the configuration is out of range.
  static std::unique_ptr<FaxGateway> create(const FaxGatewayConfig& c, std::string* error);
  ~FaxGateway();
  FaxGateway(const FaxGateway&) = delete;
  FaxGateway& operator=(const FaxGateway&) = delete;

  // An RTP packet from the audio leg's party (decrypted).
  void push_rtp(std::span<const uint8_t> rtp, int64_t now_ns) noexcept;
  // A UDPTL datagram from the T.38 leg's party.
  void push_udptl(std::span<const uint8_t> datagram, int64_t now_ns) noexcept;
  // Runs the audio clock up to now_ns: every 20 ms one RTP packet is produced for the audio leg.
  void tick(int64_t now_ns) noexcept;
  // When tick() next has work.
  int64_t next_due_ns() const noexcept;

  // Next datagram for each leg, 0 when none is waiting (kMaxPacket bytes fit).
  size_t pull_rtp(std::span<uint8_t> out) noexcept;
  size_t pull_udptl(std::span<uint8_t> out) noexcept;

  const FaxGatewayStats& stats() const noexcept;
  FaxProgress progress() const noexcept;  // any thread

  struct Impl;

 private:
  explicit FaxGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::codecs::t38
