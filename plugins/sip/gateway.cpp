#include "plugins/sip/gateway.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <chrono>
#include <stdexcept>

#include "plugins/sip/host_link.hpp"
#include "plugins/sip/profile.hpp"

namespace rtpx::sip {

using nlohmann::json;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
bool truthy(const std::string& v) {
  return v == "true" || v == "yes" || v == "on" || v == "1";
}
int to_int(const fsconf::Gateway& g, const char* key, int def) {
  const std::string v = g.param(key);
  if (v.empty()) return def;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    throw std::runtime_error(g.where.str() + ": gateway " + g.name + ": " + key + " '" + v +
                             "' is not a number");
  }
}
// host[:port] of a proxy value that may be a URI ("sip:host:port;transport=tcp").
std::string host_of(std::string p) {
  if (p.rfind("sip:", 0) == 0) p = p.substr(4);
  if (p.rfind("sips:", 0) == 0) p = p.substr(5);
  if (auto at = p.find('@'); at != std::string::npos) p = p.substr(at + 1);
  if (auto semi = p.find(';'); semi != std::string::npos) p = p.substr(0, semi);
  if (!p.empty() && p.front() == '[') return p.substr(1, p.find(']') - 1);
  if (auto colon = p.find(':'); colon != std::string::npos) p = p.substr(0, colon);
  return p;
}
std::string resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) {
    hints.ai_flags = 0;  // a name: resolved once at start (inbound matching only)
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return {};
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (res->ai_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
  else
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, buf, sizeof buf);
  freeaddrinfo(res);
  return buf;
}
}  // namespace

const char* reg_state_name(RegState s) {
  switch (s) {
    case RegState::noreg:
      return "NOREG";
    case RegState::unreged:
      return "UNREGED";
    case RegState::trying:
      return "TRYING";
    case RegState::register_:
      return "REGISTER";
    case RegState::reged:
      return "REGED";
    case RegState::failed:
      return "FAILED";
    case RegState::fail_wait:
      return "FAIL_WAIT";
    case RegState::expired:
      return "EXPIRED";
  }
  return "?";
}

GatewaySettings GatewaySettings::from(const fsconf::Gateway& g) {
  GatewaySettings s;
  s.name = g.name;
  s.profile = g.profile;
  s.username = g.param("username");
  s.password = g.param("password");
  s.realm = g.param("realm");
  s.proxy = g.param("proxy");
  if (s.proxy.empty()) s.proxy = s.realm;
  if (s.realm.empty()) s.realm = host_of(s.proxy);
  if (s.proxy.empty())
    throw std::runtime_error(g.where.str() + ": gateway " + g.name +
                             " has neither proxy nor realm");
  s.from_user = g.param("from-user", s.username);
  s.from_domain = g.param("from-domain", s.realm);
  s.context = g.param("context", "public");
  s.extension = g.param("extension");
  s.do_register = truthy(g.param("register", "true"));
  s.expire_seconds = to_int(g, "expire-seconds", 3600);
  s.retry_seconds = to_int(g, "retry-seconds", 30);
  if (s.expire_seconds <= 0) s.expire_seconds = 3600;
  if (s.retry_seconds <= 0) s.retry_seconds = 30;
  s.caller_id_in_from = truthy(g.param("caller-id-in-from", "false"));
  s.cid_type = g.param("sip_cid_type", "rpid");
  if (s.do_register && (s.username.empty() || s.password.empty()))
    throw std::runtime_error(g.where.str() + ": gateway " + g.name +
                             " registers but has no username/password");
  return s;
}

std::string GatewaySettings::proxy_uri() const {
  if (proxy.rfind("sip:", 0) == 0 || proxy.rfind("sips:", 0) == 0) return proxy;
  return "sip:" + proxy;
}

Gateway::Gateway(GatewaySettings s, Profile& profile, HostLink& log, su_root_t* root)
    : s_(std::move(s)), profile_(profile), log_(log), root_(root) {
  proxy_ip_ = resolve(host_of(s_.proxy));
  state_ = s_.do_register ? RegState::unreged : RegState::noreg;
  state_since_ = now_s();
}

Gateway::~Gateway() {
  if (retry_) su_timer_destroy(retry_);
  if (nh_) {
    nua_handle_bind(nh_, nullptr);
    nua_handle_destroy(nh_);
  }
}

void Gateway::start() {
  if (s_.do_register) send_register();
}

void Gateway::stop() {
  if (retry_) su_timer_reset(retry_);
  if (nh_ && state_ == RegState::reged) nua_unregister(nh_, TAG_END());
}

std::string Gateway::auth_for(const sip_t* sip) const {
  std::string realm = s_.realm;
  const msg_auth_t* ch =
      sip ? (sip->sip_www_authenticate ? sip->sip_www_authenticate : sip->sip_proxy_authenticate)
          : nullptr;
  if (ch && ch->au_params) {
    su_home_t home[1] = {SU_HOME_INIT(home)};
    auth_challenge_t ac[1] = {};
    ac->ac_size = sizeof(ac[0]);
    if (auth_digest_challenge_get(home, ac, ch->au_params) >= 0 && ac->ac_realm)
      realm = ac->ac_realm;
    su_home_deinit(home);
  }
  return "Digest:\"" + realm + "\":" + s_.username + ":" + s_.password;
}

