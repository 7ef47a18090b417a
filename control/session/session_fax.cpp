// SessionService's T.38 side: the ng `T.38` options engage a gateway between a party that speaks
// G.711 audio and one that speaks T.38 over UDPTL (force: the offerer's audio becomes T.38 for
// the answerer; decode: the offerer's T.38 becomes audio), each party's SDP is rewritten into what
// the other speaks, and the gateway is made once the answer has settled both sides' parameters.

#include "control/session/random_value.hpp"
#include "control/session/session_service.hpp"
#include "control/session/t38_sdp.hpp"

namespace rtpx::control {
namespace {

bool is_rtp_media(const sdp::Media& m) {
  return m.proto.find("RTP/") != std::string::npos;
}

void engage(MediaSide& side, FaxRole role, const T38Options& o) {
  side.fax.role = role;
  side.fax.options = o;
  side.fax.rejected = false;
}

}  // namespace

Result<bool> SessionService::fax_offer(MediaSide& a, MediaSide& b, const sdp::Media& m,
                                       const SignalRequest& req) {
  const T38Options& o = req.t38;
  if (o.stop) {
    for (MediaSide* s : {&a, &b}) {
      s->fax.role = FaxRole::none;
      s->fax.remote_known = false;
    }
    return false;  // the gateway goes when the endpoints stop naming it (wire)
  }
  if (m.port == 0) return a.fax.role != FaxRole::none;
  if (a.fax.role == FaxRole::none && o.force && m.type == "audio" && is_rtp_media(m)) {
    const std::string pt = first_g711(m);
    if (pt.empty())
      return Error{ErrorCode::not_supported, "T.38",
                   "T.38 force needs PCMU or PCMA among the offered codecs"};
    engage(a, FaxRole::audio, o);
    engage(b, FaxRole::t38, o);
    a.fax.audio_pt = pt;
  } else if (a.fax.role == FaxRole::none && o.decode && is_t38_media(m)) {
    engage(a, FaxRole::t38, o);
    engage(b, FaxRole::audio, o);
  }
  switch (a.fax.role) {
    case FaxRole::none:
      return false;
    case FaxRole::audio:  // a re-offer may change the party's codec order
      if (std::string pt = first_g711(m); !pt.empty()) a.fax.audio_pt = pt;
      b.protocol = "udptl";
      b.type = "image";
      break;
    case FaxRole::t38:
      if (!is_t38_media(m))
        return bad_field("sdp", "the T.38 party's media must stay m=image udptl t38");
      a.fax.remote = parse_t38_params(m);
      a.fax.remote_known = true;
      b.protocol = req.transport_protocol.empty() ? "RTP/AVP" : req.transport_protocol;
      b.type = "audio";
      break;
  }
  return true;
}

Result<bool> SessionService::fax_answer(MediaSide& a, MediaSide& b, const sdp::Media& m) {
  if (b.fax.role == FaxRole::none) return false;
  if (m.port == 0) {  // the answerer refused what rtpxd converted the offer into
    b.fax.rejected = true;
    return true;
  }
  b.fax.rejected = false;
  if (b.fax.role == FaxRole::t38) {
    if (!is_t38_media(m))
      return bad_field("sdp", "the answer to a T.38 offer must be m=image udptl t38");
    b.fax.remote = parse_t38_params(m);
    b.fax.remote_known = true;
  } else {
    const std::string pt = first_g711(m);
    if (pt.empty())
      return bad_field("sdp",
                       "the answer to a T.38 gateway's audio offer needs "
                       "PCMU or PCMA");
    b.fax.audio_pt = pt;
  }
  MediaSide& audio = a.fax.role == FaxRole::audio ? a : b;
  MediaSide& t38 = a.fax.role == FaxRole::t38 ? a : b;
  if (audio.fax.gateway != nullptr) return true;  // a re-answer: the fax in progress goes on
  if (!t38.fax.remote_known || audio.fax.audio_pt.empty()) return true;
  codecs::t38::FaxGatewayConfig c =
      gateway_config(audio.fax.options, t38.fax.remote, audio.fax.audio_pt);
  c.ssrc = random_value<uint32_t>();
  c.first_seq = random_value<uint16_t>();
  c.first_ts = random_value<uint32_t>();
  std::string error;
  audio.fax.gateway = codecs::t38::FaxGateway::create(c, &error);
  if (!audio.fax.gateway) return Error{ErrorCode::not_supported, "T.38", "T.38 gateway: " + error};
  return true;
}

// The recipient's view of media `m` when a gateway converts it: T.38 for a `t38` party, G.711 for
// an `audio` one.
void SessionService::fax_convert(const MediaSide& recipient, sdp::Media& m, bool answer) {
  switch (recipient.fax.role) {
    case FaxRole::none:
      break;
    case FaxRole::t38: {
      T38Params p = local_t38_params(recipient.fax.options);
      if (answer && recipient.fax.remote_known) {
        // Answering the party's T.38 offer: agree to its error correction, at most its version.
        p.ec = recipient.fax.remote.ec;
        p.version = std::min(p.version, recipient.fax.remote.version);
      }
      make_t38_media(m, p);
      break;
    }
    case FaxRole::audio:
      if (answer)
        make_g711_media(m, {recipient.fax.audio_pt}, "20");
      else
        make_g711_media(m, {"0", "8"}, "");
      break;
  }
}

Result<codecs::t38::FaxToneDetector*> SessionService::fax_detector(
    const Call& call, MediaSide& x, std::unique_ptr<codecs::t38::FaxToneDetector>* old) {
  const bool wanted = call.fax_detect && x.fax.role == FaxRole::none && x.type == "audio" &&
                      x.protocol.find("RTP/") != std::string::npos;
  if (!wanted) {
    *old = std::move(x.fax.detector);
    return nullptr;
  }
  if (!x.fax.detector) {
    std::string error;
    x.fax.detector = codecs::t38::FaxToneDetector::create(&error);
    if (!x.fax.detector) return Error{ErrorCode::internal, "fax-detect", error};
  }
  return x.fax.detector.get();
}

codecs::t38::FaxGateway* SessionService::fax_gateway(const MediaSide& x, const MediaSide& y) {
  if (x.fax.role == FaxRole::none || x.fax.rejected || y.fax.rejected) return nullptr;
  const MediaSide& audio = x.fax.role == FaxRole::audio ? x : y;
  return audio.fax.gateway.get();
}

void SessionService::fax_snapshot(const MediaSide& side, const MediaSide& other,
                                  MediaSnapshot& out) const {
  if (side.fax.role == FaxRole::none) return;
  FaxSnapshot f;
  f.role = side.fax.role == FaxRole::audio ? "audio" : "t38";
  const codecs::t38::FaxGateway* gw =
      side.fax.gateway ? side.fax.gateway.get() : other.fax.gateway.get();
  if (gw != nullptr) {
    const codecs::t38::FaxProgress p = gw->progress();
    f.phase = codecs::t38::to_string(p.phase);
    f.pages = p.pages;
    f.bit_rate = p.bit_rate;
    f.ecm = p.ecm;
    const codecs::t38::FaxGatewayStats& s = gw->stats();
    auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
    f.rtp_in = get(s.rtp_in);
    f.rtp_out = get(s.rtp_out);
    f.udptl_in = get(s.udptl_in);
    f.udptl_out = get(s.udptl_out);
    f.ifp_recovered = get(s.ifp_recovered);
    f.ifp_lost = get(s.ifp_lost);
    f.malformed = get(s.rtp_malformed) + get(s.udptl_malformed);
  } else {
    f.phase = side.fax.rejected || other.fax.rejected ? "rejected" : "pending";
  }
  out.fax = std::move(f);
}

void SessionService::report_fax() {
  for (auto& [id, call] : calls_) {
    for (int li = 0; li < 2; ++li) {
      for (MediaSide& side : call->legs[li].media) {
        if (side.fax.detector && !side.fax.tone_reported &&
            side.fax.detector->detected() != codecs::t38::FaxTone::none) {
          side.fax.tone_reported = true;
          SessionEvent ev{"fax_tone", id, "", wall_now(), std::nullopt, FaxEvent{}};
          ev.fax->tone = codecs::t38::to_string(side.fax.detector->detected());
          ev.fax->from_tag = call->legs[li].tag;
          if (sink_) sink_(ev);
        }
        if (!side.fax.gateway) continue;
        const codecs::t38::FaxProgress p = side.fax.gateway->progress();
        codecs::t38::FaxProgress& last = side.fax.reported;
        if (p.phase == last.phase && p.pages == last.pages) continue;
        last = p;
        SessionEvent ev{"fax", id, "", wall_now(), std::nullopt, std::nullopt};
        FaxEvent& f = ev.fax.emplace();
        f.phase = codecs::t38::to_string(p.phase);
        f.pages = p.pages;
        f.bit_rate = p.bit_rate;
        f.ecm = p.ecm;
        f.audio_tag = call->legs[li].tag;
        f.t38_tag = call->legs[1 - li].tag;
        if (sink_) sink_(ev);
      }
    }
  }
}

}  // namespace rtpx::control
