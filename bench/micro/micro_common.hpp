#pragma once
// Shared by the micro-benchmarks in this folder: min/max statistics next to Google Benchmark's
// mean/median/stddev (docs/benchmarks.md reports median, min and max over repetitions), the
// per-item counters, a thread-CPU timer for benchmarks that time only part of an iteration, and
// the 172-byte PCMU packet every data-plane benchmark relays.

#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace rtpx::bench {

inline constexpr size_t kPcmuPacketBytes = 172;  // 12-byte RTP header + 20 ms of G.711 at 8 kHz
inline constexpr size_t kBurst = 32;

// Both clocks count CPU time, not wall time: the machines these run on are shared, and time spent
// preempted says nothing about the code. cpu: Google Benchmark's CPU time of the whole iteration.
// manual: the thread's CPU time around the part under test only (ThreadCpuTimer), for benchmarks
// whose iterations also run untimed work (a sender, a sink, a test harness). Thread CPU time
// includes kernel time in system calls and the softirq work the kernel runs inside them (loopback
// delivery), which is where a relay's socket cost is.
enum class Timing { cpu, manual };

// Adds "min" and "max" aggregates (next to mean, median, stddev, cv) and picks the clock.
inline benchmark::internal::Benchmark* with_min_max(benchmark::internal::Benchmark* b,
                                                    Timing timing = Timing::cpu) {
  if (timing == Timing::manual) b->UseManualTime();
  return b
      ->ComputeStatistics("min",
                          [](const std::vector<double>& v) -> double {
                            return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
                          })
      ->ComputeStatistics("max", [](const std::vector<double>& v) -> double {
        return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
      });
}

// Sets items/s and "time_per_item" (seconds; the console shows it as e.g. "41.2ns"), both over
// the benchmark's clock.
inline void report_items(benchmark::State& state, int64_t items) {
  state.SetItemsProcessed(items);
  state.counters["time_per_item"] = benchmark::Counter(
      static_cast<double>(items), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Accumulates the calling thread's CPU time and the wall time over start()/stop() pairs.
class ThreadCpuTimer {
 public:
  void start() noexcept {
    cpu0_ = now(CLOCK_THREAD_CPUTIME_ID);
    wall0_ = now(CLOCK_MONOTONIC);
  }
  // Returns the section's CPU seconds (for State::SetIterationTime).
  double stop() noexcept {
    const double cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0_;
    wall_ += now(CLOCK_MONOTONIC) - wall0_;
    return cpu;
  }
  double wall_seconds() const noexcept { return wall_; }

 private:
  static double now(clockid_t clock) noexcept {
    timespec ts;
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double cpu0_ = 0, wall0_ = 0, wall_ = 0;
};

// Wall time per item of the timed sections, in ns, next to the CPU-time figures: on a quiet
// machine the two agree; the gap shows how much the run was preempted (or work done elsewhere).
inline void report_wall(benchmark::State& state, const ThreadCpuTimer& t, int64_t items) {
  state.counters["wall_ns_per_item"] =
      items > 0 ? t.wall_seconds() * 1e9 / static_cast<double>(items) : 0.0;
}

// A PCMU packet: V=2, PT=0, the given sequence number, timestamp seq*160, SSRC, 160 payload bytes.
inline std::array<uint8_t, kPcmuPacketBytes> pcmu_packet(uint16_t seq, uint32_t ssrc) {
  std::array<uint8_t, kPcmuPacketBytes> p{};
  const uint32_t ts = uint32_t{seq} * 160;
  p[0] = 0x80;
  p[1] = 0x00;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  p[4] = static_cast<uint8_t>(ts >> 24);
  p[5] = static_cast<uint8_t>(ts >> 16);
  p[6] = static_cast<uint8_t>(ts >> 8);
  p[7] = static_cast<uint8_t>(ts);
  p[8] = static_cast<uint8_t>(ssrc >> 24);
  p[9] = static_cast<uint8_t>(ssrc >> 16);
  p[10] = static_cast<uint8_t>(ssrc >> 8);
  p[11] = static_cast<uint8_t>(ssrc);
  for (size_t i = 12; i < p.size(); ++i) p[i] = static_cast<uint8_t>(0xff ^ (i * 7));  // mu-law
  return p;
}

}  // namespace rtpx::bench
