#include "codecs/transcode/transcoder.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "codecs/resample/resampler.hpp"
#include "codecs/transcode/dtmf_stage.hpp"
#include "codecs/transcode/pcm_fifo.hpp"
#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs {
namespace {

constexpr uint32_t kOpusRates[] = {8000, 12000, 16000, 24000, 48000};
// The largest frame any decoder writes: 120 ms at 48 kHz (an opus packet of six 20 ms frames).
constexpr size_t kMaxDecoded = 5760;
// Output packets waiting for pull(): a burst of decoded input can yield several at once.
constexpr size_t kOutSlots = 16;
// Lost frames a codec without PLC gets from repetition: each repeat is half as loud, then silence.
constexpr int kMaxRepeats = 3;

bool is_opus_rate(uint32_t r) {
  return std::find(std::begin(kOpusRates), std::end(kOpusRates), r) != std::end(kOpusRates);
}
bool is_opus(const CodecDescriptor* c) {
  return c->name.size() == 4 && (c->name[0] == 'o' || c->name[0] == 'O');
}

// One payload type the party may send, decoded to the pipeline rate.
struct Input {
  uint8_t pt = 0;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<Resampler> resampler;  // null when the decoder runs at the pipeline rate
  bool has_plc = false;
};

struct OutSlot {
  uint32_t len = 0;
  std::array<uint8_t, Transcoder::kMaxPacket> bytes;
};

}  // namespace

struct Transcoder::Impl final : DtmfOutput {
  TranscoderStats stats_;
  uint32_t last_ssrc = 0;  // of the last packet pushed: a new one restarts the jitter buffer
  DtmfReportQueue reports;
  uint32_t rate = 0;  // pipeline PCM rate
  std::vector<Input> inputs;
  std::unique_ptr<Encoder> encoder;
  uint8_t out_pt = 0;
  uint32_t ts_per_frame = 160;  // output RTP clock ticks per encoded frame
  int64_t frame_ns = 20'000'000;
  JitterBuffer jitter;
  std::unique_ptr<DtmfStage> dtmf;

  // Output timeline.
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t ts = 0;
  bool marker = true;       // the first packet starts a talk spurt
  int64_t last_out_ns = 0;  // when the last frame was encoded (0: never)

  // The sending party's timeline: where its last decoded frame ended (RTP clock of the input).
  uint32_t in_clock = 8000;
  uint32_t in_ts_end = 0;
  bool in_ts_end_known = false;

  // Reception of the party's stream (RFC 3550 appendix A.1), for the report block about it.
  bool rx_started = false;
  uint16_t rx_base = 0, rx_max = 0;
  uint32_t rx_cycles = 0;
  uint32_t rx_received = 0;
  uint32_t rx_expected_prior = 0, rx_received_prior = 0;
  uint32_t rx_ssrc = 0;
  uint32_t rx_lsr = 0;  // middle 32 bits of the party's last SR's NTP time, 0: none
  int64_t rx_lsr_at_ns = 0;

  void received(uint16_t seq, uint32_t ssrc) noexcept {
    if (!rx_started || ssrc != rx_ssrc) {
      rx_started = true;
      rx_ssrc = ssrc;
      rx_base = rx_max = seq;
      rx_cycles = rx_received = rx_expected_prior = rx_received_prior = 0;
    } else if (static_cast<uint16_t>(seq - rx_max) < 0x8000) {
      if (seq < rx_max) rx_cycles += 65536;
      rx_max = seq;
    }
    ++rx_received;
  }

  // Loss concealment.
  const Input* last_input = nullptr;
  uint32_t last_samples = 0;  // samples per channel of the last decoded frame (decoder rate)
  int repeats = 0;
  std::unique_ptr<int16_t[]> last_pcm;  // last good frame, at the decoder's rate

