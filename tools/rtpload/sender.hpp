#pragma once
// The paced sender. Packets of all streams are interleaved evenly: global packet k of a phase
// is due at t0 + k / R (R = streams x pps per stream) and belongs to stream k mod S. The thread
// wakes at most every tick, sends everything due with one sendmmsg per stream, and sleeps until
// the next packet is due. A token bucket of 50 ms caps catch-up bursts after a stall; skipped
// packets are counted so the report shows the rate really offered.

#include <atomic>
#include <cstdint>
#include <vector>

#include "tools/rtpload/session_set.hpp"

namespace rtpload {

struct SendResult {
  uint64_t sent = 0;         // accepted by the kernel
  uint64_t send_errors = 0;  // sendmmsg refused (e.g. EAGAIN: socket buffer full)
  uint64_t skipped = 0;      // due but dropped by the token bucket because the sender lagged
  double elapsed_s = 0;
};

// Sends for `duration_s` seconds at `pps_per_stream` on every `stride`-th stream (0, stride,
// 2 * stride, ...; stride 2 = A->B only), tagging packets with `epoch`. Runs on the calling
// thread; `stop` ends it early.
SendResult send_phase(std::vector<Stream>& streams, double pps_per_stream, double duration_s,
                      uint8_t epoch, int tick_us, const std::atomic<bool>& stop, size_t stride = 1);

uint64_t monotonic_ns();

}  // namespace rtpload
