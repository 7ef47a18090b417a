#pragma once
// The counters every backend keeps, written by its shard thread and read by anyone through
// snapshot() (BackendStats).

#include <sys/socket.h>

#include "engine/core/relaxed_counter.hpp"
#include "engine/io/io_backend.hpp"

namespace rtpx::io {

struct BackendCounters {
  RelaxedCounter rx_packets, tx_packets, tx_bytes, rx_calls, tx_calls, tx_errors, rx_truncated,
      rx_no_buffer;

  BackendStats snapshot() const noexcept {
    BackendStats s;
    s.rx_packets = rx_packets.get();
    s.tx_packets = tx_packets.get();
    s.tx_bytes = tx_bytes.get();
    s.rx_calls = rx_calls.get();
    s.tx_calls = tx_calls.get();
    s.tx_errors = tx_errors.get();
    s.rx_truncated = rx_truncated.get();
    s.rx_no_buffer = rx_no_buffer.get();
    return s;
  }
};

// send_datagram for backends that hold the socket's file descriptor: one sendto(2).
inline IoStatus send_on_fd(int fd, const net::SockAddr& to, std::span<const uint8_t> bytes,
                           BackendCounters& c) noexcept {
  if (fd < 0) return IoStatus::unknown_socket;
  c.tx_calls.add(1);
  if (::sendto(fd, bytes.data(), bytes.size(), 0, &to.u.sa, to.len()) < 0) {
    c.tx_errors.add(1);
    return IoStatus::syscall_failed;
  }
  c.tx_packets.add(1);
  c.tx_bytes.add(bytes.size());
  return IoStatus::ok;
}

}  // namespace rtpx::io
