// Adaptive jitter buffer: see the header for the rules. Slots form a ring indexed by
// seq & (capacity - 1); the held sequence numbers always lie in [next_seq_, next_seq_ + capacity),
// so each has its own slot. A slot keeps its due time, computed when the packet arrived from the
// anchor of its epoch (and moved later when the delay grows).

#include "codecs/jitter/jitter_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace rtpx::codecs {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kMarginNs = 5 * kNsPerMs;
// Consecutive newest packets too late for the longest delay that mean drift, not jitter.
constexpr uint32_t kDriftRun = 4;     // added to the jitter target and to a late packet
constexpr int64_t kJitterFactor = 3;  // target = 3 * J (see the header)
constexpr int64_t kJitterGain = 16;   // RFC 3550: J += (|D| - J) / 16
constexpr uint32_t kMinCapacity = 4;
constexpr uint32_t kMaxCapacity = 16384;  // well inside half the sequence-number space

uint32_t round_up_pow2(uint32_t v) {
  uint32_t p = kMinCapacity;
  while (p < v && p < kMaxCapacity) p <<= 1;
  return p;
}

int64_t ms_to_ns(uint32_t ms) {
  return int64_t{ms} * kNsPerMs;
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterConfig& c) : cfg_(c) {
  if (cfg_.clock_rate == 0) cfg_.clock_rate = 8000;
  cfg_.max_delay_ms = std::max(cfg_.max_delay_ms, cfg_.min_delay_ms);
  cfg_.start_delay_ms = std::clamp(cfg_.start_delay_ms, cfg_.min_delay_ms, cfg_.max_delay_ms);
  cfg_.capacity = round_up_pow2(cfg_.capacity);
  cfg_.max_payload = std::max<uint32_t>(cfg_.max_payload, 1);
  cfg_.max_lost_run = std::min(cfg_.max_lost_run, cfg_.capacity);
  mask_ = cfg_.capacity - 1;
  min_ns_ = ms_to_ns(cfg_.min_delay_ms);
  max_ns_ = ms_to_ns(cfg_.max_delay_ms);
  start_ns_ = ms_to_ns(cfg_.start_delay_ms);
  pause_ns_ = ms_to_ns(cfg_.pause_ms);
  slots_.resize(cfg_.capacity);
  storage_.resize((size_t{cfg_.capacity} + 1) * cfg_.max_payload);  // + the probation packet
  reset();
}

void JitterBuffer::reset() noexcept {
  flush();
  drop_probe();
  started_ = false;
  late_run_ = 0;
  emitted_ = false;
  next_seq_ = highest_ = base_seq_ = 0;
  lost_run_ = 0;
  cur_ = Anchor{0, 0, start_ns_};
  prev_ = cur_;
  last_arrival_ns_ = 0;
  have_sample_ = false;
  sample_arrival_ns_ = 0;
  sample_ts_ = 0;
  jitter_ns_ = 0;
  stats_.jitter_ms = 0;
  last_due_ns_ = 0;
  last_ts_ = 0;
  last_pt_ = 0;
}

uint32_t JitterBuffer::delay_ms() const noexcept {
  return static_cast<uint32_t>((cur_.delay_ns + kNsPerMs / 2) / kNsPerMs);
}

int64_t JitterBuffer::ts_ns(uint32_t ts_delta) const noexcept {
  return int64_t{static_cast<int32_t>(ts_delta)} * kNsPerSec / cfg_.clock_rate;
}

// How much later than its anchor predicts a packet arrived (negative: earlier).
int64_t JitterBuffer::lateness(const Anchor& a, uint32_t ts, int64_t now_ns) const noexcept {
  return now_ns - (a.arrival_ns + ts_ns(ts - a.ts));
}

int64_t JitterBuffer::target_ns() const noexcept {
  return std::clamp(kJitterFactor * jitter_ns_ + kMarginNs, min_ns_, max_ns_);
}

void JitterBuffer::sample_jitter(uint32_t ts, int64_t now_ns, bool chain_break) noexcept {
  if (have_sample_ && !chain_break) {
    int64_t d = (now_ns - sample_arrival_ns_) - ts_ns(ts - sample_ts_);
    d = std::min(d < 0 ? -d : d, max_ns_);
    jitter_ns_ += (d - jitter_ns_) / kJitterGain;
    stats_.jitter_ms = static_cast<uint32_t>((jitter_ns_ + kNsPerMs / 2) / kNsPerMs);
  }
  have_sample_ = true;
  sample_arrival_ns_ = now_ns;
  sample_ts_ = ts;
}

