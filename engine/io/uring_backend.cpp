// io_uring backend: one multishot recvmsg per socket draws receive buffers from a provided-buffer
// ring, so a received Packet points straight into the buffer the kernel filled (zero copy). Sends
// are one sendmsg SQE per packet, submitted once per burst. wake() writes an eventfd that has a
// read outstanding on the ring. Creation probes the kernel: it prefers SINGLE_ISSUER|
// DEFER_TASKRUN, and falls back to a plain ring and to single-shot recvmsg re-armed per datagram.
//
// Every buffer is in exactly one place: the kernel's ring, the caller (or the ready queue that
// feeds rx_burst), or an in-flight send. A sent buffer returns to the ring only when its send
// completion arrives. The ring is created disabled and enabled by the first thread that uses the
// backend, so a SINGLE_ISSUER ring can be opened by the main thread and run by its shard thread.

#include "engine/io/uring_backend.hpp"

#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <thread>

#include "engine/io/backend_counters.hpp"
#include "engine/io/uring_buffer_ring.hpp"
#include "engine/io/uring_probe.hpp"

namespace rtpx::io {
namespace {

// user_data: the completion's kind in the top byte, a 24-bit socket generation, then a 32-bit
// socket id (receives) or buffer id (sends). A receive whose generation no longer matches its
// slot belongs to a removed socket: its buffer is recycled and the completion ignored.
enum Kind : uint8_t { kRecv = 1, kSend = 2, kWake = 3, kCancel = 4 };
constexpr uint32_t kGenMask = 0xFFFFFF;
constexpr uint64_t tag(Kind kind, uint32_t gen, uint32_t id) {
  return uint64_t{kind} << 56 | uint64_t{gen & kGenMask} << 32 | id;
}

constexpr uint16_t kGroup = 0;
// A multishot receive writes io_uring_recvmsg_out (16 bytes) and the source address in front of
// the payload; 32 bytes of name room (sockaddr_in6 is 28) put the payload on a 16-byte boundary.
// Single-shot receives get the same layout by handing the kernel only the part after it.
constexpr uint32_t kNameRoom = 32;
constexpr uint32_t kHeadroom = sizeof(io_uring_recvmsg_out) + kNameRoom;
static_assert(kHeadroom % 16 == 0);
constexpr uint32_t kMaxBufferSize = 1u << 20;

enum class Owner : uint8_t { kernel, app, flight };

struct Slot {
  int fd = -1;
  uint32_t gen = 0;
  bool armed = false;    // a receive is outstanding in the kernel
  bool starved = false;  // listed in starved_, waiting for buffers or a free SQE
};

// Single-shot receives take the source address through a per-socket msghdr.
struct SingleShotMsg {
  msghdr hdr{};
  iovec iov{};
  sockaddr_in6 name{};
};

std::string errno_text(int err) {
  return std::strerror(err);
}

class UringBackend final : public IoBackend {
 public:
  UringBackend(const BackendOptions& o, bool multishot)
      : opts_(o),
        multishot_(multishot),
        slots_(new Slot[o.max_sockets]),
        starved_(new SocketId[o.max_sockets]),
        single_(multishot ? nullptr : new SingleShotMsg[o.max_sockets]),
        packets_(new Packet[o.pool_packets]),
        owner_(new Owner[o.pool_packets]),
        tx_msg_(new msghdr[o.pool_packets]()),
        tx_iov_(new iovec[o.pool_packets]()) {
    rx_msg_.msg_namelen = kNameRoom;
  }

  ~UringBackend() override {
    // On the thread that runs the ring, cancel and reap whatever is armed first. Other threads may
    // not submit (SINGLE_ISSUER) and need not: a shard thread's exit cancelled its requests. The
    // ring goes before the memory, so no completion can touch buffers or msghdrs freed after it.
    if (enabled_ && ::gettid() == owner_tid_) cancel_all_and_reap(&ring_);
    if (ring_ok_) io_uring_queue_exit(&ring_);
    for (uint32_t i = 0; i < opts_.max_sockets; ++i)
      if (slots_[i].fd >= 0) ::close(slots_[i].fd);
    if (wakefd_ >= 0) ::close(wakefd_);
  }

