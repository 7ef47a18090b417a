// SessionService's transcoding side: the transcoder each direction of a transcoded stream needs,
// made when what it depends on changes and freed once the shard moved on; the DTMF digits the
// transcoders saw, announced as events.

#include "control/session/codec_negotiation.hpp"
#include "control/session/random_value.hpp"
#include "control/session/session_service.hpp"

namespace rtpx::control {

// The transcoder for media from the party of `from` to the party of `to` (null when that
// direction is relayed as it is). The one it replaces goes to `old`.
Result<codecs::Transcoder*> SessionService::transcoder_for(
    MediaSide& from, const MediaSide& to, std::unique_ptr<codecs::Transcoder>* old) {
  StreamSlot& slot = from.rtp;
  const std::string key = transcode_key(from.codec, to.codec);
  if (key.empty()) {
    *old = std::move(slot.transcode);
    slot.transcode_key.clear();
    return nullptr;
  }
  if (slot.transcode && slot.transcode_key == key) return slot.transcode.get();
  codecs::TranscoderConfig c =
      transcoder_config(from.codec, to.codec, static_cast<int>(media_.opus_complexity));
  c.jitter.max_delay_ms = media_.jitter_max_ms;
  c.ssrc = random_value<uint32_t>();
  c.first_seq = random_value<uint16_t>();
  c.first_ts = random_value<uint32_t>();
  std::string error;
  auto made = codecs::Transcoder::create(c, &error);
  if (!made) return Error{ErrorCode::not_supported, "codec", "transcoding: " + error};
  *old = std::move(slot.transcode);
  slot.transcode = std::move(made);
  slot.transcode_key = key;
  slot.transcode_to = to.codec.sends ? to.codec.sends->rtpmap() : std::string{};
  slot.transcode_ptime = c.output_params.ptime_ms;
  return slot.transcode.get();
}

void SessionService::transcode_snapshot(const MediaSide& side, StreamSnapshot& out) const {
  if (side.codec.sends) out.codec = side.codec.sends->rtpmap();
  if (!side.rtp.transcode) return;
  const codecs::TranscoderStats& s = side.rtp.transcode->stats();
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  TranscodeSnapshot t;
  t.from_codec = out.codec;
  t.to_codec = side.rtp.transcode_to;
  t.to_ptime = side.rtp.transcode_ptime;
  t.packets_in = get(s.packets_in);
  t.packets_out = get(s.packets_out);
  t.lost = get(s.frames_lost);
  t.fec = get(s.frames_fec);
  t.concealed = get(s.frames_concealed);
  t.repeated = get(s.frames_repeated);
  t.late = get(s.late);
  t.duplicates = get(s.duplicates);
  t.decode_errors = get(s.decode_errors);
  t.unknown_payload_type = get(s.unknown_payload_type);
  t.dtmf_events = get(s.dtmf_events);
  t.jitter_delay_ms = s.jitter_delay_ms.load(std::memory_order_relaxed);
  out.transcode = std::move(t);
}

void SessionService::report_dtmf() {
  for (auto& [id, call] : calls_) {
    for (Leg& leg : call->legs) {
      for (MediaSide& side : leg.media) {
        if (!side.rtp.transcode) continue;
        codecs::DtmfReport r;
        while (side.rtp.transcode->dtmf().pop(&r)) {
          SessionEvent ev{"dtmf", id, "", wall_now(), std::nullopt, std::nullopt};
          ev.dtmf = DtmfEvent{std::string(1, r.digit), r.duration_ms, r.volume,
                              r.inband ? "inband" : "rfc4733", leg.tag};
          if (sink_) sink_(ev);
        }
      }
    }
  }
}

}  // namespace rtpx::control
