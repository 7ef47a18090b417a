// epoll + recvmmsg/sendmmsg: the portable baseline backend. Ready sockets are drained with one
// recvmmsg each; sends are grouped into one sendmmsg per run of packets leaving the same socket.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "engine/io/backend_counters.hpp"
#include "engine/io/backend_registry.hpp"
#include "engine/io/packet_pool.hpp"

namespace rtpx::io {
namespace {

constexpr uint64_t kWakeTag = UINT64_MAX;
constexpr int kMaxEvents = 256;

class EpollBackend final : public IoBackend {
 public:
  EpollBackend(const BackendOptions& o, int epfd, int wakefd)
      : opts_(o),
        epfd_(epfd),
        wakefd_(wakefd),
        pool_(o.pool_packets, o.buffer_size),
        fds_(new int[o.max_sockets]),
        ready_(new uint32_t[kMaxEvents]),
        msgs_(new mmsghdr[o.burst]),
        iovs_(new iovec[o.burst]),
        batch_(new Packet*[o.burst]) {
    for (uint32_t i = 0; i < o.max_sockets; ++i) fds_[i] = -1;
  }

  ~EpollBackend() override {
    for (uint32_t i = 0; i < opts_.max_sockets; ++i)
      if (fds_[i] >= 0) ::close(fds_[i]);
    ::close(wakefd_);
    ::close(epfd_);
  }

  std::string_view name() const noexcept override { return "epoll"; }
  BackendCaps caps() const noexcept override { return {false, false, true}; }

  IoStatus add_socket(SocketId id, int fd) noexcept override {
    if (id >= opts_.max_sockets || fds_[id] >= 0) return IoStatus::unknown_socket;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return IoStatus::syscall_failed;
    fds_[id] = fd;
    return IoStatus::ok;
  }

  void remove_socket(SocketId id) noexcept override {
    if (id >= opts_.max_sockets || fds_[id] < 0) return;
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fds_[id], nullptr);
    ::close(fds_[id]);
    fds_[id] = -1;
    // A socket id still listed in ready_ is skipped by rx_burst because its fd is gone.
  }

  size_t rx_burst(std::span<Packet*> out) noexcept override {
    size_t got = 0;
    if (nready_ == 0) poll_ready(0);
    while (got < out.size() && nready_ > 0) {
      if (pool_.available() == 0) {
        counters_.rx_no_buffer.add(1);
        break;
      }
      SocketId id = ready_[nready_ - 1];
      bool drained = true;
      if (fds_[id] >= 0) got += recv_from(id, out.subspan(got), &drained);
      // Level-triggered: a socket that filled the request stays listed for the next call.
      if (drained) --nready_;
    }
    counters_.rx_packets.add(got);
    return got;
  }

  size_t tx_burst(std::span<Packet* const> pkts) noexcept override {
    size_t sent = 0;
    size_t i = 0;
    while (i < pkts.size()) {
      SocketId id = pkts[i]->socket;
      size_t run = 1;
      while (i + run < pkts.size() && pkts[i + run]->socket == id && run < opts_.burst) ++run;
      sent += send_run(id, pkts.subspan(i, run));
      i += run;
    }
    counters_.tx_packets.add(sent);
    counters_.tx_errors.add(pkts.size() - sent);
    free_burst(pkts);
    return sent;
  }

  void free_burst(std::span<Packet* const> pkts) noexcept override {
    for (Packet* p : pkts) pool_.put(p);
  }

  IoStatus send_datagram(SocketId id, const net::SockAddr& to,
                         std::span<const uint8_t> bytes) noexcept override {
    if (id >= opts_.max_sockets) return IoStatus::unknown_socket;
    return send_on_fd(fds_[id], to, bytes, counters_);
  }

  void wait(int timeout_ms) noexcept override {
    if (nready_ == 0) poll_ready(timeout_ms);
  }

  void wake() noexcept override {
    uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(wakefd_, &one, sizeof one);
  }

  BackendStats stats() const noexcept override { return counters_.snapshot(); }