  bool init(const UringTuning& tuning, std::string* error) {
    const uint32_t sq = std::bit_ceil(std::clamp(opts_.burst * 2 + 64, 64u, 4096u));
    const uint32_t cq = std::bit_ceil(std::clamp(opts_.pool_packets * 2 + sq, 256u, 65536u));
    const unsigned base = IORING_SETUP_R_DISABLED | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
    int r = -EINVAL;
    if (tuning.allow_defer_taskrun)
      r = setup(sq, cq, base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
    if (r == -EINVAL) r = setup(sq, cq, base);  // before Linux 6.1
    if (r < 0) {
      *error = "io_uring_setup failed: " + errno_text(-r) +
               (r == -EPERM || r == -ENOSYS
                    ? " (io_uring disabled by kernel.io_uring_disabled or a seccomp filter?)"
                    : "");
      return false;
    }
    ring_ok_ = true;

    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    if (probe == nullptr) {
      *error = "io_uring opcode probe failed (needs Linux 5.6)";
      return false;
    }
    static constexpr std::pair<int, const char*> kNeeded[] = {
        {IORING_OP_RECVMSG, "RECVMSG"},
        {IORING_OP_SENDMSG, "SENDMSG"},
        {IORING_OP_READ, "READ"},
        {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"}};
    for (const auto& [op, op_name] : kNeeded) {
      if (!io_uring_opcode_supported(probe, op)) {
        *error = std::string("kernel lacks io_uring opcode IORING_OP_") + op_name;
        io_uring_free_probe(probe);
        return false;
      }
    }
    io_uring_free_probe(probe);

    // Multishot: the kernel sees the whole buffer and writes header + name + payload. Single-shot:
    // it sees only the payload part. Either way the payload starts kHeadroom bytes in.
    const uint32_t stride = (kHeadroom + opts_.buffer_size + 63) / 64 * 64;
    const uint32_t offset = multishot_ ? 0 : kHeadroom;
    const uint32_t len = multishot_ ? kHeadroom + opts_.buffer_size : opts_.buffer_size;
    if (!bufs_.init(&ring_, kGroup, opts_.pool_packets, stride, offset, len, error)) return false;
    for (uint32_t i = 0; i < opts_.pool_packets; ++i) {
      packets_[i].buf_id = i;
      packets_[i].data = bufs_.buffer(i) + kHeadroom;
      packets_[i].cap = opts_.buffer_size;
      owner_[i] = Owner::kernel;
    }
    rxq_.reset(new Packet*[bufs_.entries()]);
    rxq_mask_ = bufs_.entries() - 1;

    // Blocking on purpose: io_uring then waits for a wake() instead of failing with EAGAIN.
    wakefd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wakefd_ < 0) {
      *error = "eventfd failed: " + errno_text(errno);
      return false;
    }
    return true;
  }

  std::string_view name() const noexcept override { return "io_uring"; }
  BackendCaps caps() const noexcept override { return {multishot_, true, true}; }

  IoStatus add_socket(SocketId id, int fd) noexcept override {
    ensure_enabled();
    if (id >= opts_.max_sockets || slots_[id].fd >= 0) return IoStatus::unknown_socket;
    if (fd < 0) return IoStatus::syscall_failed;
    Slot& s = slots_[id];
    s.fd = fd;
    s.gen = (s.gen + 1) & kGenMask;
    s.armed = false;
    if (!arm(id)) starve(id);
    io_uring_submit(&ring_);  // armed now, not at the next burst
    return IoStatus::ok;
  }

  void remove_socket(SocketId id) noexcept override {
    ensure_enabled();
    if (id >= opts_.max_sockets || slots_[id].fd < 0) return;
    Slot& s = slots_[id];
    if (s.armed) {
      if (io_uring_sqe* sqe = get_sqe()) {
        io_uring_prep_cancel64(sqe, tag(kRecv, s.gen, id), 0);
        io_uring_sqe_set_data64(sqe, tag(kCancel, 0, id));
      }
    }
    if (s.starved) unstarve(id);
    drop_queued(id);
    // Cancel before closing, and run the cancelled request's completion so it drops its hold on
    // the socket: the port is free again when this returns. Late completions carry the old
    // generation and only give their buffers back.
    io_uring_submit_and_get_events(&ring_);
    ::close(s.fd);
    s.fd = -1;
    s.gen = (s.gen + 1) & kGenMask;
    s.armed = false;
  }

  size_t rx_burst(std::span<Packet*> out) noexcept override {
    ensure_enabled();
    // Short of a full burst: one enter runs the deferred receives and tops the queue up (cheaper
    // than handing out a short burst and paying the send side twice) -- unless the last send
    // submission or wait() just did exactly that.
    if (rxq_n_ < out.size() && !events_fresh_) io_uring_submit_and_get_events(&ring_);
    events_fresh_ = false;
    if (io_uring_cq_ready(&ring_) > 0) harvest();
    const size_t n = std::min(out.size(), static_cast<size_t>(rxq_n_));
    for (size_t i = 0; i < n; ++i) {
      out[i] = rxq_[rxq_head_];
      rxq_head_ = (rxq_head_ + 1) & rxq_mask_;
    }
    rxq_n_ -= static_cast<uint32_t>(n);
    counters_.rx_packets.add(n);
    flush();
    return n;
  }

  size_t tx_burst(std::span<Packet* const> pkts) noexcept override {
    ensure_enabled();
    size_t queued = 0;
    for (Packet* p : pkts) {
      const uint32_t b = p->buf_id;
      assert(b < opts_.pool_packets && owner_[b] == Owner::app);
      const SocketId id = p->socket;
      io_uring_sqe* sqe = id < opts_.max_sockets && slots_[id].fd >= 0 ? get_sqe() : nullptr;
      if (sqe == nullptr) {
        counters_.tx_errors.add(1);
        recycle(b);
        continue;
      }
      tx_iov_[b] = {p->data, p->len};
      msghdr& m = tx_msg_[b];
      m.msg_name = &p->addr.u;
      m.msg_namelen = p->addr.len();
      m.msg_iov = &tx_iov_[b];
      m.msg_iovlen = 1;
      // MSG_DONTWAIT: a full socket drops the datagram (a tx error, as in the epoll backend)
      // instead of parking the buffer until the socket drains.
      io_uring_prep_sendmsg(sqe, slots_[id].fd, &m, MSG_DONTWAIT);
      io_uring_sqe_set_data64(sqe, tag(kSend, 0, b));
      owner_[b] = Owner::flight;
      ++queued;
    }
    if (queued > 0) {
      // The same enter that submits the sends also runs deferred receive completions, so the
      // next rx_burst needs no system call of its own.
      io_uring_submit_and_get_events(&ring_);
      events_fresh_ = true;
      counters_.tx_calls.add(1);
    }
    flush();
    return queued;
  }

  void free_burst(std::span<Packet* const> pkts) noexcept override {
    ensure_enabled();
    for (Packet* p : pkts) recycle(p->buf_id);
    flush();
  }

  void wait(int timeout_ms) noexcept override {
    ensure_enabled();
    flush();
    if (rxq_n_ == 0 && !woke_ && io_uring_cq_ready(&ring_) == 0) {
      io_uring_cqe* cqe = nullptr;
      if (timeout_ms == 0) {
        io_uring_submit_and_get_events(&ring_);
      } else if (timeout_ms < 0) {
        io_uring_submit_and_wait(&ring_, 1);
      } else {
        __kernel_timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000LL};
        io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      }
    } else if (io_uring_sq_ready(&ring_) > 0) {
      io_uring_submit(&ring_);
    }
    harvest();
    events_fresh_ = true;
    woke_ = false;
    flush();
  }

  void wake() noexcept override {
    const uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(wakefd_, &one, sizeof one);
  }

  BackendStats stats() const noexcept override { return counters_.snapshot(); }

  IoStatus send_datagram(SocketId id, const net::SockAddr& to,
                         std::span<const uint8_t> bytes) noexcept override {
    if (id >= opts_.max_sockets) return IoStatus::unknown_socket;
    return send_on_fd(slots_[id].fd, to, bytes, counters_);
  }

 private:
  // Creates the ring on a short-lived helper thread. Tearing a ring down makes the next blocking
  // call of every thread that created or used it fail once with EINTR (the kernel detaches the ring
  // from them with signalling task work); the thread that opens backends never uses them.
  int setup(uint32_t sq, uint32_t cq, unsigned flags) {
    int r = -EINVAL;
    std::thread([&] {
      io_uring_params p{};
      p.flags = flags;
      p.cq_entries = cq;
      r = io_uring_queue_init_params(sq, &ring_, &p);
    }).join();
    return r;
  }

  void ensure_enabled() noexcept {
    if (enabled_) [[likely]]
      return;
    // Debian's liburing 2.3 declares io_uring_enable_rings but does not export it.
    if (io_uring_register(ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0) return;
    enabled_ = true;
    owner_tid_ = ::gettid();
    arm_wake();
    io_uring_submit(&ring_);
  }

  // An SQE, submitting what is queued first when the submission queue is full.
  io_uring_sqe* get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  // Queues the receive for socket `id`; false when no SQE could be had.
  bool arm(SocketId id) noexcept {
    io_uring_sqe* sqe = get_sqe();
    if (sqe == nullptr) return false;
    Slot& s = slots_[id];
    if (multishot_) {
      io_uring_prep_recvmsg_multishot(sqe, s.fd, &rx_msg_, 0);
    } else {
      SingleShotMsg& m = single_[id];
      m.iov = {nullptr, opts_.buffer_size};
      m.hdr = {};
      m.hdr.msg_name = &m.name;
      m.hdr.msg_namelen = sizeof m.name;
      m.hdr.msg_iov = &m.iov;
      m.hdr.msg_iovlen = 1;
      // MSG_TRUNC: the result is the datagram's full length, which shows truncation.
      io_uring_prep_recvmsg(sqe, s.fd, &m.hdr, MSG_TRUNC);
    }
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, tag(kRecv, s.gen, id));
    s.armed = true;
    return true;
  }

  void arm_wake() noexcept {
    io_uring_sqe* sqe = get_sqe();
    wake_armed_ = sqe != nullptr;
    if (sqe == nullptr) return;
    io_uring_prep_read(sqe, wakefd_, &wake_value_, sizeof wake_value_, 0);
    io_uring_sqe_set_data64(sqe, tag(kWake, 0, 0));
  }

  void starve(SocketId id) noexcept {
    Slot& s = slots_[id];
    if (s.starved) return;
    s.starved = true;
    starved_[nstarved_++] = id;
  }

  void unstarve(SocketId id) noexcept {
    slots_[id].starved = false;
    for (uint32_t i = 0; i < nstarved_; ++i) {
      if (starved_[i] == id) {
        starved_[i] = starved_[--nstarved_];
        return;
      }
    }
  }

  // Takes packets of a removed socket out of the ready queue, keeping the others in order.
  void drop_queued(SocketId id) noexcept {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < rxq_n_; ++i) {
      Packet* p = rxq_[(rxq_head_ + i) & rxq_mask_];
      if (p->socket == id) {
        recycle(p->buf_id);
      } else {
        rxq_[(rxq_head_ + kept++) & rxq_mask_] = p;
      }
    }
    rxq_n_ = kept;
  }

