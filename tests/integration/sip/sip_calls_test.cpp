// SIP calls through rtpx end to end: rtpxd with its supervised plugin host running the sip and
// dialplan plugins on the provider's FreeSWITCH files (tests/fixtures/freeswitch), sipp playing
// the Wavix trunks (registrar + proxy at 127.0.0.2 and 127.0.0.3) and phone 1000 (127.0.0.10).
// The witnesses: the sipp logs (what each party saw, e.g. the registrar's verifyauth verdicts),
// `rtpx gateway status|registrations|list|stats|service sip.calls --json`, and rtpxd's per-leg
// packet counters (media flowed through rtpx, both ways).
//
// Skipped when the sip and dialplan plugins are not part of the build.

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "tests/integration/sip/sip_fixture.hpp"

namespace rtpx::test::sip {
namespace {

using SipCalls = SipCallTest;

// The gateway registers with a digest the provider's registrar verifies (sipp verifyauth with
// the trunk's username, password and realm), takes the registrar's 5 s expiry, and refreshes the
// registration in time, again and again, in the same dialog, without leaving REGED.
TEST_F(SipCalls, GatewayRegistersWithDigestAndRefreshesBeforeExpiry) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  const auto accepted = wavix().events("REGISTER 200");
  ASSERT_FALSE(accepted.empty()) << wavix().report();
  EXPECT_GE(wavix().count("REGISTER 401"), 1u) << "no challenge was needed?\n" << wavix().report();
  EXPECT_EQ(wavix().count("REGISTER 403"), 0u) << wavix().report();
  EXPECT_EQ(field(accepted[0], "user"), conf_.trunk_user);
  EXPECT_EQ(field(accepted[0], "realm"), ports_.wavix.str());
  const json gw = gateway("wavix");
  EXPECT_EQ(gw.value("state", ""), "REGED") << gw.dump();
  EXPECT_EQ(gw.value("freq", -1), 5) << "the registrar's expiry is not the one used\n" << gw.dump();

