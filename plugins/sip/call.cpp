#include "plugins/sip/call.hpp"

#include <chrono>

#include "plugins/fsconf/expand.hpp"
#include "plugins/fsconf/fabric.hpp"
#include "plugins/sip/gateway.hpp"
#include "plugins/sip/profile.hpp"
#include "plugins/sip/sip_stack.hpp"

namespace rtpx::sip {

using nlohmann::json;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
bool truthy(std::string_view v) {
  return v == "true" || v == "yes" || v == "on" || v == "1";
}
std::string payload(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) return {};
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}
std::string url_user(const sip_addr_t* a) {
  return a && a->a_url->url_user ? a->a_url->url_user : "";
}
std::string url_host(const sip_addr_t* a) {
  return a && a->a_url->url_host ? a->a_url->url_host : "";
}
// The answer rtpxd is given for a leg answered locally (answer / pre_answer before a bridge):
// the offer itself with no address yet, so rtpxd waits for the real peer's answer.
std::string placeholder_answer(const std::string& offer) {
  std::string out;
  size_t at = 0;
  while (at < offer.size()) {
    size_t eol = offer.find('\n', at);
    std::string line = offer.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("c=IN IP4 ", 0) == 0) line = "c=IN IP4 0.0.0.0";
    if (line.rfind("c=IN IP6 ", 0) == 0) line = "c=IN IP6 ::";
    out += line + "\r\n";
    if (eol == std::string::npos) break;
    at = eol + 1;
  }
  return out;
}
}  // namespace

// ---------------------------------------------------------------------------------------------
Leg::Leg(Call& c, nua_handle_t* h, bool a, std::string t)
    : call(c), nh(h), a_side(a), tag(std::move(t)) {
  nua_handle_bind(nh, this);
  ++c.stack().counters().legs_open;
}
Leg::~Leg() {
  release();
}
void Leg::release() {
  if (nh) {
    nua_handle_bind(nh, nullptr);
    nua_handle_destroy(nh);
    nh = nullptr;
    --call.stack().counters().legs_open;
  }
  terminated = true;
}
void Leg::on_event(nua_event_t event, int status, const char* phrase, nua_handle_t*,
                   const sip_t* sip, tagi_t tags[]) {
  call.on_leg_event(*this, event, status, phrase, sip, tags);
}

// ---------------------------------------------------------------------------------------------
Call::Call(SipStack& stack, uint64_t id, Profile& profile, nua_handle_t* a, const sip_t* invite,
           std::string source_ip, int source_port, Origin origin)
    : stack_(stack), id_(id), profile_(profile), origin_(std::move(origin)) {
  legs_.push_back(std::make_unique<Leg>(*this, a, true, "a"));
  legs_.front()->profile = &profile_;
  call_id_ = invite->sip_call_id ? invite->sip_call_id->i_id : ("rtpx-" + std::to_string(id));
  a_sdp_ = payload(invite);
  context_ = origin_.context;
  const std::string from_user = url_user(invite->sip_from);
  const std::string display =
      invite->sip_from && invite->sip_from->a_display ? invite->sip_from->a_display : "";
  std::string dest =
      invite->sip_request
          ? (invite->sip_request->rq_url->url_user ? invite->sip_request->rq_url->url_user : "")
          : "";
  if (origin_.kind == Origin::Kind::gateway) {
    Gateway* gw = stack_.gateway(origin_.gateway);
    // Calls sent to our registration contact (gw+NAME): the gateway's extension, else To's user.
    if (dest.rfind("gw+", 0) == 0 || dest.empty()) {
      dest = gw && !gw->settings().extension.empty() ? gw->settings().extension
                                                     : url_user(invite->sip_to);
    }
    if (stack_.settings().normalize_e164)
      dest = fsconf::normalize_e164(dest, stack_.settings().e164);
    vars_["sip_gateway_name"] = origin_.gateway;
  }
  vars_["destination_number"] = dest;
  vars_["caller_id_number"] = from_user;
  vars_["caller_id_name"] = display.empty() ? from_user : display;
  vars_["ani"] = from_user;
  vars_["network_addr"] = source_ip;
  vars_["network_port"] = std::to_string(source_port);
  vars_["sip_call_id"] = call_id_;
  vars_["sip_from_user"] = from_user;
  vars_["sip_from_host"] = url_host(invite->sip_from);
  vars_["sip_from_uri"] = from_user + "@" + url_host(invite->sip_from);
  vars_["sip_to_user"] = url_user(invite->sip_to);
  vars_["sip_to_host"] = url_host(invite->sip_to);
  vars_["sip_req_user"] = dest;
  vars_["sip_profile_name"] = profile.name();
  vars_["context"] = context_;
  // A call we sent ourselves (our own Via on top of its path) is a loop.
  bool looped = false;
  if (invite->sip_via)
    for (const sip_via_t* v = invite->sip_via->v_next; v; v = v->v_next)
      if (v->v_host && profile.settings().ext_sip_ip == v->v_host) looped = true;
  vars_["sip_looped_call"] = looped ? "true" : "false";
  if (origin_.kind == Origin::Kind::user) {
    vars_["user_name"] = origin_.user;
    vars_["domain_name"] = origin_.domain;
    if (const fsconf::User* u = stack_.registrar().user(origin_.user, origin_.domain))
      for (const auto& [k, v] : u->variables) vars_[k] = v;
  }
}

