#pragma once
// Fixed pool of packet buffers owned by one shard's backend. Allocated once at start;
// get/put are O(1) stack operations with no locks and no allocation.

#include <cstdint>
#include <memory>

#include "engine/io/packet.hpp"

namespace rtpx::io {

class PacketPool {
 public:
  PacketPool(uint32_t count, uint32_t buffer_size);

  Packet* get() noexcept {
    if (top_ == 0) return nullptr;
    Packet* p = free_[--top_];
    p->len = 0;
    p->data = base(p->buf_id);
    return p;
  }
  void put(Packet* p) noexcept { free_[top_++] = p; }

  uint32_t available() const noexcept { return top_; }
  uint32_t size() const noexcept { return count_; }
  uint32_t buffer_size() const noexcept { return buffer_size_; }
  uint8_t* base(uint32_t buf_id) const noexcept {
    return memory_.get() + static_cast<size_t>(buf_id) * buffer_size_;
  }
  Packet* packet(uint32_t buf_id) const noexcept { return &packets_[buf_id]; }

 private:
  uint32_t count_;
  uint32_t buffer_size_;
  std::unique_ptr<uint8_t[]> memory_;
  std::unique_ptr<Packet[]> packets_;
  std::unique_ptr<Packet*[]> free_;
  uint32_t top_ = 0;
};

}  // namespace rtpx::io
