#pragma once
// The DTMF part of a transcoding stage (see transcoder.hpp): telephone-event in -> telephone-event
// out with the receiving party's payload type and timeline, or -> tones played into the audio;
// in-band tones in -> telephone-event out. Reports each digit once. Shard thread only after
// create(); allocation-free.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "codecs/transcode/dtmf_report_queue.hpp"
#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs {

struct TranscoderConfig;
struct TranscoderStats;

// Where the stage writes: packets on the output timeline of the transcoder.
class DtmfOutput {
 public:
  virtual void emit(uint8_t pt, bool marker, uint32_t ts,
                    std::span<const uint8_t> payload) noexcept = 0;
  virtual uint32_t timeline_ts() const noexcept = 0;  // timestamp of the next audio frame

 protected:
  ~DtmfOutput() = default;
};

class DtmfStage {
 public:
  // `rate`: the PCM rate of the frames detect() and render() see.
  static std::unique_ptr<DtmfStage> create(const TranscoderConfig& c, uint32_t rate,
                                           DtmfReportQueue& reports, TranscoderStats& stats,
                                           std::string* error);
  ~DtmfStage();
  DtmfStage(const DtmfStage&) = delete;
  DtmfStage& operator=(const DtmfStage&) = delete;

  bool is_event(uint8_t pt) const noexcept;
  // A telephone-event packet from the sending party.
  void on_event(const RtpFrame& f, DtmfOutput& out) noexcept;
  // The sending party's decoded audio (in-band detection).
  void detect(std::span<const int16_t> pcm) noexcept;
  // One frame about to be encoded at output timestamp `ts`: a digit being played goes into it;
  // telephone-event packets for a digit detected in-band go out beside it.
  void render(std::span<int16_t> frame, uint32_t ts, DtmfOutput& out) noexcept;

  struct Impl;

 private:
  explicit DtmfStage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::codecs
