#pragma once
// A fixed ring of outgoing datagrams: what a gateway produced, waiting for the shard to send it.
// Single thread; no allocation.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpx::codecs::t38 {

template <size_t Slots, size_t MaxLen>
class DatagramRing {
 public:
  // False (nothing stored) when the ring is full or `d` is longer than MaxLen.
  bool push(std::span<const uint8_t> d) noexcept {
    if (count_ == Slots || d.size() > MaxLen) return false;
    Slot& s = slots_[(head_ + count_) % Slots];
    s.len = static_cast<uint16_t>(d.size());
    std::copy(d.begin(), d.end(), s.data.begin());
    ++count_;
    return true;
  }
  // Copies the oldest datagram into `out` and returns its length; 0 when empty. A datagram that
  // does not fit `out` is dropped (0).
  size_t pop(std::span<uint8_t> out) noexcept {
    if (count_ == 0) return 0;
    const Slot& s = slots_[head_];
    head_ = (head_ + 1) % Slots;
    --count_;
    if (s.len > out.size()) return 0;
    std::copy_n(s.data.begin(), s.len, out.begin());
    return s.len;
  }
  size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

 private:
  struct Slot {
    uint16_t len = 0;
    std::array<uint8_t, MaxLen> data{};
  };
  std::array<Slot, Slots> slots_{};
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace rtpx::codecs::t38