Call::~Call() {
  if (timer_) su_timer_destroy(timer_);
  if (bridge_timer_) su_timer_destroy(bridge_timer_);
}

std::function<void(bool, const json&)> Call::guarded(
    std::function<void(Call&, bool, const json&)> fn) {
  return [stack = &stack_, alive = stack_.alive(), id = id_, fn = std::move(fn)](bool ok,
                                                                                 const json& v) {
    if (alive.expired()) return;
    if (Call* c = stack->find_call(id)) fn(*c, ok, v);
  };
}

std::optional<std::string> Call::var(std::string_view name) const {
  if (auto it = vars_.find(std::string(name)); it != vars_.end()) return it->second;
  const auto& g = stack_.conf().globals;
  if (auto it = g.find(std::string(name)); it != g.end()) return it->second;
  return std::nullopt;
}

std::string Call::expand(std::string_view s) const {
  return fsconf::expand(s, [this](std::string_view n) { return var(n); });
}

// --- routing ---------------------------------------------------------------------------------
void Call::route() {
  if (a_sdp_.empty()) {
    stack_.host().warn("call " + call_id_ + ": INVITE without SDP (late offer) is not supported");
    return hangup(Cause::incompatible_destination, "late offer not supported");
  }
  json req{{"context", context_},
           {"destination_number", vars_["destination_number"]},
           {"caller_id_number", vars_["caller_id_number"]},
           {"caller_id_name", vars_["caller_id_name"]},
           {"network_addr", vars_["network_addr"]},
           {"vars", vars_}};
  waiting_ = true;
  stack_.host().service(stack_.settings().dialplan_service, std::move(req),
                        guarded([](Call& c, bool ok, const json& v) { c.on_route(ok, v); }));
}

void Call::on_route(bool ok, const json& reply) {
  waiting_ = false;
  if (ended_) return;
  if (!ok) {
    const std::string code = reply.value("code", "");
    const std::string msg = reply.value("message", reply.dump());
    stack_.host().warn("call " + call_id_ + " to " + vars_["destination_number"] + " in context " +
                       context_ + ": " + msg);
    return hangup(code == "not_found" ? Cause::no_route_destination : Cause::service_unavailable,
                  msg);
  }
  if (reply.contains("destination_number") && reply["destination_number"].is_string())
    vars_["destination_number"] = reply["destination_number"].get<std::string>();
  actions_.clear();
  for (const json& a : reply.value("actions", json::array()))
    actions_.push_back({a.value("app", ""), a.value("data", "")});
  pc_ = 0;
  std::string ext;
  for (const json& e : reply.value("extensions", json::array()))
    ext += (ext.empty() ? "" : ", ") + e.value("name", "");
  stack_.host().debug("call " + call_id_ + ": context " + context_ + " extension " + ext + ", " +
                      std::to_string(actions_.size()) + " actions");
  run();
}

void Call::resume() {
  waiting_ = false;
  run();
}

void Call::run() {
  while (!waiting_ && !ended_ && pc_ < actions_.size()) exec(actions_[pc_++]);
  if (!waiting_ && !ended_ && pc_ >= actions_.size()) hangup(Cause::normal_clearing);
}

