#pragma once
// Counters the receiver thread writes and the main thread reads, one block per measurement
// epoch. Each counter has a single writer, so updates are a relaxed load + store (no locked
// instruction) and reads from another thread are race-free.

#include <array>
#include <atomic>
#include <cstdint>

namespace rtpload {

class Counter {
 public:
  void add(uint64_t d) {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  void raise_to(uint64_t x) {
    if (x > v_.load(std::memory_order_relaxed)) v_.store(x, std::memory_order_relaxed);
  }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Log-linear latency histogram in nanoseconds: exact below 128 ns, then 64 buckets per power of
// two (under 1.6 % error) up to 2^41 ns.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kMaxMsb = 40;
  static constexpr int kBuckets = 128 + (kMaxMsb - kSubBits) * 64 + 64;

  void record(uint64_t ns) {
    buckets_[index(ns)].add(1);
    max_.raise_to(ns);
  }
  uint64_t count() const;
  uint64_t max_ns() const { return max_.get(); }
  // Value at quantile q in [0,1] (bucket midpoint), 0 when empty.
  uint64_t quantile_ns(double q) const;

  static int index(uint64_t ns);
  static uint64_t bucket_low(int idx);
  static uint64_t bucket_high(int idx);  // exclusive

 private:
  std::array<Counter, kBuckets> buckets_{};
  Counter max_;
};

struct EpochStats {
  Counter received;      // intact, first copy
  Counter out_of_order;  // intact, arrived after a later packet of its stream
  Counter duplicates;    // intact, already received
  Counter corrupted;     // wrong length, header or payload pattern
  Counter misrouted;     // intact but arrived on another session's or direction's socket
  LatencyHistogram latency;
};

// Epoch 0 is the warm-up (counted, never reported); measurements use 1..kMaxEpochs-1.
inline constexpr int kMaxEpochs = 64;

}  // namespace rtpload
