#include "codecs/t38/fax_audio_input.hpp"

#include <algorithm>

namespace rtpx::codecs::t38 {

namespace {
// Signed distance of timestamp `a` after `b`.
int32_t after(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b);
}
}  // namespace

void FaxAudioInput::deliver(uint32_t n, const int16_t* pcm, FaxAudioSink& sink) noexcept {
  sink.on_samples({pcm, n});
  next_ts_ += n;
  ++stats_.frames;
}

void FaxAudioInput::deliver_ready(FaxAudioSink& sink) noexcept {
  for (bool found = true; found && holding_ != 0;) {
    found = false;
    for (Slot& s : slots_) {
      if (!s.used) continue;
      const int32_t d = after(s.ts, next_ts_);
      if (d < 0) {  // overtaken by a frame that overlapped it
        s.used = false;
        --holding_;
        ++stats_.late;
      } else if (d == 0) {
        s.used = false;
        --holding_;
        deliver(s.n, s.pcm.data(), sink);
        found = true;
      }
    }
  }
}

FaxAudioInput::Slot* FaxAudioInput::oldest() noexcept {
  Slot* best = nullptr;
  for (Slot& s : slots_)
    if (s.used && (best == nullptr || after(s.ts, best->ts) < 0)) best = &s;
  return best;
}

void FaxAudioInput::flush(FaxAudioSink& sink) noexcept {
  while (Slot* s = oldest()) {
    const int32_t gap = after(s->ts, next_ts_);
    if (gap > 0) {
      sink.on_gap(static_cast<uint32_t>(gap));
      stats_.gap_samples += static_cast<uint32_t>(gap);
      next_ts_ = s->ts;
    }
    deliver_ready(sink);
  }
}

void FaxAudioInput::poll(int64_t now_ns, FaxAudioSink& sink) noexcept {
  if (holding_ != 0 && now_ns - gap_since_ns_ >= hold_ns_) flush(sink);
}

void FaxAudioInput::push(uint32_t ts, std::span<const int16_t> pcm, int64_t now_ns,
                         FaxAudioSink& sink) noexcept {
  if (pcm.empty() || pcm.size() > kMaxFrame) return;
  const auto n = static_cast<uint32_t>(pcm.size());
  if (!started_) {
    started_ = true;
    next_ts_ = ts;
  }
  int32_t d = after(ts, next_ts_);
  if (d < 0 && after(ts + n, next_ts_) <= 0) {
    ++stats_.late;
    return;
  }
  if (d < -static_cast<int32_t>(kMaxGap) || d > static_cast<int32_t>(kMaxGap)) {
    // A new timeline: what is held belongs to the old one.
    flush(sink);
    ++stats_.resyncs;
    next_ts_ = ts;
    d = 0;
  }
  if (d <= 0) {
    // In order, or overlapping what was delivered (a sender that changed its packetisation):
    // only the new samples.
    const auto skip = static_cast<uint32_t>(-d);
    deliver(n - skip, pcm.data() + skip, sink);
    deliver_ready(sink);
    return;
  }
  for (const Slot& s : slots_) {
    if (s.used && s.ts == ts) {
      ++stats_.duplicates;
      return;
    }
  }
  if (holding_ == kSlots) flush(sink);  // no room to wait longer
  if (holding_ == 0) gap_since_ns_ = now_ns;
  if (after(ts, next_ts_) <= 0) {  // the flush reached it
    push(ts, pcm, now_ns, sink);
    return;
  }
  Slot* free_slot =
      std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.used; });
  free_slot->used = true;
  free_slot->ts = ts;
  free_slot->n = static_cast<uint16_t>(n);
  std::copy(pcm.begin(), pcm.end(), free_slot->pcm.begin());
  ++holding_;
  ++stats_.held;
}

}  // namespace rtpx::codecs::t38
