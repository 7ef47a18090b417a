#pragma once
// RFC 4733 telephone-event payloads: the 4-byte event block, a receiver that turns a stream of
// telephone-event packets into digits reported once each, and a sender that builds the packets
// for one digit on an output leg (RFC 4733 section 2.5). Durations are in RTP timestamp units
// of the telephone-event clock (samples). Per-packet calls are noexcept and allocation-free.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtpx::codecs::dtmf {

// One event block (RFC 4733 section 2.3):
//   | event (8) |E|R| volume (6) |        duration (16)          |
// Codes 0-15 are the DTMF digits; other codes (0-255) are kept as they came.
struct Event {
  uint8_t code = 0;
  bool end = false;
  uint8_t volume = 0;  // -dBm0, 0..63
  uint16_t duration = 0;

  friend bool operator==(const Event&, const Event&) = default;
};

inline constexpr size_t kEventSize = 4;
inline constexpr uint8_t kMaxVolume = 63;
inline constexpr uint32_t kMaxSegmentDuration = 0xFFFF;

// The first event block of a payload; nullopt when shorter than 4 bytes. The R bit is ignored.
std::optional<Event> parse_event(std::span<const uint8_t> payload) noexcept;
// Writes 4 bytes (R = 0, volume clamped to 63); returns 4, or 0 when `out` is too small.
size_t write_event(const Event& e, std::span<uint8_t> out) noexcept;

// '0'-'9', '*', '#', 'A'-'D' for codes 0-15; 0 for any other code.
char digit_char(uint8_t code) noexcept;
// The code of a DTMF digit ('a'-'d' accepted too); nullopt for anything else.
std::optional<uint8_t> digit_code(char digit) noexcept;

// What one telephone-event packet told the receiver about an event.
struct EventReport {
  enum class Kind : uint8_t { none, started, ended, started_and_ended };
  Kind kind = Kind::none;
  uint8_t code = 0;
  uint8_t volume = 0;
  uint32_t duration_samples = 0;  // whole event, long-event segments added up
};

// Reports each event exactly once as started and once as ended, whatever packets were lost or
// repeated. Events are keyed by their RTP timestamp:
// - the first packet seen with a new timestamp starts the event (marker or not, so a lost first
//   packet still yields the digit); if it already has the E bit, kind is started_and_ended;
// - the first E packet ends it; the retransmitted end packets are ignored;
// - a new timestamp while the previous event never ended ends the previous one (`previous`);
// - a packet with the same code at timestamp + 0xFFFF while the event has not ended continues a
//   long event (RFC 4733 section 2.5.1.3) instead of starting a new one;
// - packets up to 2^20 timestamp units older than the current segment (reordered, or late
//   copies) are ignored; further back, the sender's timestamps restarted: a new event.
class EventReceiver {
 public:
  struct Update {
    EventReport previous;  // ended when this packet closed an event left without its end
    EventReport current;   // what this packet did to its own event
  };

  // `marker` is not needed to key events (a lost marker packet must not lose the digit); it is
  // taken so callers hand over the packet as they have it.
  Update on_packet(uint32_t rtp_timestamp, bool marker, std::span<const uint8_t> payload) noexcept;

  // Ends an event that is still open (stream stopped, or the caller's timeout expired): kind
  // ended with the duration seen so far, else none.
  EventReport close() noexcept;
  // Forgets the current event (the sender's SSRC changed); the malformed count stays.
  void reset() noexcept;

  bool in_event() const noexcept { return open_; }
  uint64_t malformed() const noexcept { return malformed_; }

 private:
  bool have_ = false;  // an event has been seen (open_ or ended)
  bool open_ = false;  // started and not ended
  uint8_t code_ = 0;
  uint8_t volume_ = 0;
  uint32_t segment_ts_ = 0;        // timestamp of the current segment (the first: the event's key)
  uint32_t segment_base_ = 0;      // duration of the segments before the current one
  uint16_t segment_duration_ = 0;  // longest duration seen in the current segment
  uint64_t malformed_ = 0;
};

// Builds the packets for one event on an output leg. Use, every ptime while a digit lasts:
//
//   sender.start(code, volume, ts_of_first_packet);
//   each ptime:   n = sender.next(elapsed, payload, &marker);  // send if n > 0
//   when it ends: sender.finish(total);
//                 while ((n = sender.next(0, payload, &marker)) > 0) send ...  // 3 end packets
//                 (or one next() per ptime, to space the end packets out)
//
// Each next() returns the size of one payload (4) written into `payload`, or 0 when there is
// nothing to send (idle, or `payload` shorter than 4 bytes). `*marker` is set only for the first
// packet of the event. Send each packet with RTP timestamp timestamp(), read after next(): it is
// the start timestamp until a long event is split. `elapsed_samples` is the time since the
// event started, in timestamp units; it is ignored after finish().
//
// Long events (RFC 4733 section 2.5.1.3): once the duration of the current segment would pass
// 0xFFFF, next() first sends a packet with duration 0xFFFF and no E bit, then starts a new
// segment whose timestamp is 0xFFFF later, without marker, with the duration counted from it.
// The end packets report the duration within the last segment. start() while an event is still
// being sent abandons it (call finish() first to end it properly).
class EventSender {
 public:
  void start(uint8_t code, uint8_t volume, uint32_t rtp_timestamp) noexcept;
  size_t next(int64_t elapsed_samples, std::span<uint8_t> payload, bool* marker) noexcept;
  // The event lasted `total_duration_samples`: the next next() calls give the three end packets
  // (after the 0xFFFF packet and a new segment if the total crosses a segment's end), then 0.
  void finish(int64_t total_duration_samples) noexcept;

  uint32_t timestamp() const noexcept { return start_ts_ + static_cast<uint32_t>(segment_base_); }
  bool active() const noexcept { return state_ != State::idle; }
  bool ending() const noexcept { return state_ == State::ending; }

  static constexpr int kEndPackets = 3;

 private:
  enum class State : uint8_t { idle, running, ending };

  size_t emit(uint16_t duration, bool end, std::span<uint8_t> payload, bool* marker) noexcept;

  State state_ = State::idle;
  uint8_t code_ = 0;
  uint8_t volume_ = 0;
  bool marker_pending_ = false;
  bool segment_full_ = false;  // the current segment already reported 0xFFFF
  int end_sent_ = 0;
  uint32_t start_ts_ = 0;
  int64_t segment_base_ = 0;  // samples from the event start to the current segment
  int64_t total_ = 0;         // set by finish()
};

}  // namespace rtpx::codecs::dtmf
