// The sipp scenarios checked against each other, without rtpx: each pair of the end-to-end
// topology (phones at 127.0.0.10, trunks at 127.0.0.2/.3) talks directly, so a failing call test
// later points at rtpx, not at a scenario. Covers: the registrar's digest check with sipp's
// verifyauth (right password, wrong password, wrong user) and refreshes within one sipp call;
// the trunk answering calls and registrations on one address; the DID call to the answering
// phone; a phone answering a 407 challenge with the ACK on the INVITE's branch; hang-ups from
// either side; and the 503 refusal as the phone sees it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/net/sock_addr.hpp"
#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/sip/sip_fixture.hpp"
#include "tests/integration/sip/udp_probe.hpp"

namespace rtpx::test::sip {
namespace {

class SippScenarios : public SipTest {
 protected:
  // phone_register.xml as the given user/password, to `registrar`; returns sipp's exit code.
  std::optional<int> register_as(const std::string& name, const Endpoint& registrar,
                                 const std::string& user, const std::string& password,
                                 int refreshes = 0) {
    SippOptions o;
    o.scenario = "phone_register.xml";
    o.local = ports_.phone_register;
    o.remote = registrar;
    o.service = user;
    o.auth_user = user;
    o.auth_password = password;
    o.keys = {{"domain", conf_.domain}, {"contact", ports_.phone_uas.str()}, {"expires", "3600"}};
    if (refreshes > 0)
      o.globals = {{"refreshes", std::to_string(refreshes)}, {"refresh_ms", "300"}};
    o.calls = 1;
    o.timeout_s = 15;
    return finish(start_sipp(name, o), milliseconds(20000));
  }

  SippOptions phone_call(const std::string& scenario, const Endpoint& to, int hold_ms,
                         const std::string& auth_user = "1000") {
    SippOptions o;
    o.scenario = scenario;
    o.local = ports_.phone_uac;
    o.remote = to;
    o.media = ports_.phone_uac_media;
    o.service = "16465550100";
    o.auth_user = auth_user;
    o.auth_password = conf_.extension_password;
    o.keys = {{"caller", "1000"}, {"domain", conf_.domain}};
    o.calls = 1;
    o.hold_ms = hold_ms;
    o.timeout_s = 20;
    o.recv_timeout_ms = 10000;
    return o;
  }
};

// The right digest gets 200 OK with the short expiry, and refreshes (same Call-ID, CSeq up) are
// answered in the same sipp call: the registrar's log shows one call with increasing CSeqs.
TEST_F(SippScenarios, RegistrarAcceptsTheRightDigestAndRefreshesWithinOneCall) {
  Sipp& reg = start_trunk("registrar", "trunk_registrar.xml", ports_.wavix, std::nullopt, 5);
  EXPECT_EQ(register_as("client", ports_.wavix, conf_.trunk_user, conf_.trunk_password, 3), 0);

  const auto challenges = reg.events("REGISTER 401");
  const auto accepted = reg.events("REGISTER 200");
  ASSERT_EQ(challenges.size(), 1u) << reg.report();
  ASSERT_EQ(accepted.size(), 4u) << reg.report();  // the registration and 3 refreshes
  EXPECT_EQ(reg.count("REGISTER 403"), 0u) << reg.report();
  const std::string call = field(accepted[0], "call");
  int64_t last_cseq = std::stoll(field(challenges[0], "cseq"));
  for (const std::string& line : accepted) {
    EXPECT_EQ(field(line, "call"), call) << line;
    EXPECT_EQ(field(line, "user"), conf_.trunk_user) << line;
    EXPECT_EQ(field(line, "realm"), ports_.wavix.str()) << line;
    EXPECT_EQ(field(line, "expires"), "5") << line;
    const int64_t cseq = std::stoll(field(line, "cseq"));
    EXPECT_GT(cseq, last_cseq) << line;
    last_cseq = cseq;
  }
}

// verifyauth really checks the digest: a wrong password and another user are both refused.
TEST_F(SippScenarios, RegistrarRefusesAWrongPasswordAndAnotherUserWith403) {
  Sipp& reg = start_trunk("registrar", "trunk_registrar.xml", ports_.wavix, std::nullopt, 5);
  EXPECT_EQ(register_as("wrong_password", ports_.wavix, conf_.trunk_user, "not-the-password"), 1);
  EXPECT_EQ(register_as("other_user", ports_.wavix, "someone-else", conf_.trunk_password), 1);

  const auto refused = reg.events("REGISTER 403");
  ASSERT_EQ(refused.size(), 2u) << reg.report();
  EXPECT_EQ(field(refused[0], "user"), conf_.trunk_user);
  EXPECT_EQ(field(refused[0], "digest"), "false");
  EXPECT_EQ(field(refused[1], "user"), "someone-else");
  EXPECT_EQ(reg.count("REGISTER 200"), 0u) << reg.report();
}

// The trunk's proxy is also its registrar (rtpx registers to and calls the same address), and
// its call either ends with the caller's BYE or with its own (-set hangup_ms).
TEST_F(SippScenarios, TrunkUasRegistersAndAnswersCallsHungUpFromEitherSide) {
  Sipp& trunk = start_trunk("trunk", "trunk_uas.xml", ports_.wavix, ports_.wavix_media, 5);
  EXPECT_EQ(register_as("client", ports_.wavix, conf_.trunk_user, conf_.trunk_password), 0);
  EXPECT_EQ(trunk.count("REGISTER 200"), 1u) << trunk.report();

  // The caller hangs up.
  Sipp& caller = start_sipp("phone_uac1", phone_call("phone_uac.xml", ports_.wavix, 1000));
  EXPECT_EQ(finish(caller, milliseconds(20000)), 0) << caller.report();
  EXPECT_EQ(caller.count("HUNGUP"), 1u) << caller.report();
  const auto invites = trunk.events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << trunk.report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "16465550100");
  EXPECT_EQ(field(invites[0], "from_user"), "1000");
  EXPECT_EQ(trunk.count("ANSWERED"), 1u);
  EXPECT_EQ(trunk.count("BYE_RECEIVED"), 1u) << trunk.report();