void Call::exec(const Action& act) {
  const std::string data = expand(act.data);
  const std::string& app = act.app;
  auto split_kv = [](const std::string& d) {
    const size_t eq = d.find('=');
    return eq == std::string::npos ? std::pair{d, std::string{}}
                                   : std::pair{d.substr(0, eq), d.substr(eq + 1)};
  };
  if (app == "set" || app == "export" || app == "unset") {
    auto [k, v] = split_kv(data);
    bool local = true;
    if (app == "export" && k.rfind("nolocal:", 0) == 0) {
      k = k.substr(8);
      local = false;
    }
    if (app == "unset" || v.empty()) {
      vars_.erase(k);
      exported_.erase(k);
    } else {
      if (local) vars_[k] = v;
      if (app == "export") exported_[k] = v;
    }
  } else if (app == "answer") {
    answer_a(200);
  } else if (app == "pre_answer") {
    answer_a(183);
  } else if (app == "ring_ready") {
    if (!a_final_sent_ && !a_ringing_sent_ && !a_early_sent_) {
      reply(*a(), 180);
      a_ringing_sent_ = true;
    }
  } else if (app == "sleep") {
    uint32_t ms = 0;
    try {
      ms = static_cast<uint32_t>(std::stoul(data));
    } catch (const std::exception&) {
      stack_.host().warn("call " + call_id_ + ": sleep '" + data + "' is not a number");
    }
    sleep_ms(ms);
  } else if (app == "hangup") {
    hangup(data.empty() ? Cause::normal_clearing : cause_from_string(data));
  } else if (app == "respond") {
    int code = 0;
    try {
      code = std::stoi(data);
    } catch (const std::exception&) {
    }
    const size_t sp = data.find(' ');
    const std::string phrase = sp == std::string::npos ? "" : data.substr(sp + 1);
    if (code < 100 || code > 699) {
      stack_.host().error("call " + call_id_ + ": respond '" + data + "': not a SIP status");
      return hangup(Cause::destination_out_of_order);
    }
    if (a_final_sent_) return;
    if (code >= 300) {
      reply(*a(), code, phrase);
      a_final_sent_ = true;
      return hangup(sip_to_cause(code));
    }
    if (code >= 200) return answer_a(200);
    if (code == 183) return answer_a(183);
    reply(*a(), code, phrase);
  } else if (app == "bridge") {
    bridge(data);
  } else if (app == "deflect" || app == "redirect") {
    deflect(data);
  } else if (app == "transfer") {
    transfer(data);
  } else if (app == "log") {
    const size_t sp = data.find(' ');
    const std::string level = sp == std::string::npos ? "DEBUG" : data.substr(0, sp);
    const std::string msg = sp == std::string::npos ? data : data.substr(sp + 1);
    const rtpx_log_level lvl = level == "ERR" || level == "ERROR" || level == "CRIT"
                                   ? RTPX_LOG_ERROR
                               : level == "WARNING" || level == "WARN" ? RTPX_LOG_WARN
                               : level == "INFO" || level == "NOTICE"  ? RTPX_LOG_INFO
                                                                       : RTPX_LOG_DEBUG;
    stack_.host().log(lvl, "call " + call_id_ + ": " + msg);
  } else {
    stack_.host().error("call " + call_id_ + ": unknown application '" + app +
                        "' in the dialplan; hanging up (DESTINATION_OUT_OF_ORDER)");
    hangup(Cause::destination_out_of_order, "unknown application " + app);
  }
}

// --- applications ----------------------------------------------------------------------------
void Call::answer_a(int status) {
  if (a_final_sent_ || (status == 183 && a_early_sent_)) return;
  waiting_ = true;
  media_offer("a", a_sdp_, [status](Call& c, const std::string&) {
    c.media_answer("a", "local", placeholder_answer(c.a_sdp_),
                   [status](Call& c2, const std::string& sdp) {
                     if (c2.a_final_sent_) return c2.resume();
                     c2.reply(*c2.a(), status, {}, sdp);
                     if (status == 200) {
                       c2.a_final_sent_ = true;
                       c2.a()->state = Leg::State::answered;
                       ++c2.stack_.counters().calls_answered;
                     } else {
                       c2.a_early_sent_ = true;
                       c2.a()->state = Leg::State::early;
                     }
                     c2.resume();
                   });
  });
}

void Call::sleep_ms(uint32_t ms) {
  if (ms == 0) return;
  if (!timer_) timer_ = su_timer_create(su_root_task(stack_.loop().root()), 0);
  waiting_ = true;
  su_timer_set_interval(timer_, &Call::on_timer, this, ms);
}

// Timers die with the call (its destructor destroys them), so `this` is safe as their argument.
void Call::on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  auto* c = static_cast<Call*>(arg);
  if (!c->ended_) c->resume();
}

void Call::deflect(const std::string& target) {
  if (a_final_sent_) {
    stack_.host().warn("call " + call_id_ + ": deflect after answer (REFER) is not supported");
    return hangup(Cause::normal_clearing);
  }
  std::string uri = target;
  if (uri.rfind("sip:", 0) != 0 && uri.rfind("sips:", 0) != 0)
    uri = "sip:" + target + "@" + vars_["sip_to_host"];
  const std::string contact = "<" + uri + ">";
  nua_respond(a()->nh, 302, "Moved Temporarily", SIPTAG_CONTACT_STR(contact.c_str()), TAG_END());
  a_final_sent_ = true;
  hangup(Cause::normal_clearing, "deflected to " + uri);
}

