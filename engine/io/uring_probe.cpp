#include "engine/io/uring_probe.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>

#include "engine/io/uring_buffer_ring.hpp"

namespace rtpx::io {
namespace {

// Arms a multishot recvmsg on a datagram socketpair with one datagram queued: kernels from 6.0
// answer with the datagram and IORING_CQE_F_MORE, older ones with -EINVAL.
bool probe_multishot_recvmsg() {
  io_uring ring{};
  if (io_uring_queue_init(4, &ring, 0) < 0) return false;
  bool ok = false;
  int sv[2] = {-1, -1};
  {
    UringBufferRing bufs;
    std::string error;
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0 &&
        bufs.init(&ring, 0, 2, 256, 0, 256, &error) && ::send(sv[1], "x", 1, 0) == 1) {
      msghdr msg{};
      msg.msg_namelen = 32;
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_recvmsg_multishot(sqe, sv[0], &msg, 0);
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = 0;
      __kernel_timespec ts{1, 0};
      io_uring_cqe* cqe = nullptr;
      if (io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr) >= 0 && cqe != nullptr) {
        ok = cqe->res > 0 && (cqe->flags & IORING_CQE_F_MORE) != 0;
        io_uring_cqe_seen(&ring, cqe);
      }
      cancel_all_and_reap(&ring);  // the multishot receive is still armed
    }
    io_uring_queue_exit(&ring);  // before the buffers it may reference are unmapped
  }
  for (int fd : sv)
    if (fd >= 0) ::close(fd);
  return ok;
}

}  // namespace

bool kernel_has_multishot_recvmsg() {
  bool ok = false;
  std::thread([&ok] { ok = probe_multishot_recvmsg(); }).join();
  return ok;
}

void cancel_all_and_reap(io_uring* ring) {
  constexpr uint64_t kReap = UINT64_MAX;
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (sqe == nullptr && io_uring_submit(ring) >= 0) sqe = io_uring_get_sqe(ring);
  if (sqe == nullptr) return;
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, kReap);
  // The cancel's result is how many requests it cancelled; each then completes without F_MORE.
  int expected = -1;
  int finished = 0;
  for (int round = 0; round < 10 && (expected < 0 || finished < expected); ++round) {
    __kernel_timespec ts{0, 50'000'000};
    io_uring_cqe* cqe = nullptr;
    const int r = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nullptr);
    if (r < 0 && r != -ETIME && r != -EINTR) return;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(ring, head, cqe) {
      ++seen;
      if (cqe->user_data == kReap) {
        expected = std::max(cqe->res, 0);
      } else if ((cqe->flags & IORING_CQE_F_MORE) == 0) {
        ++finished;
      }
    }
    io_uring_cq_advance(ring, seen);
  }
}

}  // namespace rtpx::io
