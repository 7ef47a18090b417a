#pragma once
// In-memory backend for tests: datagrams are injected by the test and "sent" datagrams are kept
// for the test to inspect. rx/tx never allocate, so allocation-counting tests can drive a shard
// through it.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "engine/io/backend_counters.hpp"
#include "engine/io/backend_registry.hpp"
#include "engine/io/packet_pool.hpp"

namespace rtpx::io {

class LoopbackBackend final : public IoBackend {
 public:
  explicit LoopbackBackend(const BackendOptions& o);

  std::string_view name() const noexcept override { return "loopback"; }
  BackendCaps caps() const noexcept override { return {false, false, true}; }
  IoStatus add_socket(SocketId id, int fd) noexcept override;
  void remove_socket(SocketId id) noexcept override;
  size_t rx_burst(std::span<Packet*> out) noexcept override;
  size_t tx_burst(std::span<Packet* const> pkts) noexcept override;
  void free_burst(std::span<Packet* const> pkts) noexcept override;
  IoStatus send_datagram(SocketId id, const net::SockAddr& to,
                         std::span<const uint8_t> bytes) noexcept override;
  void wait(int timeout_ms) noexcept override;
  void wake() noexcept override {}
  BackendStats stats() const noexcept override;

  // Test side. inject() queues a datagram arriving on socket `id` from `from`; false when the
  // socket is not open or the pool is empty.
  bool inject(SocketId id, const net::SockAddr& from, std::span<const uint8_t> bytes);
  // Calls fn for every sent datagram, oldest first, and releases them.
  void drain_sent(const std::function<void(const Packet&)>& fn);
  size_t sent_count() const noexcept { return sent_n_; }
  size_t queued() const noexcept { return rx_n_; }
  uint32_t pool_available() const noexcept { return pool_.available(); }
  bool is_open(SocketId id) const noexcept { return id < opts_.max_sockets && open_[id]; }

 private:
  BackendOptions opts_;
  PacketPool pool_;
  std::unique_ptr<bool[]> open_;
  std::unique_ptr<Packet*[]> rx_;  // ring of injected packets
  size_t rx_head_ = 0, rx_n_ = 0;
  std::unique_ptr<Packet*[]> sent_;
  size_t sent_head_ = 0, sent_n_ = 0;
  BackendCounters counters_;
};

}  // namespace rtpx::io