void Call::transfer(const std::string& data) {
  // transfer DEST [xml] [CONTEXT]
  std::vector<std::string> parts;
  size_t at = 0;
  while (at < data.size()) {
    size_t sp = data.find(' ', at);
    if (sp == std::string::npos) sp = data.size();
    if (sp > at) parts.push_back(data.substr(at, sp - at));
    at = sp + 1;
  }
  if (parts.empty()) return hangup(Cause::no_route_destination, "transfer without destination");
  if (++transfers_ > 10) return hangup(Cause::no_route_destination, "transfer loop");
  vars_["destination_number"] = parts[0];
  if (parts.size() >= 3) context_ = parts[2];
  vars_["context"] = context_;
  route();
}

// --- bridge ----------------------------------------------------------------------------------
void Call::bridge(const std::string& data) {
  plan_ = fsconf::parse_bridge(data);
  group_ = 0;
  last_cause_ = Cause::none;
  bridged_ = nullptr;
  bridging_ = true;
  waiting_ = true;
  if (plan_.groups.empty()) return bridge_failed(Cause::invalid_number_format);
  b_profile_ = nullptr;
  for (const auto& group : plan_.groups)
    for (const auto& t : group)
      if (!b_profile_) b_profile_ = target_profile(t);
  media_offer("a", a_sdp_, [](Call& c, const std::string& sdp) {
    c.b_offer_ = sdp;
    c.try_group();
  });
}

void Call::try_group() {
  while (group_ < plan_.groups.size()) {
    size_t started = 0;
    for (const fsconf::BridgeTarget& t : plan_.groups[group_]) started += start_leg(t) ? 1 : 0;
    if (started > 0) {
      uint32_t timeout = 60;
      if (auto t = var("call_timeout")) timeout = static_cast<uint32_t>(std::atoi(t->c_str()));
      if (auto t = plan_.vars.find("leg_timeout"); t != plan_.vars.end())
        timeout = static_cast<uint32_t>(std::atoi(t->second.c_str()));
      if (timeout == 0) timeout = 60;
      if (!bridge_timer_) bridge_timer_ = su_timer_create(su_root_task(stack_.loop().root()), 0);
      su_timer_set_interval(bridge_timer_, &Call::on_bridge_timeout, this, timeout * 1000);
      return;
    }
    ++group_;
  }
  bridge_failed(last_cause_ == Cause::none ? Cause::no_route_destination : last_cause_);
}

