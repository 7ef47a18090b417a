#pragma once
// Runs plugins on one event loop: loads them (plugin_loader), hands each the host API table of
// rtpx/plugin.h, and implements it: logging, the plugin's config table, control requests and
// events through ControlLink, timers, and the service registry shared by all plugins.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/plugin_host/control_link.hpp"

namespace rtpx::plugins {

struct PluginSpec {
  std::string name;      // as listed in [plugins] load
  nlohmann::json table;  // its [plugins.<name>] table (object, may be empty)
};

struct PluginSlot;

class PluginHost {
 public:
  PluginHost(boost::asio::io_context& io, ControlLink& link, std::vector<std::string> search_path);
  ~PluginHost();

  // Loads and initialises each plugin; one that is refused or fails init is logged and skipped.
  // Returns how many are loaded.
  size_t load(const std::vector<PluginSpec>& specs);
  void start();
  // Stops and destroys every plugin, newest first.
  void stop();
  std::vector<std::string> loaded() const;

 private:
  friend struct HostApi;
  boost::asio::io_context& io_;
  ControlLink& link_;
  std::vector<std::string> search_path_;
  std::vector<std::unique_ptr<PluginSlot>> slots_;
};

}  // namespace rtpx::plugins