  // 13 s: two and a half expiries. Every accepted REGISTER is timed (log polled every 100 ms).
  const std::string call = field(accepted[0], "call");
  std::vector<double> at = {0};
  size_t n = accepted.size();
  int checks = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::seconds(13)) {
    const size_t now_n = wavix().count("REGISTER 200");
    if (now_n > n) {
      at.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      n = now_n;
    }
    if (++checks % 10 == 0) {
      EXPECT_EQ(gateway_state("wavix"), "REGED") << "at " << checks / 10 << " s";
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  at.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  EXPECT_GE(at.size(), 5u) << "fewer than 3 refreshes in 13 s with a 5 s expiry\n"
                           << wavix().report();
  for (size_t i = 1; i < at.size(); ++i)
    EXPECT_LT(at[i] - at[i - 1], 5.0)
        << "the registration ran out between refreshes " << i - 1 << " and " << i << "\n"
        << wavix().report();
  const auto all = wavix().events("REGISTER 200");
  int64_t last_cseq = 0;
  for (const std::string& line : all) {
    EXPECT_EQ(field(line, "call"), call) << "a refresh must keep the Call-ID: " << line;
    EXPECT_GT(std::stoll(field(line, "cseq")), last_cseq) << line;
    last_cseq = std::stoll(field(line, "cseq"));
  }
  EXPECT_EQ(wavix().count("REGISTER 403"), 0u) << wavix().report();
}

// A wrong password: the registrar's 403 puts the gateway in FAIL_WAIT (or FAILED), and it tries
// again after retry-seconds (30, FreeSWITCH's default: wavix.xml sets none), not before.
TEST_F(SipCalls, WrongPasswordFailsThenRetriesAfterRetrySeconds) {
  wavix_ = &start_trunk("wavix", "trunk_uas.xml", ports_.wavix, ports_.wavix_media, 5,
                        "not-" + conf_.trunk_password);
  wavix_fo_ = &start_trunk("wavix_fo", "trunk_uas.xml", ports_.wavix_fo, ports_.wavix_fo_media);
  ASSERT_NO_FATAL_FAILURE(start_rtpx());

  ASSERT_TRUE(wait_until(
      [&] {
        const std::string s = gateway_state("wavix");
        return s == "FAIL_WAIT" || s == "FAILED";
      },
      milliseconds(20000), milliseconds(250)))
      << "state " << gateway("wavix").dump() << "\n"
      << wavix().report();
  const auto first = Clock::now();
  const auto refused = wavix().events("REGISTER 403");
  ASSERT_GE(refused.size(), 1u) << wavix().report();
  EXPECT_EQ(field(refused[0], "user"), conf_.trunk_user);
  EXPECT_EQ(field(refused[0], "digest"), "false");
  EXPECT_EQ(wavix().count("REGISTER 200"), 0u);
  const size_t attempts = wavix().count("REGISTER 401") + refused.size();
  EXPECT_TRUE(wait_gateway_state("wavix_fo", "REGED", milliseconds(10000)))
      << "the other gateway is not affected";

  // The next attempt comes after retry-seconds.
  ASSERT_TRUE(wait_until(
      [&] { return wavix().count("REGISTER 401") + wavix().count("REGISTER 403") > attempts; },
      milliseconds(45000), milliseconds(200)))
      << "no new attempt within 45 s\n"
      << wavix().report();
  const double gap = std::chrono::duration<double>(Clock::now() - first).count();
  EXPECT_GE(gap, 25.0) << "retried too early: retry-seconds is 30";
  EXPECT_LE(gap, 40.0);
}

// A call from the wavix trunk (identified by its address) to DID 16468097065 is bridged by the
// wavix context to user/1000@rtpx.test, i.e. to the phone's registered Contact, and media flows
// through rtpxd both ways.
TEST_F(SipCalls, InboundDidReachesRegisteredUserWithMediaBothWays) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  start_phone_uas();
  ASSERT_NO_FATAL_FAILURE(register_phone());

  Sipp& did = start_did_call("16468097065", 3000);
  std::map<std::string, CallMedia> seen;
  const auto rc = watch(did, seen, nullptr, milliseconds(40000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << did.report() << phone_uas_->report() << tail(rtpxd_log_);
  EXPECT_EQ(did.count("HUNGUP"), 1u) << did.report();

  const auto invites = phone_uas_->events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << phone_uas_->report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "1000");
  EXPECT_EQ(phone_uas_->count("ANSWERED"), 1u);
  EXPECT_EQ(phone_uas_->count("BYE_RECEIVED"), 1u) << phone_uas_->report();

  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_GT(packets_from(seen, "did"), 50) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uas"), 50) << describe(seen);
  for (const std::string& local : seen.begin()->second.locals)
    EXPECT_TRUE(in_relay_range(local)) << local;
  EXPECT_EQ(gateway("wavix").value("calls_in", -1), 1) << "not identified as wavix's call";
  expect_nothing_left("after the DID call");
}

// Phone 1000 (digest-authenticated, user_context wavix) dials an 11-digit number: out-wavix
// bridges it to sofia/gateway/wavix, with the user's caller id in From (caller-id-in-from).
TEST_F(SipCalls, OutboundElevenDigitCallLeavesThroughWavix) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  Sipp& call = start_phone_call("16465550100", 3000);
  std::map<std::string, CallMedia> seen;
  const auto rc = watch(call, seen, nullptr, milliseconds(40000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << call.report() << wavix().report() << tail(rtpxd_log_);

  const auto invites = wavix().events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << wavix().report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "16465550100");
  EXPECT_EQ(field(invites[0], "from_user"), "16468097065") << "effective_caller_id_number";
  EXPECT_EQ(wavix().count("ANSWERED"), 1u);
  EXPECT_EQ(wavix().count("BYE_RECEIVED"), 1u) << wavix().report();
  EXPECT_EQ(wavix_fo().count("INVITE"), 0u) << wavix_fo().report();

  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uac"), 50) << describe(seen);
  EXPECT_GT(packets_from(seen, "wavix"), 50) << describe(seen);
  expect_nothing_left("after the outbound call");
}

// wavix answers 480 (NO_USER_RESPONSE, a cause after which a failed bridge goes on): the next
// bridge of out-wavix, sofia/gateway/wavix_fo, takes the call.
TEST_F(SipCalls, WavixUnavailableFailsOverToWavixFo) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_480.xml", "trunk_uas.xml"));
  Sipp& call = start_phone_call("16465550100", 3000);
  std::map<std::string, CallMedia> seen;
  const auto rc = watch(call, seen, nullptr, milliseconds(40000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << call.report() << tail(rtpxd_log_);

  EXPECT_EQ(wavix().count("INVITE"), 1u) << wavix().report();
  EXPECT_EQ(wavix().count("REJECTED 480"), 1u) << "the 480 was not ACKed\n" << wavix().report();
  const auto invites = wavix_fo().events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << wavix_fo().report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "16465550100");
  EXPECT_EQ(wavix_fo().count("ANSWERED"), 1u);
  EXPECT_EQ(wavix_fo().count("BYE_RECEIVED"), 1u) << wavix_fo().report();
  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uac"), 50) << describe(seen);
  EXPECT_GT(packets_from(seen, "wavix_fo"), 50) << describe(seen);
  expect_nothing_left("after the failover");
}

// wavix answers 503 (NORMAL_TEMPORARY_FAILURE). out-wavix sets continue_on_fail=true only after
// its first bridge, so, as in FreeSWITCH, that failure ends the call: the phone gets the 503 and
// wavix_fo is never tried.
TEST_F(SipCalls, Wavix503EndsTheCallWithoutTryingWavixFo) {
  ASSERT_NO_FATAL_FAILURE(start_trunks("trunk_uas_503.xml", "trunk_uas.xml"));
  Sipp& call = start_phone_call("16465550100", 1000, 1, 1, 1, "phone_uac_rejected.xml");
  const auto rc = finish(call, milliseconds(30000));
  EXPECT_EQ(rc, 0) << call.report() << tail(rtpxd_log_);
  const auto rejected = call.events("REJECTED");
  ASSERT_EQ(rejected.size(), 1u) << call.report();
  EXPECT_EQ(field(rejected[0], "code"), "503");
  EXPECT_EQ(wavix().count("REJECTED 503"), 1u) << wavix().report();
  EXPECT_EQ(wavix_fo().count("INVITE"), 0u) << wavix_fo().report();
  expect_nothing_left("after the refused call");
}

// A 4-digit number is a local extension: answer, sleep 1 s, bridge user/1000@rtpx.test, which
// rings the phone registered for 1000; media flows both ways.
TEST_F(SipCalls, FourDigitCallReachesLocalUser) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  start_phone_uas();
  ASSERT_NO_FATAL_FAILURE(register_phone());
  Sipp& call = start_phone_call("1000", 4000);
  std::map<std::string, CallMedia> seen;
  const auto rc = watch(call, seen, nullptr, milliseconds(40000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << call.report() << phone_uas_->report() << tail(rtpxd_log_);

  const auto invites = phone_uas_->events("INVITE");
  ASSERT_EQ(invites.size(), 1u) << phone_uas_->report();
  EXPECT_EQ(field(invites[0], "ruri_user"), "1000");
  EXPECT_EQ(phone_uas_->count("ANSWERED"), 1u);
  EXPECT_EQ(phone_uas_->count("BYE_RECEIVED"), 1u) << phone_uas_->report();
  EXPECT_EQ(wavix().count("INVITE") + wavix_fo().count("INVITE"), 0u);
  ASSERT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uac"), 50) << describe(seen);
  EXPECT_GT(packets_from(seen, "phone_uas"), 50) << describe(seen);
  expect_nothing_left("after the local call");
}

// A number no extension of the wavix context matches: the phone gets 404 (FreeSWITCH's
// NO_ROUTE_DESTINATION), nothing leaves through a trunk, nothing is left behind.
TEST_F(SipCalls, UnassignedNumberIsRejectedWithNotFound) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  Sipp& call = start_phone_call("555", 1000, 1, 1, 1, "phone_uac_rejected.xml");
  EXPECT_EQ(finish(call, milliseconds(30000)), 0) << call.report() << tail(rtpxd_log_);
  const auto rejected = call.events("REJECTED");
  ASSERT_EQ(rejected.size(), 1u) << call.report();
  EXPECT_EQ(field(rejected[0], "code"), "404") << rejected[0];
  EXPECT_EQ(wavix().count("INVITE") + wavix_fo().count("INVITE"), 0u);
  expect_nothing_left("after the refused call");
}

// 100 calls at once through wavix, each with media both ways: all succeed, rtpxd holds them
// together, relays every one of them, and forgets them all at their BYEs.
TEST_F(SipCalls, HundredConcurrentCallsAllSucceedWithMedia) {
  constexpr int kCalls = 100;
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  // 50 per second: all up within 2 s, each held 6 s after its answer.
  Sipp& calls = start_phone_call("16465550100", 6000, kCalls, kCalls, 50);
  std::map<std::string, CallMedia> seen;
  size_t max_calls = 0;
  const auto rc = watch(calls, seen, &max_calls, milliseconds(80000));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << calls.report();
  const auto st = calls.stats();
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->successful, kCalls);
  EXPECT_EQ(st->failed, 0);
  EXPECT_EQ(wavix().count("INVITE"), static_cast<size_t>(kCalls));
  EXPECT_EQ(wavix().count("BYE_RECEIVED"), static_cast<size_t>(kCalls)) << wavix().report();

  EXPECT_EQ(seen.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(max_calls, static_cast<size_t>(kCalls * 9 / 10)) << "the calls did not overlap";
  int silent = 0;
  for (const auto& [id, m] : seen) {
    auto a = m.packets_from.find("phone_uac"), b = m.packets_from.find("wavix");
    if (a == m.packets_from.end() || b == m.packets_from.end() || a->second == 0 || b->second == 0)
      ++silent;
  }
  EXPECT_EQ(silent, 0) << "calls without media both ways\n" << describe(seen);
  expect_nothing_left("after 100 concurrent calls");
}

// 1000 short calls (100 at a time, 60 per second, signalling and SDP only) in under a minute:
// zero failed calls, every one answered and hung up at the trunk, and zero sessions left in
// rtpxd and zero calls in the plugin afterwards.
TEST_F(SipCalls, ThousandCallsInUnderAMinuteLeaveNothingBehind) {
  constexpr int kCalls = 1000;
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  const auto start = Clock::now();
  Sipp& calls = start_phone_call("16465550100", 200, kCalls, 100, 40, "phone_uac.xml",
                                 /*media=*/false);
  const auto rc = finish(calls, milliseconds(90000));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << calls.report();
  EXPECT_LT(seconds, 60.0);
  const auto st = calls.stats();
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->successful, kCalls);
  EXPECT_EQ(st->failed, 0);
  EXPECT_EQ(wavix().count("ANSWERED"), static_cast<size_t>(kCalls));
  EXPECT_EQ(wavix().count("BYE_RECEIVED"), static_cast<size_t>(kCalls));
  std::cerr << "[ sip ] " << kCalls << " calls in " << seconds << " s\n";

  expect_nothing_left("after 1000 calls");
  const json stats = cli({"stats"});
  EXPECT_GE(stats["sessions"]["total"].get<int64_t>(), kCalls) << stats.dump();
  EXPECT_EQ(stats["sessions"]["deleted"], stats["sessions"]["total"]) << stats.dump();
}

}  // namespace
}  // namespace rtpx::test::sip
