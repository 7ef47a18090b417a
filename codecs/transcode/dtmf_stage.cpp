#include "codecs/transcode/dtmf_stage.hpp"

#include <algorithm>
#include <array>

#include "codecs/dtmf/dtmf_tone.hpp"
#include "codecs/dtmf/rfc4733.hpp"
#include "codecs/resample/resampler.hpp"
#include "codecs/transcode/transcoder.hpp"

namespace rtpx::codecs {
namespace {

// A digit whose end never arrives stops playing after this long.
constexpr uint32_t kMaxToneMs = 5000;
// A digit that arrives already ended (its other packets lost) plays at least this long, enough
// for any Q.24 detector.
constexpr uint32_t kMinToneMs = 60;
// Output frames are at most 60 ms at 48 kHz; tones are rendered at 8 kHz.
constexpr size_t kMaxFrame = 2880;
constexpr size_t kMaxTone = 480;

uint32_t scale(uint64_t v, uint32_t to, uint32_t from) {
  return from == 0 ? static_cast<uint32_t>(v) : static_cast<uint32_t>(v * to / from);
}

}  // namespace

struct DtmfStage::Impl {
  DtmfReportQueue* reports = nullptr;
  TranscoderStats* stats = nullptr;
  uint32_t rate = 8000;  // PCM rate of detect()/render() frames
  int in_pt = -1;
  uint32_t in_clock = 8000;
  int out_pt = -1;
  uint32_t out_clock = 8000;        // telephone-event clock towards the receiving party
  uint32_t out_audio_clock = 8000;  // RTP clock of the output audio

  // Telephone-event in.
  dtmf::EventReceiver receiver;
  uint32_t in_base_ts = 0;                         // the current event's timestamp on the input ...
  uint32_t out_base_ts = 0;                        // ... and on the output timeline
  std::unique_ptr<dtmf::ToneGenerator> generator;  // when the receiving party has no events

  // In-band in.
  std::unique_ptr<dtmf::ToneDetector> detector;
  std::unique_ptr<Resampler> to_8k;  // null at 8 kHz
  std::array<int16_t, kMaxFrame * 2> pcm8k{};
  dtmf::EventSender sender;
  uint32_t sender_start_audio_ts = 0;

  void report(uint8_t code, uint32_t duration_samples, uint32_t clock, uint8_t volume,
              bool inband) noexcept {
    const char digit = dtmf::digit_char(code);
    if (digit == 0) return;  // not a DTMF digit (other RFC 4733 events)
    DtmfReport r;
    r.digit = digit;
    r.duration_ms =
        static_cast<uint16_t>(std::min<uint64_t>(scale(duration_samples, 1000, clock), 65535));
    r.volume = volume;
    r.inband = inband;
    reports->push(r);
    stats->dtmf_events.fetch_add(1, std::memory_order_relaxed);
  }

  void ended(const dtmf::EventReport& e) noexcept {
    if (e.kind == dtmf::EventReport::Kind::ended ||
        e.kind == dtmf::EventReport::Kind::started_and_ended)
      report(e.code, e.duration_samples, in_clock, e.volume, false);
  }

  void play(const dtmf::EventReport& e) noexcept {
    if (generator == nullptr) return;
    const char digit = dtmf::digit_char(e.code);
    switch (e.kind) {
      case dtmf::EventReport::Kind::started:
        if (digit != 0) (void)generator->start(digit, kMaxToneMs, -10);
        break;
      case dtmf::EventReport::Kind::ended:
        generator->stop();
        break;
      case dtmf::EventReport::Kind::started_and_ended:
        if (digit != 0)
          (void)generator->start(
              digit, std::max(kMinToneMs, scale(e.duration_samples, 1000, in_clock)), -10);
        break;
      case dtmf::EventReport::Kind::none:
        break;
    }
  }

