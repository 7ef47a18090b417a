#pragma once
// In-band DTMF on 8000 Hz 16-bit PCM (the caller resamples other rates), on top of SpanDSP:
// ToneDetector finds digits in received audio, ToneGenerator plays digits into outgoing audio.
// Both allocate their SpanDSP state in the constructor (std::bad_alloc if that fails) and never
// after; feed/poll/start/stop/render are noexcept. Neither is copyable or movable (SpanDSP keeps
// a pointer to the detector for its callbacks). One thread at a time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

// SpanDSP's state types (spandsp/dtmf.h, spandsp/tone_generate.h), kept out of this header.
struct dtmf_rx_state_s;
struct tone_gen_state_s;
struct tone_gen_descriptor_s;

namespace rtpx::codecs::dtmf {

inline constexpr uint32_t kToneRate = 8000;

// A change the detector confirmed. `at_sample` counts the samples fed since construction, up to
// the end of the detector's analysis block (102 samples) that confirmed the change: the tone
// began or ended up to about two blocks before.
struct ToneEvent {
  enum class Kind : uint8_t { started, ended };
  char digit = 0;  // '0'-'9', '*', '#', 'A'-'D'
  Kind kind = Kind::started;
  int8_t level_dbm0 = 0;          // started: the tone's level (SpanDSP's estimate); ended: 0
  uint32_t duration_samples = 0;  // ended: how long the detector heard the digit; started: 0
  uint64_t at_sample = 0;
};

// Wraps SpanDSP's dtmf_rx with its defaults: tones and gaps of 40 ms and more, twist up to 8 dB,
// reverse twist up to 4 dB, the pair above about -42 dBm0, no dial-tone filter.
class ToneDetector {
 public:
  static constexpr size_t kQueueSize = 32;

  ToneDetector();
  ~ToneDetector();
  ToneDetector(const ToneDetector&) = delete;
  ToneDetector& operator=(const ToneDetector&) = delete;

  // Any number of samples per call; events go to the queue.
  void feed(std::span<const int16_t> pcm8k) noexcept;
  // The oldest queued event. Events that found the queue full were dropped and counted.
  std::optional<ToneEvent> poll() noexcept;

  uint64_t dropped() const noexcept { return dropped_; }
  uint64_t samples_fed() const noexcept { return fed_; }

 private:
  static void on_tone(void* user, int code, int level, int delay);
  void push(const ToneEvent& e) noexcept;

  dtmf_rx_state_s* rx_ = nullptr;
  uint64_t fed_ = 0;
  char in_digit_ = 0;
  std::array<ToneEvent, kQueueSize> queue_{};
  size_t head_ = 0;   // next to poll
  size_t count_ = 0;  // queued
  uint64_t dropped_ = 0;
};

// Plays one digit at a time as a DTMF tone pair (both frequencies at `level_dbm0`), followed by
// kGapMs of silence so that digits played back to back stay apart. Use, every frame:
//
//   gen.start('5', 100);            // when a digit is to be played
//   bool tone = gen.render(frame);  // each outgoing frame, any size, before it is encoded
//
// While a digit or its gap lasts, render() overwrites the frame's samples (tone, then zeros);
// once idle it leaves the remaining samples as they were. It returns true when the frame holds
// at least one tone sample. The sample sequence does not depend on the frame sizes.
class ToneGenerator {
 public:
  static constexpr uint32_t kGapMs = 50;

  ToneGenerator();
  ~ToneGenerator();
  ToneGenerator(const ToneGenerator&) = delete;
  ToneGenerator& operator=(const ToneGenerator&) = delete;

  // Plays `digit` ('0'-'9', '*', '#', 'A'-'D', 'a'-'d') for `duration_ms`. When a digit or its
  // gap is still playing the new digit waits for them; only one digit waits. Returns false (and
  // changes nothing) for an unknown digit, a level outside -60..0 dBm0, or when a digit already
  // waits.
  bool start(char digit, uint32_t duration_ms, int level_dbm0 = -10) noexcept;
  // Ends the current tone now (an RFC 4733 end arrived early); its gap follows.
  void stop() noexcept;
  bool render(std::span<int16_t> pcm8k) noexcept;

  bool busy() const noexcept { return state_ != State::idle; }
  bool playing_tone() const noexcept { return state_ == State::tone; }

 private:
  enum class State : uint8_t { idle, tone, gap };
  struct Pending {
    uint8_t code = 0;
    int8_t level_dbm0 = 0;
    uint32_t duration_ms = 0;
  };

  void begin(const Pending& p) noexcept;

  tone_gen_state_s* gen_ = nullptr;
  tone_gen_descriptor_s* desc_ = nullptr;
  State state_ = State::idle;
  uint64_t tone_left_ = 0;  // samples
  uint32_t gap_left_ = 0;   // samples
  std::optional<Pending> pending_;
};

}  // namespace rtpx::codecs::dtmf
