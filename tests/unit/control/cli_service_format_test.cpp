// The rtpx CLI's text for plugin services reached through plugins.call: `rtpx gateway status
// [NAME]` in the shape of FreeSWITCH's `sofia status gateway [NAME]`, `rtpx registrations`, and
// `rtpx dialplan test` (a dialplan.route dry run).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/cli/format_dialplan.hpp"
#include "control/cli/format_sip.hpp"

namespace rtpx::cli {
namespace {

using nlohmann::json;

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  return out;
}

json gateways() {
  return json::parse(R"({"gateways": [
    {"name": "wavix", "profile": "external", "proxy": "sip.wavix.net", "realm": "sip.wavix.net",
     "username": "12345", "password_set": true, "from": "<sip:12345@sip.wavix.net>",
     "contact": "<sip:gw+wavix@127.0.0.1:5080>", "context": "wavix", "expires": 3600,
     "freq": 3600, "state": "REGED", "status": "UP", "uptime": 3725, "calls_in": 3,
     "calls_out": 5, "failed_calls_in": 0, "failed_calls_out": 1, "last_error": ""},
    {"name": "wavix_ip", "profile": "external", "proxy": "127.0.0.4", "password_set": false,
     "state": "NOREG", "status": "UP", "calls_in": 0, "calls_out": 0, "failed_calls_in": 0,
     "failed_calls_out": 0}]})");
}

TEST(CliServiceFormat, GatewayTableLikeSofiaStatusGateway) {
  const std::string out = format_gateways(gateways(), false);
  const auto l = lines(out);
  ASSERT_EQ(l.size(), 6u) << out;
  EXPECT_EQ(l[0], "Name      Profile   Data           State  Status  IB Calls(F/T)  OB Calls(F/T)");
  EXPECT_EQ(l[1], std::string(l[0].size(), '='));
  EXPECT_EQ(l[2], "wavix     external  sip.wavix.net  REGED  UP      0/3            1/5");
  EXPECT_EQ(l[3], "wavix_ip  external  127.0.0.4      NOREG  UP      0/0            0/0");
  EXPECT_EQ(l[4], l[1]);
  EXPECT_EQ(l[5], "2 gateways: Inbound(Failed/Total): 0/3, Outbound(Failed/Total): 1/5");
}

TEST(CliServiceFormat, OneGatewayInDetail) {
  json one = {{"gateways", {gateways()["gateways"][0]}}};
  const std::string out = format_gateways(one, true);
  const auto l = lines(out);
  ASSERT_EQ(l.size(), 24u) << out;
  EXPECT_EQ(l.front(), l.back());
  EXPECT_EQ(l.front().find_first_not_of('='), std::string::npos) << out;
  const std::vector<std::string> expected = {
      "Name:            wavix",
      "Profile:         external",
      "Scheme:          Digest",
      "Realm:           sip.wavix.net",
      "Username:        12345",
      "Password:        yes",
      "From:            <sip:12345@sip.wavix.net>",
      "Contact:         <sip:gw+wavix@127.0.0.1:5080>",
      "Exten:           12345",
      "To:              sip:12345@sip.wavix.net",
      "Proxy:           sip.wavix.net",
      "Context:         wavix",
      "Expires:         3600",
      "Freq:            3600",
      "Ping:            -",
      "State:           REGED",
      "Status:          UP",
      "CallsIN:         3",
      "CallsOUT:        5",
      "FailedCallsIN:   0",
      "FailedCallsOUT:  1",
      "Uptime:          1h02m",
  };
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(l[i + 1], expected[i]) << out;
}

TEST(CliServiceFormat, GatewayDetailWithFewFieldsAndAnError) {
  json gw = {{"name", "wavix_fo"},
             {"state", "FAIL_WAIT"},
             {"last_error", "403 Forbidden"},
             {"password_set", false}};
  const std::string out = format_gateways({{"gateways", {gw}}}, true);
  EXPECT_TRUE(has(out, "Name:            wavix_fo\n")) << out;
  EXPECT_TRUE(has(out, "Password:        no\n")) << out;
  EXPECT_TRUE(has(out, "Realm:           -\n")) << out;
  EXPECT_TRUE(has(out, "To:              -\n")) << out;
  EXPECT_TRUE(has(out, "CallsIN:         -\n")) << out;
  EXPECT_TRUE(has(out, "LastError:       403 Forbidden\n")) << out;
  EXPECT_EQ(format_gateways({{"gateways", json::array()}}, true), "Invalid Gateway!\n");
  EXPECT_EQ(format_gateways(json::object(), false), "0 gateways\n");
  EXPECT_EQ(format_gateways("garbage", false), "0 gateways\n");
}

