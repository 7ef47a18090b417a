#include "control/ng/ng_commands.hpp"

#include <array>

#include "control/ng/ng_render.hpp"
#include "control/ng/ng_signal.hpp"

namespace rtpx::ng {
namespace {

using control::DaemonContext;
using control::Error;
using control::ErrorCode;
using control::Result;

Error ng_fail(std::string field, std::string reason) {
  return control::bad_field(std::move(field), std::move(reason));
}

Result<std::string> get_str(const Value& req, const char* key, const char* missing) {
  return ng_string(req, key, missing);
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
  auto p = parse_ng_signal(req, false, ctx.sessions.families());
  if (!p) return p.error();
  return sdp_reply(ctx.sessions.offer(p->req), p->warning);
}

Result<Value> cmd_answer(DaemonContext& ctx, const Value& req) {
  auto p = parse_ng_signal(req, true, ctx.sessions.families());
  if (!p) return p.error();
  return sdp_reply(ctx.sessions.answer(p->req), p->warning);
}

Result<Value> cmd_delete(DaemonContext& ctx, const Value& req) {
  auto call_id = get_str(req, "call-id", "No call-id in message");
  if (!call_id) return call_id.error();
  auto from_tag = get_str(req, "from-tag", nullptr);
  if (!from_tag) return from_tag.error();
  auto flags = ng_string_list(req, "flags");
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
