#pragma once
// A value written by one thread and read by others without locks: readers retry while a write
// is in progress. For small, rarely written values (a stream's latched address).

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace rtpx {

template <typename T>
class SeqLocked {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  void store(const T& v) noexcept {
    uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(bytes_, &v, sizeof(T));
    seq_.store(s + 2, std::memory_order_release);
  }

  T load() const noexcept {
    T out;
    for (;;) {
      uint32_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      std::memcpy(&out, bytes_, sizeof(T));
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) return out;
    }
  }

 private:
  std::atomic<uint32_t> seq_{0};
  alignas(T) unsigned char bytes_[sizeof(T)]{};
};

}  // namespace rtpx
