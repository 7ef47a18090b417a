#pragma once
// The audio leg of a T.38 gateway, on its way into the fax modems: G.711 frames put back in
// timestamp order behind a fixed hold time, lost frames handed on as gaps of known length.
//
// Fax modems want a continuous 8 kHz signal with its timing untouched: the transcoding jitter
// buffer's adaptive delay, time stretching and concealment would damage the modulation. Here a
// frame that arrives in order is delivered at once; one that arrives after a gap is held (up to
// kSlots of them) until the missing frame arrives or the first held frame has waited `hold_ms`;
// then the missing samples are reported as a gap (the gateway feeds the demodulator fill-in for
// them) and the held frames follow. Late frames (behind what was delivered) are dropped.
//
// No allocation, no exceptions: frames are copied into fixed slots.

#include <array>
#include <cstdint>
#include <span>

namespace rtpx::codecs::t38 {

// Where the frames go: on_samples() for audio, on_gap() for the samples of lost frames.
class FaxAudioSink {
 public:
  virtual void on_samples(std::span<const int16_t> pcm) noexcept = 0;
  virtual void on_gap(uint32_t samples) noexcept = 0;

 protected:
  ~FaxAudioSink() = default;
};

struct FaxAudioInputStats {
  uint64_t frames = 0;      // delivered
  uint64_t held = 0;        // arrived after a gap and waited
  uint64_t late = 0;        // behind the delivered audio, dropped
  uint64_t duplicates = 0;  // the same timestamp held twice
  uint64_t gap_samples = 0;
  uint64_t resyncs = 0;  // timestamp jumps taken as a new timeline
};

class FaxAudioInput {
 public:
  static constexpr uint32_t kMaxFrame = 480;  // samples in one packet (60 ms at 8 kHz)
  static constexpr uint32_t kSlots = 8;       // frames held behind a gap
  // A jump over more than this is a new timeline (the far end restarted its clock), not loss.
  static constexpr uint32_t kMaxGap = 8000;

  explicit FaxAudioInput(uint32_t hold_ms = 40) noexcept : hold_ns_(int64_t{hold_ms} * 1'000'000) {}

  // One frame of `pcm.size()` samples (1..kMaxFrame) whose first sample has RTP timestamp `ts`.
  void push(uint32_t ts, std::span<const int16_t> pcm, int64_t now_ns, FaxAudioSink& sink) noexcept;
  // Gives up the missing frames once the first held frame has waited hold_ms.
  void poll(int64_t now_ns, FaxAudioSink& sink) noexcept;
  // Gives up the missing frames now and delivers everything held.
  void flush(FaxAudioSink& sink) noexcept;

  const FaxAudioInputStats& stats() const noexcept { return stats_; }
  bool holding() const noexcept { return holding_ != 0; }

 private:
  struct Slot {
    bool used = false;
    uint32_t ts = 0;
    uint16_t n = 0;
    std::array<int16_t, kMaxFrame> pcm{};
  };

  void deliver(uint32_t n, const int16_t* pcm, FaxAudioSink& sink) noexcept;
  void deliver_ready(FaxAudioSink& sink) noexcept;  // held frames that now follow next_ts_
  Slot* oldest() noexcept;

  int64_t hold_ns_;
  bool started_ = false;
  uint32_t next_ts_ = 0;
  uint32_t holding_ = 0;
  int64_t gap_since_ns_ = 0;
  std::array<Slot, kSlots> slots_{};
  FaxAudioInputStats stats_;
};

}  // namespace rtpx::codecs::t38
