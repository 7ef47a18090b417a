#include "plugins/sip/call.hpp"

#include "plugins/fsconf/fabric.hpp"
#include "plugins/sip/call_internal.hpp"
#include "plugins/sip/gateway.hpp"
#include "plugins/sip/profile.hpp"
#include "plugins/sip/sip_stack.hpp"

namespace rtpx::sip {

namespace {
bool truthy(std::string_view v) {
  return v == "true" || v == "yes" || v == "on" || v == "1";
}
}  // namespace

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

}  // namespace rtpx::sip
