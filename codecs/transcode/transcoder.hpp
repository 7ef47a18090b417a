#pragma once
// One direction of a transcoded stream: the RTP a party sends, in its codec and packet time, in;
// the RTP the other party receives, in its codec and packet time, out.
//
//   RTP in -> jitter buffer -> decode (codec PLC / FEC / repetition for lost frames)
//          -> resample -> PCM FIFO (ptime conversion) -> encode -> RTP out
//
// The output is a stream of rtpx's own: its SSRC, a sequence number that counts the packets rtpx
// sends, and a timestamp that counts the samples it encoded, so losses and reordering on the way
// in leave no gaps in the output timeline. Silence (nothing arriving) is silence out, and the
// first packet after it carries the marker bit with the timestamp moved on by the pause.
//
// DTMF: telephone-event (RFC 4733) packets bypass the jitter buffer. When the receiving party
// takes telephone-event they go on with its payload type, on the output timeline; otherwise rtpx
// plays the digit into the audio. When only the receiving party takes telephone-event, digits
// dialled in-band are detected in the decoded audio and sent as telephone-event. Every digit,
// whichever way it came, is reported once through dtmf().
//
// Created on the control plane (allocates everything it needs; fails with a message), then used
// by exactly one shard thread: push/pull/next_due_ns are noexcept and allocation-free. stats()
// and dtmf() are read by the control plane.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codecs/codec/codec_registry.hpp"
#include "codecs/jitter/jitter_buffer.hpp"
#include "codecs/transcode/dtmf_report_queue.hpp"
#include "codecs/transcode/rtcp_report.hpp"

namespace rtpx::codecs {

struct TranscodeInput {
  uint8_t payload_type = 0;
  const CodecDescriptor* codec = nullptr;
  CodecParams params;
};

struct TranscoderConfig {
  std::vector<TranscodeInput> inputs;  // audio payload types the sending party may use
  int input_event_pt = -1;             // its telephone-event payload type, -1: none
  uint32_t input_event_clock = 8000;
  uint8_t output_pt = 0;
  const CodecDescriptor* output = nullptr;
  CodecParams output_params;  // ptime_ms: the output packet time
  int output_event_pt = -1;   // the receiving party's telephone-event, -1: none
  uint32_t output_event_clock = 8000;
  bool detect_inband = true;  // in-band digits -> telephone-event (when output has it)
  JitterConfig jitter;        // clock_rate is set from the first input
  uint32_t ssrc = 0;          // output SSRC, sequence number and timestamp start here
  uint16_t first_seq = 0;
  uint32_t first_ts = 0;
  int resample_quality = 4;
};

struct TranscoderStats {
  std::atomic<uint64_t> packets_in{0};   // RTP accepted (audio and telephone-event)
  std::atomic<uint64_t> packets_out{0};  // RTP written by pull()
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> frames_decoded{0};
  std::atomic<uint64_t> frames_lost{0};       // reported lost by the jitter buffer
  std::atomic<uint64_t> frames_fec{0};        // ... of which rebuilt from FEC
  std::atomic<uint64_t> frames_concealed{0};  // ... of which the codec concealed
  std::atomic<uint64_t> frames_repeated{0};   // ... of which rtpx repeated / faded
  std::atomic<uint64_t> decode_errors{0};
  std::atomic<uint64_t> unknown_payload_type{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> late{0};  // arrived after their playout time
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> encode_errors{0};
  std::atomic<uint64_t> out_overflow{0};  // output packets dropped because pull() fell behind
  std::atomic<uint64_t> dtmf_events{0};
  std::atomic<uint32_t> jitter_delay_ms{0};
};

class Transcoder {
 public:
  static constexpr uint32_t kMaxPacket = 1500;

  static std::unique_ptr<Transcoder> create(const TranscoderConfig& c, std::string* error);
  ~Transcoder();
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  // One RTP packet from the sending party (authenticated and decrypted). Malformed packets and
  // unknown payload types are counted and dropped.
  void push(std::span<const uint8_t> rtp, int64_t now_ns) noexcept;
  // Writes the next RTP packet due for the receiving party into `out` (kMaxPacket bytes fit) and
  // returns its length, or 0 when nothing is due at now_ns.
  size_t pull(int64_t now_ns, std::span<uint8_t> out) noexcept;
  // When pull() will next have something without a push(); INT64_MAX: only after a push.
  int64_t next_due_ns() const noexcept;

  // RTCP for the legs: what rtpx's output stream is (an SR's sender info, at CLOCK_REALTIME
  // `unix_ns`), and how the sending party's stream arrives (a report block for it at now_ns; the
  // fraction lost counts since the previous call, LSR/DLSR refer to the party's last SR, which
  // on_sender_report() notes when it arrives). Shard thread.
  SenderInfo sender_info(int64_t unix_ns) const noexcept;
  ReceptionStats reception(int64_t now_ns) noexcept;
  void on_sender_report(uint64_t ntp, int64_t now_ns) noexcept;
  bool receiving() const noexcept;  // a packet from the party has arrived

  const TranscoderStats& stats() const noexcept;
  DtmfReportQueue& dtmf() noexcept;
  uint32_t pipeline_rate() const noexcept;  // PCM rate between decoder(s) and encoder

  struct Impl;

 private:
  explicit Transcoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::codecs
