// rtpxd command-line flags (CLI11). Override flags are declared once in kKeyFlags, each naming
// the config key it sets; values go through config::set_key and config::validate, the same
// checks as the file, so a flag error reads "--port-min: must be even".

#include "control/daemon/options.hpp"

#include <charconv>
#include <cmath>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include <unistd.h>
#include <CLI/CLI.hpp>

namespace rtpx::daemon {
namespace {

using config::ConfigError;

struct KeyFlag {
  const char* flag;
  std::string_view key;  // config key it overrides
  const char* value_name;
  const char* group;
  const char* help;
};

constexpr const char* kEngine = "Engine (override [engine] in the config file)";
constexpr const char* kMedia = "Media (override [media])";
constexpr const char* kControl = "Control (override [control] and [log])";
constexpr const char* kRun = "Running";

const KeyFlag kKeyFlags[] = {
    {"--backend", "engine.backend", "NAME", kEngine, "I/O backend: io_uring or epoll"},
    {"--threads", "engine.threads", "N", kEngine, "worker threads; 0 = one per core"},
    {"--coalesce-us", "engine.coalesce_us", "US", kEngine,
     "after a short burst, wait this long before receiving again (0: off)"},
    {"--interface", "media.interface", "IP", kMedia, "address media sockets bind to"},
    {"--advertised-address", "media.advertised", "IP", kMedia, "address written into SDP instead"},
    {"--interface6", "media.interface6", "IP6", kMedia, "IPv6 address for a second media family"},
    {"--advertised-address6", "media.advertised6", "IP6", kMedia,
     "IPv6 address written into SDP instead"},
    {"--port-min", "media.port_min", "PORT", kMedia, "lowest media port, even"},
    {"--port-max", "media.port_max", "PORT", kMedia, "highest media port"},
    {"--timeout", "media.timeout", "SECONDS", kMedia, "delete a call after SECONDS without media"},
    {"--opus-complexity", "media.opus_complexity", "0-10", kMedia,
     "opus encoder complexity when transcoding (CPU per channel vs quality)"},
    {"--control", "control.socket", "PATH", kControl, "control socket path"},
    {"--ng-listen", "control.ng_listen", "IP:PORT", kControl,
     "ng listener, ip:port or [ipv6]:port; '' disables"},
    {"--ng-listen-tcp", "control.ng_listen_tcp", "IP:PORT", kControl,
     "ng over TCP, ip:port or [ipv6]:port; '' disables"},
    {"--ng-listen-unix", "control.ng_listen_unix", "PATH", kControl,
     "ng on a UNIX stream socket (Kamailio unix:PATH); '' disables"},
    {"--log-level", "log.level", "LEVEL", kControl, "trace debug info warn error critical off"},
};
// The flag that set `key` on this command line, or nullptr. (No rule involves strict_source.)
const char* flag_for(std::string_view key, const std::vector<CLI::Option*>& opts) {
  for (size_t i = 0; i < std::size(kKeyFlags); ++i) {
    if (kKeyFlags[i].key == key && opts[i]->count() > 0) {
      return kKeyFlags[i].flag;
    }
  }
  return nullptr;
}

double parse_demo_seconds(const std::string& text) {
  if (text.empty()) {
    return DaemonOptions{}.demo_seconds;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v <= 0 ||
      v > 86400) {
    throw ConfigError("--demo: must be a number of seconds above 0 and at most 86400, not \"" +
                      text + "\"");
  }
  return v;
}

config::Config load_base_config(const CLI::Option* config_opt, const std::string& path) {
  if (config_opt->count() > 0) {
    return config::load_config_file(path);
  }
  if (::access(kDefaultConfigPath, F_OK) == 0) {
    return config::load_config_file(kDefaultConfigPath);
  }
  return config::parse_config(config::default_config_toml(), "<embedded>");
}

}  // namespace

DaemonOptions parse_daemon_options(int argc, char** argv) {
  DaemonOptions o;
  CLI::App app{"rtpxd: RTP/SRTP media relay with an rtpengine-compatible ng protocol.", "rtpxd"};
  app.footer(
      "Flags override the same keys of the config file and are checked like them.\n"
      "Every key is described in docs/configuration.md and by --print-default-config.");
  app.get_formatter()->column_width(32);

  std::string config_path;
  CLI::Option* config_opt =
      app.add_option("-c,--config", config_path,
                     std::string("config file; default ") + kDefaultConfigPath +
                         " if it exists, else the embedded default")
          ->type_name("FILE")
          ->group("Configuration");
  app.add_flag("--check-config", o.check_config, "check the configuration, print OK and exit")
      ->group("Configuration");
  app.add_flag("--print-default-config", o.print_default_config,
               "print the embedded default config (a commented rtpx.toml) and exit")
      ->group("Configuration");

  std::vector<std::string> values(std::size(kKeyFlags));
  std::vector<CLI::Option*> opts;
  for (size_t i = 0; i < std::size(kKeyFlags); ++i) {
    const KeyFlag& f = kKeyFlags[i];
    std::string help = std::string(f.help) + " (" + std::string(f.key) + ")";
    opts.push_back(
        app.add_option(f.flag, values[i], help)->type_name(f.value_name)->group(f.group));
  }
  bool strict = false;
  bool no_strict = false;
  CLI::Option* strict_opt =
      app.add_flag("--strict-source", strict, "latch only to the SDP address (media.strict_source)")
          ->group(kMedia);
  CLI::Option* no_strict_opt = app.add_flag("--no-strict-source", no_strict,
                                            "also latch to other addresses (media.strict_source)")
                                   ->group(kMedia);

  app.add_flag("-f,--foreground", o.foreground, "stay in the foreground, log to stderr")
      ->group(kRun);
  app.add_option("--pid-file", o.pid_file, "write the process id to this file")
      ->type_name("FILE")
      ->group(kRun);
  std::string demo_text;
  CLI::Option* demo_opt =
      app.add_option("--demo", demo_text, "run a built-in demo call for SECONDS (default 3)")
          ->expected(0, 1)
          ->type_name("[SECONDS]")
          ->group(kRun);
  app.add_flag("-V,--version", o.version, "print the version and exit")->group(kRun);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    throw HelpRequested(app.help());
  }
  if (demo_opt->count() > 0) {
    o.demo = true;
    o.demo_seconds = parse_demo_seconds(demo_text);
  }
  if (o.version || o.print_default_config) {
    return o;
  }

