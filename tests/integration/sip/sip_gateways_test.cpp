// SIP gateways and the operator's view of them, end to end: the IP-authenticated gateway
// (wavix_ip: register=false) that never registers but still identifies its calls by address,
// calls from unknown addresses landing in the profile's context, `rtpx gateway status` and
// `rtpx registrations` as FreeSWITCH's `sofia status gateway` reads, and E.164 normalisation of
// DIDs by the dialplan plugin ([plugins.dialplan] e164).
//
// Skipped when the sip and dialplan plugins are not part of the build.

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/sip/sip_fixture.hpp"
#include "tests/integration/sip/udp_probe.hpp"

namespace rtpx::test::sip {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line that starts with `first` (after blanks) as its own word; empty when none.
std::string row(const std::string& text, const std::string& first) {
  for (const std::string& line : lines_of(text)) {
    const size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, first.size(), first) != 0) continue;
    const size_t end = start + first.size();
    if (end == line.size() || line[end] == ' ') return line;
  }
  return {};
}

bool has_word(const std::string& line, const std::string& word) {
  std::istringstream in(line);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

class SipGateways : public SipCallTest {
 protected:
  // A call that must be refused (trunk_uac_rejected.xml) from `from` to the external profile.
  Sipp& start_refused_call(const std::string& name, const Endpoint& from, const Endpoint& media,
                           const std::string& number) {
    SippOptions o;
    o.scenario = "trunk_uac_rejected.xml";
    o.local = from;
    o.remote = ports_.external;
    o.media = media;
    o.service = number;
    o.keys = {{"caller", "12125550100"}};
    o.calls = 1;
    o.timeout_s = 30;
    o.recv_timeout_ms = 15000;
    return start_sipp(name, o);
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

  int64_t calls_in(const std::string& gw) { return gateway(gw).value("calls_in", int64_t{-1}); }
};

// wavix_ip (register=false, proxy 127.0.0.4, context wavix_gateway_ip) is NOREG and gets no
// REGISTER (nor anything else); an INVITE from 127.0.0.4 is that gateway's call: it is counted
// on wavix_ip and routed in wavix_gateway_ip, which the fixture's dialplan does not have, so the
// caller gets 404 and the log names the missing context. An INVITE from an address no gateway
// has goes to the external profile's context (public, also missing: 404 and a log line).
TEST_F(SipGateways, IpGatewayNeverRegistersAndIdentifiesItsCallsByAddress) {
  UdpProbe wavix_ip(ports_.wavix_ip);  // where wavix_ip's proxy is: listens from the start
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  std::this_thread::sleep_for(milliseconds(1000));  // a registration would have gone out by now

  const json gw = gateway("wavix_ip");
  EXPECT_EQ(gw.value("state", ""), "NOREG") << gw.dump();
  EXPECT_EQ(gw.value("register", true), false) << gw.dump();
  EXPECT_EQ(gw.value("context", ""), "wavix_gateway_ip") << gw.dump();
  EXPECT_EQ(gw.value("status", ""), "UP") << gw.dump();
  std::vector<Datagram> got;
  wavix_ip.receive(got, milliseconds(0));
  size_t registers = 0;
  for (const Datagram& d : got) registers += d.data.rfind("REGISTER ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(registers, 0u) << "a REGISTER went to the register=false gateway";
  EXPECT_TRUE(got.empty()) << got.size() << " datagrams went to wavix_ip, the first:\n"
                           << (got.empty() ? "" : got.front().data);
  wavix_ip.close();

  // Its call: from 127.0.0.4 (any port).
  Sipp& from_gw = start_refused_call("wavix_ip_uac", ports_.wavix_ip,
                                     Endpoint{kWavixIpIp, ports_.did_media.port}, "16468097065");
  ASSERT_EQ(finish(from_gw, milliseconds(30000)), 0) << from_gw.report() << tail(rtpxd_log_);
  const auto rejected = from_gw.events("REJECTED");
  ASSERT_EQ(rejected.size(), 1u) << from_gw.report();
  EXPECT_EQ(field(rejected[0], "code"), "404") << rejected[0];
  const std::string gw_call = field(rejected[0], "call");
  EXPECT_FALSE(
      log_line_with({gw_call, "context wavix_gateway_ip", "no context 'wavix_gateway_ip'"}).empty())
      << "no log line names the missing context for call " << gw_call << "\n"
      << tail(rtpxd_log_);
  EXPECT_EQ(calls_in("wavix_ip"), 1) << gateway("wavix_ip").dump();
  EXPECT_EQ(calls_in("wavix"), 0);
  EXPECT_EQ(calls_in("wavix_fo"), 0);

  // An unknown address: the profile's context.
  Sipp& unknown = start_refused_call("unknown_uac", Endpoint{kUnknownIp, ports_.did.port},
                                     Endpoint{kUnknownIp, ports_.did_media.port}, "16468097065");
  ASSERT_EQ(finish(unknown, milliseconds(30000)), 0) << unknown.report() << tail(rtpxd_log_);
  const auto refused = unknown.events("REJECTED");
  ASSERT_EQ(refused.size(), 1u) << unknown.report();
  EXPECT_EQ(field(refused[0], "code"), "404") << refused[0];
  const std::string unknown_call = field(refused[0], "call");
  EXPECT_FALSE(log_line_with({unknown_call, "context public", "no context 'public'"}).empty())
      << "the unknown caller's call " << unknown_call << " was not routed in 'public'\n"
      << tail(rtpxd_log_);
  EXPECT_EQ(calls_in("wavix_ip"), 1) << "an unknown address taken for wavix_ip";
  EXPECT_EQ(calls_in("wavix") + calls_in("wavix_fo"), 0);
  EXPECT_EQ(wavix().count("INVITE") + wavix_fo().count("INVITE"), 0u);
  expect_nothing_left("after the refused calls");
}

// `rtpx gateway status` lists every gateway with its state like `sofia status gateway` (wavix
// and wavix_fo REGED and UP, wavix_ip NOREG), `rtpx gateway status wavix` details one
// (State REGED, its proxy), and `rtpx registrations` lists 1000 with its Contact.
TEST_F(SipGateways, GatewayStatusAndRegistrationsReadLikeFreeSwitch) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  start_phone_uas();
  ASSERT_NO_FATAL_FAILURE(register_phone());

  const std::string table = cli_text({"gateway", "status"});
  const std::string wavix_row = row(table, "wavix");
  ASSERT_FALSE(wavix_row.empty()) << table;
  EXPECT_TRUE(has_word(wavix_row, "REGED")) << wavix_row;
  EXPECT_TRUE(has_word(wavix_row, "UP")) << wavix_row;
  EXPECT_TRUE(has_word(wavix_row, "external")) << "the profile: " << wavix_row;
  EXPECT_NE(wavix_row.find(ports_.wavix.str()), std::string::npos) << "its proxy: " << wavix_row;
  const std::string fo_row = row(table, "wavix_fo");
  EXPECT_TRUE(has_word(fo_row, "REGED")) << table;
  const std::string ip_row = row(table, "wavix_ip");
  EXPECT_TRUE(has_word(ip_row, "NOREG")) << table;
  EXPECT_NE(table.find("3 gateways"), std::string::npos) << table;
  for (const char* header : {"Name", "State", "Status"})
    EXPECT_TRUE(has_word(lines_of(table).front(), header)) << table;

  const std::string detail = cli_text({"gateway", "status", "wavix"});
  EXPECT_TRUE(has_word(row(detail, "Name:"), "wavix")) << detail;
  EXPECT_TRUE(has_word(row(detail, "State:"), "REGED")) << detail;
  EXPECT_TRUE(has_word(row(detail, "Status:"), "UP")) << detail;
  EXPECT_TRUE(has_word(row(detail, "Username:"), conf_.trunk_user)) << detail;
  EXPECT_NE(row(detail, "Proxy:").find(ports_.wavix.str()), std::string::npos) << detail;
  EXPECT_TRUE(has_word(row(detail, "Context:"), "wavix")) << detail;

  const std::string regs = cli_text({"registrations"});
  const std::string mine = row(regs, "1000@" + conf_.domain);
  ASSERT_FALSE(mine.empty()) << regs;
  EXPECT_TRUE(has_word(mine, "sip:1000@" + ports_.phone_uas.str())) << mine;
  EXPECT_TRUE(has_word(mine, kPhoneIp)) << "the network address: " << mine;
  EXPECT_NE(regs.find("1 registration"), std::string::npos) << regs;
}

// With [plugins.dialplan] e164 = { form = "digits" }, the DID as the provider may write it,
// +16468097065, 16468097065 or 01116468097065, is 16468097065 for the dialplan: each call from
// wavix reaches user 1000 (in-wavix).
TEST_F(SipGateways, E164DidFormsAllReachTheUser) {
  dialplan_e164_form_ = "digits";
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  SippOptions uas;
  uas.scenario = "phone_uas.xml";
  uas.local = ports_.phone_uas;
  uas.media = ports_.phone_uas_media;
  uas.globals = {{"no_media", "1"}};
  phone_uas_ = &start_sipp("phone_uas", uas);
  ASSERT_NO_FATAL_FAILURE(register_phone());

  const std::vector<std::string> forms = {"+16468097065", "16468097065", "01116468097065"};
  int n = 0;
  for (const std::string& number : forms) {
    SCOPED_TRACE("DID " + number);
    SippOptions o;
    o.scenario = "trunk_uac_did.xml";
    o.local = ports_.did;
    o.remote = ports_.external;
    o.media = ports_.did_media;
    o.service = number;
    o.keys = {{"caller", "12125550100"}};
    o.globals = {{"no_media", "1"}};
    o.calls = 1;
    o.hold_ms = 300;
    o.timeout_s = 30;
    o.recv_timeout_ms = 15000;
    Sipp& did = start_sipp("did_uac" + std::to_string(++n), o);
    EXPECT_EQ(finish(did, milliseconds(30000)), 0)
        << did.report() << phone_uas_->report() << tail(rtpxd_log_);
    EXPECT_EQ(did.count("HUNGUP"), 1u) << did.report();
  }
  const auto invites = phone_uas_->events("INVITE");
  ASSERT_EQ(invites.size(), forms.size()) << phone_uas_->report();
  for (const std::string& line : invites) EXPECT_EQ(field(line, "ruri_user"), "1000") << line;
  EXPECT_TRUE(wait_until([&] { return phone_uas_->count("BYE_RECEIVED") == forms.size(); },
                         milliseconds(5000)))
      << phone_uas_->report();
  EXPECT_EQ(gateway("wavix").value("calls_in", -1), static_cast<int>(forms.size()));
  expect_nothing_left("after the DID calls");
}

}  // namespace
}  // namespace rtpx::test::sip