void JitterBuffer::flush() noexcept {
  for (Slot& s : slots_) s.used = false;
  stats_.flushed += held_;
  held_ = 0;
}

void JitterBuffer::start_epoch(uint16_t seq, uint32_t ts, int64_t now_ns,
                               int64_t delay_ns) noexcept {
  prev_ = cur_;
  cur_ = Anchor{now_ns, ts, delay_ns};
  base_seq_ = seq;
}

// A packet of the current epoch arrived `lateness_ns` after its anchor predicts: raise the delay
// so it (and the ones after it, which move by the same amount) are in time, within max_delay.
void JitterBuffer::grow(uint16_t after_seq, int64_t lateness_ns) noexcept {
  const int64_t want = std::clamp(std::max(lateness_ns + kMarginNs, target_ns()), min_ns_, max_ns_);
  if (want <= cur_.delay_ns) return;
  const int64_t by = want - cur_.delay_ns;
  cur_.delay_ns = want;
  ++stats_.delay_grows;
  if (static_cast<int16_t>(highest_ - after_seq) <= 0) return;
  for (uint16_t s = after_seq; s != highest_;) {
    ++s;
    Slot& x = slot(s);
    if (x.used && x.seq == s && static_cast<int16_t>(s - base_seq_) >= 0) x.due_ns += by;
  }
}

JitterBuffer::Put JitterBuffer::store(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                                      std::span<const uint8_t> payload, int64_t due_ns,
                                      bool discontinuity, bool skip_gap) noexcept {
  Slot& s = slot(seq);
  s.due_ns = due_ns;
  s.ts = ts;
  s.len = static_cast<uint32_t>(payload.size());
  s.seq = seq;
  s.pt = pt;
  s.used = true;
  s.marker = marker;
  s.discontinuity = discontinuity;
  s.skip_gap = skip_gap;
  if (!payload.empty()) std::memcpy(bytes(seq), payload.data(), payload.size());
  ++held_;
  ++stats_.stored;
  if (static_cast<int16_t>(seq - highest_) < 0) {
    ++stats_.reordered;
  } else {
    highest_ = seq;
  }
  return Put::stored;
}

JitterBuffer::Put JitterBuffer::put(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                                    std::span<const uint8_t> payload, int64_t now_ns) noexcept {
  ++stats_.received;
  const bool paused = started_ && now_ns - last_arrival_ns_ > pause_ns_;
  last_arrival_ns_ = now_ns;
  if (payload.size() > cfg_.max_payload) {
    ++stats_.too_big;
    return Put::too_big;
  }
  if (!started_) {
    started_ = true;
    restart(seq, ts, now_ns, start_ns_);
    return store(seq, ts, pt, marker, payload, now_ns + cur_.delay_ns, true, false);
  }
  if (static_cast<int16_t>(seq - next_seq_) < 0) {
    return put_behind(seq, ts, pt, marker, payload, now_ns);
  }
  return put_ahead(seq, ts, pt, marker, payload, now_ns, paused);
}

// Empties the buffer and starts over at `seq` (the caller stores it).
void JitterBuffer::restart(uint16_t seq, uint32_t ts, int64_t now_ns, int64_t delay_ns) noexcept {
  flush();
  emitted_ = false;
  lost_run_ = 0;
  next_seq_ = highest_ = seq;
  sample_jitter(ts, now_ns, true);
  start_epoch(seq, ts, now_ns, delay_ns);
  prev_ = cur_;
}

// seq is before the head: already played, lost or skipped, unless nothing was returned yet.
JitterBuffer::Put JitterBuffer::put_behind(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                                           std::span<const uint8_t> payload,
                                           int64_t now_ns) noexcept {
  if (static_cast<int16_t>(seq - next_seq_) < -static_cast<int32_t>(cfg_.capacity)) {
    return probe(seq, ts, pt, marker, payload, now_ns);  // a stray, or a sender that restarted
  }
  drop_probe();
  const int64_t l = lateness(cur_, ts, now_ns);
  sample_jitter(ts, now_ns, false);
  if (!emitted_ && static_cast<uint16_t>(highest_ - seq) < cfg_.capacity && l <= max_ns_ &&
      l >= -(max_ns_ + pause_ns_)) {
    // The stream starts earlier than the first packet received: the head moves back to it.
    slot(next_seq_).discontinuity = false;
    next_seq_ = base_seq_ = seq;
    if (l > cur_.delay_ns) grow(seq, l);
    return store(seq, ts, pt, marker, payload, now_ns - l + cur_.delay_ns, true, false);
  }
  ++stats_.late;
  return Put::late;
}