bool Call::start_leg(const fsconf::BridgeTarget& raw) {
  using K = fsconf::BridgeTarget::Kind;
  fsconf::BridgeTarget t = raw;
  if (t.kind == K::fabric)
    t = fsconf::resolve_fabric(stack_.conf(), raw, vars_["destination_number"]);
  std::map<std::string, std::string> leg_vars = exported_;
  for (const auto& [k, v] : plan_.vars) leg_vars[k] = v;
  for (const auto& [k, v] : t.vars) leg_vars[k] = v;
  auto lv = [&](const char* k) -> std::optional<std::string> {
    if (auto it = leg_vars.find(k); it != leg_vars.end()) return it->second;
    return var(k);
  };
  std::string cid_num =
      lv("origination_caller_id_number")
          .value_or(lv("effective_caller_id_number").value_or(vars_["caller_id_number"]));
  std::string cid_name =
      lv("origination_caller_id_name")
          .value_or(lv("effective_caller_id_name").value_or(vars_["caller_id_name"]));
  Profile* profile = &profile_;
  Gateway* gw = nullptr;
  std::string ruri, from, to;
  bool tls = false;
  switch (t.kind) {
    case K::gateway: {
      gw = stack_.gateway(t.gateway);
      if (!gw) {
        stack_.host().warn("call " + call_id_ + ": bridge " + t.raw + ": no gateway '" + t.gateway +
                           "'");
        last_cause_ = Cause::invalid_gateway;
        return false;
      }
      const auto& g = gw->settings();
      profile = &gw->profile();
      std::string proxy = g.proxy_uri();
      const size_t colon = proxy.find(':');
      ruri = proxy.substr(0, colon + 1) + t.number + "@" + proxy.substr(colon + 1);
      const std::string from_user = g.caller_id_in_from ? cid_num : g.from_user;
      const std::string from_host = lv("sip_from_host").value_or(g.from_domain);
      from = "\"" + cid_name + "\" <sip:" + from_user + "@" + from_host + ">";
      to = "<sip:" + t.number + "@" + g.realm + ">";
      break;
    }
    case K::user: {
      const std::string domain = t.domain.empty() ? var("domain").value_or("") : t.domain;
      const Registration* reg = stack_.registrar().find(t.user, domain);
      if (!reg) {
        const bool exists = stack_.registrar().user(t.user, domain) != nullptr;
        stack_.host().info("call " + call_id_ + ": bridge " + t.raw + ": " +
                           (exists ? "user not registered" : "no such user"));
        last_cause_ = exists ? Cause::user_not_registered : Cause::unallocated_number;
        return false;
      }
      if (Profile* p = stack_.profile(reg->profile)) profile = p;
      ruri = reg->contact;
      tls = reg->tls;
      from = "\"" + cid_name + "\" <sip:" + cid_num + "@" + reg->domain + ">";
      to = "<sip:" + t.user + "@" + reg->domain + ">";
      break;
    }
    case K::sip_uri: {
      if (!t.profile.empty()) {
        if (Profile* p = stack_.profile(t.profile)) profile = p;
      }
      ruri = t.uri.rfind("sip", 0) == 0 ? t.uri : "sip:" + t.uri;
      from = "\"" + cid_name + "\" <sip:" + cid_num + "@" + profile->settings().ext_sip_ip + ">";
      to = "<" + ruri + ">";
      break;
    }
    default:
      stack_.host().warn("call " + call_id_ + ": bridge target '" + t.raw +
                         "': " + (t.error.empty() ? "not supported" : t.error));
      last_cause_ = Cause::invalid_number_format;
      return false;
  }
  const std::string tag = "b" + std::to_string(next_leg_++);
  nua_handle_t* nh =
      nua_handle(profile->nua(tls), nullptr, NUTAG_URL(ruri.c_str()), SIPTAG_TO_STR(to.c_str()),
                 SIPTAG_FROM_STR(from.c_str()), TAG_END());
  if (!nh) {
    last_cause_ = Cause::destination_out_of_order;
    return false;
  }
  auto leg = std::make_unique<Leg>(*this, nh, false, tag);
  leg->target = t.raw;
  leg->profile = profile;
  leg->gateway = gw;
  leg->group = group_;
  if (gw) ++gw->calls_out;
  const std::string pai =
      "P-Asserted-Identity: <sip:" + cid_num + "@" + profile->settings().ext_sip_ip + ">";
  const bool send_pai = gw && gw->settings().cid_type == "pid";
  // Our own Contact: otherwise nua offers a registration's contact (gw+OTHER) of this profile.
  const std::string contact =
      "<" + profile->contact_uri(gw ? "gw+" + gw->settings().name : cid_num) + ">";
  nua_invite(nh, SIPTAG_CONTACT_STR(contact.c_str()), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
             SIPTAG_PAYLOAD_STR(b_offer_.c_str()), TAG_IF(send_pai, SIPTAG_HEADER_STR(pai.c_str())),
             TAG_END());
  stack_.host().debug("call " + call_id_ + ": leg " + tag + " -> " + ruri);
  legs_.push_back(std::move(leg));
  return true;
}

void Call::on_bridge_timeout(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->ended_ || !c->bridging_ || c->bridged_) return;
  c->cancel_ringing(nullptr);
  c->last_cause_ = Cause::no_answer;
  ++c->group_;
  c->try_group();
}

void Call::cancel_ringing(const Leg* except) {
  for (size_t i = 1; i < legs_.size(); ++i) {
    Leg& l = *legs_[i];
    if (&l == except || l.terminated || l.state == Leg::State::ended) continue;
    if (l.state == Leg::State::answered) {
      nua_bye(l.nh, TAG_END());
    } else {
      nua_cancel(l.nh, TAG_END());
    }
    l.state = Leg::State::ended;
  }
}

