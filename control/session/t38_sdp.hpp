#pragma once
// T.38 in SDP (RFC 3362 image/t38 over UDPTL, ITU-T T.38 Annex D attributes): reading a party's
// parameters, and turning a media section into what the other party of a gateway speaks, in the
// shape rtpengine writes it. Pure functions over the SDP model.

#include <initializer_list>
#include <string>
#include <string_view>

#include "control/sdp/sdp.hpp"
#include "control/session/t38_side.hpp"

namespace rtpx::control {

// m=image ... udptl t38
bool is_t38_media(const sdp::Media& m);
// The G.711 payload type ("0" PCMU, "8" PCMA) first among an audio section's formats; empty when
// it has neither.
std::string first_g711(const sdp::Media& m);

// Reads the T38* attributes; absent ones keep their defaults (Annex D: version 0, no EC...).
T38Params parse_t38_params(const sdp::Media& m);
// What rtpxd declares as a T.38 endpoint: version, 14400 bit/s, transferredTCF, buffer 1800,
// datagram 512, and redundancy (or FEC).
T38Params local_t38_params(const T38Options& o);

// Rewrites `m` as m=image udptl t38 with `p`'s attributes (and its direction).
void make_t38_media(sdp::Media& m, const T38Params& p);
// Rewrites `m` as m=audio RTP/AVP with the G.711 payload types `pts` ("0", "8") and their rtpmaps
// (and its direction); `ptime` non-empty adds a=ptime.
void make_g711_media(sdp::Media& m, std::initializer_list<std::string_view> pts,
                     std::string_view ptime);

// codecs::t38 configuration from what both sides agreed.
codecs::t38::FaxGatewayConfig gateway_config(const T38Options& o, const T38Params& remote,
                                             std::string_view audio_pt);

}  // namespace rtpx::control
