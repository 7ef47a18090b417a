#pragma once
// The SIP thread's way to the plugin host: control requests to rtpxd, service calls to other
// plugins and logging are posted to the host's loop thread, and their replies posted back to
// the SIP thread. Every callback given here runs on the SIP thread.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/sip/sip_loop.hpp"
#include "rtpx/plugin.hpp"

namespace rtpx::sip {

class HostLink {
 public:
  using Reply = std::function<void(bool ok, const nlohmann::json& value)>;

  HostLink(plugin::Host& host, SipLoop& loop) : host_(host), loop_(loop) {}

  void request(std::string cmd, nlohmann::json args, Reply reply);
  void service(std::string name, nlohmann::json request, Reply reply);
  void log(rtpx_log_level level, std::string message);
  void info(std::string m) { log(RTPX_LOG_INFO, std::move(m)); }
  void warn(std::string m) { log(RTPX_LOG_WARN, std::move(m)); }
  void error(std::string m) { log(RTPX_LOG_ERROR, std::move(m)); }
  void debug(std::string m) { log(RTPX_LOG_DEBUG, std::move(m)); }

 private:
  plugin::Host& host_;
  SipLoop& loop_;
};

}  // namespace rtpx::sip
