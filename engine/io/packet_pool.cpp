#include "engine/io/packet_pool.hpp"

namespace rtpx::io {

PacketPool::PacketPool(uint32_t count, uint32_t buffer_size)
    : count_(count),
      buffer_size_(buffer_size),
      memory_(new uint8_t[static_cast<size_t>(count) * buffer_size]),
      packets_(new Packet[count]),
      free_(new Packet*[count]) {
  for (uint32_t i = 0; i < count; ++i) {
    packets_[i].buf_id = i;
    packets_[i].data = base(i);
    packets_[i].cap = buffer_size;
    free_[top_++] = &packets_[count - 1 - i];
  }
}

}  // namespace rtpx::io
