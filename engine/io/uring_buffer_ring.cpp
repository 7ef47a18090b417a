#include "engine/io/uring_buffer_ring.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace rtpx::io {
namespace {

size_t page_round(size_t bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

void* map_anonymous(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

UringBufferRing::~UringBufferRing() {
  // The ring stays registered until its io_uring is torn down; the kernel pins what it uses, so
  // unmapping after io_uring_queue_exit (or before the ring was ever used) is safe.
  if (br_ != nullptr) ::munmap(br_, ring_bytes_);
  if (mem_ != nullptr) ::munmap(mem_, mem_bytes_);
}

bool UringBufferRing::init(io_uring* ring, uint16_t bgid, uint32_t count, uint32_t stride,
                           uint32_t offset, uint32_t len, std::string* error) {
  if (count == 0 || count > kMaxBuffers) {
    *error = "buffer count " + std::to_string(count) + " outside 1.." + std::to_string(kMaxBuffers);
    return false;
  }
  count_ = count;
  entries_ = std::bit_ceil(count);
  stride_ = stride;
  offset_ = offset;
  len_ = len;

  ring_bytes_ = page_round(static_cast<size_t>(entries_) * sizeof(io_uring_buf));
  br_ = static_cast<io_uring_buf_ring*>(map_anonymous(ring_bytes_));
  mem_bytes_ = page_round(static_cast<size_t>(count) * stride);
  mem_ = static_cast<uint8_t*>(map_anonymous(mem_bytes_));
  if (br_ == nullptr || mem_ == nullptr) {
    *error = std::string("mmap of receive buffers failed: ") + std::strerror(errno);
    return false;
  }
  io_uring_buf_ring_init(br_);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(br_);
  reg.ring_entries = entries_;
  reg.bgid = bgid;
  if (int r = io_uring_register_buf_ring(ring, &reg, 0); r < 0) {
    *error = "io_uring_register_buf_ring failed (provided buffer rings need Linux 5.19): ";
    *error += std::strerror(-r);
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) give(i);
  publish();
  return true;
}

}  // namespace rtpx::io
