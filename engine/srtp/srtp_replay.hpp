#pragma once
// The replay window of one stream (RFC 3711 section 3.3.2): the highest index accepted and a
// bitmap of which of the Context::kReplayWindow indices up to it were seen. Checking and recording
// are separate so that a receiver records an index only after the packet authenticated.

#include <cstdint>

#include "engine/srtp/srtp_context.hpp"

namespace rtpx::engine::srtp {

class ReplayWindow {
 public:
  static constexpr uint64_t kSize = Context::kReplayWindow;
  static_assert(kSize == 128, "the bitmap is two 64-bit words");

  // Starts the window at `index` (the stream's first packet).
  void reset(uint64_t index) noexcept {
    highest_ = index;
    bits_[0] = 1;
    bits_[1] = 0;
  }

  uint64_t highest() const noexcept { return highest_; }

  // ok for an index ahead of the window or inside it and not seen yet.
  Status check(uint64_t index) const noexcept {
    if (index > highest_) return Status::ok;
    const uint64_t behind = highest_ - index;
    if (behind >= kSize) return Status::too_old;
    return (bits_[behind / 64] >> (behind % 64)) & 1 ? Status::replayed : Status::ok;
  }

  // Records an index check() accepted.
  void add(uint64_t index) noexcept {
    if (index > highest_) {
      shift(index - highest_);
      highest_ = index;
      bits_[0] |= 1;
    } else {
      const uint64_t behind = highest_ - index;
      if (behind < kSize) bits_[behind / 64] |= uint64_t{1} << (behind % 64);
    }
  }

 private:
  // Bit k of the 128-bit map (bits_[0] low word) stands for index highest_ - k.
  void shift(uint64_t n) noexcept {
    if (n >= kSize) {
      bits_[0] = bits_[1] = 0;
    } else if (n >= 64) {
      bits_[1] = bits_[0] << (n - 64);
      bits_[0] = 0;
    } else if (n > 0) {
      bits_[1] = (bits_[1] << n) | (bits_[0] >> (64 - n));
      bits_[0] <<= n;
    }
  }

  uint64_t highest_ = 0;
  uint64_t bits_[2] = {0, 0};
};

}  // namespace rtpx::engine::srtp
