#include "plugins/sip/profile.hpp"

#include <stdexcept>

#include "plugins/sip/sip_stack.hpp"

namespace rtpx::sip {

namespace {
bool truthy(const std::string& v) {
  return v == "true" || v == "yes" || v == "on" || v == "1";
}
}  // namespace

ProfileSettings ProfileSettings::from_params(const std::string& name,
                                             const std::map<std::string, std::string>& p) {
  ProfileSettings s;
  s.name = name;
  auto get = [&](const char* k) -> const std::string* {
    auto it = p.find(k);
    return it == p.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (auto v = get("sip-ip")) s.sip_ip = *v;
  if (auto v = get("sip-port")) {
    try {
      s.sip_port = std::stoi(*v);
    } catch (const std::exception&) {
      throw std::runtime_error("profile " + name + ": sip-port '" + *v + "' is not a number");
    }
    if (s.sip_port < 0 || s.sip_port > 65535)
      throw std::runtime_error("profile " + name + ": sip-port " + *v + " out of range");
  }
  s.ext_sip_ip = s.sip_ip;
  if (auto v = get("ext-sip-ip"); v && *v != "auto" && *v != "auto-nat") s.ext_sip_ip = *v;
  if (auto v = get("ext-rtp-ip"); v && *v != "auto" && *v != "auto-nat") s.ext_rtp_ip = *v;
  if (auto v = get("context")) s.context = *v;
  if (auto v = get("auth-calls")) s.auth_calls = truthy(*v);
  if (auto v = get("domain")) s.domain = *v;
  if (auto v = get("user-agent-string")) s.user_agent = *v;
  return s;
}

Profile::Profile(SipStack& stack, ProfileSettings settings)
    : stack_(stack), s_(std::move(settings)) {}

Profile::~Profile() {
  destroy();
}

std::string Profile::host_port() const {
  const bool v6 = s_.ext_sip_ip.find(':') != std::string::npos;
  return (v6 ? "[" + s_.ext_sip_ip + "]" : s_.ext_sip_ip) + ":" + std::to_string(s_.sip_port);
}

std::string Profile::contact_uri(std::string_view user) const {
  return "sip:" + (user.empty() ? std::string{} : std::string(user) + "@") + host_port();
}

void Profile::start(su_root_t* root) {
  const bool v6 = s_.sip_ip.find(':') != std::string::npos;
  const std::string bind =
      "sip:" + (v6 ? "[" + s_.sip_ip + "]" : s_.sip_ip) + ":" + std::to_string(s_.sip_port);
  nua_ = nua_create(
      root, &Profile::on_nua, this, NUTAG_URL(bind.c_str()), NUTAG_MEDIA_ENABLE(0),
      NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1), NUTAG_ENABLEINVITE(1),
      NUTAG_APPL_METHOD("REGISTER"),
      SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO, PRACK"),
      NUTAG_SESSION_TIMER(0), NUTAG_USER_AGENT(s_.user_agent.c_str()),
      SIPTAG_SERVER_STR(s_.user_agent.c_str()), TAG_END());
  if (nua_ == nullptr)
    throw std::runtime_error("profile " + s_.name + ": cannot listen on " + bind +
                             " (address in use or not local?)");
}

void Profile::shutdown() {
  if (nua_ && !shut_down_) nua_shutdown(nua_);
}

void Profile::destroy() {
  if (nua_) nua_destroy(nua_);
  nua_ = nullptr;
}

void Profile::on_nua(nua_event_t event, int status, char const* phrase, nua_t*, Profile* self,
                     nua_handle_t* nh, HandleOwner* owner, sip_t const* sip, tagi_t tags[]) {
  if (event == nua_r_shutdown) {
    if (status >= 200) self->shut_down_ = true;
    self->stack_.on_profile_shutdown(*self, status);
    return;
  }
  if (owner) return owner->on_event(event, status, phrase, nh, sip, tags);
  self->stack_.on_unowned(*self, event, status, phrase, nh, sip, tags);
}

}  // namespace rtpx::sip
