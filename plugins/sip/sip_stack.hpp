#pragma once
// Everything SIP, on the SIP thread: the profiles, the registrar, the gateways and the calls.
// It decides where an incoming INVITE comes from (a gateway, a directory user, anyone), asks
// the dialplan where it goes, and runs the call.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/fsconf/conf.hpp"
#include "plugins/fsconf/e164.hpp"
#include "plugins/sip/call.hpp"
#include "plugins/sip/digest_auth.hpp"
#include "plugins/sip/gateway.hpp"
#include "plugins/sip/host_link.hpp"
#include "plugins/sip/profile.hpp"
#include "plugins/sip/registrar.hpp"
#include "plugins/sip/sip_loop.hpp"

namespace rtpx::sip {

struct StackSettings {
  fsconf::E164Rules e164;  // applied to destination numbers of calls from gateways
  bool normalize_e164 = false;
  std::string dialplan_service = "dialplan.route";
};

struct StackCounters {
  uint64_t calls_in = 0, calls_answered = 0, calls_failed = 0, calls_ended = 0,
           invites_challenged = 0, invites_refused = 0, bad_requests = 0;
  int64_t legs_open = 0;  // nua handles of call legs not yet destroyed
};

class SipStack {
 public:
  SipStack(SipLoop& loop, HostLink& host, fsconf::Conf conf, StackSettings settings);
  ~SipStack();

  // On the SIP thread. start() binds every profile (throws with the reason) and starts the
  // gateways; shutdown() ends calls, un-registers, and calls `done` once every profile is down.
  void start();
  void shutdown(std::function<void()> done);

  // Profile events.
  void on_unowned(Profile& p, nua_t* nua, nua_event_t event, int status, const char* phrase,
                  nua_handle_t* nh, const sip_t* sip, tagi_t tags[]);
  void on_profile_shutdown(Profile& p, int status);

  // For calls.
  HostLink& host() { return host_; }
  SipLoop& loop() { return loop_; }
  const fsconf::Conf& conf() const { return conf_; }
  Registrar& registrar() { return registrar_; }
  Gateway* gateway(std::string_view name);
  Profile* profile(std::string_view name);
  Profile& default_profile();
  const StackSettings& settings() const { return settings_; }
  StackCounters& counters() { return counters_; }
  void call_finished(uint64_t id);
  Call* find_call(uint64_t id);
  // Expires with the stack: work queued on the loop checks it before touching the stack.
  std::weak_ptr<bool> alive() const { return alive_; }

  // Services (JSON replies).
  nlohmann::json gateways_json(const std::string& name) const;
  nlohmann::json registrations_json() const { return registrar_.to_json(); }
  nlohmann::json calls_json() const;

 private:
  void on_invite(Profile& p, nua_t* nua, nua_handle_t* nh, const sip_t* sip);
  static void on_housekeeping(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);

  SipLoop& loop_;
  HostLink& host_;
  fsconf::Conf conf_;
  StackSettings settings_;
  DigestAuth auth_;
  Registrar registrar_;
  std::vector<std::unique_ptr<Profile>> profiles_;
  std::vector<std::unique_ptr<Gateway>> gateways_;
  std::map<uint64_t, std::unique_ptr<Call>> calls_;
  uint64_t next_call_ = 1;
  StackCounters counters_;
  su_timer_t* housekeeping_ = nullptr;
  std::function<void()> shutdown_done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rtpx::sip
