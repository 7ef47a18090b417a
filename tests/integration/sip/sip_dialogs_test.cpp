// SIP dialogs through rtpx beyond the plain call (sip_calls_test.cpp): a phone on TCP, a call
// cancelled while it rings, hold and unhold by re-INVITE, early media, and session timers. Same
// topology and witnesses: the sipp logs (what each party saw and what the SDP said), rtpxd's
// per-leg packet counters, a UDP socket of the test's own where rtpxd sends a phone's audio,
// and `rtpx list|stats|service sip.calls` for what is left afterwards.
//
// Skipped when the sip and dialplan plugins are not part of the build.

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <thread>

#include "tests/integration/sip/sip_fixture.hpp"
#include "tests/integration/sip/udp_probe.hpp"

namespace rtpx::test::sip {
namespace {

using std::chrono::seconds;

class SipDialogs : public SipCallTest {
 protected:
  // wavix with `wavix_options` (see trunk_options), wavix_fo answering, rtpx, both REGED.
  void start_trunks_with(SippOptions wavix_options) {
    wavix_ = &start_sipp("wavix", wavix_options);
    wavix_fo_ = &start_trunk("wavix_fo", "trunk_uas.xml", ports_.wavix_fo, ports_.wavix_fo_media);
    ASSERT_NO_FATAL_FAILURE(start_rtpx());
    for (const char* gw : {"wavix", "wavix_fo"}) {
      ASSERT_TRUE(wait_gateway_state(gw, "REGED", milliseconds(20000)))
          << "gateway " << gw << " did not register: " << gateway(gw).dump();
    }
  }

  // The one line of `events` (fails the test when there is not exactly one).
  static std::string only(const std::vector<std::string>& events, const Sipp& who,
                          const char* what) {
    EXPECT_EQ(events.size(), 1u) << what << "\n" << who.report();
    return events.empty() ? std::string() : events.front();
  }

  // "127.0.0.1" and a port of rtpxd's range: the SDP a party got names rtpxd, not the other
  // party.
  void expect_rtpxd_media(const std::string& line) {
    EXPECT_EQ(field(line, "c"), kRtpxIp) << line;
    EXPECT_TRUE(in_relay_range(field(line, "c") + ":" + field(line, "port"))) << line;
  }
};

// Phone 1000 registers over TCP (sipp -t t1: one connection, no UDP socket at all) and calls a
// number that leaves through wavix over that connection; the call is answered, media flows
// through rtpxd both ways, and the BYE on TCP ends it. A second call over TCP to user 1000
// reaches the registered (UDP) phone.
TEST_F(SipDialogs, PhoneRegistersAndCallsOverTcp) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  Sipp& uas = start_phone_uas();

  SippOptions reg = phone_register_options(conf_.extension_password);
  reg.transport = "t1";
  Sipp& r = start_sipp("phone_register_tcp", reg);
  ASSERT_EQ(finish(r, milliseconds(25000)), 0) << r.report() << tail(rtpxd_log_);
  json regs;
  ASSERT_TRUE(wait_phone_registered(milliseconds(5000), &regs)) << regs.dump();
  EXPECT_EQ(regs["registrations"][0].value("network_addr", ""), kPhoneIp) << regs.dump();

