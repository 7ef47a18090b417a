#include "plugins/sip/sip_stack.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <sofia-sip/msg_addr.h>

#include <stdexcept>

namespace rtpx::sip {

using nlohmann::json;

namespace {
// Where the request being handled came from.
std::pair<std::string, int> source_of(nua_t* nua) {
  msg_t* m = nua_current_request(nua);
  su_addrinfo_t* ai = m ? msg_addrinfo(m) : nullptr;
  if (!ai || !ai->ai_addr) return {"", 0};
  char host[NI_MAXHOST] = {}, serv[NI_MAXSERV] = {};
  if (getnameinfo(ai->ai_addr, static_cast<socklen_t>(ai->ai_addrlen), host, sizeof host, serv,
                  sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return {"", 0};
  return {host, std::atoi(serv)};
}
}  // namespace

SipStack::SipStack(SipLoop& loop, HostLink& host, fsconf::Conf conf, StackSettings settings)
    : loop_(loop),
      host_(host),
      conf_(std::move(conf)),
      settings_(std::move(settings)),
      registrar_(conf_, auth_, host_) {}

SipStack::~SipStack() {
  calls_.clear();
  gateways_.clear();
  if (housekeeping_) su_timer_destroy(housekeeping_);
  for (auto& p : profiles_) p->destroy();
}

void SipStack::start() {
  for (const fsconf::Profile& fp : conf_.profiles) {
    auto p = std::make_unique<Profile>(*this, ProfileSettings::from_params(fp.name, fp.params));
    p->start(loop_.root());
    host_.info("profile " + fp.name + " listening on " + p->settings().sip_ip + ":" +
               std::to_string(p->settings().sip_port) + " (udp, tcp), context " +
               p->settings().context);
    profiles_.push_back(std::move(p));
  }
  if (profiles_.empty()) throw std::runtime_error("no SIP profile in the configuration");
  for (const fsconf::Profile& fp : conf_.profiles) {
    for (const fsconf::Gateway& g : fp.gateways) {
      Profile* p = profile(fp.name);
      auto gw = std::make_unique<Gateway>(GatewaySettings::from(g), *p, host_, loop_.root());
      gateways_.push_back(std::move(gw));
    }
  }
  for (auto& gw : gateways_) gw->start();
  housekeeping_ = su_timer_create(su_root_task(loop_.root()), 1000);
  su_timer_set_for_ever(housekeeping_, &SipStack::on_housekeeping, this);
}

void SipStack::on_housekeeping(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
  auto* self = static_cast<SipStack*>(arg);
  self->registrar_.expire();
  // A call whose handles never reported their end (a peer that vanished) is released here.
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::vector<uint64_t> stale;
  for (auto& [id, c] : self->calls_)
    if (c->ended() && now - c->ended_at() > 40) stale.push_back(id);
  for (uint64_t id : stale) {
    self->host_.warn("call " + self->calls_[id]->call_id() + ": released after 40 s unfinished");
    self->calls_[id]->force_release();
    self->calls_.erase(id);
  }
}

void SipStack::shutdown(std::function<void()> done) {
  shutdown_done_ = std::move(done);
  for (auto& [id, c] : calls_) c->hangup(Cause::normal_clearing, "shutting down");
  for (auto& gw : gateways_) gw->stop();
  for (auto& p : profiles_) p->shutdown();
  on_profile_shutdown(*profiles_.front(), 0);  // when none was up, finishes now
}

void SipStack::on_profile_shutdown(Profile&, int) {
  if (!shutdown_done_) return;
  for (auto& p : profiles_)
    if (!p->down()) return;
  calls_.clear();  // handles go before their nua
  gateways_.clear();
  for (auto& p : profiles_) p->destroy();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

Gateway* SipStack::gateway(std::string_view name) {
  for (auto& g : gateways_)
    if (g->settings().name == name) return g.get();
  return nullptr;
}

Profile* SipStack::profile(std::string_view name) {
  for (auto& p : profiles_)
    if (p->name() == name) return p.get();
  return nullptr;
}

Profile& SipStack::default_profile() {
  return *profiles_.front();
}

Call* SipStack::find_call(uint64_t id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

void SipStack::call_finished(uint64_t id) {
  // Not now: the call may be deep in its own callback.
  loop_.post([this, id, alive = alive()] {
    if (alive.expired()) return;
    auto it = calls_.find(id);
    if (it != calls_.end() && it->second->finished()) calls_.erase(it);
  });
}

void SipStack::on_unowned(Profile& p, nua_t* nua, nua_event_t event, int, const char*,
                          nua_handle_t* nh, const sip_t* sip, tagi_t[]) {
  switch (event) {
    case nua_i_invite:
      return on_invite(p, nua, nh, sip);
    case nua_i_register: {
      auto [ip, port] = source_of(nua);
      return registrar_.on_register(p, nua, nh, sip, ip, port);
    }
    case nua_i_error:
      return;
    default:
      // Requests nua answered by itself (OPTIONS...), and the ends of handles nobody owns.
      if (nh && event != nua_r_set_params && event != nua_r_get_params) {
        if (event == nua_i_state || event == nua_i_terminated || event == nua_i_options ||
            event == nua_i_method || event == nua_i_message || event == nua_i_subscribe ||
            event == nua_i_publish || event == nua_i_refer || event == nua_i_notify ||
            event == nua_i_info || event == nua_i_update || event == nua_i_bye)
          nua_handle_destroy(nh);
      }
      return;
  }
}

void SipStack::on_invite(Profile& p, nua_t* nua, nua_handle_t* nh, const sip_t* sip) {
  auto [ip, port] = source_of(nua);
  if (!sip || !sip->sip_request || !sip->sip_from || !sip->sip_to) {
    ++counters_.bad_requests;
    nua_respond(nh, 400, "Bad Request", TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  Origin origin;
  const url_t* ruri = sip->sip_request->rq_url;
  std::string gw_name;
  if (ruri->url_user && std::string_view(ruri->url_user).rfind("gw+", 0) == 0)
    gw_name = ruri->url_user + 3;
  if (gw_name.empty() && ruri->url_params) {
    char buf[128] = {};
    if (url_param(ruri->url_params, "gw", buf, sizeof buf) > 0) gw_name = buf;
  }
  Gateway* gw = gw_name.empty() ? nullptr : gateway(gw_name);
  if (!gw)
    for (auto& g : gateways_)
      if (g->matches_address(ip)) {
        gw = g.get();
        break;
      }
  if (gw) {
    origin.kind = Origin::Kind::gateway;
    origin.gateway = gw->settings().name;
    origin.context = gw->settings().context;
    ++gw->calls_in;
  } else if (p.settings().auth_calls) {
    if (registrar_.blocked(ip)) {
      ++counters_.invites_refused;
      nua_respond(nh, 403, "Forbidden (too many failed attempts)", TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    const std::string host = sip->sip_from->a_url->url_host ? sip->sip_from->a_url->url_host : "";
    const std::string realm = registrar_.realm_for(host, p);
    auto v = auth_.verify(sip->sip_proxy_authorization, realm, "INVITE",
                          [&](std::string_view name) -> std::optional<std::string> {
                            const fsconf::User* u = registrar_.user(name, realm);
                            if (!u) return std::nullopt;
                            auto pw = u->params.find("password");
                            if (pw == u->params.end()) return std::nullopt;
                            return pw->second;
                          });
    using V = DigestAuth::Verdict;
    if (v.verdict == V::missing || v.verdict == V::stale || v.verdict == V::bad_nonce ||
        v.verdict == V::wrong_realm) {
      ++counters_.invites_challenged;
      const std::string c = auth_.challenge(realm, v.verdict == V::stale);
      nua_respond(nh, 407, "Proxy Authentication Required",
                  SIPTAG_PROXY_AUTHENTICATE_STR(c.c_str()), TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    if (v.verdict != V::ok) {
      ++counters_.invites_refused;
      registrar_.note_failure(ip);
      host_.warn("INVITE from " + ip + " as " + v.username + ": " +
                 DigestAuth::describe(v.verdict));
      nua_respond(nh, 403, "Forbidden", TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    origin.kind = Origin::Kind::user;
    origin.user = v.username;
    origin.domain = realm;
    const fsconf::User* u = registrar_.user(v.username, realm);
    auto ctx = u ? u->variables.find("user_context") : decltype(u->variables.end()){};
    origin.context = u && ctx != u->variables.end() ? ctx->second : "default";
  } else {
    origin.context = p.settings().context;
  }
  ++counters_.calls_in;
  const uint64_t id = next_call_++;
  auto call = std::make_unique<Call>(*this, id, p, nh, sip, ip, port, std::move(origin));
  Call& c = *call;
  calls_.emplace(id, std::move(call));
  c.route();
}

json SipStack::gateways_json(const std::string& name) const {
  json list = json::array();
  for (const auto& g : gateways_)
    if (name.empty() || g->settings().name == name) list.push_back(g->to_json());
  return json{{"gateways", std::move(list)}};
}

json SipStack::calls_json() const {
  json list = json::array();
  for (const auto& [id, c] : calls_) list.push_back(c->to_json());
  return json{{"calls", std::move(list)},
              {"count", calls_.size()},
              {"counters",
               {{"calls_in", counters_.calls_in},
                {"calls_answered", counters_.calls_answered},
                {"calls_failed", counters_.calls_failed},
                {"calls_ended", counters_.calls_ended},
                {"invites_challenged", counters_.invites_challenged},
                {"invites_refused", counters_.invites_refused},
                {"bad_requests", counters_.bad_requests},
                {"legs_open", counters_.legs_open}}}};
}

}  // namespace rtpx::sip
