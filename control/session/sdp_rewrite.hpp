#pragma once
// Rewrites an SDP so the receiving party sends its media to rtpxd: c= lines, m= ports and
// a=rtcp name rtpxd's sockets; optionally the o= line too. Pure function over the SDP model.

#include <span>
#include <string>

#include "control/sdp/sdp.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

struct LocalMedia {
  uint16_t rtp_port = 0;  // 0 keeps the media disabled
  bool rtcp_mux = false;
};

struct RewriteOptions {
  std::string address;  // the address to advertise (IPv4 or IPv6 text)
  bool replace_origin = false;
  bool replace_session_connection = false;
};

void rewrite_sdp(sdp::Session& s, std::span<const LocalMedia> local, const RewriteOptions& opt);

// Where a party receives, from its SDP: RTP address and the RTCP address (a=rtcp, else port+1,
// or the RTP address with rtcp-mux). Unset (AF_UNSPEC) when the SDP names no usable address.
struct SignaledMedia {
  net::SockAddr rtp;
  net::SockAddr rtcp;
};
SignaledMedia signaled_addresses(const sdp::Session& s, const sdp::Media& m);

}  // namespace rtpx::control