  SippOptions call = phone_call_options("16465550100", "phone_uac.xml");
  call.transport = "t1";
  call.hold_ms = 2000;
  Sipp& c = start_sipp("phone_uac_tcp", call);
  std::map<std::string, CallMedia> seen;
  const auto rc = watch(c, seen, nullptr, milliseconds(30000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << c.report() << wavix().report() << tail(rtpxd_log_);
  EXPECT_EQ(c.count("ANSWERED"), 1u) << c.report();
  EXPECT_EQ(c.count("HUNGUP"), 1u) << c.report();
  const auto invites = wavix().events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << wavix().report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "16465550100");
  EXPECT_TRUE(wait_until([&] { return wavix().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << wavix().report();
  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uac"), 50) << describe(seen);
  EXPECT_GT(packets_from(seen, "wavix"), 50) << describe(seen);
  expect_nothing_left("after the TCP call to wavix");

  SippOptions local = phone_call_options("1000", "phone_uac.xml");
  local.transport = "t1";
  local.hold_ms = 2500;  // the local extension answers, sleeps 1 s, then bridges
  local.globals = {{"no_media", "1"}};
  Sipp& l = start_sipp("phone_uac_tcp_local", local);
  EXPECT_EQ(finish(l, milliseconds(30000)), 0) << l.report() << uas.report() << tail(rtpxd_log_);
  EXPECT_EQ(l.count("HUNGUP"), 1u) << l.report();
  const auto rung = uas.events("INVITE");
  ASSERT_EQ(rung.size(), 1u) << uas.report();
  EXPECT_EQ(field(rung[0], "ruri_user"), "1000");
  EXPECT_TRUE(wait_until([&] { return uas.count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << uas.report();
  expect_nothing_left("after the TCP call to 1000");
}

// The phone gives up while wavix rings (180, never an answer): rtpx CANCELs the INVITE it sent
// to wavix (wavix answers 487 and gets its ACK), the phone's CANCEL gets 200 and its INVITE
// 487, no other bridge is tried, and neither rtpxd nor the plugin keeps anything.
TEST_F(SipDialogs, PhoneCancelsWhileTheTrunkRings) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_ring.xml"));
  SippOptions o = phone_call_options("16465550100", "phone_uac_cancel.xml");
  o.hold_ms = 1000;  // rings 1 s before the CANCEL
  Sipp& call = start_sipp("phone_uac_cancel", o);
  ASSERT_EQ(finish(call, milliseconds(30000)), 0)
      << call.report() << wavix().report() << tail(rtpxd_log_);
  EXPECT_EQ(field(only(call.events("RINGING"), call, "no 180 before the CANCEL"), "code"), "180");
  EXPECT_EQ(call.count("CANCEL_ANSWERED"), 1u) << call.report();
  EXPECT_EQ(field(only(call.events("CANCELLED"), call, "no 487"), "code"), "487");

  ASSERT_EQ(wavix().count("INVITE"), 1u) << wavix().report();
  EXPECT_EQ(wavix().count("RINGING"), 1u) << wavix().report();
  EXPECT_TRUE(wait_until([&] { return wavix().count("CANCELLED") == 1; }, milliseconds(5000)))
      << "wavix got no CANCEL (or no ACK for its 487)\n"
      << wavix().report();
  EXPECT_EQ(wavix().count("CANCEL_RECEIVED"), 1u) << wavix().report();
  EXPECT_EQ(wavix_fo().count("INVITE"), 0u) << "a cancelled call goes nowhere else\n"
                                            << wavix_fo().report();
  expect_nothing_left("after the cancelled call");
  const json calls = cli({"service", "sip.calls"});
  EXPECT_EQ(calls["counters"].value("calls_answered", -1), 0) << calls.dump();
}

// After the answer the phone holds (re-INVITE a=sendonly) and resumes (a=sendrecv): each
// re-INVITE reaches wavix with rtpxd's address and ports (never the phone's) and the phone's
// direction; wavix's answers (recvonly, sendrecv) come back to the phone in 200s whose SDP
// names rtpxd; and the audio of both parties still flows through rtpxd after the unhold.
TEST_F(SipDialogs, ReinviteHoldAndUnholdPassThroughRtpxd) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_reinvite.xml"));
  SippOptions o = phone_call_options("16465550100", "phone_uac_hold.xml");
  o.hold_ms = 3000;  // after the unhold (at +2 s), 3 s more of audio both ways
  Sipp& call = start_sipp("phone_uac_hold", o);

  std::map<std::string, CallMedia> seen;
  std::map<std::string, int64_t> at_unhold;
  const auto deadline = Clock::now() + seconds(30);
  while (call.running() && Clock::now() < deadline) {
    observe(seen);
    if (at_unhold.empty() && call.count("UNHOLD_ANSWERED") > 0 && seen.size() == 1)
      at_unhold = seen.begin()->second.packets_from;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(finish(call, milliseconds(1000)), 0)
      << call.report() << wavix().report() << tail(rtpxd_log_);

  // The phone's view: every answer names rtpxd.
  const std::string answered = only(call.events("ANSWERED"), call, "no answer");
  expect_rtpxd_media(answered);
  const std::string held = only(call.events("HOLD_ANSWERED"), call, "hold not answered");
  EXPECT_EQ(field(held, "code"), "200") << held;
  expect_rtpxd_media(held);
  EXPECT_EQ(field(held, "dir"), "recvonly") << "wavix's answer to the hold: " << held;
  const std::string resumed = only(call.events("UNHOLD_ANSWERED"), call, "unhold not answered");
  EXPECT_EQ(field(resumed, "code"), "200") << resumed;
  expect_rtpxd_media(resumed);
  EXPECT_EQ(field(resumed, "dir"), "sendrecv") << resumed;

  // wavix's view: both offers come from rtpxd, directions passed on.
  const auto offers = wavix().events("REINVITE ");
  ASSERT_EQ(offers.size(), 2u) << wavix().report();
  for (const std::string& line : offers) {
    EXPECT_NE(field(line, "c"), kPhoneIp) << "the phone's address leaked: " << line;
    expect_rtpxd_media(line);
  }
  EXPECT_EQ(field(offers[0], "dir"), "sendonly") << offers[0];
  EXPECT_EQ(field(offers[1], "dir"), "sendrecv") << offers[1];
  EXPECT_EQ(wavix().count("REINVITE_ACKED"), 2u) << wavix().report();
  EXPECT_TRUE(wait_until([&] { return wavix().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << wavix().report();

  // Audio after the unhold, both ways.
  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  ASSERT_FALSE(at_unhold.empty()) << "the unhold was never seen\n" << call.report();
  for (const char* who : {"phone_uac", "wavix"}) {
    EXPECT_GE(packets_from(seen, who) - at_unhold[who], 50)
        << "no audio from " << who << " after the unhold (at unhold " << at_unhold[who] << ")\n"
        << describe(seen);
  }
  expect_nothing_left("after hold and unhold");
}

// wavix answers 183 with SDP, plays 4 s of audio, then 200 (the same 7 s stream goes on): the
// phone gets a 183 whose SDP names rtpxd, and the early audio reaches the phone's address from
// that rtpxd port before the answer. The test listens on the phone's media address itself
// (phone_uac_early.xml offers it), so every packet is counted where it arrives.
TEST_F(SipDialogs, EarlyMediaReachesThePhoneBeforeTheAnswer) {
  SippOptions w = trunk_options("trunk_uas_early.xml", ports_.wavix, ports_.wavix_media, 5,
                                conf_.trunk_password);
  w.hold_ms = 4000;  // early for 4 s
  ASSERT_NO_FATAL_FAILURE(start_trunks_with(w));
  UdpProbe phone_media(ports_.probe_media);

  SippOptions o = phone_call_options("16465550100", "phone_uac_early.xml");
  o.keys.emplace_back("probe_port", std::to_string(ports_.probe_media.port));
  o.hold_ms = 3500;  // the rest of the stream, after the answer
  Sipp& call = start_sipp("phone_uac_early", o);

  std::vector<Datagram> got;
  size_t before_answer = 0;
  bool answered = false;
  std::map<std::string, CallMedia> seen;
  const auto deadline = Clock::now() + seconds(30);
  while (call.running() && Clock::now() < deadline) {
    phone_media.receive(got, milliseconds(20));
    if (!answered && wavix().count("ANSWERING") > 0) {
      answered = true;
      before_answer = got.size();
    }
    observe(seen);
  }
  phone_media.receive(got, milliseconds(100));
  ASSERT_EQ(finish(call, milliseconds(1000)), 0)
      << call.report() << wavix().report() << tail(rtpxd_log_);

  const std::string early = only(call.events("EARLY"), call, "no 183 with SDP");
  expect_rtpxd_media(early);
  const std::string answer = only(call.events("ANSWERED"), call, "no 200");
  EXPECT_EQ(field(answer, "port"), field(early, "port")) << early << "\n" << answer;
  EXPECT_EQ(wavix().count("EARLY"), 1u) << wavix().report();

  ASSERT_TRUE(answered) << wavix().report();
  const std::string rtpxd_port = std::string(kRtpxIp) + ":" + field(early, "port");
  size_t foreign = 0;
  for (const Datagram& d : got) foreign += d.from != rtpxd_port ? 1 : 0;
  EXPECT_EQ(foreign, 0u) << "audio reached the phone from elsewhere than " << rtpxd_port;
  // 4 s of early audio is 200 packets of the 236; the answer came at the 4th second.
  EXPECT_GE(before_answer, 100u) << "early audio that arrived before the 200: " << before_answer
                                 << " of " << got.size() << "\n"
                                 << describe(seen);
  EXPECT_GE(got.size(), 180u) << describe(seen);
  EXPECT_GT(packets_from(seen, "wavix"), 180) << describe(seen);
  EXPECT_TRUE(wait_until([&] { return wavix().count("BYE_RECEIVED") == 1; }, milliseconds(5000)))
      << wavix().report();
  expect_nothing_left("after the call with early media");
}

// A phone asking for a session timer (Supported: timer, Session-Expires: S;refresher=uac) gets
// a 200 OK that carries Session-Expires with the phone as the refresher (and Require: timer).
// RFC 4028 lets the answerer refuse a too short interval with 422 and its Min-SE (sofia-sip's
// nua and FreeSWITCH both default to 120): a phone then asks again with the Min-SE, and the 200
// carries that. 1800 s (what phones commonly ask for) is accepted as asked.
TEST_F(SipDialogs, SessionTimerIsAnsweredWithSessionExpires) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  for (const char* asked : {"90", "1800"}) {
    SCOPED_TRACE(std::string("Session-Expires: ") + asked);
    SippOptions o = phone_call_options("16465550100", "phone_uac_timer.xml");
    o.keys.emplace_back("session_expires", asked);
    o.hold_ms = 1000;
    Sipp& call = start_sipp(std::string("phone_uac_timer_") + asked, o);
    ASSERT_EQ(finish(call, milliseconds(30000)), 0) << call.report() << tail(rtpxd_log_);

    const auto refused = call.events("TOO_SMALL");
    std::string expected = asked;
    if (!refused.empty()) {
      const std::string min_se = field(refused.back(), "min_se");
      std::cerr << "[ sip ] Session-Expires " << asked << ": 422 with Min-SE " << min_se << "\n";
      EXPECT_EQ(refused.size(), 1u) << call.report();
      EXPECT_GE(std::atoi(min_se.c_str()), 90) << refused.back();
      EXPECT_GT(std::atoi(min_se.c_str()), std::atoi(asked)) << "a 422 for an interval >= Min-SE";
      expected = min_se;
    }
    const std::string answered = only(call.events("ANSWERED"), call, "no 200");
    EXPECT_EQ(field(answered, "session_expires"), expected)
        << "the 200 OK has no (or another) Session-Expires: " << answered;
    EXPECT_EQ(field(answered, "refresher"), "uac") << answered;
    EXPECT_EQ(field(answered, "require"), "timer")
        << "RFC 4028: Require: timer when the UAC refreshes";
    EXPECT_EQ(call.count("HUNGUP"), 1u) << call.report();
  }
  EXPECT_EQ(wavix().count("INVITE"), 2u) << wavix().report();
  expect_nothing_left("after the session timer calls");
}

}  // namespace
}  // namespace rtpx::test::sip
