#include "control/session/signal_request.hpp"

namespace rtpx::control {

bool apply_signal_flag(SignalRequest& r, std::string_view f) {
  if (f == "strict-source") {
    r.strict_source = true;
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
  } else if (f == "RTP/AVP" || f == "RTP/AVPF") {
    r.transport_protocol = std::string(f);
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
