#include "codecs/dtmf/rfc4733.hpp"

#include <algorithm>

namespace rtpx::codecs::dtmf {

namespace {

constexpr char kDigits[] = "0123456789*#ABCD";

// Packets this far behind the current segment are late copies of older events; further back
// than that the sender's timestamps must have restarted (new SSRC), so it is a new event.
constexpr uint32_t kReorderWindow = 1u << 20;

}  // namespace

std::optional<Event> parse_event(std::span<const uint8_t> payload) noexcept {
  if (payload.size() < kEventSize) return std::nullopt;
  Event e;
  e.code = payload[0];
  e.end = (payload[1] & 0x80) != 0;
  e.volume = payload[1] & 0x3f;
  e.duration = static_cast<uint16_t>((payload[2] << 8) | payload[3]);
  return e;
}

size_t write_event(const Event& e, std::span<uint8_t> out) noexcept {
  if (out.size() < kEventSize) return 0;
  out[0] = e.code;
  out[1] = static_cast<uint8_t>((e.end ? 0x80 : 0) | std::min(e.volume, kMaxVolume));
  out[2] = static_cast<uint8_t>(e.duration >> 8);
  out[3] = static_cast<uint8_t>(e.duration & 0xff);
  return kEventSize;
}

char digit_char(uint8_t code) noexcept {
  return code < 16 ? kDigits[code] : '\0';
}

std::optional<uint8_t> digit_code(char digit) noexcept {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (uint8_t i = 0; i < 16; ++i)
    if (kDigits[i] == digit) return i;
  return std::nullopt;
}

// ---- receiver --------------------------------------------------------------------------------

EventReceiver::Update EventReceiver::on_packet(uint32_t rtp_timestamp, bool /*marker*/,
                                               std::span<const uint8_t> payload) noexcept {
  Update u;
  const std::optional<Event> ev = parse_event(payload);
  if (!ev) {
    ++malformed_;
    return u;
  }
  const auto total = [this] { return segment_base_ + segment_duration_; };

  if (have_) {
    const uint32_t ahead = rtp_timestamp - segment_ts_;
    if (open_ && ev->code == code_ && ahead == kMaxSegmentDuration) {
      // Next segment of a long event.
      segment_base_ += kMaxSegmentDuration;
      segment_ts_ = rtp_timestamp;
      segment_duration_ = 0;
    } else if (ahead != 0 && ahead > ~kReorderWindow) {
      return u;  // a late packet of an earlier event or segment
    }
    if (rtp_timestamp == segment_ts_) {
      if (!open_ || ev->code != code_) return u;  // retransmitted end, or not this event
      segment_duration_ = std::max(segment_duration_, ev->duration);
      volume_ = ev->volume;
      if (ev->end) {
        open_ = false;
        u.current = {EventReport::Kind::ended, code_, volume_, total()};
      }
      return u;
    }
  }

  // A new event.
  if (open_) u.previous = {EventReport::Kind::ended, code_, volume_, total()};
  have_ = true;
  open_ = !ev->end;
  code_ = ev->code;
  volume_ = ev->volume;
  segment_ts_ = rtp_timestamp;
  segment_base_ = 0;
  segment_duration_ = ev->duration;
  u.current = {ev->end ? EventReport::Kind::started_and_ended : EventReport::Kind::started, code_,
               volume_, total()};
  return u;
}

EventReport EventReceiver::close() noexcept {
  if (!open_) return {};
  open_ = false;
  return {EventReport::Kind::ended, code_, volume_, segment_base_ + segment_duration_};
}

void EventReceiver::reset() noexcept {
  const uint64_t malformed = malformed_;
  *this = EventReceiver{};
  malformed_ = malformed;
}

// ---- sender ----------------------------------------------------------------------------------

void EventSender::start(uint8_t code, uint8_t volume, uint32_t rtp_timestamp) noexcept {
  state_ = State::running;
  code_ = code;
  volume_ = std::min(volume, kMaxVolume);
  marker_pending_ = true;
  segment_full_ = false;
  end_sent_ = 0;
  start_ts_ = rtp_timestamp;
  segment_base_ = 0;
  total_ = 0;
}

void EventSender::finish(int64_t total_duration_samples) noexcept {
  if (state_ != State::running) return;
  state_ = State::ending;
  total_ = std::max<int64_t>(total_duration_samples, 0);
  end_sent_ = 0;
}

size_t EventSender::next(int64_t elapsed_samples, std::span<uint8_t> payload,
                         bool* marker) noexcept {
  if (marker != nullptr) *marker = false;
  if (state_ == State::idle || payload.size() < kEventSize) return 0;

  const int64_t t = state_ == State::ending ? total_ : elapsed_samples;
  int64_t d = t - segment_base_;
  while (d > kMaxSegmentDuration) {
    if (!segment_full_) {
      segment_full_ = true;
      return emit(kMaxSegmentDuration, false, payload, marker);
    }
    segment_base_ += kMaxSegmentDuration;
    segment_full_ = false;
    d -= kMaxSegmentDuration;
  }
  d = std::max<int64_t>(d, 0);  // the caller's clock went backwards: keep the segment start
  if (d == kMaxSegmentDuration) segment_full_ = true;
  if (state_ == State::running) return emit(static_cast<uint16_t>(d), false, payload, marker);

  const size_t n = emit(static_cast<uint16_t>(d), true, payload, marker);
  if (++end_sent_ == kEndPackets) state_ = State::idle;
  return n;
}

size_t EventSender::emit(uint16_t duration, bool end, std::span<uint8_t> payload,
                         bool* marker) noexcept {
  if (marker != nullptr) *marker = marker_pending_;
  marker_pending_ = false;
  return write_event(Event{code_, end, volume_, duration}, payload);
}

}  // namespace rtpx::codecs::dtmf
