// io_uring specifics: what the probe reports on this kernel, the fallback modes (single-shot
// receive, ring without DEFER_TASKRUN) forced through UringTuning, buffer ownership seen from
// buffer ids, stale completions of removed sockets, and a ring built on one thread and run on
// another.

#include "engine/io/uring_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/engine/io/udp_test_util.hpp"

// Counts every operator new in this binary, so a test can prove the packet path allocates nothing.
std::atomic<long> g_allocations{0};

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace rtpx::io {
namespace {

using namespace std::chrono_literals;
using test::collect;
using test::payload;
using test::to_sock_addr;
using test::UdpSocket;

BackendOptions options(uint32_t pool = 64, uint32_t buffer_size = 2048) {
  BackendOptions o;
  o.pool_packets = pool;
  o.buffer_size = buffer_size;
  o.max_sockets = 32;
  o.burst = 32;
  return o;
}

sockaddr_in add(IoBackend& b, SocketId id) {
  UdpSocket s(/*nonblocking=*/true);
  sockaddr_in a = s.addr();
  EXPECT_EQ(b.add_socket(id, s.release()), IoStatus::ok);
  return a;
}

TEST(UringBackend, ReportsMultishotProvidedBuffersAndBatchingOnThisKernel) {
  OpenedBackend opened = open_backend("io_uring", options());
  ASSERT_TRUE(opened.fallback_reason.empty()) << opened.fallback_reason;
  EXPECT_EQ(opened.backend->name(), "io_uring");
  const BackendCaps caps = opened.backend->caps();
  EXPECT_TRUE(caps.multishot_rx);
  EXPECT_TRUE(caps.provided_buffers);
  EXPECT_TRUE(caps.batched_syscalls);
}

TEST(UringBackend, RejectsOptionsItCannotServeAndTheRegistryFallsBack) {
  std::string error;
  EXPECT_EQ(make_uring_backend(options(40000), &error), nullptr);
  EXPECT_NE(error.find("pool_packets 40000"), std::string::npos) << error;

  OpenedBackend opened = open_backend("io_uring", options(40000));
  ASSERT_NE(opened.backend, nullptr);
  EXPECT_EQ(opened.backend->name(), "epoll");
  EXPECT_NE(opened.fallback_reason.find("io_uring not available"), std::string::npos)
      << opened.fallback_reason;
}

// A pool that is not a power of two still holds exactly its own size.
TEST(UringBackend, PoolSizeIsExactWhenNotAPowerOfTwo) {
  std::string error;
  auto b = make_uring_backend(options(100), &error);
  ASSERT_NE(b, nullptr) << error;
  const sockaddr_in a = add(*b, 0);
  UdpSocket client;
  for (int i = 0; i < 110; ++i) ASSERT_TRUE(client.send_to(a, "x"));
  std::vector<Packet*> held = collect(*b, 110, 400ms);
  EXPECT_EQ(held.size(), 100u);
  b->free_burst(held);
  EXPECT_EQ(collect(*b, 10).size(), 10u);
}

// After a send is queued, its buffer stays out of the ring until the send completion has been
// harvested: receives that happen in between land in the other buffers.
TEST(UringBackend, SendBuffersStayOutOfTheRingUntilTheirCompletion) {
  std::string error;
  auto b = make_uring_backend(options(64), &error);
  ASSERT_NE(b, nullptr) << error;
  const sockaddr_in a = add(*b, 0);
  add(*b, 1);
  UdpSocket client;
  UdpSocket receiver;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 32; ++i) ASSERT_TRUE(client.send_to(a, "in"));
    std::vector<Packet*> got = collect(*b, 32);
    ASSERT_EQ(got.size(), 32u);
    std::set<uint32_t> in_flight;
    for (Packet* p : got) {
      in_flight.insert(p->buf_id);
      p->socket = 1;
      p->addr = to_sock_addr(receiver.addr());
    }
    ASSERT_EQ(b->tx_burst(got), 32u);
    for (int i = 0; i < 16; ++i) ASSERT_TRUE(client.send_to(a, "next"));
    std::vector<Packet*> next = collect(*b, 16);
    ASSERT_EQ(next.size(), 16u);
    for (Packet* p : next) EXPECT_FALSE(in_flight.contains(p->buf_id)) << "round " << round;
    b->free_burst(next);
    for (int i = 0; i < 32; ++i) ASSERT_EQ(receiver.recv(), "in");
  }
  b->wait(0);
  EXPECT_EQ(b->stats().tx_packets, 20u * 32u);
  EXPECT_EQ(b->stats().tx_errors, 0u);
}

