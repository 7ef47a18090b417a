// rtpx-plugins: the plugin host. Loads the plugins listed in rtpx.toml ([plugins] load) and runs
// them on one event loop, connected to rtpxd only through its control socket.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "control/plugin_host/control_link.hpp"
#include "control/plugin_host/host_config.hpp"
#include "control/plugin_host/plugin_host.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rtpx-plugins: runs rtpx plugins, connected to rtpxd's control socket.",
               "rtpx-plugins"};
  std::string config_path = "/etc/rtpx/rtpx.toml";
  std::string control;
  std::vector<std::string> extra_path;
  std::string level = "info";
  app.add_option("-c,--config", config_path, "rtpx.toml with [plugins] load = [...]");
  app.add_option("--control", control, "rtpxd's control socket (default: [control] socket)");
  app.add_option("--plugin-path", extra_path, "more directories to search for plugins");
  app.add_option("--log-level", level, "debug info warn error");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  rtpx::plugins::HostConfig cfg;
  try {
    cfg = rtpx::plugins::load_host_config(config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtpx-plugins: %s\n", e.what());
    return 2;
  }
  if (!control.empty()) cfg.control_socket = control;
  cfg.search_path.insert(cfg.search_path.begin(), extra_path.begin(), extra_path.end());

  boost::asio::io_context io;
  rtpx::plugins::ControlLink link(io, cfg.control_socket);
  rtpx::plugins::PluginHost host(io, link, cfg.search_path);
  host.set_spec_source([&](const std::string& name) {
    try {  // the file as it is now, so a reload picks up a changed table
      for (auto& spec : rtpx::plugins::load_host_config(config_path).plugins)
        if (spec.name == name) return spec;
    } catch (const std::exception& e) {
      spdlog::warn("rereading {}: {}", config_path, e.what());
    }
    return rtpx::plugins::PluginSpec{name, nlohmann::json::object()};
  });
  const size_t n = host.load(cfg.plugins);
  spdlog::info("rtpx-plugins: {} of {} plugin(s) loaded, rtpxd at {}", n, cfg.plugins.size(),
               cfg.control_socket);
  link.start();
  host.start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int sig) {
    spdlog::info("rtpx-plugins: signal {}, stopping", sig);
    host.stop();
    link.stop();
    io.stop();
  });
  io.run();
  return 0;
}