void Gateway::send_register() {
  if (nh_) {
    nua_handle_bind(nh_, nullptr);
    nua_handle_destroy(nh_);
  }
  const std::string to = "<sip:" + s_.username + "@" + s_.realm + ">";
  const std::string from = "<sip:" + s_.from_user + "@" + s_.from_domain + ">";
  const std::string registrar = s_.proxy_uri();
  const std::string expires = std::to_string(s_.expire_seconds);
  const std::string contact =
      "<sip:gw+" + s_.name + "@" + profile_.host_port() + ";gw=" + s_.name + ">";
  nh_ = nua_handle(profile_.nua(), this, SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()),
                   TAG_END());
  auth_tries_ = 0;
  state_ = RegState::register_;
  state_since_ = now_s();
  nua_register(nh_, NUTAG_REGISTRAR(registrar.c_str()), SIPTAG_CONTACT_STR(contact.c_str()),
               SIPTAG_EXPIRES_STR(expires.c_str()), NUTAG_OUTBOUND("no-validate no-natify"),
               TAG_END());
  state_ = RegState::trying;
}

void Gateway::on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                       const sip_t* sip, tagi_t[]) {
  if (nh != nh_) return;
  if (event == nua_r_unregister) return;
  if (event != nua_r_register) return;
  if (status < 200) return;
  if (status == 401 || status == 407) {
    if (++auth_tries_ > 1) return fail(status, "authentication refused (wrong username/password?)");
    const std::string cred = auth_for(sip);
    nua_authenticate(nh_, NUTAG_AUTH(cred.c_str()), TAG_END());
    return;
  }
  if (status >= 300) return fail(status, std::to_string(status) + " " + (phrase ? phrase : ""));
  auth_tries_ = 0;
  int64_t exp = s_.expire_seconds;
  if (sip && sip->sip_expires) exp = static_cast<int64_t>(sip->sip_expires->ex_delta);
  for (const sip_contact_t* m = sip ? sip->sip_contact : nullptr; m; m = m->m_next)
    if (m->m_expires) exp = std::atoi(m->m_expires);
  if (state_ != RegState::reged) {
    reged_since_ = now_s();
    log_.info("gateway " + s_.name + ": registered to " + s_.proxy + " (expires " +
              std::to_string(exp) + " s)");
  }
  expires_ = exp;
  state_ = RegState::reged;
  state_since_ = now_s();
  last_error_.clear();
  ++registrations_;
}

void Gateway::fail(int status, const std::string& why) {
  last_error_ = why;
  state_ = RegState::failed;
  state_since_ = now_s();
  log_.warn("gateway " + s_.name + ": registration failed: " + why + "; retry in " +
            std::to_string(s_.retry_seconds) + " s");
  (void)status;
  if (nh_) {
    nua_handle_bind(nh_, nullptr);
    nua_handle_destroy(nh_);
    nh_ = nullptr;
  }
  state_ = RegState::fail_wait;
  arm_retry();
}

void Gateway::arm_retry() {
  if (!retry_) retry_ = su_timer_create(su_root_task(root_), 0);
  su_timer_set_interval(retry_, &Gateway::on_retry, this,
                        static_cast<su_duration_t>(s_.retry_seconds) * 1000);
}

void Gateway::on_retry(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  auto* self = static_cast<Gateway*>(arg);
  self->state_ = RegState::unreged;
  self->send_register();
}

json Gateway::to_json() const {
  const double now = now_s();
  return json{
      {"name", s_.name},
      {"profile", s_.profile},
      {"scheme", "Digest"},
      {"realm", s_.realm},
      {"username", s_.username},
      {"password_set", !s_.password.empty()},
      {"from", "<sip:" + s_.from_user + "@" + s_.from_domain + ">"},
      {"contact", "<sip:gw+" + s_.name + "@" + profile_.host_port() + ">"},
      {"exten", s_.extension.empty() ? s_.username : s_.extension},
      {"to", "sip:" + s_.username + "@" + s_.realm},
      {"proxy", s_.proxy_uri()},
      {"context", s_.context},
      {"register", s_.do_register},
      {"expires", s_.expire_seconds},
      {"freq", state_ == RegState::reged ? expires_ : s_.expire_seconds},
      {"retry_seconds", s_.retry_seconds},
      {"state", reg_state_name(state_)},
      {"state_seconds", static_cast<int64_t>(now - state_since_)},
      {"status", state_ == RegState::fail_wait || state_ == RegState::failed ? "DOWN" : "UP"},
      {"uptime", state_ == RegState::reged ? static_cast<int64_t>(now - reged_since_) : 0},
      {"registrations", registrations_},
      {"calls_in", calls_in},
      {"calls_out", calls_out},
      {"failed_calls_in", failed_calls_in},
      {"failed_calls_out", failed_calls_out},
      {"last_error", last_error_}};
}

}  // namespace rtpx::sip