 private:
  void poll_ready(int timeout_ms) noexcept {
    epoll_event evs[kMaxEvents];
    int n = ::epoll_wait(epfd_, evs, kMaxEvents, timeout_ms);
    nready_ = 0;
    for (int i = 0; i < n; ++i) {
      if (evs[i].data.u64 == kWakeTag) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wakefd_, &v, sizeof v);
        continue;
      }
      ready_[nready_++] = static_cast<uint32_t>(evs[i].data.u64);
    }
  }

  // Receives up to out.size() datagrams from one socket; *drained tells whether it had fewer.
  size_t recv_from(SocketId id, std::span<Packet*> out, bool* drained) noexcept {
    size_t want = out.size() < opts_.burst ? out.size() : opts_.burst;
    size_t have = 0;
    for (; have < want; ++have) {
      Packet* p = pool_.get();
      if (p == nullptr) break;
      batch_[have] = p;
      iovs_[have] = {p->data, p->cap};
      msgs_[have].msg_hdr = {};
      msgs_[have].msg_hdr.msg_name = &p->addr.u;
      msgs_[have].msg_hdr.msg_namelen = sizeof p->addr.u;
      msgs_[have].msg_hdr.msg_iov = &iovs_[have];
      msgs_[have].msg_hdr.msg_iovlen = 1;
    }
    int n = ::recvmmsg(fds_[id], msgs_.get(), static_cast<unsigned>(have), MSG_DONTWAIT, nullptr);
    if (n < 0) n = 0;
    *drained = static_cast<size_t>(n) < have;
    if (n > 0) counters_.rx_calls.add(1);
    size_t kept = 0;
    for (int i = 0; i < n; ++i) {
      Packet* p = batch_[i];
      if (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) {
        counters_.rx_truncated.add(1);
        pool_.put(p);
        continue;
      }
      p->len = msgs_[i].msg_len;
      p->socket = id;
      out[kept++] = p;
    }
    for (size_t i = static_cast<size_t>(n); i < have; ++i) pool_.put(batch_[i]);
    return kept;
  }

  size_t send_run(SocketId id, std::span<Packet* const> run) noexcept {
    if (id >= opts_.max_sockets || fds_[id] < 0) return 0;
    for (size_t i = 0; i < run.size(); ++i) {
      Packet* p = run[i];
      iovs_[i] = {p->data, p->len};
      msgs_[i].msg_hdr = {};
      msgs_[i].msg_hdr.msg_name = &p->addr.u;
      msgs_[i].msg_hdr.msg_namelen = p->addr.len();
      msgs_[i].msg_hdr.msg_iov = &iovs_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    size_t done = 0;
    size_t ok = 0;
    while (done < run.size()) {
      int n = ::sendmmsg(fds_[id], msgs_.get() + done, static_cast<unsigned>(run.size() - done),
                         MSG_DONTWAIT);
      counters_.tx_calls.add(1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ++done;  // this datagram is refused (full buffer, unreachable): skip it, try the rest
        continue;
      }
      for (int k = 0; k < n; ++k)
        counters_.tx_bytes.add(msgs_[done + static_cast<size_t>(k)].msg_len);
      done += static_cast<size_t>(n);
      ok += static_cast<size_t>(n);
    }
    return ok;
  }

  BackendOptions opts_;
  int epfd_;
  int wakefd_;
  PacketPool pool_;
  std::unique_ptr<int[]> fds_;
  std::unique_ptr<uint32_t[]> ready_;
  uint32_t nready_ = 0;
  std::unique_ptr<mmsghdr[]> msgs_;
  std::unique_ptr<iovec[]> iovs_;
  std::unique_ptr<Packet*[]> batch_;
  BackendCounters counters_;
};

}  // namespace

std::unique_ptr<IoBackend> make_epoll_backend(const BackendOptions& o, std::string* error) {
  int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *error = "epoll_create1 failed";
    return nullptr;
  }
  int wakefd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakefd < 0) {
    ::close(epfd);
    *error = "eventfd failed";
    return nullptr;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);
  return std::make_unique<EpollBackend>(o, epfd, wakefd);
}

}  // namespace rtpx::io
