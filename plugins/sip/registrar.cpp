#include "plugins/sip/registrar.hpp"

#include <chrono>

#include "plugins/sip/host_link.hpp"
#include "plugins/sip/profile.hpp"

namespace rtpx::sip {

using nlohmann::json;

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
std::string url_string(const url_t* u) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  char* s = url_as_string(home, u);
  std::string out = s ? s : "";
  su_home_deinit(home);
  return out;
}
void reply(nua_t* nua, nua_handle_t* nh, int status, const char* phrase, tag_type_t tag = nullptr,
           tag_value_t value = 0) {
  nua_respond(nh, status, phrase, NUTAG_WITH_THIS(nua), tag, value, TAG_END());
  nua_handle_destroy(nh);
}
}  // namespace

Registrar::Registrar(const fsconf::Conf& conf, DigestAuth& auth, HostLink& log,
                     RegistrarLimits limits)
    : conf_(conf), auth_(auth), log_(log), limits_(limits) {}

const fsconf::User* Registrar::user(std::string_view id, std::string_view domain) const {
  if (const fsconf::User* u = conf_.directory.find(id, domain)) return u;
  return conf_.directory.find(id, "");
}

std::string Registrar::realm_for(std::string_view host, const Profile& profile) const {
  if (!host.empty() && conf_.directory.domains.count(std::string(host))) return std::string(host);
  if (!profile.settings().domain.empty()) return profile.settings().domain;
  auto it = conf_.globals.find("domain");
  if (it != conf_.globals.end() && !it->second.empty()) return it->second;
  return std::string(host);
}

bool Registrar::blocked(const std::string& ip) {
  auto it = sources_.find(ip);
  if (it == sources_.end() || it->second.blocked_until <= now_s()) return false;
  ++counters_.refused_blocked;
  return true;
}

void Registrar::note_failure(const std::string& ip) {
  Source& s = sources_[ip];
  const double now = now_s();
  std::erase_if(s.failures, [&](double t) { return t < now - limits_.failure_window; });
  s.failures.push_back(now);
  if (static_cast<int>(s.failures.size()) >= limits_.max_failures) {
    s.blocked_until = now + limits_.block_seconds;
    s.failures.clear();
    log_.warn("registrar: " + ip + " failed authentication " +
              std::to_string(limits_.max_failures) + " times, refused for " +
              std::to_string(limits_.block_seconds) + " s");
  }
}

bool Registrar::rate_ok(const std::string& ip) {
  Source& s = sources_[ip];
  const double now = now_s();
  if (s.refilled == 0) {
    s.tokens = limits_.burst;
  } else {
    s.tokens = std::min(limits_.burst, s.tokens + (now - s.refilled) * limits_.rate);
  }
  s.refilled = now;
  if (s.tokens < 1) return false;
  s.tokens -= 1;
  return true;
}