  void recycle(uint32_t b) noexcept {
    // A double free must not hand the kernel the same buffer twice.
    assert(owner_[b] != Owner::kernel);
    if (owner_[b] == Owner::kernel) return;
    owner_[b] = Owner::kernel;
    bufs_.give(b);
  }

  // Publishes recycled buffers, then re-arms what waited for them. Sockets are re-armed only
  // when the ring has buffers again, so an empty ring never spins on -ENOBUFS.
  void flush() noexcept {
    bufs_.publish();
    if (!wake_armed_ && enabled_) arm_wake();
    while (nstarved_ > 0 && bufs_.in_kernel() > 0) {
      const SocketId id = starved_[nstarved_ - 1];
      const Slot& s = slots_[id];
      if (s.fd >= 0 && !s.armed && !arm(id)) break;
      slots_[id].starved = false;
      --nstarved_;
    }
  }

  // Processes every completion waiting in the CQ. Never blocks and never allocates.
  void harvest() noexcept {
    const uint32_t before = rxq_n_;
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const uint64_t ud = cqe->user_data;
      const auto id = static_cast<uint32_t>(ud);
      switch (static_cast<Kind>(ud >> 56)) {
        case kRecv:
          on_recv(*cqe, id, static_cast<uint32_t>(ud >> 32) & kGenMask);
          break;
        case kSend:
          if (cqe->res < 0) {
            counters_.tx_errors.add(1);
          } else {
            counters_.tx_packets.add(1);
            counters_.tx_bytes.add(static_cast<uint64_t>(cqe->res));
          }
          recycle(id);
          break;
        case kWake:
          woke_ = true;
          if (cqe->res != -EBADF) arm_wake();
          break;
        case kCancel:
          break;
      }
    }
    io_uring_cq_advance(&ring_, seen);
    if (rxq_n_ > before) counters_.rx_calls.add(1);
  }