  PcmFifo fifo;
  std::unique_ptr<int16_t[]> decoded;    // kMaxDecoded
  std::unique_ptr<int16_t[]> resampled;  // kMaxDecoded at up to 6x (8 kHz -> 48 kHz)
  size_t resampled_cap = 0;
  std::unique_ptr<int16_t[]> frame;  // one encoder frame
  std::array<OutSlot, kOutSlots> out;
  size_t out_head = 0, out_count = 0;

  Impl(const JitterConfig& jc, size_t fifo_cap) : jitter(jc), fifo(fifo_cap) {}

  const Input* find_input(uint8_t pt) const noexcept {
    for (const Input& in : inputs)
      if (in.pt == pt) return &in;
    return nullptr;
  }

  OutSlot* reserve_slot() noexcept {
    if (out_count == kOutSlots) {  // pull() fell behind: drop the oldest
      out_head = (out_head + 1) % kOutSlots;
      --out_count;
      stats_.out_overflow.fetch_add(1, std::memory_order_relaxed);
    }
    OutSlot* s = &out[(out_head + out_count) % kOutSlots];
    ++out_count;
    return s;
  }

  uint32_t timeline_ts() const noexcept override { return ts; }

  // An RTP packet on the output timeline: header from the running counters, then the payload.
  void emit(uint8_t pt, bool mark, uint32_t timestamp,
            std::span<const uint8_t> payload) noexcept override {
    if (payload.size() + kRtpHeaderSize > Transcoder::kMaxPacket) return;
    OutSlot* s = reserve_slot();
    write_rtp_header(s->bytes, pt, mark, seq++, timestamp, ssrc);
    std::memcpy(s->bytes.data() + kRtpHeaderSize, payload.data(), payload.size());
    s->len = static_cast<uint32_t>(kRtpHeaderSize + payload.size());
  }

  // Encodes every whole frame the FIFO holds.
  void encode_ready(int64_t now) noexcept {
    const uint32_t n = encoder->frame_samples();
    std::span<int16_t> f{frame.get(), n};
    uint8_t payload[Transcoder::kMaxPacket - kRtpHeaderSize];
    while (fifo.read(f)) {
      if (dtmf) dtmf->render(f, ts, *this);
      const int len = encoder->encode(f, {payload, sizeof payload});
      if (len < 0) {
        stats_.encode_errors.fetch_add(1, std::memory_order_relaxed);
      } else if (len > 0) {  // 0: DTX, nothing to send for this frame
        emit(out_pt, marker, ts, {payload, static_cast<size_t>(len)});
        marker = false;
      }
      ts += ts_per_frame;
      last_out_ns = now;
    }
  }

  // PCM at the decoder's rate into the FIFO, at the pipeline rate.
  void feed(const Input& in, std::span<const int16_t> pcm) noexcept {
    if (in.resampler != nullptr) {
      const size_t n = in.resampler->process(pcm, {resampled.get(), resampled_cap});
      pcm = {resampled.get(), n};
    }
    if (dtmf) dtmf->detect(pcm);
    fifo.write(pcm);
  }

  void decoded_frame(const Input& in, uint32_t rtp_ts, int samples) noexcept {
    in_ts_end =
        rtp_ts + static_cast<uint32_t>(uint64_t(samples) * in_clock / in.decoder->sample_rate());
    in_ts_end_known = true;
    last_input = &in;
    last_samples = static_cast<uint32_t>(samples);
    repeats = 0;
    std::memcpy(last_pcm.get(), decoded.get(), sizeof(int16_t) * static_cast<size_t>(samples));
    stats_.frames_decoded.fetch_add(1, std::memory_order_relaxed);
    feed(in, {decoded.get(), static_cast<size_t>(samples)});
  }

