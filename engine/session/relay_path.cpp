#include "engine/session/relay_path.hpp"

#include "codecs/t38/fax_tone_detector.hpp"
#include "engine/rtp/rtp_header.hpp"

namespace rtpx::engine {
namespace {

struct Classified {
  rtp::Kind kind = rtp::Kind::invalid;
  uint32_t ssrc = 0;
};

// What a datagram on `e` should be, before parsing: RTCP on an RTCP socket, RTP or RTCP by the
// RFC 5761 rule on a muxed one, RTP otherwise.
rtp::Kind expected_kind(const Endpoint& e, const io::Packet& p) noexcept {
  if (e.cfg.component == Component::rtcp) return rtp::Kind::rtcp;
  if (e.cfg.rtcp_mux) return rtp::classify_muxed({p.data, p.len});
  return rtp::Kind::rtp;
}

// Parses the packet as the `kind` expected_kind() gave it.
Classified classify(const io::Packet& p, rtp::Kind kind) noexcept {
  std::span<const uint8_t> bytes{p.data, p.len};
  Classified c;
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

// SRTP/SRTCP in: authenticate and decrypt in place. `rtcp` says which transform applies.
std::optional<DropReason> unprotect(Endpoint& e, io::Packet* p, bool rtcp) noexcept {
  EndpointCrypto& c = *e.cfg.crypto;
  if (c.inbound == nullptr) {
    e.dropped.add();
    return DropReason::srtp_not_keyed;
  }
  const srtp::Status s = rtcp ? c.inbound->unprotect_rtcp(p->data, &p->len)
                              : c.inbound->unprotect_rtp(p->data, &p->len);
  switch (s) {
    case srtp::Status::ok:
      return std::nullopt;
    case srtp::Status::auth_failed:
    case srtp::Status::bad_mki:
      e.dropped.add();
      e.srtp_auth_failures.add();
      return DropReason::srtp_auth;
    case srtp::Status::replayed:
    case srtp::Status::too_old:
      e.dropped.add();
      e.srtp_replays.add();
      return DropReason::srtp_replay;
    case srtp::Status::malformed:
      e.errors.add();
      return DropReason::malformed;
    default:
      e.dropped.add();
      return DropReason::srtp_error;
  }
}

// SRTP/SRTCP out, towards the party of endpoint `f`.
std::optional<DropReason> protect(Endpoint& e, const Endpoint& f, io::Packet* p,
                                  bool rtcp) noexcept {
  EndpointCrypto& c = *f.cfg.crypto;
  if (c.outbound == nullptr) {
    e.dropped.add();
    return DropReason::srtp_not_keyed;
  }
  const srtp::Status s = rtcp ? c.outbound->protect_rtcp(p->data, &p->len, p->cap)
                              : c.outbound->protect_rtp(p->data, &p->len, p->cap);
  if (s == srtp::Status::ok) return std::nullopt;
  e.dropped.add();
  return DropReason::srtp_error;
}

// A DTLS datagram from the party: the source must be one RTP may come from (it latches an
// unlatched endpoint, as a first RTP packet would).
std::optional<DropReason> take_dtls(Endpoint& e, io::Packet* p, int64_t now_ns,
                                    DtlsSink& sink) noexcept {
  if (!source_allowed(e, *p, Classified{rtp::Kind::rtp, e.latched_ssrc})) {
    e.dropped.add();
    return DropReason::unexpected_source;
  }
  e.last_seen_ns.store(now_ns, std::memory_order_relaxed);
  sink.on_dtls(e, *p, now_ns);
  return DropReason::absorbed;
}

// The endpoint that sends what arrives on `e`, if it can send (its party's address is known).
const Endpoint* destination(EndpointTable table, io::SocketId out) noexcept {
  if (out >= table.size || !table.slots[out].active) return nullptr;
  const Endpoint& f = table.slots[out];
  return f.latched || f.signaled_usable ? &f : nullptr;
}

// A stream that is not RTP (UDPTL): no parsing, no SRTP; latched by address (no SSRC to follow).
std::optional<DropReason> relay_opaque(EndpointTable table, Endpoint& e, io::Packet* p,
                                       int64_t now_ns, FaxSink* fax) noexcept {
  if (p->len == 0) {
    e.errors.add();
    return DropReason::malformed;
  }
  // No SSRC: relatching by SSRC cannot vouch for a new source (an SSRC unlike the latched one).
  if (!source_allowed(e, *p, Classified{rtp::Kind::rtp, ~e.latched_ssrc})) {
    e.dropped.add();
    return DropReason::unexpected_source;
  }
  e.packets.add();
  e.bytes.add(p->len);
  e.last_seen_ns.store(now_ns, std::memory_order_relaxed);
  const Endpoint* f = destination(table, e.cfg.forward_to);
  if (f == nullptr) {
    e.dropped.add();
    return DropReason::no_destination;
  }
  if (e.cfg.fax != nullptr) {
    if (fax != nullptr) fax->on_fax(e, *p);
    return DropReason::absorbed;
  }
  p->socket = e.cfg.forward_to;
  p->addr = f->latched ? f->latched_addr : f->cfg.signaled;
  return std::nullopt;
}

}  // namespace

std::optional<DropReason> relay_one(EndpointTable table, io::Packet* p, int64_t now_ns,
                                    const RelaySinks& sinks) noexcept {
  if (p->socket >= table.size) return DropReason::inactive;
  Endpoint& e = table.slots[p->socket];
  if (!e.active) return DropReason::inactive;
  if (sinks.stun != nullptr && e.cfg.stun.enabled() && looks_like_stun({p->data, p->len}))
    return answer_stun(e, p, now_ns, *sinks.stun);
  if (e.cfg.opaque) return relay_opaque(table, e, p, now_ns, sinks.fax);
  const EndpointCrypto* crypto = e.cfg.crypto;
  if (crypto != nullptr && (crypto->dtls != nullptr || crypto->await_dtls) && looks_like_dtls(*p))
    return sinks.dtls != nullptr ? take_dtls(e, p, now_ns, *sinks.dtls) : DropReason::absorbed;
  // The header byte that decides RTP vs RTCP stays in clear under SRTP: decide once.
  const rtp::Kind kind = expected_kind(e, *p);
  if (crypto != nullptr) {
    if (kind == rtp::Kind::invalid) {
      e.errors.add();
      return DropReason::malformed;
    }
    if (auto r = unprotect(e, p, kind == rtp::Kind::rtcp)) return r;
  }

  const Classified c = classify(*p, kind);
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
  const Endpoint* dest = destination(table, out);
  if (dest == nullptr) {
    e.dropped.add();
    return DropReason::no_destination;
  }
  const Endpoint& f = *dest;
  if (e.cfg.fax != nullptr) {  // the audio leg of a gateway: its RTCP is about nothing relayed
    if (sinks.fax != nullptr && c.kind == rtp::Kind::rtp) sinks.fax->on_fax(e, *p);
    return DropReason::absorbed;
  }
  if (e.cfg.transcode != nullptr) {
    if (sinks.transcode != nullptr) {
      if (c.kind == rtp::Kind::rtp)
        sinks.transcode->on_media(e, out, *p);
      else
        sinks.transcode->on_rtcp(e, *p);
    }
    return DropReason::absorbed;
  }
  if (e.cfg.fax_detect != nullptr && c.kind == rtp::Kind::rtp)
    e.cfg.fax_detect->push_rtp({p->data, p->len});  // in clear here, before any SRTP out
  if (f.cfg.crypto != nullptr) {
    if (auto r = protect(e, f, p, c.kind == rtp::Kind::rtcp)) return r;
  }
  p->socket = out;
  p->addr = f.latched ? f.latched_addr : f.cfg.signaled;
  return std::nullopt;
}

}  // namespace rtpx::engine
