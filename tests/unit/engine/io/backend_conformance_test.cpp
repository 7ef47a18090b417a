// The contract every kernel-socket backend keeps, run against each of them over real UDP
// sockets on 127.0.0.1: what rx_burst hands out, where tx_burst sends from, socket removal,
// wait()/wake(), pool exhaustion, truncation and buffer ownership while a send is in flight.

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/io/backend_registry.hpp"
#include "tests/unit/engine/io/udp_test_util.hpp"

namespace rtpx::io {
namespace {

using namespace std::chrono_literals;
using test::collect;
using test::payload;
using test::to_sock_addr;
using test::UdpSocket;

BackendOptions small_options() {
  BackendOptions o;
  o.pool_packets = 256;
  o.buffer_size = 2048;
  o.max_sockets = 64;
  o.burst = 32;
  return o;
}

int open_fd_count() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

class BackendConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void open(const BackendOptions& o = small_options()) {
    options_ = o;
    OpenedBackend opened = open_backend(GetParam(), o);
    ASSERT_TRUE(opened.fallback_reason.empty()) << opened.fallback_reason;
    backend_ = std::move(opened.backend);
    ASSERT_EQ(backend_->name(), GetParam());
  }

  // Adds a fresh non-blocking socket on 127.0.0.1 as `id`; returns its address.
  sockaddr_in add(SocketId id) {
    UdpSocket s(/*nonblocking=*/true);
    sockaddr_in a = s.addr();
    EXPECT_EQ(backend_->add_socket(id, s.release()), IoStatus::ok);
    return a;
  }

  void release(std::vector<Packet*>& pkts) {
    backend_->free_burst(pkts);
    pkts.clear();
  }

  // Every buffer can be held at once: none leaked or stuck in flight.
  void expect_whole_pool_usable(const sockaddr_in& to) {
    UdpSocket client;
    for (uint32_t i = 0; i < options_.pool_packets; ++i) ASSERT_TRUE(client.send_to(to, "fill"));
    std::vector<Packet*> held = collect(*backend_, options_.pool_packets);
    EXPECT_EQ(held.size(), options_.pool_packets);
    release(held);
  }

  BackendOptions options_;
  std::unique_ptr<IoBackend> backend_;
};

TEST_P(BackendConformance, ReceivesFromTwoSocketsWithSourceAndSocketId) {
  open();
  const sockaddr_in a = add(3);
  const sockaddr_in b = add(7);
  UdpSocket client;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send_to(a, "to-a-" + std::to_string(i)));
    ASSERT_TRUE(client.send_to(b, "to-b-" + std::to_string(i) + "-longer"));
  }
  std::vector<Packet*> got = collect(*backend_, 10);
  ASSERT_EQ(got.size(), 10u);
  std::set<std::string> seen;
  for (Packet* p : got) {
    const std::string text(payload(*p));
    ASSERT_TRUE(p->socket == 3 || p->socket == 7) << p->socket;
    EXPECT_EQ(text.substr(0, 5), p->socket == 3 ? "to-a-" : "to-b-");
    EXPECT_EQ(p->len, text.size());
    EXPECT_GE(p->cap, options_.buffer_size);
    EXPECT_EQ(p->addr.family(), AF_INET);
    EXPECT_EQ(p->addr.port(), client.port());
    EXPECT_EQ(p->addr.ip_string(), "127.0.0.1");
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(backend_->stats().rx_packets, 10u);
  EXPECT_GE(backend_->stats().rx_calls, 1u);
  release(got);
}

TEST_P(BackendConformance, SendsFromTheChosenSocketToTheChosenAddress) {
  open();
  const sockaddr_in a = add(1);
  const sockaddr_in b = add(2);
  UdpSocket client;
  UdpSocket receiver;
  ASSERT_TRUE(client.send_to(a, "one"));
  ASSERT_TRUE(client.send_to(a, "two"));
  std::vector<Packet*> got = collect(*backend_, 2);
  ASSERT_EQ(got.size(), 2u);

  // First leaves from socket 2, the second from socket 1, both with a rewritten payload.
  got[0]->socket = 2;
  got[1]->socket = 1;
  for (Packet* p : got) {
    p->addr = to_sock_addr(receiver.addr());
    const std::string text = "reply-from-" + std::to_string(p->socket);
    std::memcpy(p->data, text.data(), text.size());
    p->len = static_cast<uint32_t>(text.size());
  }
  EXPECT_EQ(backend_->tx_burst(got), 2u);
  for (int i = 0; i < 2; ++i) {
    sockaddr_in from{};
    const std::string text = receiver.recv(&from);
    if (text == "reply-from-2") {
      EXPECT_EQ(from.sin_port, b.sin_port);
    } else {
      EXPECT_EQ(text, "reply-from-1");
      EXPECT_EQ(from.sin_port, a.sin_port);
    }
  }
  backend_->wait(0);  // lets a completion-based backend account for its sends
  EXPECT_EQ(backend_->stats().tx_errors, 0u);
  EXPECT_EQ(backend_->stats().tx_packets, 2u);
  EXPECT_EQ(backend_->stats().tx_bytes, 2 * std::string("reply-from-1").size());
}