// seq is at or after the head.
JitterBuffer::Put JitterBuffer::put_ahead(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                                          std::span<const uint8_t> payload, int64_t now_ns,
                                          bool paused) noexcept {
  const uint32_t diff = static_cast<uint16_t>(seq - next_seq_);
  if (diff < cfg_.capacity) {
    const Slot& s = slot(seq);
    if (s.used && s.seq == seq) {
      ++stats_.duplicates;
      return Put::duplicate;
    }
  }
  const int32_t jump = static_cast<int16_t>(seq - highest_);
  if (jump > static_cast<int32_t>(cfg_.capacity)) {
    return probe(seq, ts, pt, marker, payload, now_ns);  // a stray, or a sender that jumped
  }
  drop_probe();
  if (diff >= cfg_.capacity) {
    ++stats_.full;
    return Put::full;
  }

  if (static_cast<int16_t>(seq - base_seq_) < 0) {
    // A straggler of the previous epoch keeps that epoch's timing; no adaptation on it.
    const int64_t l = lateness(prev_, ts, now_ns);
    sample_jitter(ts, now_ns, false);
    if (l > prev_.delay_ns) {
      ++stats_.late;
      return Put::late;
    }
    return store(seq, ts, pt, marker, payload, now_ns - l + prev_.delay_ns, false, false);
  }

  const int64_t l = lateness(cur_, ts, now_ns);
  const int64_t limit = max_ns_ + pause_ns_;
  const bool ts_jump = l > limit || l < -limit;
  const bool newest = jump > 0;
  if (newest && (ts_jump || (paused && marker))) {
    // Resync: timing restarts here and the gap before it is skipped, not reported lost.
    ++stats_.resyncs;
    sample_jitter(ts, now_ns, true);
    start_epoch(seq, ts, now_ns, target_ns());
    return store(seq, ts, pt, marker, payload, now_ns + cur_.delay_ns, true, true);
  }
  if (newest && (paused || marker)) {
    // Talk-spurt start: timing restarts here with the target delay (the only place it shrinks).
    sample_jitter(ts, now_ns, paused);
    start_epoch(seq, ts, now_ns, target_ns());
    return store(seq, ts, pt, marker, payload, now_ns + cur_.delay_ns, true, false);
  }
  if (ts_jump) {  // an older packet whose timestamp fits nothing around it
    ++stats_.late;
    return Put::late;
  }
  sample_jitter(ts, now_ns, false);
  if (l > cur_.delay_ns) {
    grow(seq, l);
    if (l > cur_.delay_ns && newest && ++late_run_ >= kDriftRun) {
      // Newest packets later than even the longest delay, several in a row: a sender whose clock
      // runs slower than its timestamps say (or a path that got slower for good), not jitter.
      // Timing restarts here instead of dropping every packet from now on.
      late_run_ = 0;
      ++stats_.resyncs;
      start_epoch(seq, ts, now_ns, target_ns());
      return store(seq, ts, pt, marker, payload, now_ns + cur_.delay_ns, true, false);
    }
    if (l > cur_.delay_ns) {
      ++stats_.late;
      return Put::late;
    }
  }
  late_run_ = 0;
  return store(seq, ts, pt, marker, payload, now_ns - l + cur_.delay_ns, false, false);
}

// A packet far outside the window (RFC 3550 appendix A.1 probation): kept aside; when the next
// packet follows it, the stream restarts at it, else it is dropped (counted as flushed).
JitterBuffer::Put JitterBuffer::probe(uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                                      std::span<const uint8_t> payload, int64_t now_ns) noexcept {
  if (probing_ && seq == static_cast<uint16_t>(probe_.seq + 1)) {
    probing_ = false;
    ++stats_.resyncs;
    restart(probe_.seq, probe_.ts, probe_arrival_ns_, target_ns());
    --stats_.stored;  // counted when it was put
    (void)store(probe_.seq, probe_.ts, probe_.pt, probe_.marker,
                std::span<const uint8_t>(spare(), probe_.len), probe_arrival_ns_ + cur_.delay_ns,
                true, false);
    return put_ahead(seq, ts, pt, marker, payload, now_ns, false);
  }
  drop_probe();
  probing_ = true;
  probe_.seq = seq;
  probe_.ts = ts;
  probe_.pt = pt;
  probe_.marker = marker;
  probe_.len = static_cast<uint32_t>(payload.size());
  probe_arrival_ns_ = now_ns;
  if (!payload.empty()) std::memcpy(spare(), payload.data(), payload.size());
  ++stats_.stored;
  return Put::stored;
}

