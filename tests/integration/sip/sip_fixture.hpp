#pragma once
// GoogleTest fixtures for SIP calls through rtpx: sipp trunks and phones on loopback addresses
// (sip_ports.hpp), a FreeSWITCH conf dir made from the provider fixtures (sip_conf_dir.hpp), and
// rtpxd with its supervised plugin host loading the dialplan and sip plugins.
//
// SipTest gives a work dir, the ports, the test's credentials and sipp helpers (the scenario
// self-checks need no more). SipCallTest writes the conf dir (skipping the test when the plugins
// are not built), starts rtpx after the trunks (start_trunks(), or start_rtpx() for a custom
// set) and adds what the call tests ask of it: `rtpx gateway status|registrations|list|stats|
// service --json` through the real CLI, the per-party media counters rtpxd keeps for each call,
// and the check that nothing is left over.
// Work dirs are /tmp/rtpx-sip-XXXXXX, removed unless RTPX_KEEP_TMP is set; a failing test prints
// the tails of every log.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/client/control_client.hpp"
#include "tests/integration/sip/sip_conf_dir.hpp"
#include "tests/integration/sip/sip_ports.hpp"
#include "tests/integration/sip/sipp_run.hpp"
#include "tests/integration/sip/test_process.hpp"

namespace rtpx::test::sip {

using nlohmann::json;

class SipTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts a sipp (named for its logs); a UAS (no remote) is waited for until it listens.
  Sipp& start_sipp(const std::string& name, const SippOptions& options);
  // A trunk's sipp (trunk_registrar.xml, trunk_uas.xml, trunk_uas_503.xml, ...) at `at`, its
  // registrar expecting `password` (default: the test's trunk password) and granting `expires`
  // seconds; its digest realm is the gateway's realm as configured (the host:port).
  Sipp& start_trunk(const std::string& name, const std::string& scenario, const Endpoint& at,
                    const std::optional<Endpoint>& media, int expires = 5,
                    std::optional<std::string> password = std::nullopt);
  // The keys of the trunk scenarios.
  SippOptions trunk_options(const std::string& scenario, const Endpoint& at,
                            const std::optional<Endpoint>& media, int expires,
                            const std::string& password) const;
  // Waits for a UAC's exit; ADD_FAILURE (with its logs) when it does not exit in time.
  std::optional<int> finish(Sipp& uac, milliseconds timeout);

  void dump_logs() const;

  SipPorts ports_;
  SipConf conf_;
  std::string dir_;
  std::vector<std::unique_ptr<Sipp>> sipps_;
};

// What rtpxd reported about one call: packets it received from each party (keyed by the party's
// name when its media address is known, else by "ip:port"), the highest values seen.
struct CallMedia {
  std::map<std::string, int64_t> packets_from;
  std::vector<std::string> locals;  // rtpxd's ports for the call
  size_t legs = 0;
};

// Media seen from `who` in the one call of `seen` (-1: no such call or party).
int64_t packets_from(const std::map<std::string, CallMedia>& seen, const std::string& who);
// `seen` as text, for failure messages.
std::string describe(const std::map<std::string, CallMedia>& seen);

class SipCallTest : public SipTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // rtpxd (+ rtpx-plugins + dialplan + sip) on this test's ports; returns when the SIP profiles
  // listen and sip.gateways answers.
  void start_rtpx();
  // SIGTERM to rtpxd (which stops the plugin host); its exit code.
  int stop_rtpx();

  // The trunks of most tests: wavix (127.0.0.2) and wavix_fo (127.0.0.3) answering calls and
  // registrations, each registered (REGED) before this returns.
  void start_trunks(const std::string& wavix_scenario = "trunk_uas.xml",
                    const std::string& wavix_fo_scenario = "trunk_uas.xml");
  Sipp& wavix() { return *wavix_; }
  Sipp& wavix_fo() { return *wavix_fo_; }
  // The answering phone at 127.0.0.10, then user 1000's registration pointing at it.
  Sipp& start_phone_uas();
  void register_phone();
  // Phone 1000 calls `number` through the internal profile (phone_uac.xml, or
  // phone_uac_rejected.xml); hold_ms after the answer it hangs up.
  Sipp& start_phone_call(const std::string& number, int hold_ms, int calls = 1, int limit = 1,
                         int rate = 1, const std::string& scenario = "phone_uac.xml",
                         bool media = true);
  // The wavix trunk calls DID `number` from its own address (trunk_uac_did.xml).
  Sipp& start_did_call(const std::string& number, int hold_ms);
  // Phone 1000's call to `number` through the internal profile with any phone scenario: -au/-ap,
  // keys caller and domain, media at phone_uac_media, one call; the caller adds the rest.
  SippOptions phone_call_options(const std::string& number, const std::string& scenario) const;
  // phone_register.xml for user 1000 with `password`, its Contact the answering phone (one
  // REGISTER dialog, expires 3600).
  SippOptions phone_register_options(const std::string& password) const;
  // Until `rtpx registrations` lists 1000 with the answering phone's Contact; the last listing
  // in *last.
  bool wait_phone_registered(milliseconds timeout, json* last = nullptr);

  // `rtpx --socket S --json ARGS...`: the parsed output; ADD_FAILURE and null on an error.
  json cli(const std::vector<std::string>& args);
  // `rtpx --socket S ARGS...`: what an operator reads (no --json); ADD_FAILURE on an error exit.
  std::string cli_text(const std::vector<std::string>& args);
  // A plugin service through rtpxd (plugins.call); nullopt on an error reply.
  std::optional<json> service(const std::string& name, const json& request = json::object());
  // One gateway's entry of `rtpx gateway status NAME --json` (an empty object when absent).
  json gateway(const std::string& name);
  std::string gateway_state(const std::string& name);
  bool wait_gateway_state(const std::string& name, const std::string& state, milliseconds timeout);

  // Every call rtpxd has, merged into seen; returns how many it has now.
  size_t observe(std::map<std::string, CallMedia>& seen);
  // Observes until `uac` exits; its exit code (nullopt: still running after timeout).
  std::optional<int> watch(Sipp& uac, std::map<std::string, CallMedia>& seen, size_t* max_calls,
                           milliseconds timeout);
  // The party names of media addresses (sipp -mi:-mp).
  std::string party(const std::string& peer) const;
  bool in_relay_range(const std::string& addr) const;

  // Nothing left: no call in rtpxd (`rtpx list`), no port or session in use (`rtpx stats`), no
  // call in the sip plugin (`rtpx service sip.calls`).
  void expect_nothing_left(const char* when);

  client::ControlClient& control() { return control_; }

  // Set before SetUp(): the internal profile also listens on TLS (ports_.internal_tls) with a
  // self-signed certificate made for the test.
  bool internal_tls_ = false;

  // [plugins.dialplan] e164 form start_rtpx() writes ("digits", "plus"; empty: no e164 table).
  std::string dialplan_e164_form_;

  std::string rtpxd_log_;
  std::string socket_;
  std::optional<Child> rtpxd_;
  client::ControlClient control_;
  Sipp* wavix_ = nullptr;
  Sipp* wavix_fo_ = nullptr;
  Sipp* phone_uas_ = nullptr;
  int cli_runs_ = 0;
  int uac_runs_ = 0;
};

}  // namespace rtpx::test::sip