  // A frame the jitter buffer gave up on: FEC from the next packet, else the codec's PLC, else
  // the last frame again, quieter each time.
  void conceal(const JitterBuffer::Frame& f) noexcept {
    stats_.frames_lost.fetch_add(1, std::memory_order_relaxed);
    const Input* in = last_input;
    if (in == nullptr || last_samples == 0) return;  // nothing heard yet: nothing to conceal
    // The concealed frame stands in for the sender's: its timeline moves on by it.
    in_ts_end +=
        static_cast<uint32_t>(uint64_t{last_samples} * in_clock / in->decoder->sample_rate());
    std::span<int16_t> out{decoded.get(), kMaxDecoded};
    if (!f.next_payload.empty()) {
      const int n = in->decoder->decode_fec(f.next_payload, last_samples, out);
      if (n > 0) {
        stats_.frames_fec.fetch_add(1, std::memory_order_relaxed);
        feed(*in, {decoded.get(), static_cast<size_t>(n)});
        return;
      }
    }
    if (in->has_plc) {
      const int n = in->decoder->conceal(last_samples, out);
      if (n > 0) {
        stats_.frames_concealed.fetch_add(1, std::memory_order_relaxed);
        feed(*in, {decoded.get(), static_cast<size_t>(n)});
        return;
      }
    }
    stats_.frames_repeated.fetch_add(1, std::memory_order_relaxed);
    const int shift = std::min(++repeats, kMaxRepeats + 1);
    for (uint32_t i = 0; i < last_samples; ++i)
      decoded[i] = shift > kMaxRepeats ? 0 : static_cast<int16_t>(last_pcm[i] >> shift);
    feed(*in, {decoded.get(), last_samples});
  }

  // A new talk spurt after silence or a resynchronisation: the timeline moves on by the pause,
  // rounded to whole frames, and the next packet carries the marker. The pause is what the
  // sender's timestamps say (its sampling clock), else what the wall clock says.
  void restart_timeline(const JitterBuffer::Frame& f, int64_t now) noexcept {
    if (fifo.size() != 0) {  // the end of the last spurt goes out first, padded to a frame
      const uint32_t n = encoder->frame_samples();
      fifo.write_silence(n - fifo.size() % n);
      encode_ready(now);
    }
    int64_t pause_ns = 0;
    const int32_t gap = static_cast<int32_t>(f.ts - in_ts_end);
    if (in_ts_end_known && gap > 0 && gap < static_cast<int32_t>(in_clock) * 600) {
      pause_ns = int64_t{gap} * 1'000'000'000 / in_clock;
    } else if (last_out_ns != 0 && now > last_out_ns) {
      pause_ns = now - last_out_ns;
    }
    ts += static_cast<uint32_t>(pause_ns / frame_ns) * ts_per_frame;
    marker = true;
  }

  void play(const JitterBuffer::Frame& f, int64_t now) noexcept {
    if (f.discontinuity) restart_timeline(f, now);
    if (f.kind == JitterBuffer::Frame::Kind::lost) {
      conceal(f);
      return;
    }
    const Input* in = find_input(f.pt);
    if (in == nullptr) return;  // checked in push()
    const int n = in->decoder->decode(f.payload, {decoded.get(), kMaxDecoded});
    if (n < 0) {
      stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
      conceal(f);
      return;
    }
    decoded_frame(*in, f.ts, n);
  }

  void run(int64_t now) noexcept {
    for (;;) {
      const JitterBuffer::Frame f = jitter.pop(now);
      if (f.kind == JitterBuffer::Frame::Kind::none) break;
      play(f, now);
      encode_ready(now);
    }
    stats_.jitter_delay_ms.store(jitter.delay_ms(), std::memory_order_relaxed);
  }
};

Transcoder::Transcoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transcoder::~Transcoder() = default;
const TranscoderStats& Transcoder::stats() const noexcept {
  return impl_->stats_;
}
DtmfReportQueue& Transcoder::dtmf() noexcept {
  return impl_->reports;
}
uint32_t Transcoder::pipeline_rate() const noexcept {
  return impl_->rate;
}

