#pragma once
// A provided-buffer ring for io_uring: a block of equal receive buffers plus the ring through
// which the kernel picks one per completed receive (IORING_REGISTER_PBUF_RING, Linux 5.19).
// liburing 2.3 has no io_uring_setup_buf_ring, so the ring memory is mapped and registered here.
// Used by one thread; give/publish/taken never allocate and never enter the kernel.

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace rtpx::io {

class UringBufferRing {
 public:
  // Buffer ids are 16 bits and a ring holds fewer than 65536 entries.
  static constexpr uint32_t kMaxBuffers = 32768;

  UringBufferRing() = default;
  ~UringBufferRing();
  UringBufferRing(const UringBufferRing&) = delete;
  UringBufferRing& operator=(const UringBufferRing&) = delete;

  // Maps `count` buffers of `stride` bytes and a ring of bit_ceil(count) entries, registers the
  // ring as buffer group `bgid` of `ring`, and hands every buffer to the kernel. The kernel sees
  // buffer i as [buffer(i) + offset, buffer(i) + offset + len). False with *error on failure.
  bool init(io_uring* ring, uint16_t bgid, uint32_t count, uint32_t stride, uint32_t offset,
            uint32_t len, std::string* error);

  uint8_t* buffer(uint32_t bid) const noexcept { return mem_ + static_cast<size_t>(bid) * stride_; }
  uint32_t count() const noexcept { return count_; }
  uint32_t entries() const noexcept { return entries_; }

  // Queues buffer `bid` for the kernel; it becomes visible at the next publish().
  void give(uint32_t bid) noexcept {
    io_uring_buf_ring_add(br_, buffer(bid) + offset_, len_, static_cast<unsigned short>(bid),
                          static_cast<int>(entries_ - 1), static_cast<int>(pending_++));
  }
  void publish() noexcept {
    if (pending_ == 0) return;
    io_uring_buf_ring_advance(br_, static_cast<int>(pending_));
    in_kernel_ += pending_;
    pending_ = 0;
  }
  // A completion carried one of the kernel's buffers back to us.
  void taken() noexcept { --in_kernel_; }
  // Buffers the kernel can pick from right now.
  uint32_t in_kernel() const noexcept { return in_kernel_; }

 private:
  io_uring_buf_ring* br_ = nullptr;
  size_t ring_bytes_ = 0;
  uint8_t* mem_ = nullptr;
  size_t mem_bytes_ = 0;
  uint32_t count_ = 0;
  uint32_t entries_ = 0;
  uint32_t stride_ = 0;
  uint32_t offset_ = 0;
  uint32_t len_ = 0;
  uint32_t pending_ = 0;
  uint32_t in_kernel_ = 0;
};

}  // namespace rtpx::io
