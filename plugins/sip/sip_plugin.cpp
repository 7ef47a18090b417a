// The sip plugin: a SIP back-to-back user agent on sofia-sip, configured from FreeSWITCH-style
// files (sip_profiles/ with gateways, directory/), routing calls through the dialplan service
// and anchoring all media in rtpxd. sofia runs on a thread of its own (SipLoop); the plugin host
// is reached from there through HostLink.

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/fsconf/conf.hpp"
#include "plugins/sip/host_link.hpp"
#include "plugins/sip/sip_loop.hpp"
#include "plugins/sip/sip_stack.hpp"
#include "rtpx/plugin.hpp"

namespace rtpx::sip {

using nlohmann::json;

namespace {
json config_json(plugin::Host& host) {
  auto text = host.config("");
  if (!text) return json::object();
  json v = json::parse(*text, nullptr, false);
  return v.is_object() ? v : json::object();
}
fsconf::E164Rules e164_rules(const json& j, StackSettings& s) {
  fsconf::E164Rules r;
  if (!j.is_object()) return r;
  const std::string form = j.value("form", "none");
  if (form == "digits")
    r.form = fsconf::E164Rules::Form::digits;
  else if (form == "plus")
    r.form = fsconf::E164Rules::Form::plus;
  else if (form != "none")
    throw std::runtime_error("[plugins.sip] e164.form: '" + form + "' (digits, plus or none)");
  s.normalize_e164 = r.form != fsconf::E164Rules::Form::none;
  r.country_code = j.value("country_code", r.country_code);
  if (j.contains("international_prefixes"))
    r.international_prefixes = j["international_prefixes"].get<std::vector<std::string>>();
  r.national_digits = j.value("national_digits", r.national_digits);
  return r;
}
// Contexts the configuration routes calls to that the dialplan does not have (FreeSWITCH loads
// such files too; the calls are then refused with NO_ROUTE_DESTINATION): said at load.
std::vector<std::string> missing_contexts(const fsconf::Conf& conf) {
  std::vector<std::string> out;
  auto check = [&](const std::string& ctx, const fsconf::Location& where, const std::string& who) {
    if (!ctx.empty() && !conf.dialplan.find(ctx) && !conf.dialplan.find("global"))
      out.push_back(where.str() + ": " + who + " routes calls to context '" + ctx +
                    "', which no dialplan file defines; its calls will be refused");
  };
  for (const fsconf::Profile& p : conf.profiles) {
    check(p.param("context", "public"), p.where, "profile " + p.name);
    for (const fsconf::Gateway& g : p.gateways)
      check(g.param("context", "public"), g.where, "gateway " + g.name);
  }
  for (const auto& [domain, users] : conf.directory.domains)
    for (const auto& [id, u] : users)
      check(u.variable("user_context", "default"), u.where, "user " + id + "@" + domain);
  return out;
}

}  // namespace

class SipPlugin {
 public:
  explicit SipPlugin(plugin::Host& host) : host_(host), link_(host, loop_) {
    if (!host.can_post()) throw std::runtime_error("sip: the plugin host is too old (ABI < 1.1)");
    const json cfg = config_json(host);
    if (!cfg.contains("conf_dir") || !cfg["conf_dir"].is_string())
      throw std::runtime_error(
          "sip: [plugins.sip] conf_dir is missing (a FreeSWITCH-style conf directory)");
    conf_dir_ = cfg["conf_dir"].get<std::string>();
    conf_ = fsconf::load_conf_dir(conf_dir_);  // ConfigError: "file:line: reason"
    for (const std::string& w : conf_.warnings) host.warn(w);
    for (const std::string& w : missing_contexts(conf_)) host.warn(w);
    if (cfg.contains("e164")) settings_.e164 = e164_rules(cfg["e164"], settings_);
    if (cfg.contains("dialplan_service"))
      settings_.dialplan_service = cfg["dialplan_service"].get<std::string>();
    provide("sip.gateways", [](SipStack& s, const json& req) -> std::optional<json> {
      const std::string name = req.value("name", "");
      json v = s.gateways_json(name);
      if (!name.empty() && v["gateways"].empty()) return std::nullopt;
      return v;
    });
    provide("sip.registrations",
            [](SipStack& s, const json&) -> std::optional<json> { return s.registrations_json(); });
    provide("sip.calls",
            [](SipStack& s, const json&) -> std::optional<json> { return s.calls_json(); });
  }

  void start() {
    loop_.start([this] {
      stack_ = std::make_unique<SipStack>(loop_, link_, std::move(conf_), settings_);
      try {
        stack_->start();
      } catch (...) {
        stack_.reset();
        throw;
      }
    });
    started_ = true;
  }

  void stop() {
    if (!started_) return;
    started_ = false;
    loop_.post([this] {
      if (!stack_) return loop_.quit();
      stack_->shutdown([this] {
        // Not from inside the stack's own call: destroy it on the next turn, then leave.
        loop_.post([this] {
          stack_.reset();
          loop_.quit();
        });
      });
    });
    loop_.join();
  }

 private:
  using Query = std::function<std::optional<json>(SipStack&, const json& request)>;
  // A service answered on the SIP thread; the reply crosses back to the host's thread.
  void provide(const char* name, Query query) {
    host_.provide(name, [this, name, query](std::string_view text, plugin::Responder r) {
      auto responder = std::make_shared<plugin::Responder>(std::move(r));
      json req = json::parse(text, nullptr, false);
      if (req.is_discarded() || !(req.is_object() || req.is_null()))
        return responder->fail("bad_json", "request", "the request is not a JSON object");
      if (req.is_null()) req = json::object();
      if (!started_) return responder->fail("unavailable", "", "the SIP stack is not running");
      loop_.post([this, name, query, req, responder] {
        std::optional<json> v;
        if (stack_) v = query(*stack_, req);
        host_.post([responder, v, name, has = stack_ != nullptr, req] {
          if (!has) return responder->fail("unavailable", "", "the SIP stack is not running");
          if (!v)
            return responder->fail(
                "not_found", "name",
                std::string(name) + ": nothing named '" + req.value("name", "") + "'");
          responder->ok(v->dump());
        });
      });
    });
  }

  plugin::Host& host_;
  SipLoop loop_;
  HostLink link_;
  std::string conf_dir_;
  fsconf::Conf conf_;
  StackSettings settings_;
  std::unique_ptr<SipStack> stack_;
  bool started_ = false;
};

}  // namespace rtpx::sip

RTPX_CPP_PLUGIN(rtpx::sip::SipPlugin, "sip", "0.1.0",
                "SIP back-to-back user agent on sofia-sip: profiles, registrar, gateways, calls")