std::unique_ptr<Transcoder> Transcoder::create(const TranscoderConfig& c, std::string* error) {
  if (c.inputs.empty() || c.output == nullptr) {
    *error = "transcoding needs an input and an output codec";
    return nullptr;
  }
  // The encoder's PCM rate: its own, except opus, which takes the first input's rate when it can
  // (PCMU -> opus then needs no resampling).
  CodecParams op = c.output_params;
  if (is_opus(c.output) && op.sample_rate == 0) {
    const uint32_t r = c.inputs.front().codec->native_rate;
    op.sample_rate = is_opus_rate(r) ? r : 48000;
  }
  std::unique_ptr<Encoder> encoder = c.output->make_encoder(op, error);
  if (encoder == nullptr) return nullptr;
  const uint32_t rate = encoder->sample_rate();

  JitterConfig jc = c.jitter;
  jc.clock_rate = c.inputs.front().codec->clock_rate;
  // FIFO: the largest decoded frame after resampling plus two output frames.
  const size_t resampled_cap = kMaxDecoded * 6 + 64;
  auto impl = std::make_unique<Impl>(jc, resampled_cap + 2 * size_t{encoder->frame_samples()});
  impl->resampled_cap = resampled_cap;
  impl->rate = rate;
  impl->in_clock = jc.clock_rate;
  for (const TranscodeInput& ti : c.inputs) {
    CodecParams ip = ti.params;
    if (is_opus(ti.codec) && ip.sample_rate == 0)
      ip.sample_rate = is_opus_rate(rate) ? rate : 48000;
    Input in;
    in.pt = ti.payload_type;
    in.decoder = ti.codec->make_decoder(ip, error);
    if (in.decoder == nullptr) return nullptr;
    in.has_plc = ti.codec->has_plc;
    if (in.decoder->sample_rate() != rate) {
      in.resampler = Resampler::create(in.decoder->sample_rate(), rate, c.resample_quality, error);
      if (in.resampler == nullptr) return nullptr;
    }
    impl->inputs.push_back(std::move(in));
  }
  const uint32_t ptime = op.ptime_ms == 0 ? 20 : op.ptime_ms;
  impl->encoder = std::move(encoder);
  impl->out_pt = c.output_pt;
  impl->ts_per_frame = c.output->clock_rate * ptime / 1000;
  impl->frame_ns = int64_t{ptime} * 1'000'000;
  impl->ssrc = c.ssrc;
  impl->seq = c.first_seq;
  impl->ts = c.first_ts;
  impl->decoded = std::make_unique<int16_t[]>(kMaxDecoded);
  impl->last_pcm = std::make_unique<int16_t[]>(kMaxDecoded);
  impl->resampled = std::make_unique<int16_t[]>(resampled_cap);
  impl->frame = std::make_unique<int16_t[]>(impl->encoder->frame_samples());
  if (c.input_event_pt >= 0 || (c.output_event_pt >= 0 && c.detect_inband)) {
    impl->dtmf = DtmfStage::create(c, rate, impl->reports, impl->stats_, error);
    if (impl->dtmf == nullptr) return nullptr;
  }
  return std::unique_ptr<Transcoder>(new Transcoder(std::move(impl)));
}