  // The trunk hangs up (a second trunk sipp with hangup_ms on another address).
  SippOptions o = trunk_options("trunk_uas.xml", ports_.wavix_fo, ports_.wavix_fo_media, 5,
                                conf_.trunk_password);
  o.globals = {{"hangup_ms", "800"}};
  Sipp& hanging = start_sipp("trunk_hangs_up", o);
  Sipp& caller2 = start_sipp("phone_uac2", phone_call("phone_uac.xml", ports_.wavix_fo, 10000));
  EXPECT_EQ(finish(caller2, milliseconds(20000)), 0) << caller2.report();
  EXPECT_EQ(caller2.count("BYE_RECEIVED"), 1u) << caller2.report();
  EXPECT_EQ(hanging.count("BYE_SENT"), 1u) << hanging.report();
}

// Under load a UAS answers late and the caller's INVITE retransmission can arrive after the ACK:
// the trunk absorbs it and the call goes on (without that, sipp aborts the call and never
// answers its BYE).
TEST_F(SippScenarios, TrunkUasAbsorbsAnInviteRetransmissionAfterTheAck) {
  Sipp& trunk = start_trunk("trunk", "trunk_uas.xml", ports_.wavix, ports_.wavix_media, 5);
  Sipp& caller = start_sipp("phone_uac1", phone_call("phone_uac.xml", ports_.wavix, 2000));
  ASSERT_TRUE(wait_until([&] { return trunk.count("ANSWERED") == 1; }, milliseconds(5000)))
      << trunk.report();
  const std::string call = field(trunk.events("ANSWERED")[0], "call");
  const std::string invite = "INVITE sip:16465550100@" + ports_.wavix.str() +
                             " SIP/2.0\r\nVia: SIP/2.0/UDP " + ports_.phone_uac.str() +
                             ";branch=z9hG4bKlate1;rport\r\nFrom: <sip:1000@rtpx.test>;tag=late\r\n"
                             "To: <sip:16465550100@rtpx.test>\r\nCall-ID: " +
                             call + "\r\nCSeq: 1 INVITE\r\nContact: <sip:1000@" +
                             ports_.phone_uac.str() +
                             ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  Phone sender(kPhoneIp);
  sender.send_to(*net::SockAddr::from_ip(ports_.wavix.ip, ports_.wavix.port),
                 std::vector<uint8_t>(invite.begin(), invite.end()));
  EXPECT_EQ(finish(caller, milliseconds(20000)), 0) << caller.report() << trunk.report();
  EXPECT_EQ(trunk.count("INVITE"), 1u) << trunk.report();
  EXPECT_EQ(trunk.count("BYE_RECEIVED"), 1u) << trunk.report();
  EXPECT_EQ(read_file(dir_ + "/trunk.err").find("Aborting"), std::string::npos) << trunk.report();
}

// The provider's DID call reaches the answering phone; then the phone hangs up first.
TEST_F(SippScenarios, DidCallReachesTheAnsweringPhoneHungUpFromEitherSide) {
  SippOptions uas;
  uas.scenario = "phone_uas.xml";
  uas.local = ports_.phone_uas;
  uas.media = ports_.phone_uas_media;
  Sipp& phone = start_sipp("phone_uas", uas);

  SippOptions did;
  did.scenario = "trunk_uac_did.xml";
  did.local = ports_.did;
  did.remote = ports_.phone_uas;
  did.media = ports_.did_media;
  did.service = "16468097065";
  did.keys = {{"caller", "12125550100"}};
  did.calls = 1;
  did.hold_ms = 1000;
  did.timeout_s = 20;
  Sipp& call = start_sipp("did_uac1", did);
  EXPECT_EQ(finish(call, milliseconds(20000)), 0) << call.report();
  EXPECT_EQ(call.count("HUNGUP"), 1u) << call.report();
  const auto invites = phone.events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << phone.report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "16468097065");
  EXPECT_EQ(field(invites[0], "from_user"), "12125550100");
  EXPECT_EQ(phone.count("BYE_RECEIVED"), 1u) << phone.report();
  phone.stop();