TEST(CliServiceFormat, RegistrationsTable) {
  const json regs = json::parse(R"({"registrations": [
    {"user": "1000", "domain": "rtpx.test", "contact": "<sip:1000@127.0.0.10:5062>",
     "network_addr": "127.0.0.10:5060", "expires_in": 3599, "agent": "sipp"},
    {"user": "1001", "contact": "<sip:1001@10.0.0.7>", "expires_in": 42}]})");
  const auto l = lines(format_registrations(regs));
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0], "User            Contact                     Network          Expires  Agent");
  EXPECT_EQ(l[1], "1000@rtpx.test  <sip:1000@127.0.0.10:5062>  127.0.0.10:5060    3599s  sipp");
  EXPECT_EQ(l[2], "1001            <sip:1001@10.0.0.7>         -                    42s  -");
  EXPECT_EQ(l[3], "2 registrations");
  EXPECT_EQ(format_registrations({{"registrations", json::array()}}), "0 registrations\n");
}

json route() {
  return json::parse(R"({
    "context": "wavix", "destination_number": "16468097065",
    "extensions": [{"name": "out-wavix", "file": "dialplan/wavix.xml", "line": 16}],
    "actions": [
      {"app": "bridge", "data": "{ignore_early_media=true}sofia/gateway/wavix/16468097065|sofia/gateway/wavix_fo/16468097065,user/1000@rtpx.test",
       "file": "dialplan/wavix.xml", "line": 18,
       "bridge": {"vars": {"ignore_early_media": "true"}, "groups": [
         [{"kind": "gateway", "target": "sofia/gateway/wavix/16468097065", "gateway": "wavix",
           "number": "16468097065"}],
         [{"kind": "gateway", "target": "sofia/gateway/wavix_fo/16468097065",
           "gateway": "wavix_fo", "number": "16468097065", "vars": {"leg_timeout": "20"}},
          {"kind": "user", "target": "user/1000@rtpx.test", "user": "1000",
           "domain": "rtpx.test"}]]}},
      {"app": "set", "data": "continue_on_fail=true", "file": "dialplan/wavix.xml", "line": 20},
      {"app": "hangup", "data": "", "file": "dialplan/wavix.xml", "line": 22}]})");
}

TEST(CliServiceFormat, DialplanTestShowsExtensionsActionsAndFailoverOrder) {
  const std::string out = format_route(route());
  const std::string expected =
      "context:      wavix\n"
      "destination:  16468097065\n"
      "extension:    out-wavix (dialplan/wavix.xml:16)\n"
      "actions:\n"
      "  1. bridge {ignore_early_media=true}sofia/gateway/wavix/16468097065|"
      "sofia/gateway/wavix_fo/16468097065,user/1000@rtpx.test (dialplan/wavix.xml:18)\n"
      "     vars for every leg: ignore_early_media=true\n"
      "     failover order:\n"
      "       group 1:\n"
      "         gateway  sofia/gateway/wavix/16468097065                     gateway=wavix "
      "number=16468097065\n"
      "       group 2 (2 ring at once):\n"
      "         gateway  [leg_timeout=20]sofia/gateway/wavix_fo/16468097065  gateway=wavix_fo "
      "number=16468097065\n"
      "         user     user/1000@rtpx.test                                 domain=rtpx.test "
      "user=1000\n"
      "  2. set continue_on_fail=true (dialplan/wavix.xml:20)\n"
      "  3. hangup (dialplan/wavix.xml:22)\n";
  EXPECT_EQ(out, expected) << out;
}

TEST(CliServiceFormat, DialplanTestEdgeCases) {
  json r = route();
  r["extensions"].push_back({{"name", "log-all"}, {"file", "dialplan/wavix.xml"}, {"line", 30}});
  r["actions"][0]["bridge"]["groups"][0][0] = {
      {"kind", "error"}, {"target", "sofia/nowhere"}, {"error", "unknown address"}};
  const std::string out = format_route(r);
  EXPECT_TRUE(has(out, "extension:    out-wavix (dialplan/wavix.xml:16)\n")) << out;
  EXPECT_TRUE(has(out, "extension:    log-all (dialplan/wavix.xml:30)\n")) << out;
  EXPECT_TRUE(has(out, "       group 1:\n         error    sofia/nowhere  ")) << out;
  EXPECT_TRUE(has(out, "error=unknown address")) << out;
  EXPECT_EQ(format_route(json::object()),
            "context:      -\ndestination:  -\nextension:    none matched\nno actions\n");
}

}  // namespace
}  // namespace rtpx::cli
