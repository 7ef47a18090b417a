#include "control/ng/ng_commands.hpp"

#include <array>

#include "control/ng/ng_render.hpp"

namespace rtpx::ng {
namespace {

using control::DaemonContext;
using control::Error;
using control::ErrorCode;
using control::Result;

Error ng_fail(std::string field, std::string reason) {
  return control::bad_field(std::move(field), std::move(reason));
}

// A string key; `missing` is rtpengine's wording when a required key is absent.
Result<std::string> get_str(const Value& req, const char* key, const char* missing) {
  const Value* v = req.find(key);
  if (v == nullptr) {
    if (missing != nullptr) return ng_fail(key, missing);
    return std::string{};
  }
  if (!v->is_string())
    return ng_fail(key, std::string("Invalid type for key '") + key + "': expected a string");
  return v->as_string();
}

Result<std::vector<std::string>> get_str_list(const Value& req, const char* key) {
  std::vector<std::string> out;
  const Value* v = req.find(key);
  if (v == nullptr) return out;
  const std::string err =
      std::string("Invalid type for key '") + key + "': expected a list of strings";
  if (!v->is_list()) return ng_fail(key, err);
  for (const Value& item : v->as_list()) {
    if (!item.is_string()) return ng_fail(key, err);
    out.push_back(item.as_string());
  }
  return out;
}

// Flags this relay understands; anything else is accepted and named in the reply's warning.
constexpr std::array<std::string_view, 14> kKnownFlags{
    "trust-address", "SIP-source-address", "symmetric",           "asymmetric",
    "strict-source", "media-handover",     "port-latching",       "loop-protect",
    "record-call",   "no-rtcp-attribute",  "full-rtcp-attribute", "all",
    "fatal",         "unidirectional"};

bool known(std::string_view flag) {
  for (auto k : kKnownFlags)
    if (k == flag) return true;
  return false;
}

struct Parsed {
  control::SignalRequest req;
  std::vector<std::string> flags;
  std::string warning;
};

Result<Parsed> parse_signal(const Value& v, bool answer) {
  Parsed p;
  auto call_id = get_str(v, "call-id", "No call-id in message");
  if (!call_id) return call_id.error();
  auto from_tag = get_str(v, "from-tag", "No from-tag in message");
  if (!from_tag) return from_tag.error();
  auto to_tag = get_str(v, "to-tag", answer ? "No to-tag in message" : nullptr);
  if (!to_tag) return to_tag.error();
  auto sdp = get_str(v, "sdp", "No SDP body in message");
  if (!sdp) return sdp.error();
  auto via = get_str(v, "via-branch", nullptr);
  if (!via) return via.error();
  auto replace = get_str_list(v, "replace");
  if (!replace) return replace.error();
  auto flags = get_str_list(v, "flags");
  if (!flags) return flags.error();

  p.req.call_id = std::move(*call_id);
  p.req.from_tag = std::move(*from_tag);
  p.req.to_tag = std::move(*to_tag);
  p.req.sdp = std::move(*sdp);
  std::vector<std::string> unknown;
  for (const std::string& r : *replace) {
    if (r == "origin")
      p.req.replace_origin = true;
    else if (r == "session-connection" || r == "session connection")
      p.req.replace_session_connection = true;
    else
      unknown.push_back("replace=" + r);
  }
  for (const std::string& f : *flags) {
    if (f == "strict-source") p.req.strict_source = true;
    if (!known(f)) unknown.push_back(f);
  }
  p.flags = std::move(*flags);
  if (!unknown.empty()) {
    p.warning = "Unknown flag(s) ignored:";
    for (const std::string& u : unknown) p.warning += " " + u;
  }
  return p;
}

Result<Value> sdp_reply(Result<std::string> sdp, const std::string& warning) {
  if (!sdp) {
    Error e = sdp.error();
    if (e.field == "sdp") e.message = "Failed to parse SDP: " + e.message;
    return e;
  }
  Value reply = Dict{};
  reply.set("sdp", std::move(*sdp));
  if (!warning.empty()) reply.set("warning", warning);
  return reply;
}

Result<Value> cmd_ping(DaemonContext&, const Value&) {
  return Value(Dict{});
}

Result<Value> cmd_offer(DaemonContext& ctx, const Value& req) {
  auto p = parse_signal(req, false);
  if (!p) return p.error();
  return sdp_reply(ctx.sessions.offer(p->req), p->warning);
}

Result<Value> cmd_answer(DaemonContext& ctx, const Value& req) {
  auto p = parse_signal(req, true);
  if (!p) return p.error();
  return sdp_reply(ctx.sessions.answer(p->req), p->warning);
}

Result<Value> cmd_delete(DaemonContext& ctx, const Value& req) {
  auto call_id = get_str(req, "call-id", "No call-id in message");
  if (!call_id) return call_id.error();
  auto from_tag = get_str(req, "from-tag", nullptr);
  if (!from_tag) return from_tag.error();
  auto flags = get_str_list(req, "flags");
  if (!flags) return flags.error();
  auto snap = ctx.sessions.remove(*call_id, *from_tag);
  Value reply = Dict{};
  if (!snap) {
    for (const std::string& f : *flags)
      if (f == "fatal") return snap.error();
    reply.set("warning", "Call-ID not found or tags didn't match");
    return reply;
  }
  add_call_stats(reply, *snap);
  return reply;
}

Result<Value> cmd_query(DaemonContext& ctx, const Value& req) {
  auto call_id = get_str(req, "call-id", "No call-id in message");
  if (!call_id) return call_id.error();
  auto snap = ctx.sessions.query(*call_id);
  if (!snap) return snap.error();
  Value reply = Dict{};
  add_call_stats(reply, *snap);
  return reply;
}

Result<Value> cmd_list(DaemonContext& ctx, const Value& req) {
  size_t limit = 32;  // rtpengine's default
  if (const Value* l = req.find("limit")) {
    if (!l->is_int() || l->as_int() < 0)
      return ng_fail("limit", "Invalid type for key 'limit': expected a non-negative integer");
    limit = static_cast<size_t>(l->as_int());
  }
  List calls;
  for (const control::CallSummary& c : ctx.sessions.list(limit)) calls.emplace_back(c.call_id);
  return Value(Dict{{"calls", std::move(calls)}});
}

Result<Value> cmd_statistics(DaemonContext& ctx, const Value&) {
  const control::SessionCounters c = ctx.sessions.counters();
  Dict current{{"sessionsown", static_cast<int64_t>(c.current)},
               {"sessionsforeign", 0},
               {"sessionstotal", static_cast<int64_t>(c.current)},
               {"transcodedmedia", 0}};
  Dict total{{"managedsessions", static_cast<int64_t>(c.total)},
             {"timeoutsessions", static_cast<int64_t>(c.timed_out)},
             {"regularterminatedsessions", static_cast<int64_t>(c.deleted - c.timed_out)}};
  return Value(Dict{{"statistics", Dict{{"currentstatistics", std::move(current)},
                                        {"totalstatistics", std::move(total)}}}});
}

constexpr std::array<NgCommand, 7> kCommands{{
    {"ping", &cmd_ping},
    {"offer", &cmd_offer},
    {"answer", &cmd_answer},
    {"delete", &cmd_delete},
    {"query", &cmd_query},
    {"list", &cmd_list},
    {"statistics", &cmd_statistics},
}};

}  // namespace

std::span<const NgCommand> ng_commands() {
  return kCommands;
}

Value ng_error(std::string_view reason) {
  return Dict{{"result", "error"}, {"error-reason", std::string(reason)}};
}

Value dispatch_ng(DaemonContext& ctx, const Value& request) {
  ++ctx.ng.requests;
  auto fail = [&](std::string_view reason) {
    ++ctx.ng.errors;
    return ng_error(reason);
  };
  if (!request.is_dict()) return fail("Could not decode dictionary");
  const Value* cmd = request.find("command");
  if (cmd == nullptr) return fail("No command in message");
  if (!cmd->is_string()) return fail("Invalid type for key 'command': expected a string");
  const NgCommand* found = nullptr;
  for (const NgCommand& c : kCommands)
    if (c.name == cmd->as_string()) found = &c;
  if (found == nullptr) return fail("Unrecognized command");
  Result<Value> r = [&]() -> Result<Value> {
    try {
      return found->handler(ctx, request);
    } catch (const std::exception& e) {
      return Error{ErrorCode::internal, "", e.what()};
    }
  }();
  if (!r) return fail(r.error().message);
  Value reply = Dict{{"result", found->name == "ping" ? "pong" : "ok"}};
  for (auto& [k, v] : r->as_dict()) reply.set(k, std::move(v));
  return reply;
}

}  // namespace rtpx::ng