  uas.globals = {{"hangup_ms", "800"}};
  Sipp& phone2 = start_sipp("phone_uas_hangs_up", uas);
  did.hold_ms = 10000;
  Sipp& call2 = start_sipp("did_uac2", did);
  EXPECT_EQ(finish(call2, milliseconds(20000)), 0) << call2.report();
  EXPECT_EQ(call2.count("BYE_RECEIVED"), 1u) << call2.report();
  EXPECT_EQ(phone2.count("BYE_SENT"), 1u) << phone2.report();
}

// A phone answers a 407 with Proxy-Authorization for its user, its ACK of the 407 carries the
// INVITE's branch (checked by the UAS), and wrong credentials end in a refusal.
TEST_F(SippScenarios, PhoneAnswersAProxyChallengeAndSeesRefusals) {
  SippOptions uas;
  uas.scenario = "challenge_uas.xml";
  uas.local = ports_.internal;  // where rtpx's internal profile will be
  uas.media = ports_.wavix_media;
  uas.keys = {{"realm", conf_.domain}, {"auth_user", "1000"}};
  Sipp& proxy = start_sipp("challenge_uas", uas);

  Sipp& ok = start_sipp("phone_uac1", phone_call("phone_uac.xml", ports_.internal, 500));
  EXPECT_EQ(finish(ok, milliseconds(20000)), 0) << ok.report();
  EXPECT_EQ(proxy.count("CHALLENGED"), 1u) << proxy.report();
  ASSERT_EQ(proxy.count("AUTHORIZED"), 1u) << proxy.report();
  EXPECT_EQ(field(proxy.events("AUTHORIZED")[0], "user"), "1000");
  EXPECT_EQ(proxy.count("BYE_RECEIVED"), 1u) << proxy.report();

  // Another user: refused with 403, which phone_uac.xml counts as a failed call and
  // phone_uac_rejected.xml as the expected outcome.
  Sipp& bad = start_sipp("phone_uac2", phone_call("phone_uac.xml", ports_.internal, 500, "1001"));
  EXPECT_EQ(finish(bad, milliseconds(20000)), 1) << bad.report();
  Sipp& rejected =
      start_sipp("phone_uac3", phone_call("phone_uac_rejected.xml", ports_.internal, 500, "1001"));
  EXPECT_EQ(finish(rejected, milliseconds(20000)), 0) << rejected.report();
  ASSERT_EQ(rejected.count("REJECTED"), 1u) << rejected.report();
  EXPECT_EQ(field(rejected.events("REJECTED")[0], "code"), "403");
  EXPECT_EQ(proxy.count("FORBIDDEN"), 2u) << proxy.report();
}

