#pragma once
// One measurement step: set up the calls (new call-ids every step), a warm-up phase (epoch 0,
// not reported), the measured send phase with the relay's CPU sampled before and after, a drain
// wait for packets in flight, the calls deleted, then the numbers of the step's epoch.
//
// Fresh calls per step matter for --find-max: a relay may disable a stream for good once it has
// been overloaded (rtpengine stops reading a socket after 5 receive-queue overruns), which would
// otherwise fail every later, lower rate.

#include <atomic>
#include <optional>
#include <string>

#include "tools/rtpload/ng_client.hpp"
#include "tools/rtpload/options.hpp"
#include "tools/rtpload/receiver.hpp"
#include "tools/rtpload/session_set.hpp"

namespace rtpload {

struct StepResult {
  double pps_per_stream = 0;  // target
  double target_pps = 0;      // all streams
  double duration_s = 0;
  uint64_t sent = 0;  // in the measured phase (with --transcode, in the warm-up too)
  uint64_t send_errors = 0;
  uint64_t skipped = 0;   // the sender lagged
  uint64_t received = 0;  // of this step's packets, whenever they arrived (loss is from these)
  uint64_t out_of_order = 0;
  uint64_t duplicates = 0;
  uint64_t corrupted = 0;
  uint64_t misrouted = 0;
  double offered_pps = 0;  // sent in the measured phase / duration
  double relayed_pps = 0;  // packets that arrived during the measured phase / its duration
  // (sent - received) / sent. With --transcode, what each stream misses beyond one packet: a
  // transcoding relay may hold one frame per stream in its encoder when the sender stops (rtpengine
  // sends its first packet after the second one it received, and never the last); those are
  // `held`, not lost.
  double loss_pct = 0;
  uint64_t held = 0;  // --transcode: streams that missed exactly their one allowed packet or more
  double lat_p50_us = 0, lat_p99_us = 0, lat_max_us = 0;
  std::optional<double> relay_cpu_s;  // during the measured send phase
  // Relay CPU / packets that arrived in the same window (= CPU seconds per million packets).
  std::optional<double> relay_cpu_us_per_pkt;
  double harness_cpu_s = 0;
  double setup_s = 0;  // offer + answer for all sessions
  // Kernel receive-queue drops during the measured phase, on the harness's sockets and on the
  // relay's (unknown without a relay pid): they say where the loss happened.
  uint64_t harness_rx_drops = 0;
  std::optional<uint64_t> relay_rx_drops;

  // The sender could not offer the target rate, or most of the loss happened in the harness's
  // own receive queues: a ceiling found here is the harness's, not the relay's.
  bool harness_limited() const {
    const uint64_t lost = sent > received ? sent - received : 0;
    return offered_pps < 0.95 * target_pps || (lost > 0 && 2 * harness_rx_drops >= lost);
  }
};

class StepRunner {
 public:
  StepRunner(const Options& o, NgClient& ng, SessionSet& set, Receiver& rx,
             std::optional<int> relay_pid, const std::atomic<bool>& stop)
      : o_(o), ng_(ng), set_(set), rx_(rx), relay_pid_(relay_pid), stop_(stop) {}

  // Runs one step at `pps_per_stream`; nullopt when the epochs are used up, on a stop request or
  // when the calls could not be set up (then setup_error() says why).
  std::optional<StepResult> run(double pps_per_stream);

  const std::string& setup_error() const { return setup_error_; }
  int delete_failures() const { return delete_failures_; }
  const std::string& delete_error() const { return delete_error_; }

 private:
  const Options& o_;
  NgClient& ng_;
  SessionSet& set_;
  Receiver& rx_;
  std::optional<int> relay_pid_;
  const std::atomic<bool>& stop_;
  void drain();
  int next_epoch_ = 1;
  std::string setup_error_;
  int delete_failures_ = 0;
  std::string delete_error_;
};

}  // namespace rtpload
