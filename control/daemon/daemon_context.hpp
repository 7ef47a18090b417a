#pragma once
// What the control-plane front ends (control socket, ng listener, timers) share. Lives on the
// control thread; nothing here is touched by shards.

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "control/config/config.hpp"
#include "control/session/session_service.hpp"
#include "engine/engine.hpp"

namespace rtpx::control {

class PluginCalls;

struct FrontEndCounters {
  uint64_t requests = 0;
  uint64_t errors = 0;
};

struct DaemonContext {
  const config::Config& config;
  engine::Engine& engine;
  SessionService& sessions;
  double started = 0;  // wall clock seconds
  FrontEndCounters control;
  FrontEndCounters ng;
  std::string ng_listen;       // actual address, after binding (port 0 resolved)
  std::string ng_listen_tcp;   // same for the TCP listener
  std::string ng_listen_unix;  // path of the UNIX-socket listener
  std::string control_socket;  // path
  // The plugin host's state for engine.info ({"state": "disabled"} when not supervised).
  std::function<nlohmann::json()> plugin_host;
  nlohmann::json plugin_report = nlohmann::json::array();  // what the host last said it runs
  // Sends an event to the control-socket clients subscribed to it; returns how many got it.
  std::function<size_t(const nlohmann::json&)> publish;
  // plugins.call requests waiting for the plugin host (set by the control server; may be null).
  PluginCalls* plugin_calls = nullptr;
};

}  // namespace rtpx::control