// A trunk that refuses every call: the phone sees the 503 (and it is ACKed), while the same trunk
// still accepts registrations.
TEST_F(SippScenarios, TrunkRefusingCallsWith503StillRegisters) {
  Sipp& trunk = start_trunk("trunk", "trunk_uas_503.xml", ports_.wavix, std::nullopt, 5);
  EXPECT_EQ(register_as("client", ports_.wavix, conf_.trunk_user, conf_.trunk_password), 0);
  EXPECT_EQ(trunk.count("REGISTER 200"), 1u) << trunk.report();

  Sipp& rejected =
      start_sipp("phone_uac1", phone_call("phone_uac_rejected.xml", ports_.wavix, 500));
  EXPECT_EQ(finish(rejected, milliseconds(20000)), 0) << rejected.report();
  ASSERT_EQ(rejected.count("REJECTED"), 1u) << rejected.report();
  EXPECT_EQ(field(rejected.events("REJECTED")[0], "code"), "503");
  EXPECT_EQ(trunk.count("REJECTED 503"), 1u) << trunk.report();  // logged at the ACK

  Sipp& answered = start_sipp("phone_uac2", phone_call("phone_uac.xml", ports_.wavix, 500));
  EXPECT_EQ(finish(answered, milliseconds(20000)), 1) << "a 503 is a failed call for phone_uac";
}

// The scenarios of sip_dialogs_test.cpp against each other: the phone cancels while the trunk
// rings (200 to the CANCEL, 487 ACKed on both sides); the phone holds and unholds with
// re-INVITEs the trunk answers recvonly, then sendrecv.
TEST_F(SippScenarios, CancelWhileRingingAndHoldUnholdByReinvite) {
  Sipp& ringing = start_trunk("trunk_ring", "trunk_uas_ring.xml", ports_.wavix, ports_.wavix_media);
  SippOptions c = phone_call("phone_uac_cancel.xml", ports_.wavix, 300);
  Sipp& cancel = start_sipp("phone_uac_cancel", c);
  EXPECT_EQ(finish(cancel, milliseconds(20000)), 0) << cancel.report() << ringing.report();
  EXPECT_EQ(cancel.count("CANCEL_ANSWERED"), 1u) << cancel.report();
  EXPECT_EQ(cancel.count("CANCELLED code=487"), 1u) << cancel.report();
  EXPECT_TRUE(wait_until([&] { return ringing.count("CANCELLED") == 1; }, milliseconds(3000)))
      << ringing.report();

  Sipp& trunk = start_trunk("trunk_reinvite", "trunk_uas_reinvite.xml", ports_.wavix_fo,
                            ports_.wavix_fo_media);
  SippOptions h = phone_call("phone_uac_hold.xml", ports_.wavix_fo, 300);
  h.globals = {{"no_media", "1"}};
  Sipp& hold = start_sipp("phone_uac_hold", h);
  EXPECT_EQ(finish(hold, milliseconds(20000)), 0) << hold.report() << trunk.report();
  ASSERT_EQ(hold.count("HOLD_ANSWERED"), 1u) << hold.report();
  EXPECT_EQ(field(hold.events("HOLD_ANSWERED")[0], "dir"), "recvonly");
  EXPECT_EQ(field(hold.events("HOLD_ANSWERED")[0], "c"), kWavixFoIp);
  ASSERT_EQ(hold.count("UNHOLD_ANSWERED"), 1u) << hold.report();
  EXPECT_EQ(field(hold.events("UNHOLD_ANSWERED")[0], "dir"), "sendrecv");
  const auto offers = trunk.events("REINVITE ");
  ASSERT_EQ(offers.size(), 2u) << trunk.report();
  EXPECT_EQ(field(offers[0], "dir"), "sendonly");
  EXPECT_EQ(field(offers[0], "c"), kPhoneIp);
  EXPECT_EQ(field(offers[1], "dir"), "sendrecv");
  EXPECT_TRUE(wait_until([&] { return trunk.count("BYE_RECEIVED") == 1; }, milliseconds(3000)))
      << trunk.report();
}

