// SpscQueue: the control thread -> shard command ring. FIFO, bounded, and correct across two
// threads (the ordering of the release/acquire pairs is what the stress test checks).

#include "engine/shard/spsc_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "engine/shard/shard_command.hpp"

namespace rtpx {
namespace {

TEST(SpscQueue, StartsEmpty) {
  SpscQueue<int> q(8);
  EXPECT_TRUE(q.empty());
  int v = -1;
  EXPECT_FALSE(q.try_pop(&v));
  EXPECT_EQ(v, -1);  // untouched
}

TEST(SpscQueue, FifoOrder) {
  SpscQueue<int> q(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.try_push(i * 10));
  EXPECT_FALSE(q.empty());
  for (int i = 0; i < 5; ++i) {
    int v = -1;
    ASSERT_TRUE(q.try_pop(&v));
    EXPECT_EQ(v, i * 10);
  }
  EXPECT_TRUE(q.empty());
}

TEST(SpscQueue, HoldsExactlyItsCapacity) {
  SpscQueue<int> q(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i)) << i;
  EXPECT_FALSE(q.try_push(99));  // full
  EXPECT_FALSE(q.try_push(99));
  int v = -1;
  ASSERT_TRUE(q.try_pop(&v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(q.try_push(4));  // one slot freed
  EXPECT_FALSE(q.try_push(99));
  for (int want = 1; want <= 4; ++want) {
    ASSERT_TRUE(q.try_pop(&v));
    EXPECT_EQ(v, want);  // the rejected 99s never got in
  }
  EXPECT_FALSE(q.try_pop(&v));
  EXPECT_TRUE(q.empty());
}

TEST(SpscQueue, CapacityOne) {
  SpscQueue<int> q(1);
  EXPECT_TRUE(q.try_push(7));
  EXPECT_FALSE(q.try_push(8));
  int v = 0;
  EXPECT_TRUE(q.try_pop(&v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(q.try_push(9));
  EXPECT_TRUE(q.try_pop(&v));
  EXPECT_EQ(v, 9);
}

TEST(SpscQueue, WrapsAroundManyTimes) {
  SpscQueue<uint64_t> q(8);
  uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    const int n = 1 + round % 8;  // varying fill levels move the indices across the wrap
    for (int i = 0; i < n; ++i) ASSERT_TRUE(q.try_push(next_in++));
    for (int i = 0; i < n; ++i) {
      uint64_t v = 0;
      ASSERT_TRUE(q.try_pop(&v));
      ASSERT_EQ(v, next_out++);
    }
    ASSERT_TRUE(q.empty());
  }
}

TEST(SpscQueue, CarriesShardCommandsWhole) {
  SpscQueue<engine::ShardCommand> q(4);
  engine::ShardCommand c;
  c.op = engine::ShardCommand::Op::add;
  c.id = 42;
  c.fd = 17;
  c.cfg.forward_to = 43;
  c.cfg.rtcp_mux = true;
  c.cfg.signaled = *net::SockAddr::parse("192.0.2.1:4000");
  ASSERT_TRUE(q.try_push(c));
  engine::ShardCommand out;
  ASSERT_TRUE(q.try_pop(&out));
  EXPECT_EQ(out.op, engine::ShardCommand::Op::add);
  EXPECT_EQ(out.id, 42u);
  EXPECT_EQ(out.fd, 17);
  EXPECT_EQ(out.cfg.forward_to, 43u);
  EXPECT_TRUE(out.cfg.rtcp_mux);
  EXPECT_EQ(out.cfg.signaled.to_string(), "192.0.2.1:4000");
}

// One producer pushes 1M sequential integers through a small ring, one consumer checks that
// every one arrives, in order, exactly once. Both give up after a deadline so a lost wake-up or
// a broken index fails the test instead of hanging it.
TEST(SpscQueue, TwoThreadStressKeepsOrder) {
  constexpr uint64_t kCount = 1'000'000;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  SpscQueue<uint64_t> q(1024);
  std::atomic<bool> give_up{false};

  uint64_t pushed = 0;
  std::thread producer([&] {
    uint64_t spins = 0;
    while (pushed < kCount) {
      if (q.try_push(pushed)) {
        ++pushed;
        continue;
      }
      if (give_up.load(std::memory_order_relaxed)) return;
      if ((++spins & 0xfff) == 0 && std::chrono::steady_clock::now() > deadline) {
        give_up.store(true);
        return;
      }
      std::this_thread::yield();
    }
  });

  uint64_t expected = 0;
  uint64_t out_of_order = 0;
  uint64_t first_bad = UINT64_MAX;
  uint64_t spins = 0;
  while (expected < kCount) {
    uint64_t v;
    if (q.try_pop(&v)) {
      if (v != expected && out_of_order++ == 0) first_bad = v;
      expected = v + 1;
      continue;
    }
    if (give_up.load(std::memory_order_relaxed)) break;
    if ((++spins & 0xfff) == 0 && std::chrono::steady_clock::now() > deadline) {
      give_up.store(true);
      break;
    }
    std::this_thread::yield();
  }
  producer.join();

  EXPECT_FALSE(give_up.load()) << "timed out: pushed " << pushed << ", consumed up to " << expected;
  EXPECT_EQ(out_of_order, 0u) << "first out-of-order value " << first_bad;
  EXPECT_EQ(expected, kCount);
  EXPECT_EQ(pushed, kCount);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace rtpx
