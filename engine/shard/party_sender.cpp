#include "engine/shard/party_sender.hpp"

namespace rtpx::engine {

SendOutcome send_to_party(io::IoBackend& backend, EndpointTable table, io::SocketId out,
                          uint8_t* buf, uint32_t len, uint32_t cap, bool rtcp) noexcept {
  if (out >= table.size || !table.slots[out].active) return SendOutcome::no_destination;
  const Endpoint& f = table.slots[out];
  if (!f.latched && !f.signaled_usable) return SendOutcome::no_destination;
  if (f.cfg.crypto != nullptr) {
    srtp::Context* c = f.cfg.crypto->outbound.get();
    const srtp::Status st = c == nullptr ? srtp::Status::malformed
                            : rtcp       ? c->protect_rtcp(buf, &len, cap)
                                         : c->protect_rtp(buf, &len, cap);
    if (st != srtp::Status::ok) return SendOutcome::srtp_error;
  }
  const net::SockAddr& to = f.latched ? f.latched_addr : f.cfg.signaled;
  return backend.send_datagram(out, to, {buf, len}) == io::IoStatus::ok ? SendOutcome::sent
                                                                        : SendOutcome::tx_error;
}

}  // namespace rtpx::engine
