#pragma once
// A shard's fax stage: the T.38 gateways between the legs of the calls whose endpoints the shard
// holds. What the audio leg's party sends (RTP) and what the T.38 leg's party sends (UDPTL) arrive
// through relay_one (on_fax); each gateway's clock runs on a fixed tick, and what it produces for a
// party leaves from the endpoint facing that party: RTP (SRTP-protected when that party uses
// SRTP) towards the audio party, UDPTL towards the T.38 party. Shard thread only; allocation-free
// after construction (the watch list is reserved).

#include <cstdint>
#include <vector>

#include "engine/core/relaxed_counter.hpp"
#include "engine/io/io_backend.hpp"
#include "engine/session/relay_path.hpp"

namespace rtpx::engine {

struct FaxCounters {
  RelaxedCounter rtp_out;         // sent towards audio parties
  RelaxedCounter udptl_out;       // sent towards T.38 parties
  RelaxedCounter no_destination;  // produced while the party's address was unknown
  RelaxedCounter srtp_errors;
  RelaxedCounter tx_errors;
};

class FaxStage final : public FaxSink {
 public:
  // The gateways produce 20 ms audio frames; a 5 ms tick keeps their spacing within 5 ms.
  static constexpr int64_t kTickNs = 5'000'000;

  FaxStage(io::IoBackend& backend, EndpointTable table);

  // An endpoint was (re)configured: watch its gateway.
  void configured(io::SocketId id, const Endpoint& e) noexcept;
  void on_fax(Endpoint& e, const io::Packet& p) noexcept override;
  // Runs every watched gateway's clock when the tick is due; forgets those no longer configured.
  void run_timers(int64_t now_ns) noexcept;
  int64_t next_due_ns() const noexcept { return watch_.empty() ? INT64_MAX : next_tick_ns_; }
  const FaxCounters& counters() const noexcept { return counters_; }
  size_t watched() const noexcept { return watch_.size(); }

 private:
  // Sends what the gateway of `e` produced for the party on the other side of `e`.
  void drain(const Endpoint& e) noexcept;

  struct Watch {
    io::SocketId id;
    codecs::t38::FaxGateway* gw;  // compared with the endpoint's current one
  };
  io::IoBackend& backend_;
  EndpointTable table_;
  std::vector<Watch> watch_;
  int64_t next_tick_ns_ = 0;
  FaxCounters counters_;
};

}  // namespace rtpx::engine