// The early-media trunk plays to the offer's address from its 183 on (the phone offers a port the
// test listens on), answers -d ms later; the session-timer phone reads a 200 without timer as
// "none"; a refused REGISTER and a refused trunk call are the expected outcomes of their
// scenarios.
TEST_F(SippScenarios, EarlyMediaTimerAndRefusalScenarios) {
  SippOptions t = trunk_options("trunk_uas_early.xml", ports_.wavix, ports_.wavix_media, 5,
                                conf_.trunk_password);
  t.hold_ms = 1000;
  Sipp& early_trunk = start_sipp("trunk_early", t);
  UdpProbe probe(ports_.probe_media);
  SippOptions e = phone_call("phone_uac_early.xml", ports_.wavix, 500);
  e.keys.emplace_back("probe_port", std::to_string(ports_.probe_media.port));
  Sipp& early = start_sipp("phone_uac_early", e);
  EXPECT_EQ(finish(early, milliseconds(20000)), 0) << early.report() << early_trunk.report();
  ASSERT_EQ(early.count("EARLY code=183"), 1u) << early.report();
  EXPECT_EQ(field(early.events("EARLY")[0], "c"), kWavixIp);
  std::vector<Datagram> got;
  probe.receive(got, milliseconds(200));
  EXPECT_GT(got.size(), 40u) << "1.5 s of audio expected at the offered port";

  Sipp& plain = start_trunk("trunk_plain", "trunk_uas.xml", ports_.wavix_fo, ports_.wavix_fo_media);
  SippOptions tm = phone_call("phone_uac_timer.xml", ports_.wavix_fo, 300);
  tm.keys.emplace_back("session_expires", "90");
  Sipp& timer = start_sipp("phone_uac_timer", tm);
  EXPECT_EQ(finish(timer, milliseconds(20000)), 0) << timer.report() << plain.report();
  ASSERT_EQ(timer.count("ANSWERED"), 1u) << timer.report();
  EXPECT_EQ(field(timer.events("ANSWERED")[0], "session_expires"), "none");

  Sipp& registrar =
      start_trunk("registrar", "trunk_registrar.xml", ports_.wavix_ip, std::nullopt, 5);
  SippOptions r;
  r.scenario = "phone_register_refused.xml";
  r.local = ports_.phone_register;
  r.remote = ports_.wavix_ip;
  r.service = conf_.trunk_user;
  r.auth_user = conf_.trunk_user;
  r.auth_password = "wrong";
  r.keys = {{"domain", conf_.domain}};
  r.calls = 3;
  r.timeout_s = 15;
  Sipp& refused = start_sipp("register_refused", r);
  EXPECT_EQ(finish(refused, milliseconds(20000)), 0) << refused.report() << registrar.report();
  EXPECT_EQ(refused.count("REFUSED code=403 step=auth"), 3u) << refused.report();

  SippOptions did;
  did.scenario = "trunk_uac_rejected.xml";
  did.local = ports_.did;
  did.media = ports_.did_media;
  did.service = "16468097065";
  did.keys = {{"caller", "12125550100"}};
  did.calls = 1;
  did.timeout_s = 15;
  Sipp& t503 = start_trunk("trunk_503", "trunk_uas_503.xml", Endpoint{kUnknownIp, ports_.did.port},
                           std::nullopt, 5);
  did.remote = Endpoint{kUnknownIp, ports_.did.port};
  Sipp& rejected = start_sipp("did_rejected", did);
  EXPECT_EQ(finish(rejected, milliseconds(20000)), 0) << rejected.report() << t503.report();
  ASSERT_EQ(rejected.count("REJECTED"), 1u) << rejected.report();
  EXPECT_EQ(field(rejected.events("REJECTED")[0], "code"), "503");
}

}  // namespace
}  // namespace rtpx::test::sip
