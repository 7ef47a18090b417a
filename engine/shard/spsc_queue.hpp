#pragma once
// Bounded single-producer single-consumer ring. The control thread produces, one shard consumes
// between bursts. No locks, no allocation after construction.

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

namespace rtpx {

template <typename T>
class SpscQueue {
 public:
  explicit SpscQueue(size_t capacity_pow2)
      : mask_(capacity_pow2 - 1), slots_(new T[capacity_pow2]) {}

  bool try_push(const T& v) noexcept {
    size_t h = head_.load(std::memory_order_relaxed);
    if (h - tail_.load(std::memory_order_acquire) > mask_) return false;
    slots_[h & mask_] = v;
    head_.store(h + 1, std::memory_order_release);
    return true;
  }

  bool try_pop(T* out) noexcept {
    size_t t = tail_.load(std::memory_order_relaxed);
    if (t == head_.load(std::memory_order_acquire)) return false;
    *out = slots_[t & mask_];
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  bool empty() const noexcept {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }

 private:
  size_t mask_;
  std::unique_ptr<T[]> slots_;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace rtpx