// The engine opens backends on its main thread and runs each on its shard thread; a
// SINGLE_ISSUER ring must bind to the thread that uses it, not the one that built it.
TEST(UringBackend, RunsOnAnotherThreadThanItsCreator) {
  std::string error;
  auto b = make_uring_backend(options(), &error);
  ASSERT_NE(b, nullptr) << error;
  std::atomic<bool> stop{false};
  std::atomic<int> echoed{0};
  std::atomic<uint16_t> port{0};
  std::thread shard([&] {
    port = ntohs(add(*b, 0).sin_port);
    Packet* pkts[32];
    while (!stop) {
      size_t n = b->rx_burst(pkts);
      if (n == 0) {
        b->wait(1000);
        continue;
      }
      for (size_t i = 0; i < n; ++i) pkts[i]->socket = 0;  // echo to the source
      echoed += static_cast<int>(b->tx_burst({pkts, n}));
    }
  });
  while (port == 0) std::this_thread::sleep_for(1ms);
  UdpSocket client;
  sockaddr_in to = client.addr();
  to.sin_port = htons(port);
  for (int i = 0; i < 50; ++i) {
    const std::string text = "echo-" + std::to_string(i);
    ASSERT_TRUE(client.send_to(to, text));
    ASSERT_EQ(client.recv(), text);
  }
  const BackendStats live = b->stats();  // readable while the shard runs
  EXPECT_GE(live.rx_packets, 50u);
  stop = true;
  b->wake();
  shard.join();
  EXPECT_EQ(echoed, 50);
}

struct Mode {
  const char* name;
  UringTuning tuning;
};

class UringModes : public ::testing::TestWithParam<Mode> {
 protected:
  std::unique_ptr<IoBackend> make(const BackendOptions& o) {
    std::string error;
    auto b = make_uring_backend_tuned(o, GetParam().tuning, &error);
    EXPECT_NE(b, nullptr) << error;
    return b;
  }
};

TEST_P(UringModes, CapsFollowTheMode) {
  auto b = make(options());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->caps().multishot_rx, GetParam().tuning.allow_multishot);
  EXPECT_TRUE(b->caps().provided_buffers);
}

TEST_P(UringModes, ReceivesAndSendsWithAddresses) {
  auto b = make(options());
  ASSERT_NE(b, nullptr);
  const sockaddr_in a = add(*b, 4);
  const sockaddr_in c = add(*b, 9);
  UdpSocket client;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(client.send_to(i % 2 ? c : a, std::to_string(i)));
  std::vector<Packet*> got = collect(*b, 40);
  ASSERT_EQ(got.size(), 40u);
  for (Packet* p : got) {
    const int i = std::stoi(std::string(payload(*p)));
    EXPECT_EQ(p->socket, i % 2 ? 9u : 4u);
    EXPECT_EQ(p->addr.port(), client.port());
    p->socket = 4;  // answer everything from socket 4
  }
  EXPECT_EQ(b->tx_burst(got), 40u);
  std::set<std::string> seen;
  for (int i = 0; i < 40; ++i) {
    sockaddr_in from{};
    seen.insert(client.recv(&from));
    EXPECT_EQ(from.sin_port, a.sin_port);
  }
  EXPECT_EQ(seen.size(), 40u);
}

