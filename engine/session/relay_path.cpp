#include "engine/session/relay_path.hpp"

#include "engine/rtp/rtp_header.hpp"

namespace rtpx::engine {
namespace {

struct Classified {
  rtp::Kind kind = rtp::Kind::invalid;
  uint32_t ssrc = 0;
};

Classified classify(const Endpoint& e, const io::Packet& p) noexcept {
  std::span<const uint8_t> bytes{p.data, p.len};
  Classified c;
  rtp::Kind kind = e.cfg.component == Component::rtcp ? rtp::Kind::rtcp
                   : e.cfg.rtcp_mux                   ? rtp::classify_muxed(bytes)
                                                      : rtp::Kind::rtp;
  if (kind == rtp::Kind::rtp) {
    rtp::RtpView v;
    if (rtp::parse_rtp(bytes, &v)) c = {rtp::Kind::rtp, v.ssrc};
  } else if (kind == rtp::Kind::rtcp) {
    rtp::RtcpView v;
    if (rtp::parse_rtcp(bytes, &v)) c = {rtp::Kind::rtcp, v.ssrc};
  }
  return c;
}

void latch(Endpoint& e, const net::SockAddr& from, uint32_t ssrc) noexcept {
  e.latched = true;
  e.latched_addr = from;
  e.latched_ssrc = ssrc;
  e.published_peer.store(from);
  e.published_latched.store(true, std::memory_order_release);
}

// Symmetric latching with RTP-bleed protection.
bool source_allowed(Endpoint& e, const io::Packet& p, const Classified& c) noexcept {
  if (!e.cfg.symmetric)
    return !e.cfg.strict_source || (e.signaled_usable && p.addr == e.cfg.signaled);
  if (e.cfg.strict_source) {
    // Only the signaled address may be the source, whatever was latched before (a re-INVITE
    // that moves the party moves the stream with it).
    if (!e.signaled_usable || !(p.addr == e.cfg.signaled)) return false;
    if (!e.latched || !(p.addr == e.latched_addr)) latch(e, p.addr, c.ssrc);
    return true;
  }
  if (e.latched && p.addr == e.latched_addr) return true;
  if (!e.latched) {
    latch(e, p.addr, c.ssrc);
    return true;
  }
  switch (e.cfg.relatch) {
    case Relatch::never:
      return false;
    case Relatch::same_ssrc:  // RTP SSRC, or the RTCP sender SSRC on an RTCP socket
      if (c.ssrc != e.latched_ssrc) return false;
      break;
    case Relatch::any:
      break;
  }
  latch(e, p.addr, c.ssrc);
  return true;
}

// An ICE connectivity check: answered in place; a nominated (or first) check latches the pair.
std::optional<DropReason> answer_stun(Endpoint& e, io::Packet* p, int64_t now_ns,
                                      StunResponder& stun) noexcept {
  uint32_t out_len = 0;
  const StunResult r = stun.answer(e.cfg.stun, p->data, p->len, p->cap, p->addr, &out_len);
  switch (r.outcome) {
    case StunOutcome::answered:
      break;
    case StunOutcome::bad_auth:
      e.dropped.add();
      return DropReason::bad_auth;
    case StunOutcome::ignored:
      return DropReason::absorbed;
    case StunOutcome::malformed:
      e.errors.add();
      return DropReason::malformed;
  }
  if (e.cfg.symmetric && (r.use_candidate || !e.latched) &&
      !(e.latched && p->addr == e.latched_addr))
    latch(e, p->addr, e.latched_ssrc);
  e.last_seen_ns.store(now_ns, std::memory_order_relaxed);  // consent freshness keeps it alive
  p->len = out_len;  // p->socket and p->addr already name the way back
  return std::nullopt;
}

}  // namespace

std::optional<DropReason> relay_one(EndpointTable table, io::Packet* p, int64_t now_ns,
                                    StunResponder* stun) noexcept {
  if (p->socket >= table.size) return DropReason::inactive;
  Endpoint& e = table.slots[p->socket];
  if (!e.active) return DropReason::inactive;
  if (stun != nullptr && e.cfg.stun.enabled() && looks_like_stun({p->data, p->len}))
    return answer_stun(e, p, now_ns, *stun);

  const Classified c = classify(e, *p);
  if (c.kind == rtp::Kind::invalid) {
    e.errors.add();
    return DropReason::malformed;
  }
  if (!source_allowed(e, *p, c)) {
    e.dropped.add();
    return DropReason::unexpected_source;
  }
  e.packets.add();
  e.bytes.add(p->len);
  e.last_seen_ns.store(now_ns, std::memory_order_relaxed);

  const io::SocketId out = (c.kind == rtp::Kind::rtcp && e.cfg.component == Component::rtp)
                               ? e.cfg.rtcp_forward_to
                               : e.cfg.forward_to;
  if (out >= table.size || !table.slots[out].active) {
    e.dropped.add();
    return DropReason::no_destination;
  }
  const Endpoint& f = table.slots[out];
  if (!f.latched && !f.signaled_usable) {
    e.dropped.add();
    return DropReason::no_destination;
  }
  p->socket = out;
  p->addr = f.latched ? f.latched_addr : f.cfg.signaled;
  return std::nullopt;
}

}  // namespace rtpx::engine
