#pragma once
// Rewrites an SDP so the receiving party sends its media to rtpxd: c= lines, m= ports, a=rtcp,
// a=rtcp-mux and ICE name rtpxd's sockets. Each media section is rebuilt in the order rtpengine
// writes it, so SIP proxies and tests that compare against rtpengine see the same lines:
//
//   m= / c= / b= / other attributes in their order / a=mid / per payload type a=rtpmap, a=fmtp,
//   a=rtcp-fb / direction / a=rtcp / a=rtcp-mux / a=ptime / ICE
//
// Static payload types get their RFC 3551 a=rtpmap. Session-level direction moves into the media,
// a=group:BUNDLE goes (each media gets its own ports), the party's ICE attributes are replaced by
// rtpxd's or removed. Disabled media (port 0) keep only their m= line. Pure function over the SDP
// model.

#include <span>
#include <string>

#include "control/sdp/sdp.hpp"
#include "control/session/call.hpp"
#include "control/session/signal_request.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

struct LocalMedia {
  uint16_t rtp_port = 0;                // 0 keeps the media disabled
  uint16_t rtcp_port = 0;               // a=rtcp value (rtp_port with rtcp-mux agreed)
  bool rtcp_mux = false;                // write a=rtcp-mux
  const IceCredentials* ice = nullptr;  // present rtpxd's ICE with these credentials
  bool ice_rtcp_candidate = true;       // a component-2 candidate for the RTCP port
  std::string protocol;                 // m= protocol override; empty keeps it
  std::string ptime_fallback;           // a=ptime when the SDP has none (the other party's)
  std::string mid_fallback;             // a=mid when the SDP has none
  std::string address;                  // rtpxd's address for this media; empty: opt.address
  std::vector<sdp::Attribute> srtp;     // a=crypto / a=setup / a=fingerprint rtpxd presents
};

struct RewriteOptions {
  // The address to advertise (IPv4 or IPv6 text) where a LocalMedia names none. Session-level
  // c= and o= take the first enabled media's address.
  std::string address;
  bool replace_origin = false;
  bool replace_session_connection = false;
  RtcpAttribute rtcp_attribute = RtcpAttribute::kPort;
  std::string loop_protect_id;  // non-empty: add a=rtpengine:<id>
};

void rewrite_sdp(sdp::Session& s, std::span<const LocalMedia> local, const RewriteOptions& opt);

// The rtpmap encoding of an RFC 3551 static payload type ("PCMU/8000"), or empty.
std::string_view static_rtpmap(std::string_view payload_type);

// True when the SDP carries ICE (a=ice-ufrag at session or media level) for media `m`.
bool has_ice(const sdp::Session& s, const sdp::Media& m);
// The loop-protect marker value (a=rtpengine:<id>) of a session, or empty.
std::string loop_marker(const sdp::Session& s);

// Where a party receives, from its SDP: RTP address and the RTCP address (a=rtcp, else port+1,
// or the RTP address with rtcp-mux). Unset (AF_UNSPEC) when the SDP names no usable address.
struct SignaledMedia {
  net::SockAddr rtp;
  net::SockAddr rtcp;
};
SignaledMedia signaled_addresses(const sdp::Session& s, const sdp::Media& m);

}  // namespace rtpx::control
