#include "control/session/sdp_rewrite.hpp"

namespace rtpx::control {

void rewrite_sdp(sdp::Session& s, std::span<const LocalMedia> local, const RewriteOptions& opt) {
  const sdp::Connection ours = sdp::Connection::for_address(opt.address);
  bool session_c_used = false;
  for (size_t i = 0; i < s.media.size() && i < local.size(); ++i) {
    sdp::Media& m = s.media[i];
    if (local[i].rtp_port == 0) continue;
    m.port = local[i].rtp_port;
    if (m.connection) {
      m.connection = ours;
    } else {
      session_c_used = true;
    }
    const uint16_t rtcp_port =
        local[i].rtcp_mux ? local[i].rtp_port : static_cast<uint16_t>(local[i].rtp_port + 1);
    m.set_attribute("rtcp", std::to_string(rtcp_port));
  }
  if (s.connection && (session_c_used || opt.replace_session_connection)) s.connection = ours;
  if (opt.replace_origin) {
    s.origin.nettype = ours.nettype;
    s.origin.addrtype = ours.addrtype;
    s.origin.address = ours.address;
  }
}

SignaledMedia signaled_addresses(const sdp::Session& s, const sdp::Media& m) {
  SignaledMedia out;
  const sdp::Connection* c = sdp::effective_connection(s, m);
  if (c == nullptr) return out;
  auto rtp = net::SockAddr::from_ip(c->address, m.port);
  if (!rtp) return out;
  out.rtp = *rtp;
  if (m.rtcp_mux()) {
    out.rtcp = out.rtp;
    return out;
  }
  out.rtcp = out.rtp;
  out.rtcp.set_port(static_cast<uint16_t>(m.port + 1));
  if (auto r = m.rtcp()) {
    out.rtcp.set_port(r->port);
    if (r->connection) {
      if (auto addr = net::SockAddr::from_ip(r->connection->address, r->port)) out.rtcp = *addr;
    }
  }
  return out;
}

}  // namespace rtpx::control