void JitterBuffer::drop_probe() noexcept {
  if (!probing_) return;
  probing_ = false;
  ++stats_.flushed;
}

uint16_t JitterBuffer::next_held() const noexcept {
  uint16_t s = next_seq_;
  for (uint32_t i = 1; i < cfg_.capacity; ++i) {
    ++s;
    const Slot& x = slot(s);
    if (x.used && x.seq == s) return s;
  }
  return highest_;  // not reached while held_ > 0 and the head is absent
}

int64_t JitterBuffer::gap_due(uint16_t seq, uint16_t n) const noexcept {
  const uint16_t prev = static_cast<uint16_t>(next_seq_ - 1);
  const int64_t span = static_cast<uint16_t>(n - prev);
  const int64_t k = static_cast<uint16_t>(seq - prev);
  return last_due_ns_ + (slot(n).due_ns - last_due_ns_) * k / span;
}

uint32_t JitterBuffer::gap_ts(uint16_t seq, uint16_t n) const noexcept {
  const uint16_t prev = static_cast<uint16_t>(next_seq_ - 1);
  const int64_t span = static_cast<uint16_t>(n - prev);
  const int64_t k = static_cast<uint16_t>(seq - prev);
  const int64_t delta = static_cast<int32_t>(slot(n).ts - last_ts_);
  return last_ts_ + static_cast<uint32_t>(delta * k / span);
}

bool JitterBuffer::skips_to(uint16_t n) const noexcept {
  return slot(n).skip_gap || lost_run_ >= cfg_.max_lost_run;
}

JitterBuffer::Frame JitterBuffer::pop(int64_t now_ns) noexcept {
  Frame f;
  while (held_ > 0) {
    Slot& h = slot(next_seq_);
    if (h.used && h.seq == next_seq_) {
      if (h.due_ns > now_ns) return f;
      f.kind = Frame::Kind::packet;
      f.seq = h.seq;
      f.ts = h.ts;
      f.pt = h.pt;
      f.marker = h.marker;
      f.discontinuity = h.discontinuity;
      f.payload = std::span<const uint8_t>(bytes(next_seq_), h.len);
      h.used = false;
      --held_;
      ++stats_.played;
      last_due_ns_ = h.due_ns;
      last_ts_ = h.ts;
      last_pt_ = h.pt;
      ++next_seq_;
      lost_run_ = 0;
      emitted_ = true;
      return f;
    }
    const uint16_t n = next_held();
    if (skips_to(n)) {
      Slot& x = slot(n);
      stats_.skipped += static_cast<uint16_t>(n - next_seq_);
      if (!x.skip_gap) {  // the lost-run budget is spent: resync at n
        ++stats_.resyncs;
        x.discontinuity = true;
      }
      x.skip_gap = false;
      next_seq_ = n;
      lost_run_ = 0;
      continue;
    }
    const uint16_t after = static_cast<uint16_t>(next_seq_ + 1);
    if (gap_due(after, n) > now_ns) return f;
    f.kind = Frame::Kind::lost;
    f.seq = next_seq_;
    f.ts = gap_ts(next_seq_, n);
    f.pt = last_pt_;
    const Slot& a = slot(after);
    if (a.used && a.seq == after) f.next_payload = std::span<const uint8_t>(bytes(after), a.len);
    last_due_ns_ = gap_due(next_seq_, n);
    last_ts_ = f.ts;
    ++next_seq_;
    ++lost_run_;
    ++stats_.lost;
    return f;
  }
  return f;
}

int64_t JitterBuffer::next_due_ns() const noexcept {
  if (held_ == 0) return std::numeric_limits<int64_t>::max();
  const Slot& h = slot(next_seq_);
  if (h.used && h.seq == next_seq_) return h.due_ns;
  const uint16_t n = next_held();
  if (skips_to(n)) return slot(n).due_ns;
  return gap_due(static_cast<uint16_t>(next_seq_ + 1), n);
}

}  // namespace rtpx::codecs
