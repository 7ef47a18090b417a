#include "plugins/dialplan/route_request.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "plugins/fsconf/bridge.hpp"
#include "plugins/fsconf/expand.hpp"
#include "plugins/fsconf/fabric.hpp"
#include "plugins/fsconf/hunt.hpp"

namespace rtpx::dialplan {
namespace {

using nlohmann::json;

RouteReply error(std::string_view code, std::string_view field, const std::string& message) {
  return {false, json{{"code", code}, {"field", field}, {"message", message}}.dump()};
}

// A string member of the request: nullopt when absent, throws the reply when not a string.
struct Bad {
  RouteReply reply;
};

std::optional<std::string> string_field(const json& req, const char* key, bool required) {
  if (!req.contains(key) || req[key].is_null()) {
    if (required) throw Bad{error("bad_field", key, std::string("'") + key + "' is required")};
    return std::nullopt;
  }
  if (!req[key].is_string())
    throw Bad{error("bad_field", key, std::string("'") + key + "' must be a string")};
  return req[key].get<std::string>();
}

fsconf::Vars request_vars(const json& req) {
  fsconf::Vars vars;
  if (!req.contains("vars") || req["vars"].is_null()) return vars;
  if (!req["vars"].is_object()) throw Bad{error("bad_field", "vars", "'vars' must be an object")};
  for (const auto& [k, v] : req["vars"].items()) {
    if (v.is_string()) {
      vars[k] = v.get<std::string>();
    } else if (v.is_boolean() || v.is_number()) {
      vars[k] = v.dump();
    } else if (!v.is_null()) {
      throw Bad{error("bad_field", "vars", "vars." + k + " must be a string, number or boolean")};
    }
  }
  return vars;
}

json location(const fsconf::Location& at) {
  return json{{"file", at.file}, {"line", at.line}};
}

json target_json(const fsconf::Conf& conf, const fsconf::BridgeTarget& given,
                 std::string_view destination) {
  using K = fsconf::BridgeTarget::Kind;
  const fsconf::BridgeTarget t = fsconf::resolve_fabric(conf, given, destination);
  json j{{"kind", fsconf::kind_name(t.kind)}, {"target", t.raw}};
  if (given.kind == K::fabric) j["address"] = given.raw;
  switch (t.kind) {
    case K::gateway:
      j["gateway"] = t.gateway;
      j["number"] = t.number;
      if (conf.gateway(t.gateway) == nullptr) j["warning"] = "no gateway '" + t.gateway + "'";
      break;
    case K::user: {
      j["user"] = t.user;
      const fsconf::User* u = conf.directory.find(t.user, t.domain);
      j["domain"] = t.domain.empty() && u != nullptr ? u->domain : t.domain;
      if (!t.profile.empty()) j["profile"] = t.profile;
      if (u == nullptr) j["warning"] = "no directory user '" + t.user + "'";
      break;
    }
    case K::sip_uri:
      j["profile"] = t.profile;
      j["uri"] = t.uri;
      if (conf.profile(t.profile) == nullptr) j["warning"] = "no profile '" + t.profile + "'";
      break;
    case K::fabric:  // resolve_fabric never leaves one
    case K::error:
      j["error"] = t.error;
      break;
  }
  if (!t.vars.empty()) j["vars"] = t.vars;
  return j;
}

json plan_json(const fsconf::Conf& conf, const fsconf::BridgePlan& plan,
               std::string_view destination) {
  json groups = json::array();
  for (const auto& group : plan.groups) {
    json g = json::array();
    for (const fsconf::BridgeTarget& t : group) g.push_back(target_json(conf, t, destination));
    groups.push_back(std::move(g));
  }
  return json{{"vars", plan.vars}, {"groups", std::move(groups)}};
}

// What the channel's variables would be while the actions run, for a dry run.
void simulate(const fsconf::Action& a, const fsconf::Lookup& lookup, fsconf::Vars& vars) {
  if (a.app == "unset") {
    vars.erase(fsconf::expand(a.data, lookup));
    return;
  }
  if (a.app != "set" && a.app != "export") return;
  const std::string data = fsconf::expand(a.data, lookup);
  const size_t eq = data.find('=');
  if (eq == std::string::npos) return;
  if (eq + 1 == data.size()) {
    vars.erase(data.substr(0, eq));
  } else {
    vars[data.substr(0, eq)] = data.substr(eq + 1);
  }
}

RouteReply route(const fsconf::Conf& conf, const fsconf::E164Rules& e164, const json& req) {
  if (!req.is_object()) return error("bad_field", "", "the request must be a JSON object");
  fsconf::HuntInput in;
  in.context = *string_field(req, "context", true);
  const std::string dialed = *string_field(req, "destination_number", true);
  in.vars = request_vars(req);
  const std::string destination = fsconf::normalize_e164(dialed, e164);
  in.vars["destination_number"] = destination;
  for (const char* key : {"caller_id_number", "caller_id_name", "network_addr"})
    if (auto v = string_field(req, key, false)) in.vars[key] = *v;
  if (!in.vars.count("ani") && in.vars.count("caller_id_number"))
    in.vars["ani"] = in.vars["caller_id_number"];
  bool dry_run = false;
  if (req.contains("dry_run")) {
    if (!req["dry_run"].is_boolean()) return error("bad_field", "dry_run", "must be a boolean");
    dry_run = req["dry_run"].get<bool>();
  }

  fsconf::HuntResult hunted;
  try {
    hunted = fsconf::hunt(conf.dialplan, in);
  } catch (const fsconf::NoSuchContext& e) {
    return error("not_found", "context", e.what());
  }
  if (hunted.actions.empty())
    return error("not_found", "destination_number",
                 "no extension in context '" + in.context + "' matches '" + destination + "'");

  json out{{"context", hunted.context}, {"destination_number", destination}};
  json exts = json::array();
  for (const fsconf::MatchedExtension& e : hunted.extensions) {
    json j = location(e.where);
    j["name"] = e.name;
    exts.push_back(std::move(j));
  }
  out["extensions"] = std::move(exts);

  fsconf::Vars vars = hunted.vars;
  const fsconf::Lookup lookup = fsconf::lookup_in(vars, &conf.globals);
  json actions = json::array();
  for (const fsconf::Action& a : hunted.actions) {
    json j = location(a.where);
    j["app"] = a.app;
    j["data"] = a.data;
    if (a.inline_exec) j["inline"] = true;
    if (dry_run) {
      simulate(a, lookup, vars);
      if (a.app == "bridge")
        j["bridge"] =
            plan_json(conf, fsconf::parse_bridge(fsconf::expand(a.data, lookup)), destination);
    }
    actions.push_back(std::move(j));
  }
  out["actions"] = std::move(actions);
  if (!hunted.warnings.empty()) out["warnings"] = hunted.warnings;
  return {true, out.dump()};
}

}  // namespace

RouteReply route_request(const fsconf::Conf& conf, const fsconf::E164Rules& e164,
                         std::string_view request) {
  const json req = json::parse(request, nullptr, false);
  if (req.is_discarded()) return error("bad_json", "", "the request is not valid JSON");
  try {
    return route(conf, e164, req);
  } catch (const Bad& b) {
    return b.reply;
  }
}

}  // namespace rtpx::dialplan