void Registrar::on_register(Profile& profile, nua_t* nua, nua_handle_t* nh, const sip_t* sip,
                            const std::string& ip, int port) {
  if (blocked(ip)) return reply(nua, nh, 403, "Forbidden (too many failed attempts)");
  if (!rate_ok(ip)) {
    ++counters_.refused_rate;
    return reply(nua, nh, 503, "Too Many Requests", SIPTAG_RETRY_AFTER_STR("5"));
  }
  if (!sip || !sip->sip_to || !sip->sip_to->a_url->url_user) {
    ++counters_.bad_request;
    return reply(nua, nh, 400, "Bad Request (no user in To)");
  }
  const std::string id = sip->sip_to->a_url->url_user;
  const std::string host = sip->sip_to->a_url->url_host ? sip->sip_to->a_url->url_host : "";
  const std::string realm = realm_for(host, profile);
  const fsconf::User* u = user(id, realm);
  auto verdict = auth_.verify(sip->sip_authorization, realm, "REGISTER",
                              [&](std::string_view name) -> std::optional<std::string> {
                                const fsconf::User* who = user(name, realm);
                                if (!who) return std::nullopt;
                                auto pw = who->params.find("password");
                                if (pw == who->params.end()) return std::nullopt;
                                return pw->second;
                              });
  using V = DigestAuth::Verdict;
  if (verdict.verdict == V::missing || verdict.verdict == V::stale ||
      verdict.verdict == V::bad_nonce || verdict.verdict == V::wrong_realm) {
    ++counters_.challenged;
    const std::string c = auth_.challenge(realm, verdict.verdict == V::stale);
    return reply(nua, nh, 401, "Unauthorized", SIPTAG_WWW_AUTHENTICATE_STR(c.c_str()));
  }
  if (verdict.verdict != V::ok || !u || verdict.username != id) {
    ++counters_.refused_auth;
    note_failure(ip);
    log_.warn("registrar: REGISTER for " + id + "@" + realm + " from " + ip + " refused: " +
              (verdict.username != id && verdict.verdict == V::ok
                   ? std::string("credentials of another user")
                   : DigestAuth::describe(verdict.verdict)));
    return reply(nua, nh, 403, "Forbidden");
  }

  int expires = limits_.default_expires;
  if (sip->sip_expires) expires = static_cast<int>(sip->sip_expires->ex_delta);
  const sip_contact_t* m = sip->sip_contact;
  if (m && m->m_expires) expires = std::atoi(m->m_expires);
  const std::string key = id + "@" + realm;
  if (!m || m->m_url->url_type == url_any || expires == 0) {
    if (bindings_.erase(key)) ++counters_.unregistered;
    return reply(nua, nh, 200, "OK");
  }
  expires = std::clamp(expires, limits_.min_expires, limits_.max_expires);
  Registration& r = bindings_[key];
  r.user = id;
  r.domain = realm;
  r.contact = url_string(m->m_url);
  r.network_addr = ip;
  r.network_port = port;
  r.profile = profile.name();
  r.tls = profile.is_tls(nua);
  r.agent =
      sip->sip_user_agent && sip->sip_user_agent->g_string ? sip->sip_user_agent->g_string : "";
  r.expires_at = static_cast<int64_t>(now_s()) + expires;
  ++counters_.registered;
  const std::string contact = "<" + r.contact + ">;expires=" + std::to_string(expires);
  reply(nua, nh, 200, "OK", SIPTAG_CONTACT_STR(contact.c_str()));
}

const Registration* Registrar::find(std::string_view id, std::string_view domain) const {
  const int64_t now = static_cast<int64_t>(now_s());
  for (const auto& [key, r] : bindings_) {
    if (r.user != id || (!domain.empty() && r.domain != domain)) continue;
    if (r.expires_at > now) return &r;
  }
  return nullptr;
}

void Registrar::expire() {
  const int64_t now = static_cast<int64_t>(now_s());
  std::erase_if(bindings_, [&](const auto& kv) { return kv.second.expires_at <= now; });
  const double t = now_s();
  std::erase_if(sources_, [&](const auto& kv) {
    return kv.second.blocked_until < t && kv.second.failures.empty() && kv.second.refilled < t - 60;
  });
}

json Registrar::to_json() const {
  const int64_t now = static_cast<int64_t>(now_s());
  json list = json::array();
  for (const auto& [key, r] : bindings_) {
    if (r.expires_at <= now) continue;
    list.push_back({{"user", r.user},
                    {"domain", r.domain},
                    {"contact", r.contact},
                    {"network_addr", r.network_addr},
                    {"network_port", r.network_port},
                    {"profile", r.profile},
                    {"agent", r.agent},
                    {"expires_in", r.expires_at - now}});
  }
  return json{{"registrations", std::move(list)},
              {"counters",
               {{"registered", counters_.registered},
                {"unregistered", counters_.unregistered},
                {"challenged", counters_.challenged},
                {"refused_auth", counters_.refused_auth},
                {"refused_blocked", counters_.refused_blocked},
                {"refused_rate", counters_.refused_rate},
                {"bad_request", counters_.bad_request}}}};
}

}  // namespace rtpx::sip
