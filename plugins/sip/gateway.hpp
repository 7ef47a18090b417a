#pragma once
// A trunk as FreeSWITCH's sofia gateway: registration with digest authentication, refreshed by
// nua before expiry, retried after retry-seconds when it fails, with FreeSWITCH's state names;
// and what outgoing calls through it need (request URI, From, credentials).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/fsconf/conf.hpp"
#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class Profile;
class HostLink;

enum class RegState { noreg, unreged, trying, register_, reged, failed, fail_wait, expired };
const char* reg_state_name(RegState s);

struct GatewaySettings {
  std::string name, profile;
  std::string username, password, realm, proxy;  // proxy: host[:port] (or a sip: URI)
  std::string from_user, from_domain;
  std::string context = "public";
  std::string extension;  // destination for calls in via gw+NAME (default: the To user)
  bool do_register = true;
  int expire_seconds = 3600;
  int retry_seconds = 30;
  bool caller_id_in_from = false;
  std::string cid_type;  // sip_cid_type: none, rpid, pid
  static GatewaySettings from(const fsconf::Gateway& g);
  std::string proxy_uri() const;  // "sip:proxy"
};

class Gateway : public HandleOwner {
 public:
  Gateway(GatewaySettings s, Profile& profile, HostLink& log, su_root_t* root);
  ~Gateway() override;

  void start();
  void stop();  // un-register (best effort) and drop timers

  const GatewaySettings& settings() const { return s_; }
  Profile& profile() const { return profile_; }
  RegState state() const { return state_; }
  // The credentials for nua_authenticate ("Digest:\"realm\":user:pass") given a challenge's realm.
  std::string auth_for(const sip_t* challenge) const;
  bool matches_address(const std::string& ip) const {
    return !proxy_ip_.empty() && ip == proxy_ip_;
  }

  uint64_t calls_in = 0, calls_out = 0, failed_calls_in = 0, failed_calls_out = 0;
  nlohmann::json to_json() const;

  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                const sip_t* sip, tagi_t tags[]) override;

 private:
  void send_register();
  void fail(int status, const std::string& why);
  void arm_retry();
  static void on_retry(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);

  GatewaySettings s_;
  Profile& profile_;
  HostLink& log_;
  su_root_t* root_;
  std::string proxy_ip_;  // resolved numeric address of the proxy, for inbound matching
  nua_handle_t* nh_ = nullptr;
  su_timer_t* retry_ = nullptr;
  RegState state_ = RegState::unreged;
  int auth_tries_ = 0;
  int64_t expires_ = 0;
  double reged_since_ = 0, state_since_ = 0;
  std::string last_error_;
  uint64_t registrations_ = 0;
};

}  // namespace rtpx::sip