void Call::on_b_response(Leg& leg, int status, const char* phrase, const sip_t* sip) {
  if (leg.state == Leg::State::ended) {
    if (status >= 200 && status < 300) nua_bye(leg.nh, TAG_END());  // lost the race
    return;
  }
  if ((status == 401 || status == 407) && leg.gateway && leg.auth_tries++ == 0) {
    const std::string cred = leg.gateway->auth_for(sip);
    nua_authenticate(leg.nh, NUTAG_AUTH(cred.c_str()), TAG_END());
    return;
  }
  const std::string sdp = payload(sip);
  if (status < 200) {
    if (status == 100) return;
    if (!sdp.empty() && !a_final_sent_ && !a_early_sent_) {
      leg.state = Leg::State::early;
      a_early_sent_ = true;
      media_answer("a", leg.tag, sdp, [](Call& c, const std::string& answer) {
        if (!c.a_final_sent_) c.reply(*c.a(), 183, {}, answer);
      });
    } else if (!a_final_sent_ && !a_early_sent_ && !a_ringing_sent_) {
      a_ringing_sent_ = true;
      reply(*a(), 180);
    }
    return;
  }
  if (status < 300) {
    if (bridged_) {
      nua_bye(leg.nh, TAG_END());
      leg.state = Leg::State::ended;
      return;
    }
    bridged_ = &leg;
    leg.state = Leg::State::answered;
    if (bridge_timer_) su_timer_reset(bridge_timer_);
    cancel_ringing(&leg);
    stack_.host().debug("call " + call_id_ + ": " + leg.target + " answered");
    media_answer("a", leg.tag, sdp, [](Call& c, const std::string& answer) {
      if (!c.a_final_sent_) {
        c.reply(*c.a(), 200, {}, answer);
        c.a_final_sent_ = true;
        c.a()->state = Leg::State::answered;
        ++c.stack_.counters().calls_answered;
      }
    });
    return;
  }
  stack_.host().info("call " + call_id_ + ": " + leg.target + " failed: " + std::to_string(status) +
                     " " + (phrase ? phrase : ""));
  leg_failed(leg, sip_to_cause(status));
}

void Call::leg_failed(Leg& leg, Cause cause) {
  leg.state = Leg::State::ended;
  if (leg.gateway) ++leg.gateway->failed_calls_out;
  last_cause_ = cause;
  if (!bridging_ || bridged_) return;
  for (size_t i = 1; i < legs_.size(); ++i)
    if (legs_[i]->group == group_ && legs_[i]->state != Leg::State::ended) return;  // still ringing
  if (bridge_timer_) su_timer_reset(bridge_timer_);
  ++group_;
  try_group();
}

// FreeSWITCH's bridge: continue_on_fail (true, or a list of causes) and failure_causes decide
// whether the dialplan goes on; without either, only NO_ANSWER, NO_USER_RESPONSE and
// ORIGINATOR_CANCEL let it go on.
void Call::bridge_failed(Cause cause) {
  bridging_ = false;
  stack_.host().info("call " + call_id_ + ": bridge failed: " + cause_name(cause));
  const auto cof = var("continue_on_fail");
  const auto fc = var("failure_causes");
  bool go_on = false;
  if ((cof && !cof->empty()) || (fc && !fc->empty())) {
    if (fc && !fc->empty() && !cause_in_list(cause, *fc)) go_on = true;
    if (cof && !cof->empty() && (truthy(*cof) || cause_in_list(cause, *cof))) go_on = true;
  } else {
    go_on = cause == Cause::no_answer || cause == Cause::no_user_response ||
            cause == Cause::originator_cancel;
  }
  vars_["originate_disposition"] = cause_name(cause);
  if (go_on) return resume();
  hangup(cause);
}

void Call::after_bridge(Cause cause) {
  bridging_ = false;
  bridged_ = nullptr;
  if (truthy(var("hangup_after_bridge").value_or("false"))) return hangup(cause);
  resume();
}

// --- leg events ------------------------------------------------------------------------------
void Call::on_leg_event(Leg& leg, nua_event_t event, int status, const char* phrase,
                        const sip_t* sip, tagi_t tags[]) {
  if (event == nua_i_state) {
    int cs = -1;
    tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
    if (cs == nua_callstate_terminated) leg_terminated(leg);
    return;
  }
  if (leg.a_side) {
    switch (event) {
      case nua_i_cancel:
        a_final_sent_ = true;  // nua answered 487
        return hangup(Cause::originator_cancel);
      case nua_i_bye:
        leg.state = Leg::State::ended;
        return hangup(Cause::normal_clearing);
      case nua_i_invite:
        return on_reinvite(leg, sip);
      case nua_r_invite:  // our re-INVITE towards A answered
        if (reinvite_from_ && status >= 200) {
          Leg* from = reinvite_from_;
          reinvite_from_ = nullptr;
          if (status >= 300) return reply(*from, status);
          media_answer(from->tag, "a", payload(sip),
                       [from](Call& c, const std::string& sdp) { c.reply(*from, 200, {}, sdp); });
        }
        return;
      default:
        return;
    }
  }
  switch (event) {
    case nua_r_invite:
      if (leg.state == Leg::State::answered && reinvite_from_ && status >= 200) {
        Leg* from = reinvite_from_;
        reinvite_from_ = nullptr;
        if (status >= 300) return reply(*from, status);
        return media_answer(
            from->tag, leg.tag, payload(sip),
            [from](Call& c, const std::string& sdp) { c.reply(*from, 200, {}, sdp); });
      }
      return on_b_response(leg, status, phrase, sip);
    case nua_i_bye:
      leg.state = Leg::State::ended;
      if (&leg == bridged_) return after_bridge(Cause::normal_clearing);
      return;
    case nua_i_invite:
      return on_reinvite(leg, sip);
    default:
      return;
  }
}

