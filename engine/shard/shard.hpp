#pragma once
// One worker thread, run to completion: drain control commands, receive a burst, relay it,
// send it. Owns its backend (sockets, packet pool) and the endpoints whose sockets it holds.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "engine/core/relaxed_counter.hpp"
#include "engine/io/io_backend.hpp"
#include "engine/session/relay_path.hpp"
#include "engine/shard/fax_stage.hpp"
#include "engine/shard/shard_command.hpp"
#include "engine/shard/spsc_queue.hpp"
#include "engine/shard/transcode_stage.hpp"

namespace rtpx::engine {

// Relay decisions. What the kernel finally sent (packets, bytes, refusals) is in the backend's
// stats(), which also covers sends that complete asynchronously.
struct ShardCounters {
  RelaxedCounter relayed_packets;  // handed to the backend and accepted by tx_burst
  RelaxedCounter drops[static_cast<size_t>(DropReason::count)];
  RelaxedCounter sockets;
  RelaxedCounter loops;       // iterations of the run loop
  RelaxedCounter busy_loops;  // iterations that received packets
};

class Shard final : private DtlsSink {
 public:
  static constexpr uint32_t kMaxBurst = 256;

  Shard(uint32_t id, std::unique_ptr<io::IoBackend> backend, EndpointTable table, uint32_t burst);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void start();
  void stop();
  // After a burst shorter than the burst size, the thread sleeps this long before receiving
  // again, so that at low rates one wake-up handles the packets of a whole pause (with io_uring,
  // across all sockets in one system call). Trades latency for CPU. 0 (default): never.
  void set_coalesce(uint32_t microseconds) noexcept { coalesce_us_ = microseconds; }

  // Control thread only. Queues a command and wakes the shard; returns a ticket for applied().
  uint64_t post(const ShardCommand& cmd);
  // Queues without waking: a control request that changes several endpoints queues them all and
  // then calls wake() once, so the shard wakes once per request instead of once per socket.
  uint64_t queue(const ShardCommand& cmd);
  void wake() { backend_->wake(); }
  bool applied(uint64_t ticket) const noexcept {
    return applied_.load(std::memory_order_acquire) >= ticket;
  }
  // Blocks (control plane) until the ticket is applied; false on timeout.
  bool wait_applied(uint64_t ticket, int timeout_ms = 2000) const;

  // One loop iteration; returns packets received. Used by the thread and by tests that drive a
  // shard by hand (no thread started).
  size_t poll_once(int wait_ms) noexcept;

  uint32_t id() const noexcept { return id_; }
  bool running() const noexcept { return thread_.joinable(); }
  io::IoBackend& backend() noexcept { return *backend_; }
  const io::IoBackend& backend() const noexcept { return *backend_; }
  const ShardCounters& counters() const noexcept { return counters_; }
  const TranscodeCounters& transcode_counters() const noexcept { return transcode_.counters(); }
  const FaxCounters& fax_counters() const noexcept { return fax_.counters(); }

 private:
  void apply_commands() noexcept;
  void media_configured(io::SocketId id, Endpoint& e) noexcept;
  void run() noexcept;
  static int64_t now_ns() noexcept;

  // DTLS-SRTP, the slow path: handshake datagrams, retransmission timers, keys.
  void on_dtls(Endpoint& e, const io::Packet& p, int64_t now_ns) noexcept override;
  void replay_early_dtls(io::SocketId id, Endpoint& e, const EndpointCrypto& before,
                         int64_t now_ns) noexcept;
  void crypto_configured(io::SocketId id, Endpoint& e, int64_t now_ns) noexcept;
  void send_dtls(io::SocketId id, Endpoint& e) noexcept;
  void dtls_progress(Endpoint& e) noexcept;
  void run_dtls_timers(int64_t now_ns) noexcept;
  struct DtlsWatch {
    io::SocketId id;
    EndpointCrypto* crypto;  // compared with the endpoint's current one, never dereferenced alone
  };
  std::vector<DtlsWatch> dtls_watch_;  // associations whose handshake is under way
  int64_t dtls_next_ns_ = INT64_MAX;   // earliest timer among them

  uint32_t id_;
  std::unique_ptr<io::IoBackend> backend_;
  EndpointTable table_;
  StunResponder stun_;  // ICE connectivity checks, one HMAC context per shard
  TranscodeStage transcode_;
  FaxStage fax_;
  RelaySinks sinks_;  // the above, for relay_one
  uint32_t burst_;
  uint32_t coalesce_us_ = 0;
  SpscQueue<ShardCommand> commands_;
  uint64_t posted_ = 0;  // control thread
  std::atomic<uint64_t> applied_{0};
  std::atomic<bool> stop_{false};
  // Destruction: queued commands only open and close sockets; the SRTP state they name may be
  // gone already.
  bool draining_ = false;
  std::thread thread_;
  ShardCounters counters_;
  io::Packet* rx_[kMaxBurst];
  io::Packet* tx_[kMaxBurst];
  io::Packet* drop_[kMaxBurst];
};

}  // namespace rtpx::engine
