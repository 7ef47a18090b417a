#pragma once
// A counter written by one thread (its shard) and read by any: a relaxed load+store, so the
// writer pays a plain add, never a locked instruction.

#include <atomic>
#include <cstdint>

namespace rtpx {

class RelaxedCounter {
 public:
  void add(uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

}  // namespace rtpx