  o.config = load_base_config(config_opt, config_path);
  for (size_t i = 0; i < std::size(kKeyFlags); ++i) {
    if (opts[i]->count() == 0) {
      continue;
    }
    if (auto why = config::set_key(o.config, kKeyFlags[i].key, values[i])) {
      throw ConfigError(std::string(kKeyFlags[i].flag) + ": " + *why);
    }
  }
  if (strict_opt->count() > 0 && no_strict_opt->count() > 0) {
    throw ConfigError("--strict-source: cannot be combined with --no-strict-source");
  }
  if (strict_opt->count() > 0) {
    o.config.media.strict_source = true;
  }
  if (no_strict_opt->count() > 0) {
    o.config.media.strict_source = false;
  }

  for (const config::Violation& v : config::validate(o.config)) {
    // The file was valid on its own, so a broken rule involves a flag; blame that flag.
    if (const char* flag = flag_for(v.key, opts)) {
      throw ConfigError(std::string(flag) + ": " + v.reason);
    }
    if (const char* flag = flag_for(v.other_key, opts)) {
      throw ConfigError(std::string(flag) + ": " + v.other_reason);
    }
    throw ConfigError(o.config.source + ": '" + v.key + "' " + v.reason);
  }
  return o;
}

int run_with_options(int argc, char** argv, const std::function<int(const DaemonOptions&)>& run,
                     std::ostream& out, std::ostream& err) {
  DaemonOptions o;
  try {
    o = parse_daemon_options(argc, argv);
  } catch (const HelpRequested& help) {
    out << help.what();
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "rtpxd: " << e.what() << "\nRun 'rtpxd --help' for the list of options.\n";
    return 2;
  } catch (const ConfigError& e) {
    err << e.what() << '\n';
    return 2;
  }
  if (o.version) {
    out << "rtpxd " << RTPX_VERSION << '\n';
    return 0;
  }
  if (o.print_default_config) {
    out << config::default_config_toml();
    return 0;
  }
  if (o.check_config) {
    out << o.config.source << ": OK\n";
    return 0;
  }
  return run(o);
}

int run_with_options(int argc, char** argv, const std::function<int(const DaemonOptions&)>& run) {
  return run_with_options(argc, argv, run, std::cout, std::cerr);
}

}  // namespace rtpx::daemon