  void on_recv(const io_uring_cqe& cqe, SocketId id, uint32_t gen) noexcept {
    Slot& s = slots_[id];
    const bool live = s.fd >= 0 && s.gen == gen;
    if (cqe.flags & IORING_CQE_F_BUFFER) {
      const uint32_t b = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
      bufs_.taken();
      owner_[b] = Owner::app;
      if (live && cqe.res >= 0) {
        deliver(b, id, static_cast<uint32_t>(cqe.res));
      } else {
        recycle(b);
      }
    }
    if (!live) return;
    if (cqe.res == -ENOBUFS) counters_.rx_no_buffer.add(1);
    if (cqe.flags & IORING_CQE_F_MORE) return;
    s.armed = false;
    switch (cqe.res) {
      case -ENOBUFS:
        starve(id);  // re-armed by flush() once buffers come back
        return;
      case -EBADF:
      case -ENOTSOCK:
      case -EINVAL:
      case -EOPNOTSUPP:
        return;  // not a receivable socket: leave it quiet rather than spin
      default:
        if (!arm(id)) starve(id);
    }
  }

  // Turns a filled buffer into a ready Packet, or drops it when truncated.
  void deliver(uint32_t b, SocketId id, uint32_t res) noexcept {
    Packet* p = &packets_[b];
    uint8_t* buf = bufs_.buffer(b);
    const void* name;
    size_t namelen;
    uint32_t len;
    if (multishot_) {
      io_uring_recvmsg_out* o = io_uring_recvmsg_validate(buf, static_cast<int>(res), &rx_msg_);
      if (o == nullptr || (o->flags & MSG_TRUNC)) {
        counters_.rx_truncated.add(1);
        recycle(b);
        return;
      }
      name = io_uring_recvmsg_name(o);
      namelen = std::min<size_t>(o->namelen, kNameRoom);
      len = io_uring_recvmsg_payload_length(o, static_cast<int>(res), &rx_msg_);
    } else {
      if (res > opts_.buffer_size) {
        counters_.rx_truncated.add(1);
        recycle(b);
        return;
      }
      name = &single_[id].name;
      namelen = single_[id].hdr.msg_namelen;
      len = res;
    }
    p->addr = net::SockAddr{};
    std::memcpy(&p->addr.u, name, std::min(namelen, sizeof p->addr.u));
    p->data = buf + kHeadroom;
    p->len = len;
    p->cap = opts_.buffer_size;
    p->socket = id;
    rxq_[(rxq_head_ + rxq_n_++) & rxq_mask_] = p;
  }

