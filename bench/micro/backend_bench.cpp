// Real-socket relay cost per I/O backend on loopback, in one process and one thread.
//
// Setup: `sockets` bound UDP sockets are added to the backend; a sender socket and a sink socket
// sit outside it. Each iteration the sender blasts 32 datagrams of 172 bytes with one sendmmsg,
// round-robin over the backend's sockets (untimed: on loopback this call also queues them on the
// receiving sockets). The timed section is what a shard does with them: rx_burst until all 32 are
// in, point each at the sink, tx_burst (which, on loopback, includes delivering to the sink). The
// sink is drained after the timed section.
//
//   backend/epoll, backend/io_uring   the engine's backends, created through the registry.
//   backend/limit:recvmmsg+sendmmsg   the floor for a socket-per-stream relay using the socket API:
//                                     one recvmmsg and one sendmmsg per socket that has data, with
//                                     readiness known in advance (no epoll_wait, no completion
//                                     ring).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/micro/micro_common.hpp"
#include "engine/io/backend_registry.hpp"
#include "engine/io/io_backend.hpp"

namespace rtpx::bench {
namespace {

constexpr int kMaxSpins = 1000;  // empty rx_burst calls before an iteration gives up

// A bound, non-blocking UDP socket on 127.0.0.1 with an ephemeral port; fd -1 on failure.
struct Udp {
  int fd = -1;
  net::SockAddr addr;
};

Udp bind_udp() {
  Udp u;
  u.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (u.fd < 0) return u;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  if (::bind(u.fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
      ::getsockname(u.fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    ::close(u.fd);
    u.fd = -1;
    return u;
  }
  std::memcpy(&u.addr.u.v4, &sin, sizeof sin);
  return u;
}

void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// Times this thread gave up the CPU (blocked) so far.
long voluntary_switches() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw;
}

// The sender: one sendmmsg of 32 datagrams, destinations round-robin over `dests`.
class Blaster {
 public:
  explicit Blaster(const std::vector<net::SockAddr>* dests) : dests_(dests) {
    sock_ = bind_udp();
    payload_ = pcmu_packet(7, 0x5EED'0001u);
    for (size_t i = 0; i < kBurst; ++i) {
      iov_[i] = {payload_.data(), payload_.size()};
      msgs_[i].msg_hdr = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ~Blaster() {
    if (sock_.fd >= 0) ::close(sock_.fd);
  }
  bool ok() const { return sock_.fd >= 0; }

  // Sends the next 32; returns the index of the first destination used.
  size_t send_burst() {
    const size_t first = next_;
    for (size_t i = 0; i < kBurst; ++i) {
      const net::SockAddr& d = (*dests_)[next_];
      next_ = next_ + 1 == dests_->size() ? 0 : next_ + 1;
      msgs_[i].msg_hdr.msg_name = const_cast<sockaddr*>(&d.u.sa);
      msgs_[i].msg_hdr.msg_namelen = d.len();
    }
    size_t done = 0;
    while (done < kBurst) {
      const int n = ::sendmmsg(sock_.fd, msgs_ + done, static_cast<unsigned>(kBurst - done), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    return first;
  }

 private:
  const std::vector<net::SockAddr>* dests_;
  Udp sock_;
  std::array<uint8_t, kPcmuPacketBytes> payload_{};
  iovec iov_[kBurst];
  mmsghdr msgs_[kBurst];
  size_t next_ = 0;
};

// The sink: reads and discards everything (untimed).
class Sink {
 public:
  Sink() : sock_(bind_udp()) {
    for (size_t i = 0; i < kBurst; ++i) {
      iov_[i] = {buf_[i], sizeof buf_[i]};
      msgs_[i].msg_hdr = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ~Sink() {
    if (sock_.fd >= 0) ::close(sock_.fd);
  }
  bool ok() const { return sock_.fd >= 0; }
  const net::SockAddr& addr() const { return sock_.addr; }
  uint64_t drain() {
    uint64_t total = 0;
    for (;;) {
      const int n = ::recvmmsg(sock_.fd, msgs_, kBurst, MSG_DONTWAIT, nullptr);
      if (n <= 0) return total;
      total += static_cast<uint64_t>(n);
    }
  }

 private:
  Udp sock_;
  uint8_t buf_[kBurst][256];
  iovec iov_[kBurst];
  mmsghdr msgs_[kBurst];
};

struct Fixture {
  std::vector<Udp> socks;
  std::vector<net::SockAddr> addrs;
  Sink sink;
  explicit Fixture(size_t n) {
    raise_fd_limit();
    for (size_t i = 0; i < n; ++i) {
      Udp u = bind_udp();
      if (u.fd < 0) break;
      socks.push_back(u);
      addrs.push_back(u.addr);
    }
  }
  bool ok(size_t n) const { return socks.size() == n && sink.ok(); }
};

void backend_relay(benchmark::State& state, std::string_view backend_name) {
  const auto nsock = static_cast<size_t>(state.range(0));
  Fixture fx(nsock);
  if (!fx.ok(nsock)) {
    state.SkipWithError("could not bind the sockets");
    return;
  }
  io::BackendOptions opts;
  opts.pool_packets = 4096;
  opts.buffer_size = 2048;
  opts.max_sockets = static_cast<uint32_t>(nsock);
  opts.burst = kBurst;
  std::unique_ptr<io::IoBackend> backend;
  std::string error;
  for (const auto& e : io::backend_registry())
    if (e.name == backend_name) backend = e.create(opts, &error);
  if (!backend) {
    for (const Udp& u : fx.socks) ::close(u.fd);
    state.SkipWithError((std::string(backend_name) + " not available: " + error).c_str());
    return;
  }
  for (size_t i = 0; i < nsock; ++i) {
    if (backend->add_socket(static_cast<io::SocketId>(i), fx.socks[i].fd) != io::IoStatus::ok) {
      state.SkipWithError("add_socket failed");
      return;
    }
  }
  Blaster blaster(&fx.addrs);
  if (!blaster.ok()) {
    state.SkipWithError("could not bind the sender");
    return;
  }

  io::Packet* rx[kBurst];
  uint64_t short_bursts = 0, relayed = 0, empty_rx = 0;
  ThreadCpuTimer timer;
  auto one_burst = [&]() -> double {
    blaster.send_burst();
    timer.start();
    size_t got = 0;
    for (int spins = 0; got < kBurst && spins < kMaxSpins;) {
      const size_t n = backend->rx_burst({rx + got, kBurst - got});
      if (n == 0) {
        ++spins;
        ++empty_rx;
      }
      got += n;
    }
    for (size_t i = 0; i < got; ++i) rx[i]->addr = fx.sink.addr();  // out of the same socket
    const size_t sent = backend->tx_burst({rx, got});
    const double cpu = timer.stop();
    if (got < kBurst) ++short_bursts;
    relayed += sent;
    fx.sink.drain();
    return cpu;
  };
  for (int i = 0; i < 64; ++i) (void)one_burst();  // warm-up: first completions, buffer rings
  const io::BackendStats before = backend->stats();
  short_bursts = 0;
  relayed = 0;
  empty_rx = 0;
  timer = {};
  const long switches_before = voluntary_switches();
  for (auto _ : state) state.SetIterationTime(one_burst());
  const long switches = voluntary_switches() - switches_before;
  const io::BackendStats after = backend->stats();

  report_items(state, static_cast<int64_t>(relayed));
  report_wall(state, timer, static_cast<int64_t>(relayed));
  state.counters["short_bursts"] = static_cast<double>(short_bursts);
  state.counters["tx_errors"] = static_cast<double>(after.tx_errors - before.tx_errors);
  state.counters["empty_rx_per_burst"] =
      benchmark::Counter(static_cast<double>(empty_rx), benchmark::Counter::kAvgIterations);
  state.counters["sleeps_per_burst"] =
      benchmark::Counter(static_cast<double>(switches), benchmark::Counter::kAvgIterations);
  state.counters["rx_calls_per_burst"] = benchmark::Counter(
      static_cast<double>(after.rx_calls - before.rx_calls), benchmark::Counter::kAvgIterations);
  state.counters["tx_calls_per_burst"] = benchmark::Counter(
      static_cast<double>(after.tx_calls - before.tx_calls), benchmark::Counter::kAvgIterations);
  state.SetLabel(std::string(backend->name()));
}

// One recvmmsg and one sendmmsg per socket that the sender wrote to, in the sender's order.
void limit_recvmmsg_sendmmsg(benchmark::State& state) {
  const auto nsock = static_cast<size_t>(state.range(0));
  Fixture fx(nsock);
  if (!fx.ok(nsock)) {
    state.SkipWithError("could not bind the sockets");
    return;
  }
  Blaster blaster(&fx.addrs);
  std::vector<std::array<uint8_t, 2048>> bufs(kBurst);
  sockaddr_in6 names[kBurst];
  iovec iov[kBurst];
  mmsghdr msgs[kBurst];
  const net::SockAddr sink = fx.sink.addr();

  uint64_t short_bursts = 0, relayed = 0;
  ThreadCpuTimer timer;
  auto one_burst = [&]() -> double {
    const size_t first = blaster.send_burst();
    const size_t touched = nsock < kBurst ? nsock : kBurst;
    timer.start();
    size_t got_total = 0;
    for (size_t k = 0; k < touched; ++k) {
      const int fd = fx.socks[(first + k) % nsock].fd;
      // Receive: as many as are queued on this socket, at most what is left of the burst.
      const size_t want = kBurst - got_total;
      for (size_t i = 0; i < want; ++i) {
        iov[i] = {bufs[got_total + i].data(), bufs[got_total + i].size()};
        msgs[i].msg_hdr = {};
        msgs[i].msg_hdr.msg_name = &names[i];
        msgs[i].msg_hdr.msg_namelen = sizeof names[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int n = ::recvmmsg(fd, msgs, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
      if (n <= 0) continue;
      // Send them on from the same socket to the sink.
      for (int i = 0; i < n; ++i) {
        iov[i].iov_len = msgs[i].msg_len;
        msgs[i].msg_hdr.msg_name = const_cast<sockaddr*>(&sink.u.sa);
        msgs[i].msg_hdr.msg_namelen = sink.len();
      }
      const int s = ::sendmmsg(fd, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
      if (s > 0) relayed += static_cast<uint64_t>(s);
      got_total += static_cast<size_t>(n);
    }
    const double cpu = timer.stop();
    if (got_total < kBurst) ++short_bursts;
    fx.sink.drain();
    return cpu;
  };
  for (int i = 0; i < 64; ++i) (void)one_burst();
  short_bursts = 0;
  relayed = 0;
  timer = {};
  for (auto _ : state) state.SetIterationTime(one_burst());
  for (const Udp& u : fx.socks) ::close(u.fd);

  report_items(state, static_cast<int64_t>(relayed));
  report_wall(state, timer, static_cast<int64_t>(relayed));
  state.counters["short_bursts"] = static_cast<double>(short_bursts);
  state.SetLabel("socket API floor");
}

void socket_args(benchmark::internal::Benchmark* b) {
  b->ArgName("sockets")->Arg(1)->Arg(32)->Arg(1024);
}

[[maybe_unused]] const bool kRegistered = [] {
  with_min_max(benchmark::RegisterBenchmark("backend/epoll", backend_relay, "epoll"),
               Timing::manual)
      ->Apply(socket_args);
  with_min_max(benchmark::RegisterBenchmark("backend/io_uring", backend_relay, "io_uring"),
               Timing::manual)
      ->Apply(socket_args);
  with_min_max(
      benchmark::RegisterBenchmark("backend/limit:recvmmsg+sendmmsg", limit_recvmmsg_sendmmsg),
      Timing::manual)
      ->Apply(socket_args);
  return true;
}();

}  // namespace
}  // namespace rtpx::bench
