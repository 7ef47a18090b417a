#pragma once
// Runs plugins on one event loop: loads them (plugin_loader), hands each the host API table of
// rtpx/plugin.h, and implements it: logging, the plugin's config table, control requests and
// events through ControlLink, timers, and the service registry shared by all plugins.

#include <boost/asio/io_context.hpp>
#include <functional>
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

  // Run-time changes, asked by rtpxd (rtpx plugin load|unload|reload): `spec_for` gives the
  // plugin's current config (the file is read again).
  using SpecSource = std::function<PluginSpec(const std::string& name)>;
  void set_spec_source(SpecSource s) { spec_for_ = std::move(s); }
  bool unload(const std::string& name);
  // Tells rtpxd what runs (plugins.report).
  void report();

  // Calls a service of the registry the plugins share (as service_call does), for rtpxd's
  // plugins.call: reply(ok, result or error object) runs once, now or later. A name nobody
  // registered answers not_found with field "service".
  using ServiceReply = std::function<void(bool ok, const nlohmann::json& value)>;
  void call(const std::string& service, const nlohmann::json& request, ServiceReply reply);

 private:
  friend struct HostApi;
  boost::asio::io_context& io_;
  ControlLink& link_;
  std::vector<std::string> search_path_;
  std::vector<std::unique_ptr<PluginSlot>> slots_;
  SpecSource spec_for_;
  void command(const nlohmann::json& ev);
  void answer_call(const nlohmann::json& ev);
  void destroy(std::unique_ptr<PluginSlot> s);
};

}  // namespace rtpx::plugins
