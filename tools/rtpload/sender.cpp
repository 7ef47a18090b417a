#include "tools/rtpload/sender.hpp"

#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace rtpload {

namespace {

constexpr unsigned kBatch = 64;
constexpr size_t kMaxPacket = 1500;  // --transcode payloads are at most 1000 bytes

struct Batch {
  uint8_t buf[kBatch][kMaxPacket];
  iovec iov[kBatch];
  mmsghdr msg[kBatch];
};

// How many k in [0, x) have k mod s == j.
uint64_t count_below(uint64_t x, uint64_t s, uint64_t j) {
  return x > j ? (x - j + s - 1) / s : 0;
}

void send_stream(Stream& st, uint64_t count, uint8_t epoch, Batch& b, SendResult& r) {
  while (count > 0) {
    const unsigned n = static_cast<unsigned>(std::min<uint64_t>(count, kBatch));
    const uint64_t now = monotonic_ns();
    for (unsigned i = 0; i < n; ++i) {
      const uint32_t index = st.next_index + i;
      if (st.media == nullptr) {
        build_packet(st.wire, index, epoch, now, b.buf[i]);
        b.iov[i].iov_len = kPacketLen;
      } else {
        const auto& frames = st.media->frames;
        b.iov[i].iov_len = build_media_packet(st.wire, st.pt, st.media->ts_step,
                                              frames[index % frames.size()], index, b.buf[i]);
      }
      b.msg[i].msg_hdr.msg_name = &st.dst;
      b.msg[i].msg_hdr.msg_namelen = sizeof st.dst;
    }
    const int rc = ::sendmmsg(st.send_fd, b.msg, n, MSG_DONTWAIT);
    const unsigned ok = rc > 0 ? static_cast<unsigned>(rc) : 0;
    r.sent += ok;
    r.send_errors += n - ok;
    // A refused packet is a gap in the stream like a lost one: its index is consumed.
    st.next_index += n;
    count -= n;
  }
}

}  // namespace

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

SendResult send_phase(std::vector<Stream>& streams, double pps_per_stream, double duration_s,
                      uint8_t epoch, int tick_us, const std::atomic<bool>& stop, size_t stride) {
  SendResult r;
  static thread_local Batch b;
  for (unsigned i = 0; i < kBatch; ++i) {
    b.iov[i] = {b.buf[i], kPacketLen};
    b.msg[i] = {};
    b.msg[i].msg_hdr.msg_iov = &b.iov[i];
    b.msg[i].msg_hdr.msg_iovlen = 1;
  }
  const uint64_t S = streams.size() / stride;  // streams sent; stream j is streams[j * stride]
  const double rate = pps_per_stream * static_cast<double>(S);  // packets per second, all streams
  const auto total = static_cast<uint64_t>(std::llround(rate * duration_s));
  const uint64_t max_burst = std::max<uint64_t>(S, static_cast<uint64_t>(rate * 0.05));
  const uint64_t tick_ns = static_cast<uint64_t>(tick_us) * 1000;
  const uint64_t t0 = monotonic_ns();
  uint64_t k = 0;

  while (k < total && !stop.load(std::memory_order_relaxed)) {
    const uint64_t now = monotonic_ns();
    uint64_t due = static_cast<uint64_t>(static_cast<double>(now - t0) * 1e-9 * rate) + 1;
    due = std::min(due, total);
    if (due > k + max_burst) {
      r.skipped += due - max_burst - k;
      for (uint64_t j = 0; j < S; ++j)  // keep every stream's indices contiguous in time
        streams[j * stride].next_index +=
            static_cast<uint32_t>(count_below(due - max_burst, S, j) - count_below(k, S, j));
      k = due - max_burst;
    }
    if (due > k) {
      // Streams in the order their first due packet comes, each with all its due packets.
      const uint64_t span = std::min(S, due - k);
      for (uint64_t m = 0; m < span; ++m) {
        const uint64_t j = (k + m) % S;
        send_stream(streams[j * stride], count_below(due, S, j) - count_below(k, S, j), epoch, b,
                    r);
      }
      k = due;
    }
    if (k >= total) break;
    // Sleep until the next packet is due, but at least one tick so sends batch up.
    const auto next_due = t0 + static_cast<uint64_t>(static_cast<double>(k) / rate * 1e9);
    const uint64_t wake = std::max(next_due, monotonic_ns() + tick_ns);
    timespec ts{static_cast<time_t>(wake / 1'000'000'000u),
                static_cast<long>(wake % 1'000'000'000u)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
  }
  r.elapsed_s = static_cast<double>(monotonic_ns() - t0) * 1e-9;
  return r;
}

}  // namespace rtpload
