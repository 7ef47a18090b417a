#include "control/socket/json_commands.hpp"

#include <array>

#include "control/socket/plugin_calls.hpp"
#include "control/socket/render_json.hpp"

namespace rtpx::control {
namespace {

using nlohmann::json;

// Session-layer errors name fields the ng way (call-id); the JSON protocol spells them call_id.
Error json_field_names(Error e) {
  for (char& c : e.field)
    if (c == '-') c = '_';
  return e;
}

Result<std::string> get_string(const json& req, const char* key, bool required) {
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) {
    if (required) return bad_field(key, std::string("missing ") + key);
    return std::string{};
  }
  if (!it->is_string()) return bad_field(key, std::string(key) + " must be a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> get_string_list(const json& req, const char* key) {
  std::vector<std::string> out;
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) return bad_field(key, std::string(key) + " must be a list of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return bad_field(key, std::string(key) + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<SignalRequest> signal_request(const json& req, bool answer) {
  SignalRequest r;
  auto call_id = get_string(req, "call_id", true);
  if (!call_id) return call_id.error();
  auto from_tag = get_string(req, "from_tag", true);
  if (!from_tag) return from_tag.error();
  auto to_tag = get_string(req, "to_tag", answer);
  if (!to_tag) return to_tag.error();
  auto sdp = get_string(req, "sdp", true);
  if (!sdp) return sdp.error();
  auto replace = get_string_list(req, "replace");
  if (!replace) return replace.error();
  auto flags = get_string_list(req, "flags");
  if (!flags) return flags.error();
  auto media_address = get_string(req, "media_address", false);
  if (!media_address) return media_address.error();
  r.media_address = std::move(*media_address);
  auto transport = get_string(req, "transport_protocol", false);
  if (!transport) return transport.error();
  if (!transport->empty() && !known_transport_protocol(*transport))
    return bad_field("transport_protocol", "unknown transport_protocol '" + *transport + "'");
  r.transport_protocol = std::move(*transport);
  auto sdes = get_string_list(req, "sdes");
  if (!sdes) return sdes.error();
  for (const std::string& v : *sdes)
    if (!apply_sdes_value(r.srtp, v)) return bad_field("sdes", "unknown sdes value '" + v + "'");
  auto dtls = get_string(req, "dtls", false);
  if (!dtls) return dtls.error();
  if (!dtls->empty() && !apply_dtls_value(r.srtp, *dtls))
    return bad_field("dtls", "unknown dtls value '" + *dtls + "' (off, passive or active)");
  auto fingerprint = get_string(req, "dtls_fingerprint", false);
  if (!fingerprint) return fingerprint.error();
  if (!fingerprint->empty() && !apply_fingerprint_hash(r.srtp, *fingerprint))
    return bad_field("dtls_fingerprint", "unknown hash '" + *fingerprint + "'");
  if (auto it = req.find("codec"); it != req.end() && !it->is_null()) {
    if (!it->is_object())
      return bad_field("codec", "codec must be an object of lists (strip, offer, transcode, ...)");
    for (const auto& [verb, list] : it->items()) {
      std::vector<std::string>* dst = codec_list(r.codec, verb);
      if (dst == nullptr) return bad_field("codec", "unknown codec option '" + verb + "'");
      auto items = get_string_list(*it, verb.c_str());
      if (!items) return bad_field("codec", "codec." + verb + " must be a list of strings");
      dst->insert(dst->end(), items->begin(), items->end());
    }
  }
  auto t38 = get_string_list(req, "t38");
  if (!t38) return t38.error();
  for (const std::string& f : *t38)
    if (!apply_t38_flag(r.t38, f))
      return bad_field("t38", "unknown t38 option '" + f +
                                  "' (decode, force, stop, no-ECM, no-V.17, no-V.27ter, no-V.29, "
                                  "no-V.34, no-IAF, FEC)");
  if (auto it = req.find("t38_version"); it != req.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > 3)
      return bad_field("t38_version", "t38_version must be 0..3");
    r.t38.version = it->get<int>();
  }
  if (auto it = req.find("ptime"); it != req.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() == 0 || it->get<uint64_t>() > 200)
      return bad_field("ptime", "ptime must be an integer number of milliseconds, 1..200");
    r.ptime = it->get<uint32_t>();
  }
  r.call_id = std::move(*call_id);
  r.from_tag = std::move(*from_tag);
  r.to_tag = std::move(*to_tag);
  r.sdp = std::move(*sdp);
  for (const std::string& v : *replace) {
    if (v == "origin")
      r.replace_origin = true;
    else if (v == "session-connection")
      r.replace_session_connection = true;
    else
      return bad_field("replace", "unknown replace value '" + v + "'");
  }
  for (const std::string& f : *flags) {
    if (!apply_signal_flag(r, f)) return bad_field("flags", "unknown flag '" + f + "'");
  }
  return r;
}

