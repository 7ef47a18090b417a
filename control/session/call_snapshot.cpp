// SessionService's read side: snapshots of calls for query/delete/list.

#include "control/session/session_service.hpp"

namespace rtpx::control {
namespace {

void add(StreamStats& total, const StreamStats& s) {
  total.packets += s.packets;
  total.bytes += s.bytes;
  total.errors += s.errors;
  total.dropped += s.dropped;
  if (s.last_seen && (!total.last_seen || *s.last_seen > *total.last_seen))
    total.last_seen = s.last_seen;
}

}  // namespace

StreamSnapshot SessionService::stream_snapshot(const StreamSlot& s, int af, const char* component,
                                               double wall, int64_t mono) const {
  StreamSnapshot out;
  out.component = component;
  out.local = family(af).bind;
  out.local.set_port(s.port);
  out.signaled = s.signaled;
  out.peer = s.signaled;
  if (s.posted && s.slot < engine_.endpoint_slots()) {
    const engine::Endpoint& e = engine_.endpoint(s.slot);
    out.latched = e.published_latched.load(std::memory_order_acquire);
    if (out.latched) out.peer = e.published_peer.load();
    out.stats.packets = e.packets.get();
    out.stats.bytes = e.bytes.get();
    out.stats.errors = e.errors.get();
    out.stats.dropped = e.dropped.get();
    const int64_t seen = e.last_seen_ns.load(std::memory_order_relaxed);
    if (seen != 0) out.stats.last_seen = wall - static_cast<double>(mono - seen) / 1e9;
    if (s.crypto) {
      SrtpSnapshot srtp;
      const engine::EndpointCrypto& c = *s.crypto;
      srtp.auth_failures = e.srtp_auth_failures.get();
      srtp.replays = e.srtp_replays.get();
      srtp.key_exchange = c.kx == engine::KeyExchange::dtls ? "dtls" : "sdes";
      if (c.keyed.load(std::memory_order_acquire))
        srtp.suite = engine::srtp::info(static_cast<engine::srtp::Suite>(c.suite.load())).name;
      if (c.kx == engine::KeyExchange::dtls) {
        const engine::dtls::State st = c.dtls_state.load(std::memory_order_acquire);
        srtp.dtls_state = engine::dtls::to_string(st);
        if (st == engine::dtls::State::failed) srtp.failure = c.failure;
      }
      out.srtp = std::move(srtp);
    }
  }
  return out;
}

CallSnapshot SessionService::snapshot(const Call& call) const {
  const double wall = wall_now();
  const int64_t mono = mono_now_ns();
  CallSnapshot snap;
  snap.call_id = call.call_id;
  snap.created = call.created;
  snap.last_signal = call.last_signal;
  snap.shard = call.shard;
  for (int li = 0; li < 2; ++li) {
    const Leg& leg = call.legs[li];
    const Leg& other = call.legs[1 - li];
    if (leg.tag.empty() && leg.media.empty()) continue;
    LegSnapshot ls;
    ls.tag = leg.tag;
    ls.created = leg.created != 0 ? leg.created : call.created;
    int index = 0;
    for (const MediaSide& side : leg.media) {
      MediaSnapshot ms;
      ms.index = ++index;
      ms.type = side.type;
      ms.protocol = side.protocol;
      ms.rtcp_mux = side.rtcp_mux;
      if (side.rtp.port != 0) {
        ms.streams.push_back(stream_snapshot(side.rtp, side.family, "rtp", wall, mono));
        ms.streams.push_back(stream_snapshot(side.rtcp, side.family, "rtcp", wall, mono));
        for (StreamSnapshot& st : ms.streams)
          if (st.srtp && st.srtp->key_exchange == "dtls")
            st.srtp->dtls_role =
                side.srtp.role == engine::dtls::Role::client ? "active" : "passive";
        transcode_snapshot(side, ms.streams[0]);
        add(snap.rtp_totals, ms.streams[0].stats);
        add(snap.rtcp_totals, ms.streams[1].stats);
      }
      const size_t i = static_cast<size_t>(index - 1);
      if (i < other.media.size()) fax_snapshot(side, other.media[i], ms);
      ls.media.push_back(std::move(ms));
    }
    snap.legs.push_back(std::move(ls));
  }
  return snap;
}

std::vector<CallSummary> SessionService::list(size_t limit) const {
  std::vector<CallSummary> out;
  for (const auto& [id, call] : calls_) {
    if (out.size() >= limit) break;
    CallSnapshot snap = snapshot(*call);
    out.push_back({id, call->created, static_cast<int>(snap.legs.size()),
                   snap.rtp_totals.packets + snap.rtcp_totals.packets,
                   snap.rtp_totals.bytes + snap.rtcp_totals.bytes});
  }
  return out;
}

}  // namespace rtpx::control
