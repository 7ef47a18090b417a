// rtpx: command-line client for rtpxd's control socket. Human-readable output by default,
// --json for scripts. Exit status: 0 success, 1 error reply or usage error, 2 cannot talk to
// rtpxd (connect failure, connection lost, timeout) or cannot load a plugin it runs itself.

#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "control/cli/format.hpp"
#include "control/cli/invocation.hpp"
#include "control/cli/service_commands.hpp"
#include "control/client/control_client.hpp"

namespace {

using nlohmann::json;
using rtpx::client::ControlClient;
using rtpx::client::ControlError;

using rtpx::cli::GlobalOptions;
using rtpx::cli::Invocation;
using rtpx::cli::kExitConnection;
using rtpx::cli::kExitError;

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) {
  g_stop = 1;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string pretty(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

int report(const ControlError& e) {
  std::string line = "rtpx: error: " + e.message();
  if (!e.field().empty()) line += " (field: " + e.field() + ")";
  std::cerr << line << '\n';
  return e.from_server() ? kExitError : kExitConnection;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked poll() returns so the loop sees g_stop
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int print_events(ControlClient& client, const GlobalOptions& g, const json& subscribed) {
  if (!g.json) {
    std::vector<std::string> names;
    for (const json& n : subscribed.value("subscribed", json::array())) {
      names.push_back(n.is_string() ? n.get<std::string>() : n.dump());
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::cerr << "rtpx: waiting for events (" << (list.empty() ? "all" : list)
              << "); Ctrl-C to stop\n";
  }
  install_stop_handlers();
  while (g_stop == 0) {
    auto ev = client.next_event(std::chrono::milliseconds(250));
    if (!ev) continue;
    std::cout << (g.json ? pretty(*ev, -1) + "\n" : rtpx::cli::format_event(*ev)) << std::flush;
  }
  return 0;
}

// Polls plugins.list (up to 5 s) until `name` is there (or gone); prints the list.
int wait_for_plugin(ControlClient& client, const GlobalOptions& g, const Invocation& inv) {
  json list;
  for (int i = 0; i < 50; ++i) {
    list = client.request("plugins.list");
    bool present = false;
    for (const json& p : list.value("plugins", json::array()))
      present = present || p.value("name", "") == inv.wait_for_plugin;
    if (present == inv.wait_present) {
      std::cout << (g.json ? pretty(list, 2) + "\n" : rtpx::cli::format_plugins(list));
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "rtpx: the plugin host did not " << inv.cmd.substr(8) << " " << inv.wait_for_plugin
            << " within 5 s (see its log)\n";
  return kExitError;
}

int run(const GlobalOptions& g, const Invocation& inv) {
  if (inv.local) return inv.local(g);
  ControlClient client;
  const double timeout =
      g.timeout_given || inv.default_timeout <= 0 ? g.timeout : inv.default_timeout;
  client.set_timeout(timeout > 0 ? std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000))
                                 : ControlClient::kForever);
  try {
    client.connect(g.socket);
    json result = client.request(inv.cmd, inv.args);
    if (inv.events) return print_events(client, g, result);
    if (!inv.wait_for_plugin.empty()) return wait_for_plugin(client, g, inv);
    std::cout << (g.json ? pretty(result, 2) + "\n" : inv.format(result, now_seconds()));
    return 0;
  } catch (const ControlError& e) {
    return report(e);
  }
}

void add_call_id(CLI::App* sub, std::string& call_id) {
  sub->add_option("CALLID", call_id, "Call-ID of the call")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rtpx: inspect and control rtpxd, the RTP media relay"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand

  GlobalOptions g;
  app.add_option("--socket", g.socket, "Control socket of rtpxd")
      ->envname("RTPX_SOCKET")
      ->capture_default_str();
  app.add_flag("--json", g.json, "Print the raw result as JSON (events: one JSON line each)");
  auto* timeout = app.add_option("--timeout", g.timeout, "Seconds to wait for a reply (0: forever)")
                      ->check(CLI::NonNegativeNumber)
                      ->capture_default_str();

  Invocation inv;
  std::string call_id, from_tag;
  int limit = 0;
  std::vector<std::string> events;

  auto* list = app.add_subcommand("list", "List active calls");
  list->add_option("--limit", limit, "Show at most this many calls")->check(CLI::PositiveNumber);
  list->callback([&] {
    inv.cmd = "session.list";
    if (limit > 0) inv.args["limit"] = limit;
    inv.format = rtpx::cli::format_list;
  });

  auto* show = app.add_subcommand("show", "Show a call: legs, media and per-stream counters");
  add_call_id(show, call_id);
  show->callback([&] {
    inv.cmd = "session.query";
    inv.args["call_id"] = call_id;
    inv.format = rtpx::cli::format_call;
  });

  auto* del = app.add_subcommand("delete", "Delete a call and print its final counters");
  add_call_id(del, call_id);
  del->add_option("--from-tag", from_tag, "Delete only the leg with this tag");
  del->callback([&] {
    inv.cmd = "session.delete";
    inv.args["call_id"] = call_id;
    if (!from_tag.empty()) inv.args["from_tag"] = from_tag;
    inv.format = rtpx::cli::format_delete;
  });

  auto* stats = app.add_subcommand("stats", "Global counters: sessions, packets, drops, ports");
  stats->callback([&] {
    inv.cmd = "stats";
    inv.format = [](const json& r, double) { return rtpx::cli::format_stats(r); };
  });

  auto* info = app.add_subcommand("info", "Engine: version, I/O backend, ports, shards");
  info->callback([&] {
    inv.cmd = "engine.info";
    inv.format = [](const json& r, double) { return rtpx::cli::format_info(r); };
  });

  auto* plugins = app.add_subcommand("plugins", "The plugin host's state and its plugins");
  plugins->callback([&] {
    inv.cmd = "plugins.list";
    inv.format = [](const json& r, double) { return rtpx::cli::format_plugins(r); };
  });

  std::string action, plugin;
  auto* plugin_cmd =
      app.add_subcommand("plugin", "Load, unload or reload a plugin in the running plugin host");
  plugin_cmd->add_option("ACTION", action, "load, unload or reload")
      ->required()
      ->check(CLI::IsMember({"load", "unload", "reload"}));
  plugin_cmd->add_option("NAME", plugin, "the plugin's name (as in [plugins] load)")->required();
  plugin_cmd->callback([&] {
    inv.cmd = "plugins." + action;
    inv.args["name"] = plugin;
    inv.wait_for_plugin = plugin;
    inv.wait_present = action != "unload";
  });

  auto* ev = app.add_subcommand("events", "Print events as they happen, until Ctrl-C");
  ev->add_option("--event", events, "Only these events (repeatable), e.g. media_timeout");
  ev->callback([&] {
    inv.cmd = "events.subscribe";
    if (!events.empty()) inv.args["events"] = events;
    inv.events = true;
  });

  rtpx::cli::add_service_commands(app, inv);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitError;
  }
  g.timeout_given = timeout->count() > 0;
  return run(g, inv);
}
