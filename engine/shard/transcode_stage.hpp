#pragma once
// A shard's transcoding stage: the transcoders of the streams whose endpoints the shard holds.
// Media arrives through relay_one (on_media; the party's RTCP through on_rtcp, absorbed, its sender
// reports noted for the LSR/DLSR of rtpx's own reports), playout and packetisation run on a fixed
// tick (jitter buffer release, loss concealment), and what a transcoder produces leaves from the
// endpoint facing the other party: SRTP-protected when that party uses SRTP, sent to its latched
// (else signaled) address. Shard thread only; allocation-free after construction (the watch list
// is reserved).

#include <cstdint>
#include <vector>

#include "engine/core/relaxed_counter.hpp"
#include "engine/io/io_backend.hpp"
#include "engine/session/relay_path.hpp"

namespace rtpx::engine {

struct TranscodeCounters {
  RelaxedCounter packets_out;     // sent for transcoded streams
  RelaxedCounter rtcp_out;        // sender reports sent for them
  RelaxedCounter no_destination;  // produced while the other party's address was unknown
  RelaxedCounter srtp_errors;
  RelaxedCounter tx_errors;
};

class TranscodeStage final : public TranscodeSink {
 public:
  // How often transcoders are polled without new input: the granularity of jitter-buffer
  // release and of concealment when packets stop arriving.
  static constexpr int64_t kTickNs = 5'000'000;
  // RTCP sender reports for each transcoded stream, every 5 s (RFC 3550's minimum interval).
  static constexpr int64_t kRtcpIntervalNs = 5'000'000'000;

  TranscodeStage(io::IoBackend& backend, EndpointTable table);

  // An endpoint was (re)configured: watch its transcoder.
  void configured(io::SocketId id, const Endpoint& e) noexcept;
  void on_media(Endpoint& e, io::SocketId out, const io::Packet& p) noexcept override;
  void on_rtcp(Endpoint& e, const io::Packet& p) noexcept override;
  // Runs every watched transcoder when the tick is due; forgets those no longer configured.
  void run_timers(int64_t now_ns) noexcept;
  // The next tick, INT64_MAX with nothing to watch.
  int64_t next_due_ns() const noexcept { return watch_.empty() ? INT64_MAX : next_tick_ns_; }
  const TranscodeCounters& counters() const noexcept { return counters_; }
  size_t watched() const noexcept { return watch_.size(); }

  static int64_t clock_ns() noexcept;  // CLOCK_MONOTONIC (the jitter buffer needs precision)

 private:
  void drain(codecs::Transcoder& t, io::SocketId out, int64_t now) noexcept;
  void send_report(const Endpoint& e, codecs::Transcoder& t) noexcept;
  // Sends from endpoint `out` to its party (SRTP/SRTCP-protected when it has keys).
  void send_counted(io::SocketId out, uint8_t* buf, uint32_t len, uint32_t cap, bool rtcp) noexcept;

  struct Watch {
    io::SocketId id;
    codecs::Transcoder* t;  // compared with the endpoint's current one, never dereferenced alone
    int64_t next_rtcp_ns;
  };
  io::IoBackend& backend_;
  EndpointTable table_;
  std::vector<Watch> watch_;
  int64_t next_tick_ns_ = 0;
  TranscodeCounters counters_;
};

}  // namespace rtpx::engine
