// The dialplan applications as the sip plugin runs them, end to end: a caller no gateway has
// (kUnknownIp, caller_uac.xml) calls the external profile, its call is routed in the profile's
// context `public`, and the test's own dialplan/public.xml (next to the provider's files, which
// stay verbatim) has one extension per application: respond, ring_ready / pre_answer / answer /
// hangup, transfer, deflect, an application the plugin does not have, bridge with
// continue_on_fail, hangup_after_bridge, leg_timeout and `,` (ring at once). What the caller saw
// (caller_uac.xml logs each answer, in order, with the SDP's address and sipp's clock), what the
// trunks and the phone saw, rtpxd's log, and `rtpx list|stats|service sip.calls` afterwards are
// the witnesses.
//
// Skipped when the sip and dialplan plugins are not part of the build.

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/sip/sip_fixture.hpp"

namespace rtpx::test::sip {
namespace {

// Context `public` (the external profile's context: calls from addresses no gateway has). The
// numbers are the tests' own; the trunk numbers say which test dialed them.
constexpr const char* kPublicXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<include>
  <context name="public">
    <extension name="busy">
      <condition field="destination_number" expression="^7001$">
        <action application="respond" data="486 Busy Here"/>
      </condition>
    </extension>
    <extension name="ring-early-answer">
      <condition field="destination_number" expression="^7002$">
        <action application="ring_ready"/>
        <action application="sleep" data="300"/>
        <action application="pre_answer"/>
        <action application="sleep" data="300"/>
        <action application="answer"/>
        <action application="sleep" data="500"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="transfer">
      <condition field="destination_number" expression="^7003$">
        <action application="transfer" data="16468097065 XML wavix"/>
      </condition>
    </extension>
    <extension name="deflect">
      <condition field="destination_number" expression="^7004$">
        <action application="deflect" data="5559999"/>
      </condition>
    </extension>
    <extension name="unknown-application">
      <condition field="destination_number" expression="^7005$">
        <action application="playback" data="/tmp/x.wav"/>
        <action application="answer"/>
      </condition>
    </extension>
    <extension name="busy-goes-on">
      <condition field="destination_number" expression="^7006$">
        <action application="set" data="continue_on_fail=USER_BUSY"/>
        <action application="bridge" data="sofia/gateway/wavix/16465550106"/>
        <action application="bridge" data="user/1000@${domain}"/>
      </condition>
    </extension>
    <extension name="unavailable-stops">
      <condition field="destination_number" expression="^7007$">
        <action application="set" data="continue_on_fail=USER_BUSY"/>
        <action application="bridge" data="sofia/gateway/wavix_fo/16465550107"/>
        <action application="bridge" data="user/1000@${domain}"/>
      </condition>
    </extension>
    <extension name="hangup-after-bridge">
      <condition field="destination_number" expression="^7008$">
        <action application="set" data="hangup_after_bridge=true"/>
        <action application="bridge" data="user/1000@${domain}"/>
        <action application="log" data="INFO apps-after-bridge ${destination_number}"/>
        <action application="bridge" data="sofia/gateway/wavix/16465550108"/>
      </condition>
    </extension>
    <extension name="goes-on-after-bridge">
      <condition field="destination_number" expression="^7009$">
        <action application="bridge" data="user/1000@${domain}"/>
        <action application="log" data="INFO apps-after-bridge ${destination_number}"/>
        <action application="bridge" data="sofia/gateway/wavix/16465550109"/>
        <action application="hangup" data="NORMAL_CLEARING"/>
      </condition>
    </extension>
    <extension name="leg-timeout">
      <condition field="destination_number" expression="^7010$">
        <action application="bridge" data="{leg_timeout=2}sofia/gateway/wavix/16465550110"/>
        <action application="bridge" data="user/1000@${domain}"/>
      </condition>
    </extension>
    <extension name="ring-at-once">
      <condition field="destination_number" expression="^7011$">
        <action application="bridge" data="user/1000@${domain},sofia/gateway/wavix/16465550111"/>
      </condition>
    </extension>
  </context>
</include>
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// sipp's clock (ms) on a caller_uac.xml line; -1 without one.
int64_t tick(const std::string& line) {
  const std::string t = field(line, "t");
  return t.empty() ? -1 : std::atoll(t.c_str());
}

class SipApps : public SipCallTest {
 protected:
  SipApps() { conf_.dialplans["public"] = kPublicXml; }

