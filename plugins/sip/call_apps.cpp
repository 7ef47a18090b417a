#include "plugins/sip/call.hpp"

#include "plugins/sip/call_internal.hpp"
#include "plugins/sip/sip_stack.hpp"

namespace rtpx::sip {

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
}  // namespace rtpx::sip