  const BackendOptions opts_;
  const bool multishot_;
  bool ring_ok_ = false;
  bool enabled_ = false;
  pid_t owner_tid_ = 0;
  bool woke_ = false;
  bool wake_armed_ = false;
  io_uring ring_{};
  UringBufferRing bufs_;
  int wakefd_ = -1;
  uint64_t wake_value_ = 0;
  msghdr rx_msg_{};  // multishot: only msg_namelen matters; the kernel copies it at arm time

  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<SocketId[]> starved_;
  uint32_t nstarved_ = 0;
  std::unique_ptr<SingleShotMsg[]> single_;
  std::unique_ptr<Packet[]> packets_;  // one per buffer, indexed by buffer id
  std::unique_ptr<Owner[]> owner_;
  std::unique_ptr<msghdr[]> tx_msg_;
  std::unique_ptr<iovec[]> tx_iov_;
  std::unique_ptr<Packet*[]> rxq_;  // received, not yet returned by rx_burst
  uint32_t rxq_mask_ = 0, rxq_head_ = 0, rxq_n_ = 0;

  BackendCounters counters_;
  bool events_fresh_ = false;  // an enter with GETEVENTS ran since the last rx_burst
};

}  // namespace

std::unique_ptr<IoBackend> make_uring_backend_tuned(const BackendOptions& o,
                                                    const UringTuning& tuning, std::string* error) {
  if (o.pool_packets == 0 || o.pool_packets > UringBufferRing::kMaxBuffers) {
    *error = "pool_packets " + std::to_string(o.pool_packets) + " outside 1.." +
             std::to_string(UringBufferRing::kMaxBuffers) + " (one provided-buffer ring)";
    return nullptr;
  }
  if (o.buffer_size == 0 || o.buffer_size > kMaxBufferSize || o.max_sockets == 0 || o.burst == 0) {
    *error = "buffer_size, max_sockets and burst must be positive (buffer_size at most 1 MiB)";
    return nullptr;
  }
  const bool multishot = tuning.allow_multishot && kernel_has_multishot_recvmsg();
  auto backend = std::make_unique<UringBackend>(o, multishot);
  if (!backend->init(tuning, error)) return nullptr;
  return backend;
}

std::unique_ptr<IoBackend> make_uring_backend(const BackendOptions& o, std::string* error) {
  return make_uring_backend_tuned(o, UringTuning{}, error);
}

}  // namespace rtpx::io
