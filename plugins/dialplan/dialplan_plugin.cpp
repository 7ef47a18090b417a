// dialplan.so: FreeSWITCH's XML dialplan over a conf dir, offered to the other plugins as
//   dialplan.route   a call's context and number in, the extensions and actions out
//                    (route_request.hpp has the JSON)
//   dialplan.reload  reads conf_dir again; on an error the loaded dialplan stays
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "plugins/dialplan/dialplan_settings.hpp"
#include "plugins/dialplan/route_request.hpp"
#include "plugins/fsconf/conf.hpp"
#include "rtpx/plugin.hpp"

namespace rtpx::dialplan {
namespace {

using plugin::Host;
using plugin::Responder;

class DialplanPlugin {
 public:
  explicit DialplanPlugin(Host& host)
      : host_(host), settings_(parse_settings(host.config("").value_or("{}"))), conf_(load()) {
    offer("dialplan.route", [this](std::string_view req, Responder r) {
      RouteReply reply = route_request(conf_, settings_.e164, req);
      if (reply.ok) {
        r.ok(reply.json);
      } else {
        r.fail_json(reply.json);
      }
    });
    offer("dialplan.reload", [this](std::string_view, Responder r) { reload(std::move(r)); });
  }
  void start() {}
  void stop() {}

 private:
  void offer(const char* name, Host::Service fn) {
    const rtpx_status st = host_.provide(name, std::move(fn));
    if (st != RTPX_OK)
      throw std::runtime_error(std::string("cannot offer service ") + name +
                               (st == RTPX_ERR_EXISTS ? ": another plugin offers it" : ""));
  }

  fsconf::Conf load() {
    fsconf::Conf conf = fsconf::load_conf_dir(settings_.conf_dir);
    for (const std::string& w : conf.warnings) host_.warn(w);
    host_.info("dialplan: " + std::to_string(conf.dialplan.contexts.size()) + " contexts from " +
               settings_.conf_dir.string());
    return conf;
  }

  void reload(Responder r) {
    try {
      conf_ = load();
    } catch (const std::exception& e) {
      host_.error(std::string("dialplan.reload: ") + e.what() + " (the loaded dialplan stays)");
      r.fail("bad_config", "conf_dir", e.what());
      return;
    }
    nlohmann::json contexts = nlohmann::json::array();
    for (const fsconf::Context& c : conf_.dialplan.contexts) contexts.push_back(c.name);
    r.ok(nlohmann::json{{"conf_dir", settings_.conf_dir.string()},
                        {"contexts", contexts},
                        {"warnings", conf_.warnings}}
             .dump());
  }

  Host& host_;
  DialplanSettings settings_;
  fsconf::Conf conf_;
};

}  // namespace
}  // namespace rtpx::dialplan

RTPX_CPP_PLUGIN(rtpx::dialplan::DialplanPlugin, "dialplan", "1.0.0",
                "FreeSWITCH XML dialplan: the dialplan.route and dialplan.reload services")