void Call::on_reinvite(Leg& from, const sip_t* sip) {
  const std::string sdp = payload(sip);
  Leg* to = from.a_side ? bridged_ : a();
  if (!to || to->terminated || sdp.empty() || reinvite_from_) {
    // Nobody to pass it to (not bridged yet) or no SDP: accept with rtpxd's current view.
    if (sdp.empty()) return reply(from, 488, "Not Acceptable Here (re-INVITE without SDP)");
    if (reinvite_from_) return reply(from, 491);
    return media_offer(from.tag, sdp, [&from](Call& c, const std::string&) {
      c.media_answer(
          from.tag, "local", placeholder_answer(c.a_sdp_),
          [&from](Call& c2, const std::string& answer) { c2.reply(from, 200, {}, answer); });
    });
  }
  reinvite_from_ = &from;
  media_offer(from.tag, sdp, [to](Call&, const std::string& offer) {
    if (!to->terminated)
      nua_invite(to->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                 SIPTAG_PAYLOAD_STR(offer.c_str()), TAG_END());
  });
}

void Call::leg_terminated(Leg& leg) {
  const bool was_bridged = &leg == bridged_;
  leg.release();
  if (leg.a_side) {
    if (!ended_) hangup(Cause::normal_clearing);
  } else if (!ended_ && bridging_ && !bridged_ && leg.state != Leg::State::ended) {
    leg_failed(leg, last_cause_ == Cause::none ? Cause::normal_temporary_failure : last_cause_);
  } else if (!ended_ && was_bridged) {
    after_bridge(Cause::normal_clearing);
  }
  if (finished()) stack_.call_finished(id_);
}

// --- ending ----------------------------------------------------------------------------------
void Call::hangup(Cause cause, const std::string& why) {
  if (ended_) return;
  ended_ = true;
  ended_at_ = now_s();
  waiting_ = false;
  if (timer_) su_timer_reset(timer_);
  if (bridge_timer_) su_timer_reset(bridge_timer_);
  Leg* al = a();
  if (al && !al->terminated) {
    if (al->state == Leg::State::answered) {
      nua_bye(al->nh, TAG_END());
    } else if (al->state != Leg::State::ended) {
      // Not answered: refused here, or already refused (respond, deflect) or cancelled.
      if (!a_final_sent_) {
        const int code = cause_to_sip(cause);
        const std::string reason = "Q.850;cause=" + std::to_string(static_cast<int>(cause)) +
                                   ";text=\"" + cause_name(cause) + "\"";
        reply(*al, code, why, {}, SIPTAG_REASON_STR(reason.c_str()));
        a_final_sent_ = true;
      }
      ++stack_.counters().calls_failed;
    }
    al->state = Leg::State::ended;
  }
  cancel_ringing(nullptr);
  media_delete();
  ++stack_.counters().calls_ended;
  if (finished()) stack_.call_finished(id_);
}

bool Call::finished() const {
  if (!ended_) return false;
  for (const auto& l : legs_)
    if (!l->terminated) return false;
  return true;
}

void Call::force_release() {
  for (auto& l : legs_) l->release();
}

// --- responses -------------------------------------------------------------------------------
const char* Call::keep(std::string phrase) {
  phrases_.push_back(std::make_unique<std::string>(std::move(phrase)));
  return phrases_.back()->c_str();
}

void Call::reply(Leg& leg, int status, const std::string& phrase, const std::string& sdp,
                 tag_type_t tag, tag_value_t value) {
  if (leg.terminated || !leg.nh) return;
  const char* p = phrase.empty() ? sip_status_phrase(status) : keep(phrase);
  if (!p) p = keep(std::to_string(status));
  const std::string contact = "<" + (leg.profile ? *leg.profile : profile_).contact_uri() + ">";
  nua_respond(leg.nh, status, p, SIPTAG_CONTACT_STR(contact.c_str()),
              TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), tag, value, TAG_END());
}