TEST_P(BackendConformance, BurstsLargerThanTheBurstSize) {
  BackendOptions o = small_options();
  o.pool_packets = 512;
  open(o);
  const sockaddr_in a = add(0);
  add(1);
  UdpSocket client;
  UdpSocket receiver;
  constexpr size_t kCount = 300;  // > burst (32) and > an io_uring submission queue (128)
  for (size_t i = 0; i < kCount; ++i) ASSERT_TRUE(client.send_to(a, "n" + std::to_string(i)));
  std::vector<Packet*> got = collect(*backend_, kCount);
  ASSERT_EQ(got.size(), kCount);
  for (Packet* p : got) {
    p->socket = 1;
    p->addr = to_sock_addr(receiver.addr());
  }
  EXPECT_EQ(backend_->tx_burst(got), kCount);
  std::set<std::string> seen;
  for (size_t i = 0; i < kCount; ++i) seen.insert(receiver.recv());
  seen.erase("");
  EXPECT_EQ(seen.size(), kCount);
  EXPECT_TRUE(seen.contains("n0") && seen.contains("n299"));
}

TEST_P(BackendConformance, RemovedSocketDeliversNothingAndLeaksNothing) {
  const int fds_before = open_fd_count();
  open();
  const sockaddr_in a = add(1);
  const sockaddr_in b = add(2);
  {
    UdpSocket client;
    // Datagrams waiting on socket 1 when it goes away must neither show up nor leak a buffer.
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.send_to(a, "stale"));
    std::this_thread::sleep_for(20ms);
    backend_->remove_socket(1);
    backend_->remove_socket(1);   // twice is harmless
    backend_->remove_socket(63);  // never added
    ASSERT_TRUE(client.send_to(b, "b-1"));
    ASSERT_TRUE(client.send_to(b, "b-2"));
    std::vector<Packet*> got = collect(*backend_, 3, 300ms);
    ASSERT_EQ(got.size(), 2u);
    for (Packet* p : got) EXPECT_EQ(p->socket, 2u);
    release(got);

    // The id can be reused by a new socket; only its own traffic arrives under the id.
    const sockaddr_in a2 = add(1);
    ASSERT_TRUE(client.send_to(a2, "new-1"));
    got = collect(*backend_, 2, 300ms);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->socket, 1u);
    EXPECT_EQ(payload(*got[0]), "new-1");
    release(got);
  }
  expect_whole_pool_usable(b);
  backend_.reset();
  EXPECT_EQ(open_fd_count(), fds_before);
}

// The engine hands a removed socket's port back to its allocator at once: it must be bindable.
TEST_P(BackendConformance, RemovedSocketPortIsFreeAtOnce) {
  open();
  for (int i = 0; i < 20; ++i) {
    const sockaddr_in a = add(4);
    UdpSocket client;
    ASSERT_TRUE(client.send_to(a, "pending"));
    backend_->wait(0);
    backend_->remove_socket(4);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0)
        << "port " << ntohs(a.sin_port) << ": " << std::strerror(errno);
    ::close(fd);
  }
}

TEST_P(BackendConformance, AddSocketRejectsBadIds) {
  open();
  add(5);
  UdpSocket dup(true);
  EXPECT_NE(backend_->add_socket(5, dup.fd()), IoStatus::ok);
  EXPECT_NE(backend_->add_socket(options_.max_sockets, dup.fd()), IoStatus::ok);
}

// A wait() may return early for no reason (any thread that tore down an io_uring ring sees one
// EINTR in its next blocking call), so these tests count wait() calls: a backend that does not
// block would spin through many of them, one that misses the event would take the full 5 s.
TEST_P(BackendConformance, WaitWakesOnData) {
  open();
  const sockaddr_in a = add(0);
  std::thread sender([&] {
    std::this_thread::sleep_for(100ms);
    UdpSocket client;
    client.send_to(a, "late");
  });
  const auto start = std::chrono::steady_clock::now();
  Packet* got = nullptr;
  int waits = 0;
  while (got == nullptr && std::chrono::steady_clock::now() - start < 4s) {
    ++waits;
    backend_->wait(5000);
    if (backend_->rx_burst({&got, 1}) == 0) got = nullptr;
  }
  sender.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_LE(waits, 4);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(payload(*got), "late");
  backend_->free_burst({&got, 1});
}

TEST_P(BackendConformance, WaitWakesOnWakeFromAnotherThread) {
  open();
  add(0);
  std::atomic<bool> woken{false};
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    woken = true;
    backend_->wake();
  });
  auto start = std::chrono::steady_clock::now();
  int waits = 0;
  while (!woken && std::chrono::steady_clock::now() - start < 4s) {
    ++waits;
    backend_->wait(5000);
  }
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_LE(waits, 4);

  // A wake() before wait() is not lost.
  backend_->wake();
  start = std::chrono::steady_clock::now();
  backend_->wait(5000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  // With nothing to do, wait() sleeps for its timeout.
  start = std::chrono::steady_clock::now();
  waits = 0;
  while (std::chrono::steady_clock::now() - start < 300ms) {
    ++waits;
    backend_->wait(100);
  }
  EXPECT_LE(waits, 5);
}

