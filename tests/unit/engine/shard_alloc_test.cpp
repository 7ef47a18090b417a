// The data-plane rule "nothing is allocated per packet", enforced: every global operator new /
// delete of this test binary is replaced by a counting version, and a shard relays thousands of
// packets (both directions, RTP and RTCP, rtcp-mux, latching and relatching, drops of every kind
// the packet path decides, control commands applied between bursts) while the count must stay
// zero. Test-side work (building, injecting, sending, receiving, draining, asserting) stays
// outside the counted regions.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/io/backend_registry.hpp"
#include "engine/io/loopback_backend.hpp"
#include "engine/shard/shard.hpp"
#include "tests/unit/engine/packet_builders.hpp"

// ---- counting allocator -------------------------------------------------------------------

namespace {

std::atomic<uint64_t> g_news{0};
std::atomic<uint64_t> g_deletes{0};
thread_local bool t_counting = false;  // only the thread that opened a counted region counts

void* counted_new(size_t n) {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* counted_new_nothrow(size_t n) noexcept {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}

void* aligned_malloc(size_t n, std::align_val_t al) noexcept {
  size_t a = static_cast<size_t>(al);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (::posix_memalign(&p, a, n == 0 ? 1 : n) != 0) return nullptr;
  return p;
}

void* counted_aligned_new_nothrow(size_t n, std::align_val_t al) noexcept {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  return aligned_malloc(n, al);
}

void* counted_aligned_new(size_t n, std::align_val_t al) {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  void* p = aligned_malloc(n, al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  if (t_counting) g_deletes.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

void* operator new(size_t n) {
  return counted_new(n);
}
void* operator new[](size_t n) {
  return counted_new(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return counted_new_nothrow(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return counted_new_nothrow(n);
}
void* operator new(size_t n, std::align_val_t a) {
  return counted_aligned_new(n, a);
}
void* operator new[](size_t n, std::align_val_t a) {
  return counted_aligned_new(n, a);
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_new_nothrow(n, a);
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_new_nothrow(n, a);
}

void operator delete(void* p) noexcept {
  counted_delete(p);
}
void operator delete[](void* p) noexcept {
  counted_delete(p);
}
void operator delete(void* p, size_t) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, size_t) noexcept {
  counted_delete(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  counted_delete(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_delete(p);
}

namespace rtpx::net {
// Failure messages show "1.2.3.4:5" instead of 28 raw bytes.
void PrintTo(const SockAddr& a, std::ostream* os) {
  *os << a.to_string();
}
}  // namespace rtpx::net

namespace rtpx::engine {
namespace {

// Counts operator new / delete calls made by this thread while alive.
class CountedRegion {
 public:
  CountedRegion() : news0_(g_news.load()), deletes0_(g_deletes.load()) { t_counting = true; }
  ~CountedRegion() { t_counting = false; }
  CountedRegion(const CountedRegion&) = delete;
  CountedRegion& operator=(const CountedRegion&) = delete;

  uint64_t news() const { return g_news.load() - news0_; }
  uint64_t deletes() const { return g_deletes.load() - deletes0_; }

 private:
  uint64_t news0_, deletes0_;
};

// Total allocations made inside counted regions, accumulated across a test.
struct AllocTally {
  uint64_t news = 0, deletes = 0;
  template <typename F>
  void run(F&& f) {
    uint64_t n = 0, d = 0;
    {
      CountedRegion r;
      f();
      n = r.news();
      d = r.deletes();
    }
    news += n;
    deletes += d;
  }
};

inline void escape(void* p) {
  asm volatile("" : : "g"(p) : "memory");
}

struct alignas(128) OverAligned {
  char bytes[128];
};

TEST(AllocCounter, SeesEveryKindOfAllocation) {
  // Without this the zero-allocation tests below could pass because nothing is counted.
  AllocTally t;
  t.run([] {
    int* a = new int(1);
    escape(a);
    delete a;
    int* b = new int[16];
    escape(b);
    delete[] b;
    auto* c = new OverAligned;
    escape(c);
    delete c;
    std::vector<int> v(100);
    escape(v.data());
    std::string s(200, 'x');
    escape(s.data());
    auto u = std::make_unique<uint64_t[]>(32);
    escape(u.get());
  });
  EXPECT_EQ(t.news, 6u);
  EXPECT_EQ(t.deletes, 6u);
}

TEST(AllocCounter, OnlyTheCountingThreadInsideItsRegionIsCounted) {
  auto* before = new int(3);  // outside any region
  escape(before);
  delete before;

  std::atomic<int> step{0};
  std::thread other([&] {
    while (step.load() != 1) std::this_thread::yield();
    auto* p = new int(4);  // another thread, while this one counts
    escape(p);
    delete p;
    step.store(2);
  });
  AllocTally t;
  t.run([&] {
    step.store(1);
    while (step.load() != 2) std::this_thread::yield();
  });
  other.join();
  EXPECT_EQ(t.news, 0u);
  EXPECT_EQ(t.deletes, 0u);
}

// ---- packets ------------------------------------------------------------------------------

using rtpx::engine::testing::addr;
using rtpx::engine::testing::Bytes;
using rtpx::engine::testing::rtp;

Bytes rtcp(uint32_t ssrc) {  // SR + SDES(CNAME "abc")
  const uint8_t s[4] = {static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                        static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  Bytes b{0x80, 200, 0, 6, s[0], s[1], s[2], s[3]};
  for (int i = 0; i < 20; ++i) b.push_back(static_cast<uint8_t>(i));
  for (uint8_t c : {0x81, 202, 0, 3}) b.push_back(c);
  b.insert(b.end(), s, s + 4);
  for (uint8_t c : Bytes{1, 3, 'a', 'b', 'c', 0, 0, 0}) b.push_back(c);
  return b;
}

EndpointConfig cfg(Component c, net::SockAddr signaled, io::SocketId fwd, io::SocketId rtcp_fwd,
                   bool mux = false) {
  EndpointConfig e;
  e.component = c;
  e.signaled = signaled;
  e.forward_to = fwd;
  e.rtcp_forward_to = rtcp_fwd;
  e.rtcp_mux = mux;
  return e;
}

ShardCommand command(ShardCommand::Op op, io::SocketId id, int fd, const EndpointConfig& c) {
  ShardCommand cmd;
  cmd.op = op;
  cmd.id = id;
  cmd.fd = fd;
  cmd.cfg = c;
  return cmd;
}

uint64_t total_drops(const Shard& s) {
  uint64_t n = 0;
  for (const auto& d : s.counters().drops) n += d.get();
  return n;
}

uint64_t drops(const Shard& s, DropReason r) {
  return s.counters().drops[static_cast<size_t>(r)].get();
}

// ---- loopback -----------------------------------------------------------------------------

TEST(ShardAllocation, LoopbackRelayAllocatesNothingPerPacket) {
  constexpr uint32_t kSlots = 16;
  io::BackendOptions o;
  o.pool_packets = 1024;
  o.max_sockets = kSlots;
  o.burst = 32;
  std::string error;
  std::unique_ptr<io::IoBackend> backend = io::make_loopback_backend(o, &error);
  ASSERT_NE(backend, nullptr) << error;
  auto* lb = static_cast<io::LoopbackBackend*>(backend.get());
  std::unique_ptr<Endpoint[]> slots(new Endpoint[kSlots]);
  Shard shard(0, std::move(backend), {slots.get(), kSlots}, o.burst);

  const net::SockAddr a_rtp = addr("192.0.2.10:4000"), a_rtcp = addr("192.0.2.10:4001");
  const net::SockAddr b_rtp = addr("198.51.100.20:6000"), b_rtcp = addr("198.51.100.20:6001");
  const net::SockAddr c_rtp = addr("[2001:db8::c]:7000"), d_rtp = addr("[2001:db8::d]:8000");
  const net::SockAddr nat1 = addr("203.0.113.5:30000"), nat2 = addr("203.0.113.5:30002");
  const net::SockAddr stranger = addr("203.0.113.66:1234");
  using Op = ShardCommand::Op;
  // Call 1, A<->B, separate RTCP: slots 0..3.
  shard.post(command(Op::add, 0, -1, cfg(Component::rtp, a_rtp, 2, 3)));
  shard.post(command(Op::add, 1, -1, cfg(Component::rtcp, a_rtcp, 3, 3)));
  shard.post(command(Op::add, 2, -1, cfg(Component::rtp, b_rtp, 0, 1)));
  shard.post(command(Op::add, 3, -1, cfg(Component::rtcp, b_rtcp, 1, 1)));
  // Call 2, C<->D over IPv6 with rtcp-mux on both sides: slots 4 and 6.
  shard.post(command(Op::add, 4, -1, cfg(Component::rtp, c_rtp, 6, 6, true)));
  shard.post(command(Op::add, 6, -1, cfg(Component::rtp, d_rtp, 4, 4, true)));
  // Slot 8 is strict; slot 9 forwards to slot 10 whose party is not signaled yet.
  EndpointConfig strict = cfg(Component::rtp, a_rtp, 2, 3);
  strict.strict_source = true;
  shard.post(command(Op::add, 8, -1, strict));
  shard.post(command(Op::add, 9, -1, cfg(Component::rtp, a_rtp, 10, 10)));
  const uint64_t ready = shard.post(command(Op::add, 10, -1, cfg(Component::rtp, {}, 9, 9)));
  shard.poll_once(0);
  ASSERT_TRUE(shard.applied(ready));

  // Every datagram of one round, built once. A alternates between two NAT bindings with the
  // same SSRC, so slot 0 relatches (same_ssrc) every round.
  struct In {
    io::SocketId on;
    net::SockAddr from;
    Bytes bytes;
  };
  auto round_packets = [&](int round) {
    std::vector<In> in;
    const net::SockAddr& a_from = (round & 1) ? nat2 : nat1;
    for (int i = 0; i < 8; ++i) {
      const uint16_t seq = static_cast<uint16_t>(round * 8 + i);
      in.push_back({0, a_from, rtp(0xaaaa, seq)});
      in.push_back({2, b_rtp, rtp(0xbbbb, seq, 20 + i)});
      in.push_back({4, c_rtp, rtp(0xcccc, seq, 80)});
      in.push_back({6, d_rtp, rtp(0xdddd, seq, 80)});
    }
    in.push_back({1, a_rtcp, rtcp(0xaaaa)});
    in.push_back({3, b_rtcp, rtcp(0xbbbb)});
    in.push_back({4, c_rtp, rtcp(0xcccc)});  // muxed RTCP
    in.push_back({6, d_rtp, rtcp(0xdddd)});
    in.push_back({0, a_from, Bytes{0x80, 0x00, 0x01}});  // malformed
    in.push_back({2, b_rtp, rtcp(0xbbbb)});              // RTCP on a non-mux RTP socket
    in.push_back({8, stranger, rtp(0x8888, 1)});         // unexpected source
    in.push_back({9, a_rtp, rtp(0x9999, 1)});            // no destination
    return in;
  };
  constexpr uint64_t kRelayedPerRound = 36, kDroppedPerRound = 4;

  auto inject_round = [&](const std::vector<In>& in) {
    for (const In& p : in) ASSERT_TRUE(lb->inject(p.on, p.from, p.bytes));
  };
  size_t sent_in_round = 0;
  const std::function<void(const io::Packet&)> count_sent = [&](const io::Packet&) {
    ++sent_in_round;
  };

  // Warm-up: first latches, first use of every path.
  inject_round(round_packets(0));
  while (shard.poll_once(0) > 0) {
  }
  lb->drain_sent(count_sent);
  ASSERT_EQ(sent_in_round, kRelayedPerRound);

  constexpr int kRounds = 150;
  const EndpointConfig b_update = cfg(Component::rtp, b_rtp, 0, 1);
  AllocTally tally;
  uint64_t received = 0;
  for (int round = 1; round <= kRounds; ++round) {
    const std::vector<In> in = round_packets(round);
    inject_round(in);
    if (round % 10 == 0) {  // control changes applied between bursts, inside the counted region
      shard.post(command(Op::update, 2, -1, b_update));
      shard.post(command(Op::barrier, io::kNoSocket, -1, {}));
    }
    tally.run([&] {
      size_t n;
      do {
        n = shard.poll_once(0);
        received += n;
      } while (n > 0);
    });
    sent_in_round = 0;
    lb->drain_sent(count_sent);
    ASSERT_EQ(sent_in_round, kRelayedPerRound) << "round " << round;
  }

  EXPECT_EQ(tally.news, 0u) << "operator new called inside poll_once";
  EXPECT_EQ(tally.deletes, 0u) << "operator delete called inside poll_once";
  EXPECT_EQ(received, kRounds * (kRelayedPerRound + kDroppedPerRound));
  EXPECT_EQ(shard.counters().relayed_packets.get(), (kRounds + 1) * kRelayedPerRound);
  EXPECT_EQ(total_drops(shard), (kRounds + 1) * kDroppedPerRound);
  EXPECT_EQ(drops(shard, DropReason::malformed), (kRounds + 1) * 2);
  EXPECT_EQ(slots[0].latched_addr, (kRounds & 1) ? nat2 : nat1);  // it did relatch
  EXPECT_EQ(lb->pool_available(), o.pool_packets);
}

// ---- epoll over real sockets ----------------------------------------------------------------

class Udp {
 public:
  Udp() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int big = 1 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    socklen_t len = sizeof addr_.u.v4;
    ::getsockname(fd_, &addr_.u.sa, &len);
  }
  ~Udp() {
    if (fd_ >= 0) ::close(fd_);
  }
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  bool ok() const { return ok_; }
  const net::SockAddr& addr() const { return addr_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  bool send_to(const net::SockAddr& to, const Bytes& b) const {
    return ::sendto(fd_, b.data(), b.size(), 0, &to.u.sa, to.len()) ==
           static_cast<ssize_t>(b.size());
  }
  // One datagram if any is waiting.
  bool recv(Bytes* out, net::SockAddr* from) const {
    uint8_t buf[4096];
    socklen_t len = sizeof from->u;
    const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, &from->u.sa, &len);
    if (n < 0) return false;
    out->assign(buf, buf + n);
    return true;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  net::SockAddr addr_;
};

struct Received {
  net::SockAddr from;
  Bytes bytes;
};

// Collects `want` datagrams from `s` (or fewer after a deadline).
std::vector<Received> receive(const Udp& s, size_t want) {
  std::vector<Received> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    Received r;
    if (s.recv(&r.bytes, &r.from)) {
      got.push_back(std::move(r));
    } else {
      ::usleep(200);
    }
  }
  return got;
}

TEST(ShardAllocation, EpollRelayAllocatesNothingPerPacket) {
  constexpr uint32_t kSlots = 8;
  io::BackendOptions o;
  o.pool_packets = 512;
  o.max_sockets = kSlots;
  o.burst = 32;
  std::string error;
  std::unique_ptr<io::IoBackend> backend = io::make_epoll_backend(o, &error);
  ASSERT_NE(backend, nullptr) << error;
  std::unique_ptr<Endpoint[]> slots(new Endpoint[kSlots]);
  Shard shard(0, std::move(backend), {slots.get(), kSlots}, o.burst);

  // The relay's four sockets and the two parties' sockets, all on 127.0.0.1.
  Udp relay[4];
  Udp a_rtp, a_rtcp, b_rtp, b_rtcp;
  for (const Udp* s :
       {&relay[0], &relay[1], &relay[2], &relay[3], &a_rtp, &a_rtcp, &b_rtp, &b_rtcp})
    ASSERT_TRUE(s->ok());
  const net::SockAddr relay_addr[4] = {relay[0].addr(), relay[1].addr(), relay[2].addr(),
                                       relay[3].addr()};
  using Op = ShardCommand::Op;
  shard.post(command(Op::add, 0, relay[0].release(), cfg(Component::rtp, a_rtp.addr(), 2, 3)));
  shard.post(command(Op::add, 1, relay[1].release(), cfg(Component::rtcp, a_rtcp.addr(), 3, 3)));
  shard.post(command(Op::add, 2, relay[2].release(), cfg(Component::rtp, b_rtp.addr(), 0, 1)));
  const uint64_t ready = shard.post(
      command(Op::add, 3, relay[3].release(), cfg(Component::rtcp, b_rtcp.addr(), 1, 1)));
  shard.poll_once(0);
  ASSERT_TRUE(shard.applied(ready));
  ASSERT_EQ(shard.counters().sockets.get(), 4u);

  constexpr size_t kRtpPerSide = 16, kRtcpPerSide = 2;
  constexpr uint64_t kPerRound = 2 * (kRtpPerSide + kRtcpPerSide);

  // Sends one round from both parties; returns what each party should then receive.
  struct Expect {
    std::vector<Bytes> at_a_rtp, at_a_rtcp, at_b_rtp, at_b_rtcp;
  };
  auto send_round = [&](int round) {
    Expect e;
    for (size_t i = 0; i < kRtpPerSide; ++i) {
      const uint16_t seq = static_cast<uint16_t>(round * kRtpPerSide + i);
      e.at_b_rtp.push_back(rtp(0xaaaa, seq));
      e.at_a_rtp.push_back(rtp(0xbbbb, seq, 40));
      EXPECT_TRUE(a_rtp.send_to(relay_addr[0], e.at_b_rtp.back()));
      EXPECT_TRUE(b_rtp.send_to(relay_addr[2], e.at_a_rtp.back()));
    }
    for (size_t i = 0; i < kRtcpPerSide; ++i) {
      e.at_b_rtcp.push_back(rtcp(0xaaaa));
      e.at_a_rtcp.push_back(rtcp(0xbbbb));
      EXPECT_TRUE(a_rtcp.send_to(relay_addr[1], e.at_b_rtcp.back()));
      EXPECT_TRUE(b_rtcp.send_to(relay_addr[3], e.at_a_rtcp.back()));
    }
    return e;
  };
  // Checks one party socket got exactly `want`, in order, from the relay socket `via`.
  auto check = [&](const Udp& party, const std::vector<Bytes>& want, const net::SockAddr& via,
                   const char* what, int round) {
    std::vector<Received> got = receive(party, want.size());
    ASSERT_EQ(got.size(), want.size()) << what << " round " << round;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].from, via) << what << " round " << round;
      EXPECT_EQ(got[i].bytes, want[i]) << what << " round " << round << " #" << i;
    }
  };
  auto verify = [&](const Expect& e, int round) {
    check(b_rtp, e.at_b_rtp, relay_addr[2], "B rtp", round);
    check(b_rtcp, e.at_b_rtcp, relay_addr[3], "B rtcp", round);
    check(a_rtp, e.at_a_rtp, relay_addr[0], "A rtp", round);
    check(a_rtcp, e.at_a_rtcp, relay_addr[1], "A rtcp", round);
  };

  // Polls (counted) until the shard has relayed `target` packets or a deadline passes.
  auto pump = [&](uint64_t target, AllocTally* tally) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto body = [&] {
      while (shard.counters().relayed_packets.get() < target &&
             std::chrono::steady_clock::now() < deadline)
        shard.poll_once(1);
    };
    if (tally != nullptr) {
      tally->run(body);
    } else {
      body();
    }
  };

  // Warm-up: latching, first epoll_wait/recvmmsg/sendmmsg.
  Expect warm = send_round(0);
  pump(kPerRound, nullptr);
  verify(warm, 0);
  ASSERT_EQ(shard.counters().relayed_packets.get(), kPerRound);

  constexpr int kRounds = 100;
  AllocTally tally;
  for (int round = 1; round <= kRounds; ++round) {
    Expect e = send_round(round);
    pump((round + 1) * kPerRound, &tally);
    verify(e, round);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(tally.news, 0u) << "operator new called inside poll_once (epoll)";
  EXPECT_EQ(tally.deletes, 0u) << "operator delete called inside poll_once (epoll)";
  EXPECT_EQ(shard.counters().relayed_packets.get(), (kRounds + 1) * kPerRound);
  EXPECT_EQ(total_drops(shard), 0u);
  EXPECT_EQ(shard.backend().stats().tx_errors, 0u);
  EXPECT_TRUE(slots[0].latched);
  EXPECT_EQ(slots[0].latched_addr, a_rtp.addr());
}

}  // namespace
}  // namespace rtpx::engine
