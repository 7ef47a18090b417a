#include "control/cli/service_commands.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "control/cli/format_dialplan.hpp"
#include "control/cli/format_sip.hpp"
#include "control/cli/local_plugin_host.hpp"

namespace rtpx::cli {

namespace {

using nlohmann::json;

// How long rtpx waits for plugins.call: rtpxd answers with a timeout error after 10 s.
constexpr double kServiceTimeout = 12;

struct ServiceOptions {
  std::string service, request, name, conf, plugin, context, number;
  std::vector<std::string> plugin_dirs, vars;
  bool verbose = false;
};

std::string pretty(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// The request passed through rtpxd: {"service": S, "request": R}.
void call_through_rtpxd(Invocation& inv, const std::string& service, json request,
                        std::function<std::string(const json&)> format) {
  inv.cmd = "plugins.call";
  inv.args = {{"service", service}, {"request", std::move(request)}};
  inv.format = [format](const json& r, double) { return format(r); };
  inv.default_timeout = kServiceTimeout;
}

// The plugin `plugin` loaded in this process, with {"conf_dir": conf} as its config table.
void call_in_process(Invocation& inv, const ServiceOptions& o, const std::string& service,
                     json request, std::function<std::string(const json&)> format) {
  inv.local = [o, service, request, format](const GlobalOptions& g) {
    const auto dirs = plugin_search_path(o.plugin, o.plugin_dirs);
    const std::string file = plugins::find_plugin(o.plugin, dirs);
    if (file.empty()) {
      std::string searched;
      for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
      std::cerr << "rtpx: error: plugin " << o.plugin << " not found (searched " << searched
                << "); pass --plugin-dir or set RTPX_PLUGIN_PATH\n";
      return kExitConnection;
    }
    json table = json::object();
    if (!o.conf.empty()) table["conf_dir"] = std::filesystem::absolute(o.conf).string();
    LocalPluginHost host(std::move(table), o.verbose);
    LocalPluginHost::Answer answer;
    try {
      host.load(file);
      const double seconds = g.timeout_given && g.timeout > 0 ? g.timeout : 10;
      answer = host.call(service, request,
                         std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
    } catch (const std::exception& e) {
      std::cerr << "rtpx: error: " << e.what() << "\n";
      return kExitConnection;
    }
    if (!answer.ok) {
      const json& e = answer.value;
      std::string line = "rtpx: error: " + e.value("message", e.dump());
      if (e.contains("field") && e["field"].is_string() && !e["field"].get<std::string>().empty())
        line += " (field: " + e["field"].get<std::string>() + ")";
      std::cerr << line << "\n";
      return kExitError;
    }
    std::cout << (g.json ? pretty(answer.value) : format(answer.value));
    return 0;
  };
}

void add_service(CLI::App& app, Invocation& inv, std::shared_ptr<ServiceOptions> o) {
  auto* sub = app.add_subcommand("service", "Call a plugin service and print its JSON result");
  sub->add_option("SERVICE", o->service, "the service's name, e.g. sip.gateways")->required();
  sub->add_option("JSON", o->request, "the request (default {})");
  sub->add_option("--plugin", o->plugin,
                  "Load this plugin in-process instead of asking rtpxd (no daemon needed)");
  sub->add_option("--conf", o->conf, "With --plugin: the plugin's conf_dir");
  sub->add_option("--plugin-dir", o->plugin_dirs, "With --plugin: where to look for it first")
      ->allow_extra_args(false);
  sub->add_flag("-v,--verbose", o->verbose, "With --plugin: show the plugin's info messages");
  sub->callback([&inv, o] {
    json request = json::object();
    if (!o->request.empty()) {
      request = json::parse(o->request, nullptr, false);
      if (request.is_discarded()) throw CLI::ValidationError("JSON", "not valid JSON");
    }
    if (o->plugin.empty()) return call_through_rtpxd(inv, o->service, request, pretty);
    call_in_process(inv, *o, o->service, request, pretty);
  });
}

void add_gateway(CLI::App& app, Invocation& inv, std::shared_ptr<ServiceOptions> o) {
  auto* gateway = app.add_subcommand("gateway", "SIP gateways (the sip plugin)");
  gateway->require_subcommand(1);
  auto* status = gateway->add_subcommand(
      "status", "All gateways as a table, or one in detail (like sofia status gateway)");
  status->add_option("NAME", o->name, "one gateway's name");
  status->callback([&inv, o] {
    const bool one = !o->name.empty();
    json request = one ? json{{"name", o->name}} : json::object();
    call_through_rtpxd(inv, "sip.gateways", std::move(request),
                       [one](const json& r) { return format_gateways(r, one); });
  });
}

void add_registrations(CLI::App& app, Invocation& inv) {
  auto* sub = app.add_subcommand("registrations", "Phones registered with the sip plugin");
  sub->callback([&inv] {
    call_through_rtpxd(inv, "sip.registrations", json::object(), format_registrations);
  });
}

void add_dialplan(CLI::App& app, Invocation& inv, std::shared_ptr<ServiceOptions> o) {
  auto* dialplan = app.add_subcommand("dialplan", "The dialplan plugin");
  dialplan->require_subcommand(1);
  auto* test = dialplan->add_subcommand(
      "test", "Where a call to NUMBER in CONTEXT goes: extensions, actions, bridge failover");
  test->add_option("--conf", o->conf,
                   "Load the dialplan plugin here with this FreeSWITCH conf dir (no daemon)");
  test->add_option("--plugin-dir", o->plugin_dirs, "With --conf: where to look for dialplan.so")
      ->allow_extra_args(false);
  test->add_flag("-v,--verbose", o->verbose, "With --conf: show the plugin's info messages");
  test->add_option("CONTEXT", o->context, "dialplan context, e.g. default")->required();
  test->add_option("NUMBER", o->number, "destination number")->required();
  test->add_option("VARS", o->vars, "channel variables as var=val (caller_id_number=1000 ...)");
  test->callback([&inv, o] {
    json request = {{"context", o->context},
                    {"destination_number", o->number},
                    {"dry_run", true},
                    {"vars", json::object()}};
    for (const std::string& kv : o->vars) {
      const size_t eq = kv.find('=');
      if (eq == 0 || eq == std::string::npos)
        throw CLI::ValidationError("VARS", "'" + kv + "' is not var=val");
      const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      request["vars"][key] = value;
      // The caller's fields are request fields of their own too.
      if (key == "caller_id_number" || key == "caller_id_name" || key == "network_addr")
        request[key] = value;
    }
    if (o->conf.empty()) return call_through_rtpxd(inv, "dialplan.route", request, format_route);
    o->plugin = "dialplan";
    call_in_process(inv, *o, "dialplan.route", request, format_route);
  });
}

}  // namespace

void add_service_commands(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<ServiceOptions>();
  add_service(app, inv, options);
  add_gateway(app, inv, options);
  add_registrations(app, inv);
  add_dialplan(app, inv, options);
}

}  // namespace rtpx::cli