  // The party's packet goes on with the receiving party's payload type and clock, on the output
  // timeline (an event keeps the output timestamp it started at).
  void forward(const RtpFrame& f, bool new_event, DtmfOutput& out) noexcept {
    auto ev = dtmf::parse_event(f.payload);
    if (!ev) return;
    if (new_event) {
      in_base_ts = f.timestamp;
      out_base_ts = out.timeline_ts();
    }
    ev->duration =
        static_cast<uint16_t>(std::min<uint32_t>(scale(ev->duration, out_clock, in_clock), 0xFFFF));
    uint8_t payload[dtmf::kEventSize];
    if (dtmf::write_event(*ev, payload) == 0) return;
    const uint32_t ts = out_base_ts + scale(f.timestamp - in_base_ts, out_clock, in_clock);
    out.emit(static_cast<uint8_t>(out_pt), f.marker || new_event, ts, payload);
  }
};

DtmfStage::DtmfStage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtmfStage::~DtmfStage() = default;

std::unique_ptr<DtmfStage> DtmfStage::create(const TranscoderConfig& c, uint32_t rate,
                                             DtmfReportQueue& reports, TranscoderStats& stats,
                                             std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->reports = &reports;
  impl->stats = &stats;
  impl->rate = rate;
  impl->in_pt = c.input_event_pt;
  impl->in_clock = c.input_event_clock;
  impl->out_pt = c.output_event_pt;
  impl->out_clock = c.output_event_clock;
  impl->out_audio_clock = c.output ? c.output->clock_rate : 8000;
  if (rate * 60 / 1000 > kMaxFrame) {
    *error = "dtmf: PCM rate " + std::to_string(rate) + " is too high";
    return nullptr;
  }
  if (impl->in_pt >= 0 && impl->out_pt < 0)
    impl->generator = std::make_unique<dtmf::ToneGenerator>();
  if (impl->in_pt < 0 && impl->out_pt >= 0 && c.detect_inband) {
    impl->detector = std::make_unique<dtmf::ToneDetector>();
    if (rate != dtmf::kToneRate) {
      impl->to_8k = Resampler::create(rate, dtmf::kToneRate, c.resample_quality, error);
      if (impl->to_8k == nullptr) return nullptr;
    }
  }
  return std::unique_ptr<DtmfStage>(new DtmfStage(std::move(impl)));
}

bool DtmfStage::is_event(uint8_t pt) const noexcept {
  return impl_->in_pt == int{pt};
}

void DtmfStage::on_event(const RtpFrame& f, DtmfOutput& out) noexcept {
  Impl& s = *impl_;
  const dtmf::EventReceiver::Update u = s.receiver.on_packet(f.timestamp, f.marker, f.payload);
  s.ended(u.previous);
  if (u.previous.kind == dtmf::EventReport::Kind::ended) s.play(u.previous);
  const bool new_event = u.current.kind == dtmf::EventReport::Kind::started ||
                         u.current.kind == dtmf::EventReport::Kind::started_and_ended;
  if (s.out_pt >= 0 &&
      (new_event || s.receiver.in_event() || u.current.kind == dtmf::EventReport::Kind::ended ||
       (u.current.kind == dtmf::EventReport::Kind::none && f.timestamp == s.in_base_ts)))
    s.forward(f, new_event, out);
  s.ended(u.current);
  s.play(u.current);
}

void DtmfStage::detect(std::span<const int16_t> pcm) noexcept {
  Impl& s = *impl_;
  if (s.detector == nullptr) return;
  if (s.to_8k == nullptr) {
    s.detector->feed(pcm);
    return;
  }
  while (!pcm.empty()) {  // in pieces the 8 kHz buffer holds
    const size_t take = std::min(pcm.size(), kMaxFrame);
    const size_t n = s.to_8k->process(pcm.first(take), s.pcm8k);
    s.detector->feed({s.pcm8k.data(), n});
    pcm = pcm.subspan(take);
  }
}

void DtmfStage::render(std::span<int16_t> frame, uint32_t ts, DtmfOutput& out) noexcept {
  Impl& s = *impl_;
  if (s.generator != nullptr && s.generator->busy()) {
    // The digit at 8 kHz, stretched over the frame by linear interpolation.
    const size_t n8 =
        std::min<size_t>(kMaxTone, (frame.size() * dtmf::kToneRate + s.rate - 1) / s.rate);
    std::array<int16_t, kMaxTone + 1> tone{};
    s.generator->render({tone.data(), n8});
    tone[n8] = tone[n8 - 1];
    for (size_t i = 0; i < frame.size(); ++i) {
      const uint64_t pos = uint64_t{i} * dtmf::kToneRate * 256 / s.rate;
      const size_t k = std::min<size_t>(pos >> 8, n8 - 1);
      const int32_t frac = static_cast<int32_t>(pos & 0xff);
      frame[i] = static_cast<int16_t>((tone[k] * (256 - frac) + tone[k + 1] * frac) / 256);
    }
  }
  if (s.detector == nullptr) return;
  // Digits heard in the audio go out as telephone-events beside it.
  while (auto e = s.detector->poll()) {
    const auto code = dtmf::digit_code(e->digit);
    if (!code) continue;
    if (e->kind == dtmf::ToneEvent::Kind::started) {
      s.sender.start(*code, static_cast<uint8_t>(std::clamp(-int{e->level_dbm0}, 0, 63)), ts);
      s.sender_start_audio_ts = ts;
    } else {
      s.sender.finish(scale(e->duration_samples, s.out_clock, dtmf::kToneRate));
      s.report(*code, e->duration_samples, dtmf::kToneRate, 0, true);
    }
  }
  if (!s.sender.active()) return;
  const int64_t elapsed = scale(ts - s.sender_start_audio_ts, s.out_clock, s.out_audio_clock);
  uint8_t payload[dtmf::kEventSize];
  bool marker = false;
  if (s.sender.next(elapsed, payload, &marker) > 0)
    out.emit(static_cast<uint8_t>(s.out_pt), marker, s.sender.timestamp(), payload);
}

}  // namespace rtpx::codecs
