#pragma once
// What rtpx-plugins reads from rtpx.toml: [plugins] load (names or paths) and path (search
// directories), each plugin's own [plugins.<name>] table (as JSON, for config_get), and the
// control socket to reach rtpxd ([control] socket).

#include <string>
#include <vector>

#include "control/plugin_host/plugin_host.hpp"

namespace rtpx::plugins {

struct HostConfig {
  std::vector<PluginSpec> plugins;
  std::vector<std::string> search_path;
  std::string control_socket = "/run/rtpx/control.sock";
};

// Throws std::runtime_error with "file:line: reason" for a file that cannot be used.
HostConfig load_host_config(const std::string& path);

}  // namespace rtpx::plugins
