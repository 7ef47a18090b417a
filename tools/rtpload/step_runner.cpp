#include "tools/rtpload/step_runner.hpp"

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "tools/rtpload/proc_cpu.hpp"
#include "tools/rtpload/sender.hpp"
#include "tools/rtpload/udp_drops.hpp"

namespace rtpload {

void StepRunner::drain() {
  using clock = std::chrono::steady_clock;
  constexpr auto kQuiet = std::chrono::milliseconds(250);
  const auto deadline = clock::now() + std::chrono::milliseconds(o_.drain_ms);
  uint64_t last = rx_.datagrams();
  auto last_change = clock::now();
  while (clock::now() < deadline && !stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    const uint64_t cur = rx_.datagrams();
    if (cur != last) {
      last = cur;
      last_change = clock::now();
    } else if (clock::now() - last_change >= kQuiet) {
      break;
    }
  }
}

std::optional<StepResult> StepRunner::run(double pps_per_stream) {
  if (next_epoch_ >= kMaxEpochs || stop_.load()) return std::nullopt;
  const int epoch = next_epoch_++;
  auto& streams = set_.streams();
  StepResult r;
  r.pps_per_stream = pps_per_stream;
  const size_t stride = set_.send_stride();  // --srtp: A->B only
  r.target_pps = pps_per_stream * static_cast<double>(streams.size() / stride);
  r.duration_s = o_.duration_s;

  const auto t_setup = std::chrono::steady_clock::now();
  if (auto err = set_.establish(ng_, epoch, o_.quiet); !err.empty()) {
    setup_error_ = err;
    std::string ignored;
    set_.teardown(ng_, ignored);
    return std::nullopt;
  }
  r.setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_setup).count();

  if (!o_.quiet)
    std::fprintf(stderr,
                 "step %d: %g pps per stream (%.0f pps total), warm-up %.1f s, measure %.1f s\n",
                 epoch, pps_per_stream, r.target_pps, o_.warmup_s, o_.duration_s);
  // --transcode: the receiver counts what arrives in this step's epoch from the first packet, so
  // the warm-up's packets are part of the step's sent count too.
  const bool media = !set_.transcode().empty();
  std::vector<uint32_t> index0;  // --transcode: per stream, the first index of the step
  std::vector<uint64_t> received0;
  if (media) {
    rx_.set_media_epoch(epoch);
    for (size_t j = 0; j < streams.size(); ++j) {
      index0.push_back(streams[j].next_index);
      received0.push_back(rx_.media_received(j));
    }
  }
  SendResult warm;
  if (o_.warmup_s > 0)
    warm = send_phase(streams, pps_per_stream, o_.warmup_s, 0, o_.tick_us, stop_, stride);

  const std::vector<uint64_t> harness_socks = socket_inodes_of_fds(set_.fds());
  const std::vector<uint64_t> relay_socks =
      relay_pid_ ? socket_inodes_of_pid(*relay_pid_) : std::vector<uint64_t>{};
  const uint64_t hdrop0 = udp_drops(harness_socks);
  const uint64_t rdrop0 = udp_drops(relay_socks);
  const std::optional<double> cpu0 =
      relay_pid_ ? process_cpu_seconds(*relay_pid_) : std::optional<double>{};
  const double self0 = self_cpu_seconds();
  const uint64_t rx0 = rx_.total_received();
  const SendResult s = send_phase(streams, pps_per_stream, o_.duration_s,
                                  static_cast<uint8_t>(epoch), o_.tick_us, stop_, stride);
  const std::optional<double> cpu1 =
      relay_pid_ ? process_cpu_seconds(*relay_pid_) : std::optional<double>{};
  const double self1 = self_cpu_seconds();
  const uint64_t rx_window = rx_.total_received() - rx0;
  drain();
  r.harness_rx_drops = udp_drops(harness_socks) - hdrop0;
  if (relay_pid_) r.relay_rx_drops = udp_drops(relay_socks) - rdrop0;
  std::string del_err;
  if (const int bad = set_.teardown(ng_, del_err); bad > 0) {
    if (delete_failures_ == 0) delete_error_ = del_err;
    delete_failures_ += bad;
  }

  const EpochStats& st = rx_.epoch(epoch);
  r.sent = s.sent + (media ? warm.sent : 0);
  r.send_errors = s.send_errors + (media ? warm.send_errors : 0);
  r.skipped = s.skipped + (media ? warm.skipped : 0);
  r.received = st.received.get();
  r.out_of_order = st.out_of_order.get();
  r.duplicates = st.duplicates.get();
  r.corrupted = st.corrupted.get();
  r.misrouted = st.misrouted.get();
  // A step cut short by a signal still reports its rates over the time it really ran.
  const double dur = stop_.load() ? s.elapsed_s : o_.duration_s;
  r.offered_pps = dur > 0 ? static_cast<double>(s.sent) / dur : 0;
  // Relayed rate and CPU per packet over the same window: whatever arrived while the measured
  // phase was sent. Under overload that includes a backlog from the warm-up and leaves one for
  // the drain; below saturation it equals the step's own packets.
  r.relayed_pps = s.elapsed_s > 0 ? static_cast<double>(rx_window) / s.elapsed_s : 0;
  uint64_t lost = r.sent > r.received ? r.sent - r.received : 0;
  if (media) {  // per stream: the packets it sent (or tried to) minus those that arrived
    lost = 0;
    for (size_t j = 0; j < streams.size(); j += stride) {
      const uint64_t tried = streams[j].next_index - index0[j];
      const uint64_t got = rx_.media_received(j) - received0[j];
      if (tried <= got) continue;
      ++r.held;
      lost += tried - got - 1;
    }
  }
  r.loss_pct = r.sent > 0 ? 100.0 * static_cast<double>(lost) / static_cast<double>(r.sent) : 0;
  r.lat_p50_us = static_cast<double>(st.latency.quantile_ns(0.50)) / 1000.0;
  r.lat_p99_us = static_cast<double>(st.latency.quantile_ns(0.99)) / 1000.0;
  r.lat_max_us = static_cast<double>(st.latency.max_ns()) / 1000.0;
  if (cpu0 && cpu1) {
    r.relay_cpu_s = *cpu1 - *cpu0;
    if (rx_window > 0)
      r.relay_cpu_us_per_pkt = *r.relay_cpu_s * 1e6 / static_cast<double>(rx_window);
  }
  r.harness_cpu_s = self1 - self0;
  return r;
}

}  // namespace rtpload