void Transcoder::push(std::span<const uint8_t> rtp, int64_t now) noexcept {
  Impl& s = *impl_;
  TranscoderStats& stats_ = s.stats_;
  RtpFrame f;
  if (!read_rtp(rtp, &f)) {
    stats_.malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (f.ssrc != s.last_ssrc) {
    // A new source (the party restarted its stream): its numbering starts afresh.
    if (stats_.packets_in.load(std::memory_order_relaxed) != 0) s.jitter.reset();
    s.last_ssrc = f.ssrc;
  }
  if (s.dtmf && s.dtmf->is_event(f.payload_type)) {
    stats_.packets_in.fetch_add(1, std::memory_order_relaxed);
    s.received(f.seq, f.ssrc);
    s.dtmf->on_event(f, s);
    return;
  }
  if (s.find_input(f.payload_type) == nullptr) {
    stats_.unknown_payload_type.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  stats_.packets_in.fetch_add(1, std::memory_order_relaxed);
  s.received(f.seq, f.ssrc);
  switch (s.jitter.put(f.seq, f.timestamp, f.payload_type, f.marker, f.payload, now)) {
    case JitterBuffer::Put::late:
      stats_.late.fetch_add(1, std::memory_order_relaxed);
      break;
    case JitterBuffer::Put::duplicate:
      stats_.duplicates.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      break;
  }
  s.run(now);
}

size_t Transcoder::pull(int64_t now, std::span<uint8_t> out) noexcept {
  Impl& s = *impl_;
  TranscoderStats& stats_ = s.stats_;
  if (s.out_count == 0) s.run(now);
  if (s.out_count == 0) return 0;
  const OutSlot& slot = s.out[s.out_head];
  s.out_head = (s.out_head + 1) % kOutSlots;
  --s.out_count;
  if (slot.len > out.size()) return 0;
  std::memcpy(out.data(), slot.bytes.data(), slot.len);
  stats_.packets_out.fetch_add(1, std::memory_order_relaxed);
  stats_.bytes_out.fetch_add(slot.len, std::memory_order_relaxed);
  return slot.len;
}

SenderInfo Transcoder::sender_info(int64_t unix_ns) const noexcept {
  const Impl& s = *impl_;
  SenderInfo i;
  i.ssrc = s.ssrc;
  i.ntp = ntp_from_unix_ns(unix_ns);
  i.rtp_timestamp = s.ts;
  const uint64_t packets = s.stats_.packets_out.load(std::memory_order_relaxed);
  i.packets = static_cast<uint32_t>(packets);
  i.octets = static_cast<uint32_t>(s.stats_.bytes_out.load(std::memory_order_relaxed) -
                                   packets * kRtpHeaderSize);
  return i;
}

bool Transcoder::receiving() const noexcept {
  return impl_->rx_started;
}

void Transcoder::on_sender_report(uint64_t ntp, int64_t now_ns) noexcept {
  impl_->rx_lsr = static_cast<uint32_t>(ntp >> 16);
  impl_->rx_lsr_at_ns = now_ns;
}

ReceptionStats Transcoder::reception(int64_t now_ns) noexcept {
  Impl& s = *impl_;
  ReceptionStats r;
  if (!s.rx_started) return r;
  r.ssrc = s.rx_ssrc;
  r.extended_max_seq = s.rx_cycles + s.rx_max;
  const uint32_t expected = r.extended_max_seq - s.rx_base + 1;
  const int64_t lost = int64_t{expected} - s.rx_received;
  r.cumulative_lost = static_cast<uint32_t>(std::clamp<int64_t>(lost, 0, 0x7fffff));
  const uint32_t expected_interval = expected - s.rx_expected_prior;
  const uint32_t received_interval = s.rx_received - s.rx_received_prior;
  s.rx_expected_prior = expected;
  s.rx_received_prior = s.rx_received;
  const int64_t lost_interval = int64_t{expected_interval} - received_interval;
  if (expected_interval != 0 && lost_interval > 0)
    r.fraction_lost =
        static_cast<uint8_t>(std::min<int64_t>((lost_interval << 8) / expected_interval, 255));
  r.jitter = s.jitter.stats().jitter_ms * (s.in_clock / 1000);
  if (s.rx_lsr != 0 && now_ns >= s.rx_lsr_at_ns) {
    r.lsr = s.rx_lsr;
    r.dlsr = static_cast<uint32_t>(
        std::min<int64_t>((now_ns - s.rx_lsr_at_ns) / 1000 * 65536 / 1'000'000, UINT32_MAX));
  }
  return r;
}

int64_t Transcoder::next_due_ns() const noexcept {
  if (impl_->out_count != 0) return 0;
  return impl_->jitter.next_due_ns();
}

}  // namespace rtpx::codecs
