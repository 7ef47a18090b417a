#include "plugins/sip/profile.hpp"

#include <unistd.h>

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
  if (auto v = get("tls")) s.tls = truthy(*v);
  if (auto v = get("tls-sip-port")) {
    try {
      s.tls_port = std::stoi(*v);
    } catch (const std::exception&) {
      throw std::runtime_error("profile " + name + ": tls-sip-port '" + *v + "' is not a number");
    }
  }
  if (auto v = get("tls-cert-dir")) s.tls_cert_dir = *v;
  if (s.tls && s.tls_cert_dir.empty())
    throw std::runtime_error("profile " + name + ": tls is on but tls-cert-dir is not set");
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

nua_t* Profile::create(su_root_t* root, tag_type_t tag, tag_value_t value) {
  return nua_create(
      root, &Profile::on_nua, this, tag, value, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0),
      NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1), NUTAG_ENABLEINVITE(1), NUTAG_APPL_METHOD("REGISTER"),
      SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO, PRACK"),
      NUTAG_SESSION_TIMER(0), NUTAG_USER_AGENT(s_.user_agent.c_str()),
      SIPTAG_SERVER_STR(s_.user_agent.c_str()),
      TAG_IF(tag == nutag_sips_url, NUTAG_CERTIFICATE_DIR(s_.tls_cert_dir.c_str())), TAG_END());
}

void Profile::start(su_root_t* root) {
  const bool v6 = s_.sip_ip.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + s_.sip_ip + "]" : s_.sip_ip;
  const std::string bind = "sip:" + host + ":" + std::to_string(s_.sip_port);
  nua_ = create(root, NUTAG_URL(bind.c_str()));
  if (nua_ == nullptr)
    throw std::runtime_error("profile " + s_.name + ": cannot listen on " + bind +
                             " (address in use or not local?)");
  if (!s_.tls) return;
  // sofia-sip 1.12 binds NUTAG_SIPS_URL only when no plain URL is given: TLS gets a user agent
  // of its own, with this profile's callbacks.
  const std::string agent = s_.tls_cert_dir + "/agent.pem";
  if (::access(agent.c_str(), R_OK) != 0)
    throw std::runtime_error("profile " + s_.name + ": " + agent +
                             " is missing (the TLS certificate and key, PEM)");
  const std::string sips = "sips:" + host + ":" + std::to_string(s_.tls_port);
  nua_tls_ = create(root, NUTAG_SIPS_URL(sips.c_str()));
  if (nua_tls_ == nullptr)
    throw std::runtime_error("profile " + s_.name + ": cannot listen on " + sips +
                             " (TLS: address in use, or a bad certificate in " + s_.tls_cert_dir +
                             ")");
}

void Profile::shutdown() {
  if (nua_ && !shut_down_) nua_shutdown(nua_);
  if (nua_tls_ && !tls_shut_down_) nua_shutdown(nua_tls_);
}

void Profile::destroy() {
  if (nua_) nua_destroy(nua_);
  if (nua_tls_) nua_destroy(nua_tls_);
  nua_ = nullptr;
  nua_tls_ = nullptr;
}

void Profile::on_nua(nua_event_t event, int status, char const* phrase, nua_t* nua, Profile* self,
                     nua_handle_t* nh, HandleOwner* owner, sip_t const* sip, tagi_t tags[]) {
  if (event == nua_r_shutdown) {
    if (status >= 200) (nua == self->nua_tls_ ? self->tls_shut_down_ : self->shut_down_) = true;
    self->stack_.on_profile_shutdown(*self, status);
    return;
  }
  if (owner) return owner->on_event(event, status, phrase, nh, sip, tags);
  self->stack_.on_unowned(*self, nua, event, status, phrase, nh, sip, tags);
}

}  // namespace rtpx::sip
