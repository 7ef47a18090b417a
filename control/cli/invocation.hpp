#pragma once
// What one run of the rtpx CLI does, filled in by the chosen subcommand: a control request and
// how to print its result, or (a plugin loaded in-process) a function run instead.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "control/client/control_client.hpp"

namespace rtpx::cli {

// Exit status: 0 success, 1 error reply or usage error, 2 cannot talk to rtpxd (connect failure,
// connection lost, timeout) or cannot load the plugin to run in-process.
inline constexpr int kExitError = 1;
inline constexpr int kExitConnection = 2;

struct GlobalOptions {
  std::string socket = client::ControlClient::kDefaultSocket;
  bool json = false;
  double timeout = 5.0;  // seconds; 0 waits forever
  bool timeout_given = false;
};

struct Invocation {
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
  std::function<std::string(const nlohmann::json& result, double now)> format;
  bool events = false;  // after the request, print events until interrupted
  // plugin load/unload/reload: the host acts asynchronously; wait until plugins.list shows it.
  std::string wait_for_plugin;
  bool wait_present = true;
  // Seconds to wait for the reply unless --timeout says otherwise (plugins.call: rtpxd itself
  // waits up to 10 s for the plugin host).
  double default_timeout = 0;
  // Runs instead of a request to rtpxd; returns the exit status.
  std::function<int(const GlobalOptions&)> local;
};

}  // namespace rtpx::cli