// --- media -----------------------------------------------------------------------------------
Profile* Call::target_profile(const fsconf::BridgeTarget& raw) {
  using K = fsconf::BridgeTarget::Kind;
  const fsconf::BridgeTarget t =
      raw.kind == K::fabric
          ? fsconf::resolve_fabric(stack_.conf(), raw, vars_["destination_number"])
          : raw;
  if (t.kind == K::gateway) {
    Gateway* gw = stack_.gateway(t.gateway);
    return gw ? &gw->profile() : nullptr;
  }
  if (t.kind == K::user) {
    const std::string domain = t.domain.empty() ? var("domain").value_or("") : t.domain;
    const Registration* reg = stack_.registrar().find(t.user, domain);
    return reg ? stack_.profile(reg->profile) : nullptr;
  }
  if (t.kind == K::sip_uri) return t.profile.empty() ? &profile_ : stack_.profile(t.profile);
  return nullptr;
}

std::string Call::media_address_for(const std::string& receiver) const {
  const Profile* p = nullptr;
  if (receiver == "a") {
    p = &profile_;
  } else if (receiver == "b") {
    p = bridged_ && bridged_->profile ? bridged_->profile : b_profile_;
  } else {
    for (const auto& l : legs_)
      if (l->tag == receiver) p = l->profile;
  }
  return p ? p->settings().ext_rtp_ip : std::string{};
}

void Call::media_offer(const std::string& from_tag, const std::string& sdp,
                       std::function<void(Call&, const std::string&)> then) {
  json args{{"call_id", call_id_},
            {"from_tag", from_tag},
            {"sdp", sdp},
            {"replace", {"origin", "session-connection"}}};
  if (auto addr = media_address_for(from_tag == "a" ? "b" : "a"); !addr.empty())
    args["media_address"] = addr;
  media_offered_ = true;
  stack_.host().request(
      "session.offer", std::move(args),
      guarded([then = std::move(then)](Call& c, bool ok, const json& v) {
        if (c.ended_) return;
        if (!ok || !v.contains("sdp")) {
          c.stack_.host().error("call " + c.call_id_ + ": rtpxd refused the offer: " + v.dump());
          return c.hangup(Cause::bearer_capability_notimpl, "media refused");
        }
        then(c, v["sdp"].get<std::string>());
      }));
}

void Call::media_answer(const std::string& from_tag, const std::string& to_tag,
                        const std::string& sdp,
                        std::function<void(Call&, const std::string&)> then) {
  json args{{"call_id", call_id_},
            {"from_tag", from_tag},
            {"to_tag", to_tag},
            {"sdp", sdp},
            {"replace", {"origin", "session-connection"}}};
  if (auto addr = media_address_for(from_tag); !addr.empty()) args["media_address"] = addr;
  stack_.host().request(
      "session.answer", std::move(args),
      guarded([then = std::move(then)](Call& c, bool ok, const json& v) {
        if (c.ended_) return;
        if (!ok || !v.contains("sdp")) {
          c.stack_.host().error("call " + c.call_id_ + ": rtpxd refused the answer: " + v.dump());
          return c.hangup(Cause::bearer_capability_notimpl, "media refused");
        }
        then(c, v["sdp"].get<std::string>());
      }));
}

void Call::media_delete() {
  if (!media_offered_ || media_deleted_) return;
  media_deleted_ = true;
  stack_.host().request(
      "session.delete", json{{"call_id", call_id_}},
      [id = call_id_, host = &stack_.host(), alive = stack_.alive()](bool ok, const json& v) {
        if (!alive.expired() && !ok && v.value("code", "") != "not_found")
          host->warn("call " + id + ": session.delete: " + v.dump());
      });
}

json Call::to_json() const {
  json legs = json::array();
  for (const auto& l : legs_) {
    legs.push_back({{"tag", l->tag},
                    {"side", l->a_side ? "A" : "B"},
                    {"target", l->target},
                    {"state", l->state == Leg::State::calling    ? "calling"
                              : l->state == Leg::State::early    ? "early"
                              : l->state == Leg::State::answered ? "answered"
                                                                 : "ended"},
                    {"terminated", l->terminated}});
  }
  return json{
      {"call_id", call_id_},
      {"context", context_},
      {"destination_number",
       vars_.count("destination_number") ? vars_.at("destination_number") : ""},
      {"caller_id_number", vars_.count("caller_id_number") ? vars_.at("caller_id_number") : ""},
      {"ended", ended_},
      {"legs", std::move(legs)}};
}

}  // namespace rtpx::sip