Result<json> cmd_offer(DaemonContext& ctx, const json& req) {
  auto r = signal_request(req, false);
  if (!r) return r.error();
  auto sdp = ctx.sessions.offer(*r);
  if (!sdp) return json_field_names(sdp.error());
  return json{{"sdp", *sdp}};
}

Result<json> cmd_answer(DaemonContext& ctx, const json& req) {
  auto r = signal_request(req, true);
  if (!r) return r.error();
  auto sdp = ctx.sessions.answer(*r);
  if (!sdp) return json_field_names(sdp.error());
  return json{{"sdp", *sdp}};
}

Result<json> cmd_delete(DaemonContext& ctx, const json& req) {
  auto id = get_string(req, "call_id", true);
  if (!id) return id.error();
  auto tag = get_string(req, "from_tag", false);
  if (!tag) return tag.error();
  auto snap = ctx.sessions.remove(*id, *tag);
  if (!snap) return json_field_names(snap.error());
  return to_json(*snap);
}

Result<json> cmd_query(DaemonContext& ctx, const json& req) {
  auto id = get_string(req, "call_id", true);
  if (!id) return id.error();
  auto snap = ctx.sessions.query(*id);
  if (!snap) return json_field_names(snap.error());
  return to_json(*snap);
}

Result<json> cmd_list(DaemonContext& ctx, const json& req) {
  size_t limit = SIZE_MAX;
  if (auto it = req.find("limit"); it != req.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return bad_field("limit", "limit must be a non-negative integer");
    limit = it->get<size_t>();
  }
  return to_json(ctx.sessions.list(limit));
}

Result<json> cmd_stats(DaemonContext& ctx, const json&) {
  return stats_json(ctx);
}
Result<json> cmd_info(DaemonContext& ctx, const json&) {
  return engine_info_json(ctx);
}

Result<json> cmd_subscribe(DaemonContext&, const json& req) {
  auto events = get_string_list(req, "events");
  if (!events) return events.error();
  static constexpr std::array<std::string_view, 8> kKnown{
      "session_created", "session_deleted", "media_timeout", "dtls_failed", "dtmf", "fax",
      "fax_tone",        "plugin_command"};
  json names = json::array();
  for (const std::string& e : *events) {
    bool known = false;
    for (auto k : kKnown) known = known || k == e;
    if (!known) return bad_field("events", "unknown event '" + e + "'");
    names.push_back(e);
  }
  if (events->empty())
    for (auto k : kKnown)
      if (k != "plugin_command") names.push_back(k);  // only the plugin host asks for that one
  return json{{"subscribed", std::move(names)}};
}

// The plugin host tells rtpxd what it runs; rtpx asks rtpxd, and rtpxd passes load/unload/reload
// on to the host as a plugin_command event (the host is a client, rtpxd never waits on it).
Result<json> cmd_plugins_report(DaemonContext& ctx, const json& req) {
  auto it = req.find("plugins");
  if (it == req.end() || !it->is_array()) return bad_field("plugins", "plugins must be a list");
  ctx.plugin_report = *it;
  return json::object();
}

Result<json> cmd_plugins_list(DaemonContext& ctx, const json&) {
  return json{{"host", ctx.plugin_host ? ctx.plugin_host() : json{{"state", "disabled"}}},
              {"plugins", ctx.plugin_report.is_array() ? ctx.plugin_report : json::array()},
              {"calls_waiting", ctx.plugin_calls ? ctx.plugin_calls->pending() : 0}};
}

