#pragma once
// DTMF digits a transcoding stage saw, handed from the shard that runs it to the control plane
// that announces them: a single-producer single-consumer ring, no locks. When the control plane
// falls behind by more than the ring holds, the newest digits are dropped and counted.

#include <array>
#include <atomic>
#include <cstdint>

namespace rtpx::codecs {

struct DtmfReport {
  char digit = 0;  // '0'-'9', '*', '#', 'A'-'D'
  uint16_t duration_ms = 0;
  uint8_t volume = 0;   // RFC 4733 volume (-dBm0), 0 when unknown
  bool inband = false;  // detected in the audio, not a telephone-event
};

class DtmfReportQueue {
 public:
  // Shard.
  bool push(const DtmfReport& r) noexcept {
    const uint32_t t = tail_.load(std::memory_order_relaxed);
    if (t - head_.load(std::memory_order_acquire) == kSize) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    ring_[t % kSize] = r;
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }
  // Control plane.
  bool pop(DtmfReport* r) noexcept {
    const uint32_t h = head_.load(std::memory_order_relaxed);
    if (h == tail_.load(std::memory_order_acquire)) return false;
    *r = ring_[h % kSize];
    head_.store(h + 1, std::memory_order_release);
    return true;
  }
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint32_t kSize = 32;
  std::array<DtmfReport, kSize> ring_{};
  std::atomic<uint32_t> head_{0};
  std::atomic<uint32_t> tail_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace rtpx::codecs