  // The unknown caller (127.0.0.5) calls `number` on the external profile; hold_ms after an
  // answer it hangs up, unless rtpx does first.
  Sipp& call(const std::string& number, int hold_ms = 1000) {
    SippOptions o;
    o.scenario = "caller_uac.xml";
    o.local = Endpoint{kUnknownIp, ports_.did.port};
    o.remote = ports_.external;
    o.media = Endpoint{kUnknownIp, ports_.did_media.port};
    o.service = number;
    o.keys = {{"caller", "12125550100"}};
    o.calls = 1;
    o.hold_ms = hold_ms;
    o.timeout_s = 30;
    o.recv_timeout_ms = 15000;
    return start_sipp("caller_" + number + "_" + std::to_string(++uac_runs_), o);
  }

  // The caller ran to its end (exit 0).
  void expect_finished(Sipp& caller, milliseconds timeout = milliseconds(20000)) {
    EXPECT_EQ(finish(caller, timeout), 0) << caller.report() << tail(rtpxd_log_, 6000);
  }

  // Phone 1000 answering (phone_uas.xml, no audio; it hangs up hangup_ms after its answer when
  // given) and registered.
  void start_registered_phone(int hangup_ms = 0) {
    SippOptions uas;
    uas.scenario = "phone_uas.xml";
    uas.local = ports_.phone_uas;
    uas.media = ports_.phone_uas_media;
    uas.globals = {{"no_media", "1"}};
    if (hangup_ms > 0) uas.globals.emplace_back("hangup_ms", std::to_string(hangup_ms));
    phone_uas_ = &start_sipp("phone_uas", uas);
    ASSERT_NO_FATAL_FAILURE(register_phone());
  }
  Sipp& phone() { return *phone_uas_; }

  // The one line of `events` (fails the test when there is not exactly one).
  static std::string only(const std::vector<std::string>& events, const Sipp& who,
                          const char* what) {
    EXPECT_EQ(events.size(), 1u) << what << "\n" << who.report();
    return events.empty() ? std::string() : events.front();
  }

  // The caller's one refusal: its code.
  static std::string refusal(const Sipp& caller) {
    return field(only(caller.events("REJECTED"), caller, "no (single) refusal"), "code");
  }

  // The rtpxd.log line (rtpxd and the plugin host) that has every one of `parts`.
  std::string log_line_with(const std::vector<std::string>& parts) {
    for (const std::string& line : lines_of(read_file(rtpxd_log_))) {
      bool all = true;
      for (const std::string& p : parts) all = all && line.find(p) != std::string::npos;
      if (all) return line;
    }
    return {};
  }

