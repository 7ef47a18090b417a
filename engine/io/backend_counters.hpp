#pragma once
// The counters every backend keeps, written by its shard thread and read by anyone through
// snapshot() (BackendStats).

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

}  // namespace rtpx::io