Result<json> plugin_command(DaemonContext& ctx, const json& req, const char* op) {
  auto name = get_string(req, "name", true);
  if (!name) return name.error();
  const size_t hosts =
      ctx.publish ? ctx.publish(json{{"event", "plugin_command"}, {"op", op}, {"name", *name}}) : 0;
  if (hosts == 0) return Error{ErrorCode::not_found, "", "no plugin host is connected"};
  return json{{"queued", true}, {"op", op}, {"name", *name}};
}
Result<json> cmd_plugin_load(DaemonContext& ctx, const json& req) {
  return plugin_command(ctx, req, "load");
}
Result<json> cmd_plugin_unload(DaemonContext& ctx, const json& req) {
  return plugin_command(ctx, req, "unload");
}
Result<json> cmd_plugin_reload(DaemonContext& ctx, const json& req) {
  return plugin_command(ctx, req, "reload");
}

// plugins.call is answered later, when the host replies: the control connection hands it to
// PluginCalls (control_server.cpp); this synchronous path only says so.
Result<json> cmd_plugins_call(DaemonContext&, const json&) {
  return Error{ErrorCode::not_supported, "cmd", "plugins.call needs a control-socket connection"};
}

Result<json> cmd_plugins_reply(DaemonContext& ctx, const json& req) {
  if (ctx.plugin_calls == nullptr) return Error{ErrorCode::not_found, "call", "no call is waiting"};
  return ctx.plugin_calls->complete(req);
}

constexpr std::array<JsonCommand, 15> kCommands{{
    {"session.offer", &cmd_offer, "offer SDP from from_tag; returns SDP for the answerer"},
    {"session.answer", &cmd_answer, "answer SDP from to_tag; returns SDP for the offerer"},
    {"session.delete", &cmd_delete, "delete a call; returns its final counters"},
    {"session.query", &cmd_query, "one call's legs, media, streams and counters"},
    {"session.list", &cmd_list, "calls with their totals"},
    {"stats", &cmd_stats, "global counters"},
    {"engine.info", &cmd_info, "version, backend, shards, ports, listeners"},
    {"events.subscribe", &cmd_subscribe, "stream events on this connection"},
    {"plugins.report", &cmd_plugins_report, "the plugin host reports the plugins it runs"},
    {"plugins.list", &cmd_plugins_list, "the plugin host's state and its plugins"},
    {"plugins.load", &cmd_plugin_load, "ask the plugin host to load a plugin"},
    {"plugins.unload", &cmd_plugin_unload, "ask the plugin host to unload a plugin"},
    {"plugins.reload", &cmd_plugin_reload, "ask the plugin host to reload a plugin"},
    {"plugins.call", &cmd_plugins_call, "call a plugin service through the plugin host"},
    {"plugins.reply", &cmd_plugins_reply, "the plugin host answers a plugins.call"},
}};

}  // namespace

std::span<const JsonCommand> json_commands() {
  return kCommands;
}

const JsonCommand* find_json_command(std::string_view name) {
  for (const JsonCommand& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

json reply_json(DaemonContext& ctx, const json* id, bool ok, json value) {
  json reply = json::object();
  if (id != nullptr) reply["id"] = *id;
  if (!ok) ++ctx.control.errors;
  reply[ok ? "result" : "error"] = std::move(value);
  return reply;
}

json dispatch_json(DaemonContext& ctx, const json& request) {
  ++ctx.control.requests;
  json reply = json::object();
  if (auto it = request.find("id"); it != request.end()) reply["id"] = *it;
  auto fail = [&](Error e) {
    ++ctx.control.errors;
    reply["error"] = to_json(e);
    return reply;
  };
  auto cmd = request.find("cmd");
  if (cmd == request.end() || !cmd->is_string())
    return fail(bad_field("cmd", "missing cmd (the command name)"));
  const JsonCommand* c = find_json_command(cmd->get<std::string>());
  if (c == nullptr)
    return fail(
        {ErrorCode::unknown_command, "cmd", "unknown command '" + cmd->get<std::string>() + "'"});
  try {
    Result<json> r = c->handler(ctx, request);
    if (!r) return fail(r.error());
    reply["result"] = std::move(*r);
  } catch (const std::exception& e) {
    return fail({ErrorCode::internal, "", e.what()});
  }
  return reply;
}

}  // namespace rtpx::control
