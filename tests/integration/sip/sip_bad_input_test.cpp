// What rtpx's SIP side does with hostile input, end to end: malformed datagrams (and TCP
// streams) sent to both profiles must neither crash nor wedge the plugin host (a normal call
// right after goes through, the host's pid and restart count are unchanged), a REGISTER with a
// wrong digest is refused, and a REGISTER flood from one address gets that address refused while
// a phone elsewhere registers as usual; the registrar's counters show it.
//
// Skipped when the sip and dialplan plugins are not part of the build.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/sip/sip_fixture.hpp"
#include "tests/integration/sip/udp_probe.hpp"

namespace rtpx::test::sip {
namespace {

// Connects to `to` over TCP, writes `data`, waits a little for whatever comes back, closes.
void tcp_send(const Endpoint& to, const std::string& data) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(to.port);
  ::inet_pton(AF_INET, to.ip.c_str(), &a.sin_addr);
  timeval tv{0, 200 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    EXPECT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
    char buf[4096];
    (void)::recv(fd, buf, sizeof buf, 0);
  } else {
    ADD_FAILURE() << "cannot connect to " << to.str() << " over TCP";
  }
  ::close(fd);
}

// The malformed messages, each a datagram of its own. `from` is the sender's ip:port.
std::vector<std::pair<std::string, std::string>> malformed(const std::string& from,
                                                           const std::string& to) {
  std::vector<std::pair<std::string, std::string>> m;
  std::mt19937 rng(4711);
  std::string noise(1200, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xff);
  m.emplace_back("binary noise", noise);
  m.emplace_back("text garbage", "HELLO RTPX THIS IS NOT SIP\r\n\r\n");
  m.emplace_back("request line only", "INVITE\r\n\r\n");
  m.emplace_back("empty", "");
  const std::string via = "Via: SIP/2.0/UDP " + from + ";branch=z9hG4bK";
  const std::string head = "INVITE sip:16465550100@" + to + " SIP/2.0\r\n";
  m.emplace_back("INVITE cut in a header",
                 head + via + "cut1;rport\r\nFrom: <sip:1000@rtpx.test>;tag=a\r\nTo: <sip:1");
  m.emplace_back("INVITE with a body shorter than Content-Length",
                 head + via +
                     "cut2;rport\r\nFrom: <sip:1000@rtpx.test>;tag=b\r\nTo: "
                     "<sip:16465550100@rtpx.test>\r\nCall-ID: bad-cut2@" +
                     from + "\r\nCSeq: 1 INVITE\r\nContact: <sip:1000@" + from +
                     ">\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\n"
                     "Content-Length: 400\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.30\r\ns=-\r\nc=IN");
  m.emplace_back(
      "INVITE without From, To, Call-ID",
      head + via +
          "nohdr;rport\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("INVITE without Via and CSeq",
                 head +
                     "From: <sip:1000@rtpx.test>;tag=c\r\nTo: <sip:16465550100@rtpx.test>\r\n"
                     "Call-ID: bad-novia@" +
                     from + "\r\nContent-Length: 0\r\n\r\n");
  const std::string full_headers = via + "HUGE;rport\r\nFrom: <sip:1000@rtpx.test>;tag=d\r\n" +
                                   "To: <sip:16465550100@rtpx.test>\r\nCall-ID: bad-huge@" + from +
                                   "\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n";
  m.emplace_back(
      "INVITE with a 60000-byte header",
      head + full_headers + "X-Huge: " + std::string(60000, 'A') + "\r\nContent-Length: 0\r\n\r\n");
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "X-Many-" + std::to_string(i) + ": v\r\n";
  m.emplace_back("INVITE with 2000 headers",
                 head + full_headers + many + "Content-Length: 0\r\n\r\n");
  std::string vias;
  for (int i = 0; i < 1000; ++i)
    vias += "Via: SIP/2.0/UDP 10.0.0." + std::to_string(i % 250) + ":5060;branch=z9hG4bKv" +
            std::to_string(i) + "\r\n";
  m.emplace_back("INVITE with 1000 Vias", head + via + "VIAS;rport\r\n" + vias +
                                              "From: <sip:1000@rtpx.test>;tag=e\r\n"
                                              "To: <sip:1@rtpx.test>\r\nCall-ID: bad-vias@" +
                                              from +
                                              "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("INVITE with nonsense values",
                 "INVITE sip:@:99999999 SIP/2.0\r\n" + via +
                     "bad;rport\r\nFrom: <<<sip:>>>;tag=\r\nTo: ;;;\r\nCall-ID: \r\n"
                     "CSeq: notanumber INVITE\r\nMax-Forwards: -5\r\nContent-Length: -12\r\n"
                     "Expires: 99999999999999999999\r\n\r\n");
  m.emplace_back("INVITE with NUL bytes",
                 head + via +
                     std::string("nul;rport\r\nFrom: <sip:1000@r\0tpx.test>;tag=f\r\n", 47) +
                     "To: <sip:1@rtpx.test>\r\nCall-ID: bad-nul@" + from +
                     "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("INVITE with a bad SDP",
                 head + via +
                     "sdp;rport\r\nFrom: <sip:1000@rtpx.test>;tag=g\r\nTo: "
                     "<sip:16465550100@rtpx.test>\r\nCall-ID: bad-sdp@" +
                     from + "\r\nCSeq: 1 INVITE\r\nContact: <sip:1000@" + from +
                     ">\r\nContent-Type: application/sdp\r\nContent-Length: 24\r\n\r\n"
                     "v=9\r\nm=audio -1 RTP/AVP\r\n");
  m.emplace_back("REGISTER without To",
                 "REGISTER sip:rtpx.test SIP/2.0\r\n" + via +
                     "reg;rport\r\nFrom: <sip:1000@rtpx.test>;tag=h\r\nCall-ID: bad-reg@" + from +
                     "\r\nCSeq: 1 REGISTER\r\nContact: <sip:1000@" + from +
                     ">\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("BYE of no dialog", "BYE sip:1000@" + to + " SIP/2.0\r\n" + via +
                                         "bye;rport\r\nFrom: <sip:1000@rtpx.test>;tag=i\r\nTo: "
                                         "<sip:1@rtpx.test>;tag=j\r\nCall-ID: bad-bye@" +
                                         from + "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("stray response",
                 "SIP/2.0 200 OK\r\n" + via +
                     "resp\r\nFrom: <sip:a@b>;tag=k\r\nTo: <sip:c@d>;tag=l\r\nCall-ID: bad-resp@" +
                     from + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  m.emplace_back("unknown method and version",
                 "FROBNICATE sip:x@" + to + " SIP/3.0\r\n" + via +
                     "frob\r\nFrom: <sip:a@b>;tag=m\r\nTo: <sip:c@d>\r\nCall-ID: bad-frob@" + from +
                     "\r\nCSeq: 1 FROBNICATE\r\nContent-Length: 0\r\n\r\n");
  return m;
}

class SipBadInput : public SipCallTest {
 protected:
  // `rtpx plugins --json`'s host: pid and restart count.
  json plugin_host() { return cli({"plugins"}).value("host", json::object()); }
};

// Every malformed message of malformed() goes to both profiles over UDP (and a few over TCP);
// afterwards rtpxd and the same plugin host process still run (pid and restart count unchanged
// in `rtpx plugins` and `rtpx info`), both plugins are loaded, and a normal call through both
// profiles' stacks succeeds.
TEST_F(SipBadInput, MalformedMessagesNeitherCrashNorStopThePlugin) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  const json host = plugin_host();
  ASSERT_TRUE(host.contains("pid")) << host.dump();
  const json info = cli({"info"});
  ASSERT_TRUE(info.contains("plugin_host")) << info.dump();
  EXPECT_EQ(info["plugin_host"].value("pid", -1), host.value("pid", -2)) << info.dump();

  const Endpoint from{kBadInputIp, ports_.did.port};
  UdpProbe sender(from);
  std::vector<Datagram> replies;
  size_t sent = 0;
  for (const Endpoint& profile : {ports_.internal, ports_.external}) {
    for (const auto& [what, data] : malformed(from.str(), profile.str())) {
      SCOPED_TRACE(what + " to " + profile.str());
      EXPECT_TRUE(sender.send_to(profile, data)) << what << ": not sent";
      ++sent;
      sender.receive(replies, milliseconds(20));
    }
  }
  for (const Endpoint& profile : {ports_.internal, ports_.external}) {
    ASSERT_NO_FATAL_FAILURE(
        tcp_send(profile, "\x16\x03\x01\x02\x00garbage that is not SIP\r\n\r\n"));
    ASSERT_NO_FATAL_FAILURE(tcp_send(
        profile,
        "INVITE sip:1@rtpx.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.30:1;branch=z9hG4bKt\r\n"
        "Content-Length: 99999\r\n\r\nv=0\r\n"));
    ASSERT_NO_FATAL_FAILURE(tcp_send(profile, std::string(70000, 'Z')));
  }
  sender.receive(replies, milliseconds(500));
  std::cerr << "[ sip ] " << sent << " malformed datagrams sent, " << replies.size() << " answers:";
  for (const Datagram& d : replies) std::cerr << " [" << d.data.substr(0, d.data.find('\r')) << "]";
  std::cerr << "\n";

  // Still serving: a normal call, phone -> internal profile -> wavix via the external one.
  Sipp& call = start_phone_call("16465550100", 500, 1, 1, 1, "phone_uac.xml", /*media=*/false);
  EXPECT_EQ(finish(call, milliseconds(30000)), 0) << call.report() << tail(rtpxd_log_);
  EXPECT_EQ(call.count("HUNGUP"), 1u) << call.report();
  EXPECT_EQ(wavix().count("ANSWERED"), 1u) << wavix().report();

  ASSERT_TRUE(rtpxd_->running()) << tail(rtpxd_log_);
  const json after = plugin_host();
  EXPECT_EQ(after.value("pid", -1), host.value("pid", -2))
      << "the plugin host was replaced: " << after.dump() << "\n"
      << tail(rtpxd_log_, 8000);
  EXPECT_EQ(after.value("restarts", -1), 0) << after.dump();
  EXPECT_EQ(after.value("state", ""), "running") << after.dump();
  const json info_after = cli({"info"});
  EXPECT_EQ(info_after["plugin_host"].value("pid", -1), host.value("pid", -2)) << info_after.dump();
  EXPECT_EQ(info_after["plugin_host"].value("restarts", -1), 0) << info_after.dump();
  std::set<std::string> running;
  for (const json& p : cli({"plugins"}).value("plugins", json::array()))
    if (p.value("state", "") == "running") running.insert(p.value("name", ""));
  EXPECT_TRUE(running.count("sip") && running.count("dialplan")) << cli({"plugins"}).dump();
  EXPECT_TRUE(wait_gateway_state("wavix", "REGED", milliseconds(2000)));
  expect_nothing_left("after the malformed messages and the call");
}

// A REGISTER with a wrong password gets 403. 200 of them from one address (127.0.0.20, as fast
// as sipp sends) end with that address refused outright (403 "too many failed attempts", or
// 503 when it sends too fast), even with the right password; meanwhile and afterwards phone 1000
// registers from its own address as usual. `rtpx service sip.registrations` counts the
// refusals.
TEST_F(SipBadInput, WrongDigestIsRefusedAndAFloodGetsItsSourceRefused) {
  ASSERT_NO_FATAL_FAILURE(start_trunks());
  start_phone_uas();

  auto refused_options = [&](const Endpoint& from, const std::string& password, int calls) {
    SippOptions o;
    o.scenario = "phone_register_refused.xml";
    o.local = from;
    o.remote = ports_.internal;
    o.service = "1000";
    o.auth_user = "1000";
    o.auth_password = password;
    o.keys = {{"domain", conf_.domain}};
    o.calls = calls;
    o.limit = calls;
    o.rate = calls;
    o.timeout_s = 30;
    o.recv_timeout_ms = 10000;
    return o;
  };

  // One wrong digest, from the phone's address.
  Sipp& wrong =
      start_sipp("register_wrong", refused_options(ports_.phone_register, "not-the-password", 1));
  ASSERT_EQ(finish(wrong, milliseconds(30000)), 0) << wrong.report() << tail(rtpxd_log_);
  const auto one = wrong.events("REFUSED");
  ASSERT_EQ(one.size(), 1u) << wrong.report();
  EXPECT_EQ(field(one[0], "code"), "403") << one[0];
  EXPECT_EQ(field(one[0], "step"), "auth") << "refused without a challenge first: " << one[0];

  // The flood, and the phone registering from its own address while it runs.
  constexpr int kFlood = 200;
  Sipp& flood = start_sipp("register_flood",
                           refused_options(Endpoint{kFlooderIp, ports_.did.port}, "guess", kFlood));
  std::this_thread::sleep_for(milliseconds(300));
  Sipp& during =
      start_sipp("phone_register_during", phone_register_options(conf_.extension_password));
  EXPECT_EQ(finish(during, milliseconds(25000)), 0) << during.report() << tail(rtpxd_log_);
  EXPECT_EQ(during.count("REGISTERED"), 1u) << during.report();
  ASSERT_EQ(finish(flood, milliseconds(40000)), 0) << flood.report() << tail(rtpxd_log_);
  const auto attempts = flood.events("REFUSED");
  EXPECT_EQ(attempts.size(), static_cast<size_t>(kFlood)) << flood.report();
  size_t wrong_digest = 0, blocked = 0, limited = 0;
  for (const std::string& line : attempts) {
    const std::string code = field(line, "code");
    if (code == "503") {
      ++limited;
    } else if (line.find("too many failed attempts") != std::string::npos) {
      ++blocked;
    } else if (code == "403" && field(line, "step") == "auth") {
      ++wrong_digest;
    }
  }
  std::cerr << "[ sip ] REGISTER flood: " << wrong_digest << " wrong digests, " << blocked
            << " refused as blocked, " << limited << " rate limited\n";
  EXPECT_GE(wrong_digest, 1u) << flood.report();
  EXPECT_GT(blocked + limited, static_cast<size_t>(kFlood / 2))
      << "the flooding address was not refused\n"
      << flood.report();
  EXPECT_EQ(wrong_digest + blocked + limited, attempts.size()) << flood.report();
  EXPECT_TRUE(attempts.empty() ||
              attempts.back().find("too many failed attempts") != std::string::npos ||
              field(attempts.back(), "code") == "503")
      << "the flood did not end refused: " << attempts.back();

  // The flooder is refused even with the right password...
  Sipp& right = start_sipp(
      "register_flooder_right",
      refused_options(Endpoint{kFlooderIp, ports_.did.port}, conf_.extension_password, 1));
  ASSERT_EQ(finish(right, milliseconds(30000)), 0) << "the flooding address registered\n"
                                                   << right.report();
  const auto last = right.events("REFUSED");
  ASSERT_EQ(last.size(), 1u) << right.report();
  EXPECT_NE(last[0].find("too many failed attempts"), std::string::npos) << last[0];
  // ...while the phone's address is not.
  Sipp& after =
      start_sipp("phone_register_after", phone_register_options(conf_.extension_password));
  EXPECT_EQ(finish(after, milliseconds(25000)), 0) << after.report() << tail(rtpxd_log_);
  json regs;
  EXPECT_TRUE(wait_phone_registered(milliseconds(5000), &regs)) << regs.dump();

  const json counters = cli({"service", "sip.registrations"}).value("counters", json::object());
  std::cerr << "[ sip ] registrar counters " << counters.dump() << "\n";
  EXPECT_GE(counters.value("refused_auth", int64_t{0}), static_cast<int64_t>(wrong_digest + 1))
      << counters.dump();
  EXPECT_GE(
      counters.value("refused_blocked", int64_t{0}) + counters.value("refused_rate", int64_t{0}),
      static_cast<int64_t>(blocked + limited + 1))
      << counters.dump();
  EXPECT_GE(counters.value("registered", int64_t{0}), 2) << counters.dump();
}

}  // namespace
}  // namespace rtpx::test::sip