TEST_P(BackendConformance, PoolExhaustionIsCountedAndRecovers) {
  BackendOptions o = small_options();
  o.pool_packets = 32;
  open(o);
  const sockaddr_in a = add(0);
  UdpSocket client;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(client.send_to(a, "p" + std::to_string(i)));
  std::vector<Packet*> held = collect(*backend_, 40, 500ms);
  EXPECT_EQ(held.size(), 32u);
  EXPECT_GT(backend_->stats().rx_no_buffer, 0u);

  release(held);
  std::vector<Packet*> rest = collect(*backend_, 8);
  ASSERT_EQ(rest.size(), 8u);  // nothing was lost: the datagrams waited in the socket
  std::set<std::string> names;
  for (Packet* p : rest) names.insert(std::string(payload(*p)));
  EXPECT_TRUE(names.contains("p39"));
  release(rest);
  expect_whole_pool_usable(a);
}

TEST_P(BackendConformance, OversizedDatagramIsCountedAsTruncatedAndDropped) {
  BackendOptions o = small_options();
  o.buffer_size = 512;
  open(o);
  const sockaddr_in a = add(0);
  UdpSocket client;
  ASSERT_TRUE(client.send_to(a, std::string(1000, 'x')));
  ASSERT_TRUE(client.send_to(a, std::string(512, 'y')));  // exactly fits
  ASSERT_TRUE(client.send_to(a, "small"));
  std::vector<Packet*> got = collect(*backend_, 3, 500ms);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(payload(*got[0]), std::string(512, 'y'));
  EXPECT_EQ(payload(*got[1]), "small");
  EXPECT_EQ(backend_->stats().rx_truncated, 1u);
  release(got);
}

TEST_P(BackendConformance, SendToUnknownSocketIsAnErrorAndRecyclesTheBuffer) {
  BackendOptions o = small_options();
  o.pool_packets = 16;
  open(o);
  const sockaddr_in a = add(0);
  UdpSocket client;
  ASSERT_TRUE(client.send_to(a, "x"));
  ASSERT_TRUE(client.send_to(a, "y"));
  std::vector<Packet*> got = collect(*backend_, 2);
  ASSERT_EQ(got.size(), 2u);
  UdpSocket receiver;
  got[0]->socket = 9;                  // never added
  got[1]->socket = o.max_sockets + 1;  // out of range
  for (Packet* p : got) p->addr = to_sock_addr(receiver.addr());
  EXPECT_EQ(backend_->tx_burst(got), 0u);
  EXPECT_EQ(backend_->stats().tx_errors, 2u);
  expect_whole_pool_usable(a);
}

// Buffers are reused many times over (pool of 64, 1920 packets) while sends are in flight; a
// buffer handed back to the kernel too early would show up as a corrupt payload.
TEST_P(BackendConformance, InFlightBuffersAreNotReused) {
  BackendOptions o = small_options();
  o.pool_packets = 64;
  open(o);
  const sockaddr_in in = add(0);
  add(1);
  UdpSocket client;
  UdpSocket receiver;
  const net::SockAddr dest = to_sock_addr(receiver.addr());
  constexpr uint32_t kRounds = 60, kPerRound = 32, kLen = 200;
  auto expected = [](uint32_t seq) {
    std::string s(kLen, '\0');
    std::memcpy(s.data(), &seq, sizeof seq);
    for (uint32_t i = sizeof seq; i < kLen; ++i) s[i] = static_cast<char>(seq * 31 + i);
    return s;
  };
  std::set<uint32_t> received;
  auto drain = [&](uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      const std::string text = receiver.recv();
      ASSERT_EQ(text.size(), kLen);
      uint32_t seq;
      std::memcpy(&seq, text.data(), sizeof seq);
      ASSERT_EQ(text, expected(seq)) << "corrupt payload for seq " << seq;
      EXPECT_TRUE(received.insert(seq).second) << "duplicate seq " << seq;
    }
  };
  uint32_t seq = 0;
  for (uint32_t r = 0; r < kRounds; ++r) {
    for (uint32_t i = 0; i < kPerRound; ++i) ASSERT_TRUE(client.send_to(in, "go"));
    std::vector<Packet*> got = collect(*backend_, kPerRound);
    ASSERT_EQ(got.size(), kPerRound) << "round " << r;
    for (Packet* p : got) {
      const std::string text = expected(seq++);
      std::memcpy(p->data, text.data(), kLen);
      p->len = kLen;
      p->socket = 1;
      p->addr = dest;
    }
    EXPECT_EQ(backend_->tx_burst(got), kPerRound);
    if (r > 0) drain(kPerRound);  // one round behind, so sends and receives overlap
  }
  drain(kPerRound);
  EXPECT_EQ(received.size(), kRounds * kPerRound);
  backend_->wait(0);
  EXPECT_EQ(backend_->stats().tx_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendConformance, ::testing::Values("epoll", "io_uring"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::erase(name, '_');
                           return name;
                         });

}  // namespace
}  // namespace rtpx::io
