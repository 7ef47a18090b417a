#include "codecs/dtmf/dtmf_tone.hpp"

#include <spandsp.h>

#include <algorithm>
#include <new>

#include "codecs/dtmf/rfc4733.hpp"

namespace rtpx::codecs::dtmf {

namespace {

// dtmf_rx analyses blocks of this many samples and reports changes at the end of a block.
constexpr size_t kRxBlock = 102;

constexpr int kRowHz[4] = {697, 770, 852, 941};
constexpr int kColHz[4] = {1209, 1336, 1477, 1633};
// Keypad position (row * 4 + column) of each RFC 4733 code 0-15.
constexpr uint8_t kKeypad[16] = {13, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 14, 3, 7, 11, 15};

// The generator runs a continuous tone in cycles of this length; render() counts the duration.
constexpr int kCycleMs = 1000;

constexpr uint32_t kSamplesPerMs = kToneRate / 1000;

}  // namespace

// ---- detector --------------------------------------------------------------------------------

ToneDetector::ToneDetector() {
  // No digits callback: once a realtime callback is set, SpanDSP reports through it alone (it
  // neither calls a digits callback nor buffers digits for dtmf_rx_get()).
  rx_ = dtmf_rx_init(nullptr, nullptr, nullptr);
  if (rx_ == nullptr) throw std::bad_alloc();
  dtmf_rx_set_realtime_callback(rx_, &ToneDetector::on_tone, this);
}

ToneDetector::~ToneDetector() {
  dtmf_rx_free(rx_);
}

void ToneDetector::feed(std::span<const int16_t> pcm8k) noexcept {
  // Feed up to each block end, so a change reported during the call happened at fed_.
  size_t i = 0;
  while (i < pcm8k.size()) {
    const size_t n = std::min(pcm8k.size() - i, kRxBlock - fed_ % kRxBlock);
    fed_ += n;
    dtmf_rx(rx_, pcm8k.data() + i, static_cast<int>(n));
    i += n;
  }
}

std::optional<ToneEvent> ToneDetector::poll() noexcept {
  if (count_ == 0) return std::nullopt;
  const ToneEvent e = queue_[head_];
  head_ = (head_ + 1) % kQueueSize;
  --count_;
  return e;
}

void ToneDetector::push(const ToneEvent& e) noexcept {
  if (count_ == kQueueSize) {
    ++dropped_;
    return;
  }
  queue_[(head_ + count_) % kQueueSize] = e;
  ++count_;
}

// SpanDSP calls this on each confirmed change: `code` is the digit now heard (0: none), `delay`
// how many samples the previous state lasted, `level` the new tone's level in dBm0.
void ToneDetector::on_tone(void* user, int code, int level, int delay) {
  auto* self = static_cast<ToneDetector*>(user);
  if (self->in_digit_ != 0) {
    ToneEvent e;
    e.digit = self->in_digit_;
    e.kind = ToneEvent::Kind::ended;
    e.duration_samples = static_cast<uint32_t>(std::max(delay, 0));
    e.at_sample = self->fed_;
    self->push(e);
    self->in_digit_ = 0;
  }
  if (code == 0 || !digit_code(static_cast<char>(code))) return;
  ToneEvent e;
  e.digit = static_cast<char>(code);
  e.kind = ToneEvent::Kind::started;
  e.level_dbm0 = static_cast<int8_t>(std::clamp(level, -99, 10));
  e.at_sample = self->fed_;
  self->push(e);
  self->in_digit_ = e.digit;
}

// ---- generator -------------------------------------------------------------------------------

ToneGenerator::ToneGenerator() {
  desc_ = tone_gen_descriptor_init(nullptr, kRowHz[0], -10, kColHz[0], -10, kCycleMs, 0, 0, 0, 1);
  if (desc_ != nullptr) gen_ = tone_gen_init(nullptr, desc_);
  if (gen_ == nullptr) {
    if (desc_ != nullptr) tone_gen_descriptor_free(desc_);
    throw std::bad_alloc();
  }
}

ToneGenerator::~ToneGenerator() {
  tone_gen_free(gen_);
  tone_gen_descriptor_free(desc_);
}

bool ToneGenerator::start(char digit, uint32_t duration_ms, int level_dbm0) noexcept {
  const std::optional<uint8_t> code = digit_code(digit);
  if (!code || level_dbm0 < -60 || level_dbm0 > 0 || pending_) return false;
  const Pending p{*code, static_cast<int8_t>(level_dbm0), duration_ms};
  if (state_ == State::idle)
    begin(p);
  else
    pending_ = p;
  return true;
}

void ToneGenerator::stop() noexcept {
  if (state_ != State::tone) return;
  state_ = State::gap;
  tone_left_ = 0;
  gap_left_ = kGapMs * kSamplesPerMs;
}

void ToneGenerator::begin(const Pending& p) noexcept {
  const uint8_t key = kKeypad[p.code];
  // Writes into the descriptor and state allocated by the constructor.
  tone_gen_descriptor_init(desc_, kRowHz[key / 4], p.level_dbm0, kColHz[key % 4], p.level_dbm0,
                           kCycleMs, 0, 0, 0, 1);
  tone_gen_init(gen_, desc_);
  tone_left_ = uint64_t{p.duration_ms} * kSamplesPerMs;
  state_ = State::tone;
  if (tone_left_ == 0) stop();
}

bool ToneGenerator::render(std::span<int16_t> pcm8k) noexcept {
  bool tone = false;
  size_t i = 0;
  while (i < pcm8k.size() && state_ != State::idle) {
    const size_t room = pcm8k.size() - i;
    if (state_ == State::tone) {
      const auto n = static_cast<size_t>(std::min<uint64_t>(room, tone_left_));
      // A repeating descriptor: tone_gen() fills every sample asked for.
      tone_gen(gen_, pcm8k.data() + i, static_cast<int>(n));
      tone = true;
      i += n;
      tone_left_ -= n;
      if (tone_left_ == 0) stop();
    } else {
      const size_t n = std::min<size_t>(room, gap_left_);
      std::fill_n(pcm8k.begin() + static_cast<std::ptrdiff_t>(i), n, int16_t{0});
      i += n;
      gap_left_ -= static_cast<uint32_t>(n);
      if (gap_left_ == 0) {
        state_ = State::idle;
        if (pending_) {
          begin(*pending_);
          pending_.reset();
        }
      }
    }
  }
  return tone;
}

}  // namespace rtpx::codecs::dtmf
