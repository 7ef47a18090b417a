#pragma once
// rtpxd command line: the config file plus flags that override single keys of it (like
// rtpengine's flags), and the run modes. Flags go through the same checks as the file.

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>

#include "control/config/config.hpp"

namespace rtpx::daemon {

inline constexpr const char* kDefaultConfigPath = "/etc/rtpx/rtpx.toml";

struct DaemonOptions {
  config::Config config;  // file (or embedded default) with the flags applied, validated
  bool foreground = false;
  bool check_config = false;
  bool print_default_config = false;
  bool demo = false;
  double demo_seconds = 3;
  bool version = false;
  std::string pid_file;
};

// Thrown by parse_daemon_options for --help; what() is the help text (print it, exit 0).
class HelpRequested : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the command line and loads the config: --config FILE, else kDefaultConfigPath when it
// exists, else the embedded default; then applies the override flags and validates.
// With --version or --print-default-config no config is loaded (`config` keeps the defaults), so
// they work next to a broken file.
// Throws HelpRequested (--help), CLI::ParseError (bad usage: unknown flag, missing value) and
// config::ConfigError ("file:line: reason" for the file, "--port-min: must be even" for flags).
DaemonOptions parse_daemon_options(int argc, char** argv);

// What main() calls: parses, handles the modes that need no daemon, and otherwise returns
// run(options). --help, --version and --print-default-config print to `out` and return 0;
// --check-config prints "<source>: OK" and returns 0; bad usage or config prints the message
// to `err` and returns 2.
int run_with_options(int argc, char** argv, const std::function<int(const DaemonOptions&)>& run,
                     std::ostream& out, std::ostream& err);
// The same on std::cout / std::cerr.
int run_with_options(int argc, char** argv, const std::function<int(const DaemonOptions&)>& run);

}  // namespace rtpx::daemon