TEST_P(UringModes, TruncatesOversizedDatagrams) {
  auto b = make(options(64, 256));
  ASSERT_NE(b, nullptr);
  const sockaddr_in a = add(*b, 0);
  UdpSocket client;
  ASSERT_TRUE(client.send_to(a, std::string(257, 'x')));
  ASSERT_TRUE(client.send_to(a, std::string(256, 'y')));
  std::vector<Packet*> got = collect(*b, 2, 400ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(payload(*got[0]), std::string(256, 'y'));
  EXPECT_EQ(b->stats().rx_truncated, 1u);
}

TEST_P(UringModes, ExhaustedRingRecoversAndReArms) {
  auto b = make(options(16));
  ASSERT_NE(b, nullptr);
  const sockaddr_in a = add(*b, 0);
  const sockaddr_in c = add(*b, 1);
  UdpSocket client;
  for (int cycle = 0; cycle < 5; ++cycle) {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(client.send_to(i % 2 ? c : a, "z"));
    std::vector<Packet*> held = collect(*b, 20, 300ms);
    EXPECT_EQ(held.size(), 16u);
    b->free_burst(held);
    std::vector<Packet*> rest = collect(*b, 4);
    EXPECT_EQ(rest.size(), 4u) << "cycle " << cycle;
    b->free_burst(rest);
  }
  EXPECT_GT(b->stats().rx_no_buffer, 0u);
}

// Datagrams the kernel already put in buffers for a socket that is then removed come back as
// stale completions: their buffers must return to the ring, and a new socket under the same id
// must not see them.
TEST_P(UringModes, StaleCompletionsOfRemovedSocketsGiveBuffersBack) {
  auto b = make(options(16));
  ASSERT_NE(b, nullptr);
  UdpSocket client;
  for (int cycle = 0; cycle < 10; ++cycle) {
    const sockaddr_in a = add(*b, 0);
    for (int i = 0; i < 16; ++i) ASSERT_TRUE(client.send_to(a, "stale"));
    b->wait(0);  // the kernel fills buffers for socket 0
    b->remove_socket(0);
  }
  const sockaddr_in fresh = add(*b, 0);
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(client.send_to(fresh, "fresh"));
  std::vector<Packet*> got = collect(*b, 16);
  ASSERT_EQ(got.size(), 16u);
  for (Packet* p : got) EXPECT_EQ(payload(*p), "fresh");
}

TEST_P(UringModes, RemovedSocketPortIsFreeAtOnce) {
  auto b = make(options());
  ASSERT_NE(b, nullptr);
  UdpSocket client;
  for (int i = 0; i < 20; ++i) {
    const sockaddr_in a = add(*b, 2);
    ASSERT_TRUE(client.send_to(a, "pending"));
    b->wait(0);
    b->remove_socket(2);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    ::close(fd);
  }
}

// rx_burst, tx_burst, free_burst and wait allocate nothing, whatever the mode.
TEST_P(UringModes, PacketPathDoesNotAllocate) {
  auto b = make(options(64));
  ASSERT_NE(b, nullptr);
  const sockaddr_in a = add(*b, 0);
  add(*b, 1);
  UdpSocket client;
  UdpSocket receiver;
  const net::SockAddr dest = to_sock_addr(receiver.addr());
  Packet* pkts[32];
  char buf[256];
  b->wait(0);  // first use enables the ring: not part of the packet path
  const long before = g_allocations.load();
  size_t relayed = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 16; ++i) client.send_to(a, "payload");
    size_t held = 0;
    for (int tries = 0; held < 16 && tries < 100; ++tries) {
      const size_t n = b->rx_burst({pkts + held, 16 - held});
      held += n;
      if (n == 0) b->wait(10);
    }
    for (size_t i = 0; i < held; ++i) {
      pkts[i]->socket = 1;
      pkts[i]->addr = dest;
    }
    b->free_burst({pkts, held / 4});  // a quarter dropped, the rest relayed
    relayed += b->tx_burst({pkts + held / 4, held - held / 4});
    for (size_t i = held / 4; i < held; ++i) ::recv(receiver.fd(), buf, sizeof buf, 0);
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0);
  EXPECT_EQ(relayed, 50u * 12u);
}

INSTANTIATE_TEST_SUITE_P(Modes, UringModes,
                         ::testing::Values(Mode{"multishot_defer", {true, true}},
                                           Mode{"multishot_plain", {true, false}},
                                           Mode{"singleshot_defer", {false, true}},
                                           Mode{"singleshot_plain", {false, false}}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace rtpx::io