  json counters() { return cli({"service", "sip.calls"}).value("counters", json::object()); }
};

// `respond 486 Busy Here`: the caller gets 486 with that phrase (ringing and early media never
// came), it is ACKed, and neither rtpxd nor the plugin keeps anything.
TEST_F(SipApps, RespondSendsTheStatus) {
  ASSERT_NO_FATAL_FAILURE(start_rtpx());
  Sipp& caller = call("7001");
  expect_finished(caller);
  const std::string rejected = only(caller.events("REJECTED"), caller, "no 486");
  EXPECT_EQ(field(rejected, "code"), "486") << rejected;
  EXPECT_NE(rejected.find("reason=Busy Here"), std::string::npos) << rejected;
  EXPECT_EQ(caller.count("RINGING") + caller.count("EARLY") + caller.count("ANSWERED"), 0u)
      << caller.report();
  expect_nothing_left("after respond 486");
  EXPECT_EQ(counters().value("calls_answered", -1), 0);
}

// ring_ready, sleep 300, pre_answer, sleep 300, answer, sleep 500, hangup: the caller sees 180,
// then (300 ms later) 183 whose SDP is rtpxd's (127.0.0.1, a relay port; not the caller's own
// 127.0.0.5), then (300 ms later) 200 with the same rtpxd port, then (500 ms later) rtpx's BYE.
TEST_F(SipApps, RingReadyPreAnswerAnswerHangup) {
  ASSERT_NO_FATAL_FAILURE(start_rtpx());
  Sipp& caller = call("7002", 8000);  // rtpx hangs up long before
  expect_finished(caller);
  const std::string ringing = only(caller.events("RINGING"), caller, "no 180");
  const std::string early = only(caller.events("EARLY"), caller, "no 183");
  const std::string answered = only(caller.events("ANSWERED"), caller, "no 200");
  const std::string bye = only(caller.events("BYE_RECEIVED"), caller, "no BYE from rtpx");
  EXPECT_EQ(caller.count("HUNGUP"), 0u) << "the caller hung up first\n" << caller.report();

  EXPECT_EQ(field(early, "c"), kRtpxIp) << early;
  EXPECT_TRUE(in_relay_range(field(early, "c") + ":" + field(early, "port"))) << early;
  EXPECT_NE(field(early, "port"), std::to_string(ports_.did_media.port)) << early;
  EXPECT_EQ(field(answered, "c"), kRtpxIp) << answered;
  EXPECT_EQ(field(answered, "port"), field(early, "port"))
      << "the 200 moved the media to another rtpxd port\n"
      << early << "\n"
      << answered;

  // The sleeps between (sipp's clock; ms).
  const int64_t t180 = tick(ringing), t183 = tick(early), t200 = tick(answered), tbye = tick(bye);
  EXPECT_GE(t183 - t180, 250) << ringing << "\n" << early;
  EXPECT_GE(t200 - t183, 250) << early << "\n" << answered;
  EXPECT_GE(tbye - t200, 400) << answered << "\n" << bye;
  EXPECT_LT(tbye - t200, 3000) << answered << "\n" << bye;
  expect_nothing_left("after the locally answered call");
  EXPECT_EQ(counters().value("calls_answered", -1), 1);
}

// `transfer 16468097065 XML wavix`: the call is hunted again in context wavix, where in-wavix
// bridges it to user 1000: the phone rings, answers, and gets the BYE when the caller hangs up.
TEST_F(SipApps, TransferHuntsAgainInTheNamedContext) {
  ASSERT_NO_FATAL_FAILURE(start_rtpx());
  ASSERT_NO_FATAL_FAILURE(start_registered_phone());
  Sipp& caller = call("7003");
  expect_finished(caller);
  EXPECT_EQ(caller.count("ANSWERED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  const std::string invite = only(phone().events("INVITE"), phone(), "1000 was not called");
  EXPECT_EQ(field(invite, "ruri_user"), "1000") << invite;
  EXPECT_TRUE(wait_until([&] { return phone().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << phone().report();
  expect_nothing_left("after the transferred call");
}

// `deflect 5559999` before any answer: 302 Moved Temporarily with Contact sip:5559999@ (the
// host the caller called), ACKed, nothing left.
TEST_F(SipApps, DeflectRedirectsWith302) {
  ASSERT_NO_FATAL_FAILURE(start_rtpx());
  Sipp& caller = call("7004");
  expect_finished(caller);
  const std::string rejected = only(caller.events("REJECTED"), caller, "no 302");
  EXPECT_EQ(field(rejected, "code"), "302") << rejected;
  EXPECT_EQ(field(rejected, "contact").rfind("sip:5559999@", 0), 0u) << rejected;
  EXPECT_EQ(caller.count("ANSWERED"), 0u) << caller.report();
  expect_nothing_left("after deflect");
}

// An application the plugin does not have (`playback`): the call fails with 502
// (DESTINATION_OUT_OF_ORDER) before the `answer` after it, and the host log names the
// application for that call.
TEST_F(SipApps, UnknownApplicationFailsTheCallWith502) {
  ASSERT_NO_FATAL_FAILURE(start_rtpx());
  Sipp& caller = call("7005");
  expect_finished(caller);
  const std::string rejected = only(caller.events("REJECTED"), caller, "no 502");
  EXPECT_EQ(field(rejected, "code"), "502") << rejected;
  EXPECT_EQ(caller.count("ANSWERED"), 0u) << caller.report();
  const std::string id = field(rejected, "call");
  EXPECT_FALSE(log_line_with({id, "playback"}).empty())
      << "no rtpxd.log line names the application for call " << id << "\n"
      << tail(rtpxd_log_);
  expect_nothing_left("after the unknown application");
}

// continue_on_fail=USER_BUSY and wavix answers 486 (USER_BUSY): the cause is listed, the
// dialplan goes on to `bridge user/1000`, which answers.
TEST_F(SipApps, ContinueOnFailListingTheCauseGoesOn) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_486.xml", "trunk_uas_503.xml"));
  ASSERT_NO_FATAL_FAILURE(start_registered_phone());
  Sipp& caller = call("7006");
  expect_finished(caller);
  EXPECT_EQ(caller.count("ANSWERED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  const std::string tried = only(wavix().events("INVITE"), wavix(), "wavix was not tried");
  EXPECT_EQ(field(tried, "ruri_user"), "16465550106") << tried;
  EXPECT_EQ(wavix().count("REJECTED 486"), 1u) << wavix().report();
  EXPECT_EQ(field(only(phone().events("INVITE"), phone(), "1000 was not called"), "ruri_user"),
            "1000");
  EXPECT_TRUE(wait_until([&] { return phone().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << phone().report();
  EXPECT_EQ(wavix_fo().count("INVITE"), 0u) << wavix_fo().report();
  expect_nothing_left("after the busy trunk and the phone");
}

// continue_on_fail=USER_BUSY and wavix_fo answers 503 (NORMAL_TEMPORARY_FAILURE): not listed,
// so the call ends with 503 and user 1000 is never tried.
TEST_F(SipApps, ContinueOnFailNotListingTheCauseStops) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_486.xml", "trunk_uas_503.xml"));
  ASSERT_NO_FATAL_FAILURE(start_registered_phone());
  Sipp& caller = call("7007");
  expect_finished(caller);
  EXPECT_EQ(refusal(caller), "503") << caller.report();
  const std::string tried = only(wavix_fo().events("INVITE"), wavix_fo(), "wavix_fo not tried");
  EXPECT_EQ(field(tried, "ruri_user"), "16465550107") << tried;
  EXPECT_EQ(phone().count("INVITE"), 0u) << "1000 was called after a 503\n" << phone().report();
  EXPECT_EQ(wavix().count("INVITE"), 0u) << wavix().report();
  expect_nothing_left("after the refused bridge");
}

// hangup_after_bridge=true: phone 1000 answers and hangs up 1 s later; the caller gets rtpx's
// BYE right then (within a second of the phone's BYE), and nothing after the bridge runs (no
// log line, no call to wavix).
TEST_F(SipApps, HangupAfterBridgeEndsTheCallWithTheCallee) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  ASSERT_NO_FATAL_FAILURE(start_registered_phone(1000));
  Sipp& caller = call("7008", 8000);
  ASSERT_TRUE(wait_until([&] { return phone().count("BYE_SENT") > 0 || !caller.running(); },
                         milliseconds(15000), milliseconds(10)))
      << phone().report() << caller.report();
  const auto phone_hung_up = Clock::now();
  ASSERT_TRUE(wait_until([&] { return caller.count("BYE_RECEIVED") > 0 || !caller.running(); },
                         milliseconds(5000), milliseconds(10)))
      << caller.report();
  const auto waited =
      std::chrono::duration_cast<milliseconds>(Clock::now() - phone_hung_up).count();
  EXPECT_LT(waited, 1000) << "the caller's BYE came " << waited << " ms after the phone's";
  expect_finished(caller);
  EXPECT_EQ(caller.count("ANSWERED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("BYE_RECEIVED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 0u) << caller.report();
  EXPECT_TRUE(log_line_with({"apps-after-bridge"}).empty())
      << "the dialplan went on after the bridge\n"
      << tail(rtpxd_log_);
  EXPECT_EQ(wavix().count("INVITE"), 0u) << wavix().report();
  expect_nothing_left("after hangup_after_bridge");
}

// Without hangup_after_bridge the dialplan goes on when the callee hangs up: the log line after
// the bridge is written and the next bridge calls wavix, which answers; the caller gets no BYE
// and hangs up itself later, and wavix gets that BYE.
TEST_F(SipApps, DialplanGoesOnAfterTheBridgedCalleeHangsUp) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  ASSERT_NO_FATAL_FAILURE(start_registered_phone(1000));
  Sipp& caller = call("7009", 4000);
  expect_finished(caller);
  EXPECT_EQ(caller.count("ANSWERED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("BYE_RECEIVED"), 0u) << "rtpx hung up with the first callee\n"
                                              << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  EXPECT_EQ(phone().count("BYE_SENT"), 1u) << phone().report();
  const std::string id = field(only(caller.events("ANSWERED"), caller, "no 200"), "call");
  EXPECT_FALSE(log_line_with({id, "apps-after-bridge 7009"}).empty())
      << "no log line from the action after the bridge\n"
      << tail(rtpxd_log_);
  const std::string invite = only(wavix().events("INVITE"), wavix(), "the next bridge");
  EXPECT_EQ(field(invite, "ruri_user"), "16465550109") << invite;
  EXPECT_EQ(wavix().count("ANSWERED"), 1u) << wavix().report();
  EXPECT_TRUE(wait_until([&] { return wavix().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << wavix().report();
  expect_nothing_left("after the second bridge");
}

// {leg_timeout=2} on a bridge to wavix, which only rings: 2 s later rtpx cancels it (wavix gets
// the CANCEL and ACKs its 487) and the dialplan goes on (NO_ANSWER) to user 1000, who answers.
TEST_F(SipApps, LegTimeoutCancelsAndTheDialplanGoesOn) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_ring.xml"));
  ASSERT_NO_FATAL_FAILURE(start_registered_phone());
  Sipp& caller = call("7010");
  expect_finished(caller);
  const std::string ringing = only(caller.events("RINGING"), caller, "no 180 from wavix");
  const std::string answered = only(caller.events("ANSWERED"), caller, "no answer from 1000");
  const int64_t rang = tick(answered) - tick(ringing);
  EXPECT_GE(rang, 1800) << "leg_timeout=2 cut the ringing short\n" << ringing << "\n" << answered;
  EXPECT_LT(rang, 4000) << "leg_timeout=2 not applied\n" << ringing << "\n" << answered;
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  EXPECT_EQ(field(only(wavix().events("INVITE"), wavix(), "wavix not tried"), "ruri_user"),
            "16465550110");
  EXPECT_TRUE(wait_until([&] { return wavix().count("CANCELLED") == 1; }, milliseconds(5000)))
      << "wavix got no CANCEL (or no ACK for its 487)\n"
      << wavix().report();
  EXPECT_EQ(field(only(phone().events("INVITE"), phone(), "1000 was not called"), "ruri_user"),
            "1000");
  EXPECT_TRUE(wait_until([&] { return phone().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << phone().report();
  expect_nothing_left("after leg_timeout");
}

// `bridge user/1000@${domain},sofia/gateway/wavix/N`: both ring at once; the phone answers, so
// wavix (still ringing) gets a CANCEL, and the call is up with the phone until the caller
// hangs up.
TEST_F(SipApps, RingAtOnceCancelsTheLoser) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_ring.xml"));
  ASSERT_NO_FATAL_FAILURE(start_registered_phone());
  Sipp& caller = call("7011", 2000);
  ASSERT_TRUE(wait_until([&] { return caller.count("ANSWERED") > 0 || !caller.running(); },
                         milliseconds(10000)))
      << caller.report();
  EXPECT_EQ(field(only(wavix().events("INVITE"), wavix(), "wavix not rung"), "ruri_user"),
            "16465550111");
  EXPECT_TRUE(wait_until([&] { return wavix().count("CANCELLED") == 1; }, milliseconds(1500)))
      << "wavix got no CANCEL while the call is up with the phone\n"
      << wavix().report();
  EXPECT_TRUE(caller.running()) << "the call did not stay up\n" << caller.report();
  expect_finished(caller);
  EXPECT_EQ(caller.count("ANSWERED"), 1u) << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  EXPECT_EQ(field(only(phone().events("INVITE"), phone(), "1000 not rung"), "ruri_user"), "1000");
  EXPECT_EQ(phone().count("ANSWERED"), 1u) << phone().report();
  EXPECT_TRUE(wait_until([&] { return phone().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << phone().report();
  expect_nothing_left("after ringing two at once");
}

}  // namespace
}  // namespace rtpx::test::sip
