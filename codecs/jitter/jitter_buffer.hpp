#pragma once
// Adaptive jitter buffer for one received RTP audio stream that rtpx decodes (transcoding). It
// takes packets as they arrive (put) and hands them back in sequence order, each at its playout
// time (pop), reporting the sequence numbers that never came as `lost` so the decoder can run FEC
// or PLC for them.
//
// Timing. A packet's playout time (its "due" time) is
//     base_arrival + (ts - base_ts) / clock_rate + delay
// where (base_arrival, base_ts) is the anchor: the arrival time and RTP timestamp of the packet
// that started the current timing epoch (the first packet, each talk-spurt start, each resync).
// Timestamps and sequence numbers are compared with serial-number arithmetic, so both wrap.
// Packets from before the current anchor that are still outstanding keep the timing of the
// previous epoch, so a new spurt never changes when the end of the previous one plays.
//
// Adaptive delay. The interarrival jitter J is the RFC 3550 section 6.4.1 estimate (a running
// mean, gain 1/16, of |transit difference| between consecutive arrivals; one outlier is counted
// at most as max_delay). The target delay is clamp(3 * J + 5 ms, min_delay, max_delay): for
// uniform jitter of width w, J tends to w / 3 and lateness relative to an anchor that itself
// arrived early reaches w, so 3 * J covers it; the 5 ms margin covers the scheduler's wake-up.
//   - Grow at once: a packet of the current epoch arriving later than the delay allows raises the
//     delay to max(its lateness + 5 ms, target), bounded by max_delay, and moves the held packets
//     that follow it by the same amount, so the next packets are not late either. The packet
//     itself is then stored; it is `late` only when even max_delay cannot cover it.
//   - Shrink (or grow to target) only at a talk-spurt start, so speech is not cut mid-word: a
//     packet with the marker bit, or the first packet after a pause (nothing received for
//     pause_ms). Timing restarts there: new anchor, delay = target, discontinuity = true.
//   The delay is never below min_delay_ms nor above max_delay_ms.
// Why RFC 3550 and not a percentile of lateness over a window: it costs O(1) per packet and no
// history, it is the figure peers see in RTCP (stats().jitter_ms means the same thing), and the
// case it handles badly (rare large spikes, which a mean-deviation smooths away) is exactly what
// grow-at-once covers, measured on the packet that was actually late.
//
// Loss. A missing sequence number is reported as `lost` (once, in order) when the packet after it
// becomes due; for a run of missing numbers, the due times of the ones inside the run are
// interpolated between the last frame returned and the next held packet, so lost frames come at
// the stream's pace. A missing packet that arrives after it was reported lost is `late`. At most
// max_lost_run consecutive lost frames are reported (the PLC budget); the rest of the gap is
// skipped and the next packet resyncs (discontinuity = true). `next_payload` of a lost frame is
// the payload of the sequence number right after it when that packet is held (what codec FEC such
// as Opus LBRR needs), else empty.
//
// Silence, DTX and resynchronisation. When packets stop, pop returns none: lost frames are only
// reported once a later packet is held. A resync starts a new epoch and skips the sequence gap
// before it without reporting it lost (no flood of lost frames); the first frame after it has
// discontinuity = true. Causes (counted in stats().resyncs):
//   - a marker bit after a pause (a new talk spurt after silence);
//   - a timestamp that disagrees with the arrival time by more than max_delay + pause_ms (a
//     timestamp jump, or a sender whose timestamps stood still through a silence);
//   - a sequence number more than `capacity` ahead of the newest or behind the head (a sender
//     that jumped or restarted). As in RFC 3550 appendix A.1 it is kept on probation (put()
//     says `stored`); when the packet after it arrives next, the stream restarts at it and the
//     packets still held are flushed (stats().flushed); otherwise it is dropped (also counted as
//     flushed), so a stray packet does not disturb the stream;
//   - a run of more than max_lost_run missing packets (see above).
// Duplicates are dropped (`duplicate`); a copy of a packet already played is `late`. Reordered
// packets (stats().reordered) are played in order when they arrive before they are due. Before
// the first frame is returned, a packet older than the first one received is still accepted.
//
// Threading and memory: one thread uses an instance. All storage is allocated by the constructor;
// put, pop and the accessors are noexcept and allocate nothing.

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace rtpx::codecs {

struct JitterConfig {
  uint32_t clock_rate = 8000;    // RTP clock of the stream (0: 8000)
  uint32_t min_delay_ms = 20;    // playout delay never below
  uint32_t max_delay_ms = 200;   // ... and never above: a bounded delay (raised to min if below)
  uint32_t start_delay_ms = 40;  // before any jitter is measured (clamped to [min, max])
  uint32_t capacity = 64;        // packets held at most (rounded up to a power of two, 4..16384)
  uint32_t max_payload = 1500;   // bytes per packet stored
  uint32_t pause_ms = 100;       // nothing received for longer: a pause (talk-spurt boundary)
  uint32_t max_lost_run = 10;    // consecutive lost frames reported at most, then resync
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterConfig& c);

  enum class Put : uint8_t { stored, duplicate, late, too_big, full };
  // Copies the packet in. `late`: its playout time has passed (even at max_delay) or its sequence
  // number was already played, reported lost or skipped. `full`: `capacity` packets would not
  // hold it and the sequence numbers before it.
  [[nodiscard]] Put put(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                        std::span<const uint8_t> payload, int64_t now_ns) noexcept;

  struct Frame {
    enum class Kind : uint8_t { none, packet, lost } kind = Kind::none;
    uint16_t seq = 0;
    uint32_t ts = 0;  // lost: interpolated between its neighbours
    uint8_t pt = 0;   // lost: that of the frame before it
    bool marker = false;
    bool discontinuity = false;  // a new talk spurt or a resynchronisation: timing restarts here
    std::span<const uint8_t> payload;       // packet: valid until the next put()/pop()
    std::span<const uint8_t> next_payload;  // lost: payload of seq + 1 when held, else empty
  };
  // The next frame, in sequence order, whose playout time has come at now_ns: a packet, `lost`
  // for a sequence number that did not arrive before the packet after it was due, or `none`.
  Frame pop(int64_t now_ns) noexcept;

  uint32_t delay_ms() const noexcept;  // current playout delay (of the newest epoch)
  // When pop() will next return something (INT64_MAX if nothing is held): lets the caller sleep.
  int64_t next_due_ns() const noexcept;
  // Packets held (not counting one on probation after a sequence jump).
  uint32_t size() const noexcept { return held_; }

  struct Stats {
    uint64_t received = 0;     // put() calls
    uint64_t duplicates = 0;   // put() == duplicate
    uint64_t late = 0;         // put() == late
    uint64_t lost = 0;         // lost frames returned by pop()
    uint64_t reordered = 0;    // stored although a later sequence number had arrived
    uint64_t resyncs = 0;      // see the header comment (not the first packet)
    uint64_t too_big = 0;      // put() == too_big
    uint64_t full = 0;         // put() == full
    uint32_t jitter_ms = 0;    // RFC 3550 interarrival jitter estimate
    uint64_t stored = 0;       // put() == stored
    uint64_t played = 0;       // packets returned by pop()
    uint64_t skipped = 0;      // sequence numbers skipped by a resync (neither played nor lost)
    uint64_t flushed = 0;      // stored packets dropped by a resync or reset()
    uint64_t delay_grows = 0;  // times a late arrival raised the delay
  };
  // Counters for the life of the object (reset() does not clear them).
  const Stats& stats() const noexcept { return stats_; }

  // Forgets the stream (held packets are flushed, timing and jitter start over); keeps stats.
  void reset() noexcept;

 private:
  struct Slot {
    int64_t due_ns = 0;
    uint32_t ts = 0;
    uint32_t len = 0;
    uint16_t seq = 0;
    uint8_t pt = 0;
    bool used = false;
    bool marker = false;
    bool discontinuity = false;
    bool skip_gap = false;  // the sequence numbers missing before it are skipped, not lost
  };
  uint32_t late_run_ = 0;  // newest packets in a row too late for max_delay (drift detection)
  struct Anchor {
    int64_t arrival_ns = 0;
    uint32_t ts = 0;
    int64_t delay_ns = 0;
  };

  Slot& slot(uint16_t seq) noexcept { return slots_[seq & mask_]; }
  const Slot& slot(uint16_t seq) const noexcept { return slots_[seq & mask_]; }
  uint8_t* bytes(uint16_t seq) noexcept {
    return storage_.data() + size_t{seq & mask_} * cfg_.max_payload;
  }
  const uint8_t* bytes(uint16_t seq) const noexcept {
    return storage_.data() + size_t{seq & mask_} * cfg_.max_payload;
  }
  int64_t ts_ns(uint32_t ts_delta) const noexcept;
  int64_t lateness(const Anchor& a, uint32_t ts, int64_t now_ns) const noexcept;
  int64_t target_ns() const noexcept;
  void sample_jitter(uint32_t ts, int64_t now_ns, bool chain_break) noexcept;
  void flush() noexcept;
  void restart(uint16_t seq, uint32_t ts, int64_t now_ns, int64_t delay_ns) noexcept;
  void start_epoch(uint16_t seq, uint32_t ts, int64_t now_ns, int64_t delay_ns) noexcept;
  void grow(uint16_t after_seq, int64_t lateness_ns) noexcept;
  Put store(uint16_t seq, uint32_t ts, uint8_t pt, bool marker, std::span<const uint8_t> payload,
            int64_t due_ns, bool discontinuity, bool skip_gap) noexcept;
  Put put_ahead(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                std::span<const uint8_t> payload, int64_t now_ns, bool paused) noexcept;
  Put put_behind(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                 std::span<const uint8_t> payload, int64_t now_ns) noexcept;
  Put probe(uint16_t seq, uint32_t ts, uint8_t pt, bool marker, std::span<const uint8_t> payload,
            int64_t now_ns) noexcept;
  void drop_probe() noexcept;
  uint8_t* spare() noexcept { return storage_.data() + size_t{cfg_.capacity} * cfg_.max_payload; }
  uint16_t next_held() const noexcept;  // first held seq after next_seq_ (held_ > 0, head absent)
  // Nominal due time of `seq`, in the gap between the last frame returned and held packet `n`.
  int64_t gap_due(uint16_t seq, uint16_t n) const noexcept;
  uint32_t gap_ts(uint16_t seq, uint16_t n) const noexcept;
  bool skips_to(uint16_t n) const noexcept;  // pop() jumps over the gap before n

  JitterConfig cfg_;
  uint32_t mask_ = 0;
  int64_t min_ns_ = 0, max_ns_ = 0, start_ns_ = 0, pause_ns_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint8_t> storage_;

  bool started_ = false;
  bool emitted_ = false;   // a frame was returned since the buffer was (re)started empty
  uint16_t next_seq_ = 0;  // head: the next sequence number pop() returns
  uint16_t highest_ = 0;   // newest sequence number received
  uint16_t base_seq_ = 0;  // first sequence number of the current epoch
  bool probing_ = false;   // probe_ (payload in spare()) waits for the packet after it
  Slot probe_;
  int64_t probe_arrival_ns_ = 0;
  uint32_t held_ = 0;
  uint32_t lost_run_ = 0;
  Anchor cur_, prev_;
  int64_t last_arrival_ns_ = 0;  // any put()
  bool have_sample_ = false;     // jitter: previous arrival
  int64_t sample_arrival_ns_ = 0;
  uint32_t sample_ts_ = 0;
  int64_t jitter_ns_ = 0;
  int64_t last_due_ns_ = 0;  // nominal due time of the last frame returned
  uint32_t last_ts_ = 0;
  uint8_t last_pt_ = 0;
  Stats stats_;
};

}  // namespace rtpx::codecs
