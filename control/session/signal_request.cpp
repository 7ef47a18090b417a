#include "control/session/signal_request.hpp"

namespace rtpx::control {

bool known_transport_protocol(std::string_view p) {
  constexpr std::string_view kKnown[] = {"RTP/AVP",   "RTP/AVPF",         "RTP/SAVP",
                                         "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"};
  for (std::string_view k : kKnown)
    if (p == k) return true;
  return false;
}

bool apply_dtls_value(SrtpOptions& o, std::string_view v) {
  if (v == "off" || v == "no" || v == "disable") {
    o.dtls_off = true;
  } else if (v == "passive") {
    o.dtls_role = engine::dtls::Role::server;
  } else if (v == "active") {
    o.dtls_role = engine::dtls::Role::client;
  } else {
    return false;
  }
  return true;
}

bool apply_fingerprint_hash(SrtpOptions& o, std::string_view hash) {
  for (std::string_view h : engine::dtls::fingerprint_hashes())
    if (hash == h) {
      o.fingerprint_hash = std::string(hash);
      return true;
    }
  return false;
}

bool apply_sdes_value(SrtpOptions& o, std::string_view v) {
  if (v == "off" || v == "no" || v == "disable") {
    o.sdes_off = true;
  } else if (v == "pad") {
    o.sdes_pad = true;
  } else if (v.substr(0, 3) == "no-") {
    o.sdes_no.emplace_back(v.substr(3));
  } else if (v.substr(0, 5) == "only-") {
    o.sdes_only.emplace_back(v.substr(5));
  } else if (v == "static" || v == "nonew" || v == "prefer") {
    // Key reuse across re-offers and suite preference are already rtpxd's behaviour.
  } else {
    return false;
  }
  return true;
}

std::vector<std::string>* codec_list(CodecOptions& o, std::string_view verb) {
  if (verb == "strip") return &o.strip;
  if (verb == "offer") return &o.offer;
  if (verb == "transcode") return &o.transcode;
  if (verb == "mask") return &o.mask;
  if (verb == "set") return &o.set;
  if (verb == "except") return &o.except;
  if (verb == "consume") return &o.consume;
  if (verb == "accept") return &o.accept;
  return nullptr;
}

namespace {
// "codec-strip-PCMA", "codec-strip=PCMA", "codec-transcode-opus/48000/2": one codec list entry.
bool apply_codec_flag(CodecOptions& o, std::string_view f) {
  if (f.substr(0, 6) != "codec-") return false;
  f.remove_prefix(6);
  const size_t sep = f.find_first_of("-=");
  if (sep == std::string_view::npos || sep + 1 >= f.size()) return false;
  std::vector<std::string>* list = codec_list(o, f.substr(0, sep));
  if (list == nullptr) return false;
  list->emplace_back(f.substr(sep + 1));
  return true;
}
}  // namespace

bool apply_signal_flag(SignalRequest& r, std::string_view f) {
  if (f == "always-transcode" || f == "always transcode") {
    r.codec.always_transcode = true;
    return true;
  }
  if (apply_codec_flag(r.codec, f)) return true;
  if (f == "strict-source") {
    r.strict_source = true;
  } else if (f == "fax-detect") {
    r.fax_detect = true;
  } else if (f == "asymmetric") {
    r.latching = Latching::kAsymmetric;
  } else if (f == "symmetric") {
    if (r.latching == Latching::kAsymmetric) r.latching = Latching::kDefault;
  } else if (f == "port-latching") {
    r.latching = Latching::kPortLatching;
  } else if (f == "media-handover") {
    r.latching = Latching::kMediaHandover;
  } else if (f == "SIP-source-address") {
    r.sip_source = true;
  } else if (f == "trust-address") {
    r.sip_source = false;
  } else if (f == "loop-protect") {
    r.loop_protect = true;
  } else if (f == "ICE=remove" || f == "ICE-remove") {
    r.ice = IceMode::kRemove;
  } else if (f == "ICE=force" || f == "ICE-force") {
    r.ice = IceMode::kForce;
  } else if (f == "ICE=default") {
    r.ice = IceMode::kDefault;
  } else if (f == "rtcp-mux-offer") {
    r.rtcp_mux.offer = true;
  } else if (f == "rtcp-mux-demux") {
    r.rtcp_mux.demux = true;
  } else if (f == "rtcp-mux-accept") {
    r.rtcp_mux.accept = true;
  } else if (f == "rtcp-mux-reject") {
    r.rtcp_mux.reject = true;
  } else if (f == "rtcp-mux-require") {
    r.rtcp_mux.require = true;
  } else if (f == "no-rtcp-attribute") {
    r.rtcp_attribute = RtcpAttribute::kNone;
  } else if (f == "full-rtcp-attribute") {
    r.rtcp_attribute = RtcpAttribute::kFull;
  } else if (known_transport_protocol(f)) {
    r.transport_protocol = std::string(f);
  } else if (f.substr(0, 5) == "SDES-") {
    return apply_sdes_value(r.srtp, f.substr(5));
  } else if (f.substr(0, 5) == "DTLS=" || f.substr(0, 5) == "DTLS-") {
    if (f.substr(5, 12) == "fingerprint=") return apply_fingerprint_hash(r.srtp, f.substr(17));
    return apply_dtls_value(r.srtp, f.substr(5));
  } else {
    // Accepted because they need nothing from this relay: the defaults here already behave so,
    // or they only concern other commands.
    constexpr std::string_view kNoOps[] = {"all", "fatal", "unidirectional", "original-sendrecv",
                                           "reset"};
    for (std::string_view n : kNoOps)
      if (f == n) return true;
    return false;
  }
  return true;
}

}  // namespace rtpx::control
