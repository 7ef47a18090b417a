#pragma once
// One call through the B2BUA: the incoming leg (A), the outgoing legs (B) a bridge rings, the
// dialplan's actions run in order as FreeSWITCH runs them, and the media anchored in rtpxd:
// every SDP offer and answer passes through session.offer / session.answer, so both legs only
// ever see rtpxd's addresses.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/fsconf/bridge.hpp"
#include "plugins/sip/causes.hpp"
#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class SipStack;
class Profile;
class Gateway;
class Call;

// Where a call came from.
struct Origin {
  enum class Kind { gateway, user, anonymous } kind = Kind::anonymous;
  std::string gateway;       // its name
  std::string user, domain;  // an authenticated directory user
  std::string context;
};

class Leg : public HandleOwner {
 public:
  enum class State { calling, early, answered, ended };
  Leg(Call& call, nua_handle_t* nh, bool a_side, std::string tag);
  ~Leg() override;
  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                const sip_t* sip, tagi_t tags[]) override;
  void release();  // the handle is done: destroy it

  Call& call;
  nua_handle_t* nh;
  bool a_side;
  std::string tag;     // the leg's tag in rtpxd
  std::string target;  // what a B leg dials, for logs
  Gateway* gateway = nullptr;
  Profile* profile = nullptr;  // the profile its handle belongs to
  State state = State::calling;
  bool terminated = false;  // the handle is gone
  int auth_tries = 0;
  size_t group = 0;
};

class Call {
 public:
  Call(SipStack& stack, uint64_t id, Profile& profile, nua_handle_t* a, const sip_t* invite,
       std::string source_ip, int source_port, Origin origin);
  ~Call();

  uint64_t id() const { return id_; }
  SipStack& stack() { return stack_; }
  const std::string& call_id() const { return call_id_; }
  // Asks the dialplan for the route, then runs it.
  void route();
  void on_leg_event(Leg& leg, nua_event_t event, int status, const char* phrase, const sip_t* sip,
                    tagi_t tags[]);
  // Ends the call everywhere with `cause` (A gets the mapped SIP status, or BYE).
  void hangup(Cause cause, const std::string& why = {});
  bool finished() const;
  bool ended() const { return ended_; }
  double ended_at() const { return ended_at_; }
  void force_release();
  nlohmann::json to_json() const;

 private:
  struct Action {
    std::string app, data;
  };
  // Runs a continuation only if the call is still there when a reply comes back.
  std::function<void(bool, const nlohmann::json&)> guarded(
      std::function<void(Call&, bool, const nlohmann::json&)> fn);
  std::optional<std::string> var(std::string_view name) const;
  std::string expand(std::string_view s) const;

  void on_route(bool ok, const nlohmann::json& reply);
  void run();
  void exec(const Action& a);
  void resume();

  // applications
  void answer_a(int status);
  void sleep_ms(uint32_t ms);
  void bridge(const std::string& data);
  void deflect(const std::string& target);
  void transfer(const std::string& data);

  // bridging
  void try_group();
  bool start_leg(const fsconf::BridgeTarget& t);
  void on_b_response(Leg& leg, int status, const char* phrase, const sip_t* sip);
  void leg_failed(Leg& leg, Cause cause);
  void bridge_failed(Cause cause);
  void after_bridge(Cause cause);
  void cancel_ringing(const Leg* except);
  static void on_timer(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);
  static void on_bridge_timeout(su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg);

  // Responses to a leg's INVITE. nua reads `phrase` after the call returns (nua_respond only
  // queues the response), so custom phrases are kept in the call; standard ones are static.
  void reply(Leg& leg, int status, const std::string& phrase = {}, const std::string& sdp = {},
             tag_type_t tag = nullptr, tag_value_t value = 0);
  const char* keep(std::string phrase);

  // re-INVITEs
  void on_reinvite(Leg& from, const sip_t* sip);

  // media through rtpxd
  void media_offer(const std::string& from_tag, const std::string& sdp,
                   std::function<void(Call&, const std::string& sdp)> then);
  void media_answer(const std::string& from_tag, const std::string& to_tag, const std::string& sdp,
                    std::function<void(Call&, const std::string&)> then);
  void media_delete();
  // The address rtpxd writes into SDP meant for the leg tagged `receiver` (its profile's
  // ext-rtp-ip), or "" for rtpxd's own.
  std::string media_address_for(const std::string& receiver) const;
  Profile* target_profile(const fsconf::BridgeTarget& t);

  void leg_terminated(Leg& leg);
  Leg* a() { return legs_.empty() ? nullptr : legs_.front().get(); }

  SipStack& stack_;
  uint64_t id_;
  Profile& profile_;
  Origin origin_;
  std::string call_id_;                     // the A leg's Call-ID: the call's name in rtpxd
  std::string a_sdp_;                       // what A offered
  std::string b_offer_;                     // rtpxd's SDP for B legs
  std::vector<std::unique_ptr<Leg>> legs_;  // [0] is A
  std::map<std::string, std::string> vars_;
  std::map<std::string, std::string> exported_;
  std::string context_;
  std::vector<Action> actions_;
  size_t pc_ = 0;
  bool waiting_ = false;
  bool ended_ = false;
  double ended_at_ = 0;
  bool a_final_sent_ = false;  // A got a final response
  bool a_early_sent_ = false;  // 183 with SDP
  bool a_ringing_sent_ = false;
  bool media_offered_ = false;
  bool media_deleted_ = false;
  int transfers_ = 0;
  // the bridge in progress
  fsconf::BridgePlan plan_;
  size_t group_ = 0;
  bool bridging_ = false;
  Leg* bridged_ = nullptr;
  Profile* b_profile_ = nullptr;  // where the bridge's B legs go (for their media address)
  Cause last_cause_ = Cause::none;
  int next_leg_ = 1;
  su_timer_t* timer_ = nullptr;         // sleep
  su_timer_t* bridge_timer_ = nullptr;  // call_timeout
  // a re-INVITE passed from one leg to the other, waiting for the other's answer
  Leg* reinvite_from_ = nullptr;
  std::vector<std::unique_ptr<std::string>> phrases_;
};

}  // namespace rtpx::sip
