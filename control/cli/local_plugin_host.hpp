#pragma once
// A plugin run inside the rtpx CLI, without rtpxd or rtpx-plugins: `rtpx dialplan test --conf`
// loads dialplan.so this way. A minimal host: log to stderr, config_get over a given table,
// service_register / service_call among this plugin's own services, timers and post() on a
// loop that runs only while call() waits. control_request answers RTPX_ERR_NOT_SUPPORTED and
// subscribe is accepted but delivers nothing (there is no rtpxd).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/include/rtpx/plugin.h"
#include "control/plugin_host/plugin_loader.hpp"

namespace rtpx::cli {

class LocalPluginHost {
 public:
  struct Answer {
    bool ok = false;
    nlohmann::json value;  // the result, or the error object
  };

  // table: what config_get reads (the plugin's [plugins.<name>] table). The plugin's warnings
  // and errors go to stderr, its info and debug messages too when verbose.
  explicit LocalPluginHost(nlohmann::json table, bool verbose = false);
  ~LocalPluginHost();  // stops and unloads the plugin
  LocalPluginHost(const LocalPluginHost&) = delete;
  LocalPluginHost& operator=(const LocalPluginHost&) = delete;

  // Loads the plugin at path (ABI checks of plugin_loader), runs init() and start(). Throws
  // std::runtime_error naming the file and the reason.
  void load(const std::string& path);
  // Calls one of the plugin's services and runs the loop until it answers, or until timeout
  // (then a "timeout" error). A name the plugin did not register: a "not_found" error.
  Answer call(const std::string& service, const nlohmann::json& request,
              std::chrono::milliseconds timeout);

 private:
  friend struct LocalHostApi;
  using Clock = std::chrono::steady_clock;
  struct Service {
    rtpx_service_fn fn;
    void* user;
  };
  struct Timer {
    Clock::time_point due;
    uint32_t ms;
    bool repeat;
    rtpx_timer_fn fn;
    void* user;
  };
  struct Posted {
    rtpx_timer_fn fn;
    void* user;
  };
  // Runs posted work and due timers; waits at most until `until` for more.
  void run_once(Clock::time_point until);

  nlohmann::json table_;
  bool verbose_;
  std::string name_ = "plugin";
  plugins::LoadedPlugin plugin_;
  void* state_ = nullptr;
  bool initialised_ = false;
  bool started_ = false;
  std::map<std::string, std::string> config_cache_;
  std::map<std::string, Service> services_;
  std::map<uint64_t, Timer> timers_;
  uint64_t next_timer_ = 1;
  std::mutex mutex_;  // guards posted_: post() may come from the plugin's own threads
  std::condition_variable wake_;
  std::deque<Posted> posted_;
};

// Where the CLI looks for a plugin it runs itself, in order: `extra` (--plugin-dir), the
// directories in $RTPX_PLUGIN_PATH (colon-separated), then next to the rtpx executable: the
// build tree's plugins/<name>/ (../../plugins/<name> and ../plugins/<name> from the executable's
// directory) and the installed ../lib/rtpx/plugins.
std::vector<std::string> plugin_search_path(const std::string& name,
                                            const std::vector<std::string>& extra);

}  // namespace rtpx::cli
