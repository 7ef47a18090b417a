#include "engine/shard/shard.hpp"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace rtpx::engine {

Shard::Shard(uint32_t id, std::unique_ptr<io::IoBackend> backend, EndpointTable table,
             uint32_t burst)
    : id_(id),
      backend_(std::move(backend)),
      table_(table),
      burst_(burst < 1 ? 1 : (burst > kMaxBurst ? kMaxBurst : burst)),
      commands_(4096) {}

Shard::~Shard() {
  stop();
  apply_commands();  // sockets still queued (never-started shard) go to the backend, which closes
                     // them
}

void Shard::start() {
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
  std::string name = "rtpx-shard" + std::to_string(id_);
  pthread_setname_np(thread_.native_handle(), name.c_str());
}

void Shard::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  backend_->wake();
  thread_.join();
}

uint64_t Shard::queue(const ShardCommand& cmd) {
  while (!commands_.try_push(cmd)) {
    backend_->wake();  // full: let the shard drain it
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return ++posted_;
}

uint64_t Shard::post(const ShardCommand& cmd) {
  const uint64_t ticket = queue(cmd);
  backend_->wake();
  return ticket;
}

bool Shard::wait_applied(uint64_t ticket, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!applied(ticket)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

int64_t Shard::now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void Shard::apply_commands() noexcept {
  ShardCommand c;
  uint64_t n = 0;
  while (commands_.try_pop(&c)) {
    ++n;
    if (c.id >= table_.size) {
      if (c.fd >= 0) ::close(c.fd);
      continue;
    }
    Endpoint& e = table_.slots[c.id];
    switch (c.op) {
      case ShardCommand::Op::add:
        if (backend_->add_socket(c.id, c.fd) == io::IoStatus::ok) {
          e.reset(c.cfg);
          counters_.sockets.add();
        } else {
          ::close(c.fd);
        }
        break;
      case ShardCommand::Op::update:
        // The party moved (re-INVITE with a new address): latch afresh.
        if (!(c.cfg.signaled == e.cfg.signaled)) e.unlatch();
        e.configure(c.cfg);
        break;
      case ShardCommand::Op::remove:
        if (e.active) {
          backend_->remove_socket(c.id);
          e.active = false;
          counters_.sockets.set(counters_.sockets.get() - 1);
        }
        break;
      case ShardCommand::Op::barrier:
        break;
    }
  }
  if (n) applied_.store(applied_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

size_t Shard::poll_once(int wait_ms) noexcept {
  apply_commands();
  counters_.loops.add();
  size_t n = backend_->rx_burst({rx_, burst_});
  if (n == 0) {
    if (wait_ms > 0) backend_->wait(wait_ms);
    return 0;
  }
  counters_.busy_loops.add();
  const int64_t now = now_ns();
  size_t ntx = 0, ndrop = 0;
  for (size_t i = 0; i < n; ++i) {
    io::Packet* p = rx_[i];
    if (auto reason = relay_one(table_, p, now, &stun_)) {
      counters_.drops[static_cast<size_t>(*reason)].add();
      drop_[ndrop++] = p;
    } else {
      tx_[ntx++] = p;
    }
  }
  if (ndrop) backend_->free_burst({drop_, ndrop});
  if (ntx) {
    size_t sent = backend_->tx_burst({tx_, ntx});
    counters_.relayed_packets.add(sent);
    if (sent < ntx) counters_.drops[static_cast<size_t>(DropReason::tx_error)].add(ntx - sent);
  }
  return n;
}

void Shard::run() noexcept {
  const timespec pause{0, static_cast<long>(coalesce_us_) * 1000};
  while (!stop_.load(std::memory_order_relaxed)) {
    const size_t n = poll_once(100);
    if (coalesce_us_ != 0 && n != 0 && n < burst_)
      clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
  }
  apply_commands();
}

}  // namespace rtpx::engine
