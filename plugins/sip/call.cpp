#include "plugins/sip/call.hpp"

#include <chrono>

#include "plugins/fsconf/expand.hpp"
#include "plugins/fsconf/fabric.hpp"
#include "plugins/sip/call_internal.hpp"
#include "plugins/sip/gateway.hpp"
#include "plugins/sip/profile.hpp"
#include "plugins/sip/sip_stack.hpp"

namespace rtpx::sip {

using nlohmann::json;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
std::string url_user(const sip_addr_t* a) {
  return a && a->a_url->url_user ? a->a_url->url_user : "";
}
std::string url_host(const sip_addr_t* a) {
  return a && a->a_url->url_host ? a->a_url->url_host : "";
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