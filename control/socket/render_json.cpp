#include "control/socket/render_json.hpp"

namespace rtpx::control {
namespace {

using nlohmann::json;

json addr(const net::SockAddr& a) {
  if (!a.valid()) return nullptr;
  return a.to_string();
}

json stats(const StreamStats& s) {
  return {{"packets", s.packets},
          {"bytes", s.bytes},
          {"errors", s.errors},
          {"dropped", s.dropped},
          {"last_seen", s.last_seen ? json(*s.last_seen) : json(nullptr)}};
}

json transcode(const TranscodeSnapshot& t) {
  return {{"from", t.from_codec},
          {"to", t.to_codec},
          {"ptime", t.to_ptime},
          {"packets_in", t.packets_in},
          {"packets_out", t.packets_out},
          {"lost", t.lost},
          {"fec", t.fec},
          {"concealed", t.concealed},
          {"repeated", t.repeated},
          {"late", t.late},
          {"duplicates", t.duplicates},
          {"decode_errors", t.decode_errors},
          {"unknown_payload_type", t.unknown_payload_type},
          {"dtmf_events", t.dtmf_events},
          {"jitter_delay_ms", t.jitter_delay_ms}};
}

json fax(const FaxSnapshot& f) {
  return {{"role", f.role},
          {"phase", f.phase},
          {"pages", f.pages},
          {"bit_rate", f.bit_rate},
          {"ecm", f.ecm},
          {"rtp_in", f.rtp_in},
          {"rtp_out", f.rtp_out},
          {"udptl_in", f.udptl_in},
          {"udptl_out", f.udptl_out},
          {"ifp_recovered", f.ifp_recovered},
          {"ifp_lost", f.ifp_lost},
          {"malformed", f.malformed}};
}

json srtp(const SrtpSnapshot& s) {
  json j{{"key_exchange", s.key_exchange},
         {"suite", s.suite.empty() ? json(nullptr) : json(s.suite)},
         {"auth_failures", s.auth_failures},
         {"replays", s.replays}};
  if (s.key_exchange == "dtls") {
    j["dtls"] = {{"state", s.dtls_state}, {"role", s.dtls_role}};
    if (!s.failure.empty()) j["dtls"]["failure"] = s.failure;
  }
  return j;
}

}  // namespace

json to_json(const CallSnapshot& call) {
  json legs = json::array();
  for (const LegSnapshot& leg : call.legs) {
    json media = json::array();
    for (const MediaSnapshot& m : leg.media) {
      json streams = json::array();
      for (const StreamSnapshot& s : m.streams) {
        json st{{"component", s.component},     {"local", addr(s.local)},
                {"signaled", addr(s.signaled)}, {"peer", addr(s.peer)},
                {"latched", s.latched},         {"stats", stats(s.stats)}};
        if (s.srtp) st["srtp"] = srtp(*s.srtp);
        if (!s.codec.empty()) st["codec"] = s.codec;
        if (s.transcode) st["transcode"] = transcode(*s.transcode);
        streams.push_back(std::move(st));
      }
      json mj{{"index", m.index},
              {"type", m.type},
              {"protocol", m.protocol},
              {"rtcp_mux", m.rtcp_mux},
              {"streams", std::move(streams)}};
      if (m.fax) mj["fax"] = fax(*m.fax);
      media.push_back(std::move(mj));
    }
    legs.push_back({{"tag", leg.tag}, {"created", leg.created}, {"media", std::move(media)}});
  }
  return {{"call_id", call.call_id},
          {"created", call.created},
          {"last_signal", call.last_signal},
          {"shard", call.shard},
          {"legs", std::move(legs)},
          {"totals", {{"rtp", stats(call.rtp_totals)}, {"rtcp", stats(call.rtcp_totals)}}}};
}

json to_json(const std::vector<CallSummary>& calls) {
  json out = json::array();
  for (const CallSummary& c : calls) {
    out.push_back({{"call_id", c.call_id},
                   {"created", c.created},
                   {"legs", c.legs},
                   {"packets", c.packets},
                   {"bytes", c.bytes}});
  }
  return {{"calls", std::move(out)}};
}

json to_json(const SessionEvent& ev) {
  json j = {{"event", ev.name}, {"call_id", ev.call_id}, {"time", ev.time}};
  if (!ev.reason.empty()) j["reason"] = ev.reason;
  if (ev.dtmf) {
    j["digit"] = ev.dtmf->digit;
    j["duration_ms"] = ev.dtmf->duration_ms;
    j["volume"] = ev.dtmf->volume;
    j["source"] = ev.dtmf->source;
    j["from_tag"] = ev.dtmf->from_tag;
  }
  if (ev.fax && !ev.fax->tone.empty()) {
    j["tone"] = ev.fax->tone;
    j["from_tag"] = ev.fax->from_tag;
  } else if (ev.fax) {
    j["phase"] = ev.fax->phase;
    j["pages"] = ev.fax->pages;
    j["bit_rate"] = ev.fax->bit_rate;
    j["ecm"] = ev.fax->ecm;
    j["audio_tag"] = ev.fax->audio_tag;
    j["t38_tag"] = ev.fax->t38_tag;
  }
  return j;
}

json to_json(const Error& err) {
  json e = {{"code", error_code_name(err.code)}, {"message", err.message}};
  if (!err.field.empty()) e["field"] = err.field;
  return e;
}

json stats_json(const DaemonContext& ctx) {
  const SessionCounters sc = ctx.sessions.counters();
  uint64_t relayed = 0, bytes = 0, tx_errors = 0;
  uint64_t drops[static_cast<size_t>(engine::DropReason::count)] = {};
  uint64_t t_out = 0, t_rtcp = 0, t_nodest = 0, t_srtp = 0, t_tx = 0;
  for (uint32_t i = 0; i < ctx.engine.shard_count(); ++i) {
    const engine::ShardCounters& c = ctx.engine.shard(i).counters();
    const engine::TranscodeCounters& t = ctx.engine.shard(i).transcode_counters();
    t_out += t.packets_out.get();
    t_rtcp += t.rtcp_out.get();
    t_nodest += t.no_destination.get();
    t_srtp += t.srtp_errors.get();
    t_tx += t.tx_errors.get();
    const io::BackendStats b = ctx.engine.shard(i).backend().stats();
    relayed += b.tx_packets;
    bytes += b.tx_bytes;
    tx_errors += b.tx_errors;
    for (size_t r = 0; r < std::size(drops); ++r) drops[r] += c.drops[r].get();
  }
  // The backends' count of refused sends is authoritative (asynchronous sends included).
  drops[static_cast<size_t>(engine::DropReason::tx_error)] = tx_errors;
  json dropped = json::object();
  for (size_t r = 0; r < std::size(drops); ++r) dropped[engine::kDropReasonNames[r]] = drops[r];
  const auto& ports = ctx.sessions.ports();
  const uint32_t total_ports = 2 * sc.port_pairs_total;
  const uint32_t used_ports = 2 * sc.port_pairs_used;
  return {{"uptime", SessionService::wall_now() - ctx.started},
          {"sessions",
           {{"current", sc.current},
            {"total", sc.total},
            {"timed_out", sc.timed_out},
            {"deleted", sc.deleted}}},
          {"packets", {{"relayed", relayed}, {"bytes", bytes}, {"dropped", std::move(dropped)}}},
          // Packets the transcoding stages originated (included in relayed once the kernel took
          // them) and what kept some from leaving.
          {"transcoding",
           {{"rtp_sent", t_out},
            {"rtcp_sent", t_rtcp},
            {"no_destination", t_nodest},
            {"srtp_errors", t_srtp},
            {"tx_errors", t_tx}}},
          {"ports",
           {{"min", ports.port_min()},
            {"max", ports.port_max()},
            {"used", used_ports},
            {"free", total_ports - used_ports}}},
          {"control", {{"requests", ctx.control.requests}, {"errors", ctx.control.errors}}},
          {"ng", {{"requests", ctx.ng.requests}, {"errors", ctx.ng.errors}}}};
}

json engine_info_json(const DaemonContext& ctx) {
  json shards = json::array();
  for (uint32_t i = 0; i < ctx.engine.shard_count(); ++i) {
    const engine::Shard& s = ctx.engine.shard(i);
    const io::BackendStats b = s.backend().stats();
    shards.push_back({{"id", i},
                      {"sockets", s.counters().sockets.get()},
                      {"rx_packets", b.rx_packets},
                      {"tx_packets", b.tx_packets},
                      {"rx_calls", b.rx_calls},
                      {"tx_calls", b.tx_calls},
                      {"tx_errors", b.tx_errors},
                      {"rx_truncated", b.rx_truncated},
                      {"rx_no_buffer", b.rx_no_buffer}});
  }
  const io::BackendCaps caps = ctx.engine.shard(0).backend().caps();
  return {
      {"version", RTPX_VERSION},
      {"backend", ctx.engine.backend_name()},
      {"backend_requested", ctx.engine.backend_requested()},
      {"fallback_reason", ctx.engine.fallback_reason()},
      {"backend_caps",
       {{"multishot_rx", caps.multishot_rx},
        {"provided_buffers", caps.provided_buffers},
        {"batched_syscalls", caps.batched_syscalls}}},
      {"interface", ctx.config.media.interface},
      {"advertised",
       ctx.config.media.advertised.empty() ? ctx.config.media.interface : ctx.config.media.advertised},
      {"ports", {{"min", ctx.config.media.port_min}, {"max", ctx.config.media.port_max}}},
      {"ng_listen", ctx.ng_listen},
      {"ng_listen_tcp", ctx.ng_listen_tcp},
      {"ng_listen_unix", ctx.ng_listen_unix},
      {"control_socket", ctx.control_socket},
      {"plugin_host", ctx.plugin_host ? ctx.plugin_host() : json{{"state", "disabled"}}},
      {"uptime", SessionService::wall_now() - ctx.started},
      {"shards", std::move(shards)}};
}

}  // namespace rtpx::control
