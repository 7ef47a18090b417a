#pragma once
// The one I/O interface of the packet core: burst receive and burst send over a set of UDP
// sockets. One instance per shard, used only from that shard's thread (except wake()).
// Implementations: epoll (recvmmsg/sendmmsg), io_uring (provided buffers, multishot recvmsg),
// and an in-memory loopback for tests. The rest of the engine does not know which one runs.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/io/packet.hpp"

namespace rtpx::io {

enum class [[nodiscard]] IoStatus : uint8_t{ok, no_memory, syscall_failed, unknown_socket, full};

struct BackendCaps {
  bool multishot_rx = false;      // one armed receive yields many completions
  bool provided_buffers = false;  // kernel picks receive buffers from a registered ring
  bool batched_syscalls = false;  // several datagrams per system call
};

// Snapshot of a backend's own counters (the engine counts per-stream; these are per-shard).
struct BackendStats {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;    // datagrams the kernel accepted (authoritative, also for async sends)
  uint64_t tx_bytes = 0;      // their bytes
  uint64_t rx_calls = 0;      // receive system calls or completion harvests that returned data
  uint64_t tx_calls = 0;      // send system calls / submissions
  uint64_t tx_errors = 0;     // datagrams the kernel refused
  uint64_t rx_truncated = 0;  // datagrams larger than a buffer, dropped
  uint64_t rx_no_buffer = 0;  // receives that found the pool empty
};

class IoBackend {
 public:
  virtual ~IoBackend() = default;

  virtual std::string_view name() const noexcept = 0;
  virtual BackendCaps caps() const noexcept = 0;

  // Socket set changes, applied between bursts. add_socket takes ownership of a bound,
  // non-blocking UDP socket; remove_socket stops receiving on it and closes it.
  virtual IoStatus add_socket(SocketId id, int fd) noexcept = 0;
  virtual void remove_socket(SocketId id) noexcept = 0;

  // Receives up to out.size() datagrams without blocking. Returned packets belong to the caller
  // until passed to tx_burst or free_burst.
  virtual size_t rx_burst(std::span<Packet*> out) noexcept = 0;
  // Sends every packet from packet->socket to packet->addr and takes ownership of all of them.
  // Returns how many were accepted so far: a synchronous backend knows the kernel's answer, an
  // asynchronous one (io_uring) how many it queued. stats() tx_packets/tx_bytes/tx_errors are the
  // final word once sends complete.
  virtual size_t tx_burst(std::span<Packet* const> pkts) noexcept = 0;
  // Returns packets that will not be sent.
  virtual void free_burst(std::span<Packet* const> pkts) noexcept = 0;
  // One datagram the shard originates itself, outside the burst path (DTLS handshake flights):
  // copied and sent at once. Rare by design; counted in stats() like burst sends.
  virtual IoStatus send_datagram(SocketId id, const net::SockAddr& to,
                                 std::span<const uint8_t> bytes) noexcept = 0;

  // Blocks until datagrams may be ready, wake() is called, or timeout_ms passes.
  virtual void wait(int timeout_ms) noexcept = 0;
  // Interrupts wait(); safe to call from any thread.
  virtual void wake() noexcept = 0;

  virtual BackendStats stats() const noexcept = 0;
};

}  // namespace rtpx::io
