#include "control/sdp/sdp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtpx::sdp {
namespace {

// Fixtures are written with LF for readability; crlf() gives the wire form.
std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

Session parse_ok(std::string_view text) {
  ParseResult r = parse(text);
  EXPECT_TRUE(r.ok()) << r.error.message;
  return r.ok() ? std::move(*r.session) : Session{};
}

void expect_round_trip(std::string_view lf) {
  std::string wire = crlf(lf);
  ParseResult r = parse(wire);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(write(*r.session), wire);
  ParseResult again = parse(write(*r.session));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.session, *r.session);
}

constexpr std::string_view kSipp = R"(v=0
o=user1 53655765 2353687637 IN IP4 192.168.1.10
s=-
c=IN IP4 192.168.1.10
t=0 0
m=audio 6000 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv
)";

constexpr std::string_view kWebRtc = R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS stream1
m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0
a=candidate:435653019 1 tcp 1845501695 192.168.0.196 9 typ host tcptype active generation 0
a=candidate:1853887674 1 udp 1518280447 203.0.113.7 36768 typ srflx raddr 192.168.0.196 rport 36768 generation 0
a=ice-ufrag:Oyef7uvBlwafI3hT
a=ice-pwd:T0teqPLNQQOf+5W+ls+P2p16
a=ice-options:trickle
a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E
a=setup:actpass
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=sendrecv
a=msid:stream1 track1
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:126 telephone-event/8000
a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6
a=ssrc:3570614608 msid:stream1 track1
m=video 9 UDP/TLS/RTP/SAVPF 96 97
c=IN IP4 0.0.0.0
b=AS:2000
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:1467250027 1 udp 2122260223 192.168.0.196 51360 typ host generation 0
a=ice-ufrag:Oyef7uvBlwafI3hT
a=ice-pwd:T0teqPLNQQOf+5W+ls+P2p16
a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E
a=setup:actpass
a=mid:1
a=recvonly
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=ssrc-group:FID 2231627014 632943048
a=ssrc:2231627014 cname:4TOk42mSjXCkVIa6
a=ssrc:632943048 cname:4TOk42mSjXCkVIa6
)";

constexpr std::string_view kIpv6 = R"(v=0
o=alice 2890844526 2890844526 IN IP6 2001:db8::1
s=IPv6 call
c=IN IP6 2001:db8::1
t=0 0
m=audio 49170 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtcp:49171 IN IP6 2001:db8::1
)";

constexpr std::string_view kSdes = R"(v=0
o=- 1234567 1234567 IN IP4 198.51.100.20
s=SDES offer
c=IN IP4 198.51.100.20
t=0 0
m=audio 30000 RTP/SAVP 0 8
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=sendonly
)";

constexpr std::string_view kT38 = R"(v=0
o=- 3800 3801 IN IP4 10.0.0.5
s=-
c=IN IP4 10.0.0.5
t=0 0
m=image 40000 udptl t38
a=T38FaxVersion:0
a=T38MaxBitRate:14400
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxBuffer:262
a=T38FaxMaxDatagram:176
a=T38FaxUdpEC:t38UDPRedundancy
)";

// RFC 8866 section 5 example, plus b= k= r= z= lines and a port count.
constexpr std::string_view kRfc = R"(v=0
o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1
s=Call to John Smith
i=SDP Offer #1
u=http://www.jdoe.example.com/home.html
e=Jane Doe <jane@jdoe.example.com>
p=+1 617 555-6011
c=IN IP4 198.51.100.1
b=CT:128
t=0 0
r=7d 1h 0 25h
z=2882844526 -1h 2898848070 0
k=prompt
a=recvonly
m=audio 49170/2 RTP/AVP 0
i=main audio
m=audio 49180 RTP/AVP 0
m=video 51372 RTP/AVP 99
c=IN IP6 2001:db8::2
b=AS:512
k=prompt
a=rtpmap:99 h263-1998/90000
)";

TEST(SdpRoundTrip, RealisticOffersAreReproducedByteForByte) {
  for (std::string_view sdp : {kSipp, kWebRtc, kIpv6, kSdes, kT38, kRfc}) expect_round_trip(sdp);
}

TEST(SdpParse, SippOffer) {
  Session s = parse_ok(crlf(kSipp));
  EXPECT_EQ(s.origin, (Origin{"user1", "53655765", "2353687637", "IN", "IP4", "192.168.1.10"}));
  EXPECT_EQ(s.name, "-");
  EXPECT_EQ(s.connection, Connection::for_address("192.168.1.10"));
  ASSERT_EQ(s.other_lines.size(), 1u);
  EXPECT_EQ(s.other_lines[0], (Line{'t', "0 0"}));
  ASSERT_EQ(s.media.size(), 1u);
  const Media& m = s.media[0];
  EXPECT_EQ(m.type, "audio");
  EXPECT_EQ(m.port, 6000);
  EXPECT_FALSE(m.port_count);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "8", "101"}));
  EXPECT_EQ(m.find_attributes("rtpmap").size(), 3u);
  EXPECT_EQ(m.find_attribute("fmtp")->value, "101 0-15");
  EXPECT_EQ(m.find_attribute("sendrecv")->value, std::nullopt);
  EXPECT_FALSE(m.connection);
  EXPECT_EQ(effective_connection(s, m)->address, "192.168.1.10");
  EXPECT_FALSE(m.rtcp());
  EXPECT_FALSE(m.rtcp_mux());
}

TEST(SdpParse, WebRtcOffer) {
  Session s = parse_ok(crlf(kWebRtc));
  EXPECT_FALSE(s.connection);
  EXPECT_EQ(s.find_attribute("group")->value, "BUNDLE 0 1");
  EXPECT_EQ(s.find_attribute("msid-semantic")->value, " WMS stream1");
  ASSERT_EQ(s.media.size(), 2u);
  const Media& a = s.media[0];
  EXPECT_EQ(a.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(a.find_attributes("candidate").size(), 3u);
  EXPECT_EQ(a.find_attribute("setup")->value, "actpass");
  EXPECT_EQ(a.find_attribute("fingerprint")->value->substr(0, 11), "sha-256 49:");
  EXPECT_EQ(a.find_attribute("mid")->value, "0");
  EXPECT_EQ(a.find_attributes("ssrc").size(), 2u);
  EXPECT_TRUE(a.rtcp_mux());
  EXPECT_EQ(a.rtcp(), (Rtcp{9, Connection::for_address("0.0.0.0")}));
  EXPECT_EQ(direction(s, a), Direction::kSendRecv);
  const Media& v = s.media[1];
  EXPECT_EQ(v.type, "video");
  EXPECT_EQ(v.other_lines, (std::vector<Line>{{'b', "AS:2000"}}));
  EXPECT_EQ(direction(s, v), Direction::kRecvOnly);
}

TEST(SdpParse, Ipv6SdesT38AndRfcExample) {
  Session v6 = parse_ok(crlf(kIpv6));
  EXPECT_EQ(v6.connection, (Connection{"IN", "IP6", "2001:db8::1"}));
  EXPECT_EQ(v6.media[0].rtcp(), (Rtcp{49171, Connection{"IN", "IP6", "2001:db8::1"}}));

  Session sdes = parse_ok(crlf(kSdes));
  auto crypto = sdes.media[0].find_attributes("crypto");
  ASSERT_EQ(crypto.size(), 2u);
  EXPECT_EQ(crypto[1]->value->substr(0, 26), "2 AES_CM_128_HMAC_SHA1_32 ");
  EXPECT_EQ(direction(sdes, sdes.media[0]), Direction::kSendOnly);

  Session t38 = parse_ok(crlf(kT38));
  const Media& img = t38.media[0];
  EXPECT_EQ(img.type, "image");
  EXPECT_EQ(img.proto, "udptl");
  EXPECT_EQ(img.formats, (std::vector<std::string>{"t38"}));
  EXPECT_EQ(img.find_attribute("T38FaxMaxDatagram")->value, "176");

  Session rfc = parse_ok(crlf(kRfc));
  ASSERT_EQ(rfc.media.size(), 3u);
  EXPECT_EQ(rfc.media[0].port_count, 2);
  EXPECT_EQ(rfc.media[0].other_lines, (std::vector<Line>{{'i', "main audio"}}));
  EXPECT_EQ(rfc.other_lines.size(), 9u);  // i u e p b t r z k
  EXPECT_EQ(effective_connection(rfc, rfc.media[2])->addrtype, "IP6");
  EXPECT_EQ(direction(rfc, rfc.media[1]), Direction::kRecvOnly);  // session-level fallback
}

TEST(SdpParse, OddButAcceptedInput) {
  // Lines out of RFC order, unknown types, attribute forms: all kept in place.
  expect_round_trip(
      "v=0\na=tool:x\no=- 1 1 IN IP4 192.0.2.1\nt=0 0\ns=-\ny=unknown type\nX=upper\n"
      "m=audio 0 RTP/AVP\na=rtpmap:0 PCMU/8000\nc=IN IP4 192.0.2.1\nb=AS:64\na=\na=:v\na=foo:\n"
      "a=foo\n");
  // No s= line, as rtpengine allows.
  Session s = parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n");
  EXPECT_FALSE(s.name);
  EXPECT_EQ(write(s), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n");
  // Attribute value forms.
  Session f = parse_ok("v=0\r\no=- 1 1 IN IP4 h\r\na=foo:\r\na=bar\r\na=x:y:z\r\n");
  EXPECT_EQ(f.attributes[0], (Attribute{"foo", ""}));
  EXPECT_EQ(f.attributes[1], (Attribute{"bar", std::nullopt}));
  EXPECT_EQ(f.attributes[2], (Attribute{"x", "y:z"}));
}

TEST(SdpParse, LineEndingsAndTrailingBlankLines) {
  std::string lf(kSipp);
  EXPECT_EQ(write(parse_ok(lf)), crlf(kSipp));  // LF in, CRLF out
  std::string mixed = "v=0\r\n" + lf.substr(4);
  EXPECT_EQ(write(parse_ok(mixed)), crlf(kSipp));
  EXPECT_EQ(write(parse_ok(crlf(kSipp) + "\r\n\r\n")), crlf(kSipp));
  std::string no_final_newline = crlf(kSipp);
  no_final_newline.resize(no_final_newline.size() - 2);
  EXPECT_EQ(write(parse_ok(no_final_newline)), crlf(kSipp));
  // Extra spaces between fields are accepted and normalised.
  Session s = parse_ok("v=0\no=a  1 2 IN IP4 h \nc=IN  IP4 1.2.3.4\nm=audio  5000 RTP/AVP 0 \n");
  EXPECT_EQ(write(s), "v=0\r\no=a 1 2 IN IP4 h\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\n");
}

struct ErrorCase {
  std::string sdp;
  size_t line;
  std::string message;
};

TEST(SdpParse, ErrorsNameTheLine) {
  const std::string o = "o=- 1 1 IN IP4 192.0.2.1\n";
  const std::string m = "m=audio 5000 RTP/AVP 0\n";
  const std::vector<ErrorCase> cases = {
      {"", 1, "line 1: empty SDP"},
      {"\r\n\n", 1, "line 1: empty SDP"},
      {o, 1, "line 1: expected 'v=' line"},
      {"v=1\n" + o, 1, "line 1: unsupported SDP version (expected 'v=0')"},
      {"v=00\n" + o, 1, "line 1: unsupported SDP version (expected 'v=0')"},
      {"v=0\ns=-\n" + m, 3, "line 3: expected 'o=' line"},
      {"v=0\ns=-\n", 3, "line 3: expected 'o=' line"},
      {"v=0\n" + o + "hello\n", 3, "line 3: expected '<type>=<value>'"},
      {"v=0\n" + o + "\ns=-\n", 3, "line 3: expected '<type>=<value>'"},
      {"v=0\n" + o + "1=x\n", 3, "line 3: expected '<type>=<value>'"},
      {"v=0\n" + o + "a\n", 3, "line 3: expected '<type>=<value>'"},
      {"v=0\n" + o + "v=0\n", 3, "line 3: unexpected 'v=' line (one session per SDP)"},
      {"v=0\no=- 1 IN IP4 192.0.2.1\n", 2,
       "line 2: 'o=' line needs 6 fields: <username> <sess-id> <sess-version> <nettype> "
       "<addrtype> <address>"},
      {"v=0\no=- 1 1 IN IP4 a b\n", 2, ""},
      {"v=0\n" + o + o, 3, "line 3: duplicate 'o=' line"},
      {"v=0\n" + o + m + o, 4, "line 4: 'o=' line inside media section"},
      {"v=0\n" + o + "s=a\ns=b\n", 4, "line 4: duplicate 's=' line"},
      {"v=0\n" + o + m + "s=x\n", 4, "line 4: 's=' line inside media section"},
      {"v=0\n" + o + "c=IN IP4\n", 3,
       "line 3: 'c=' line needs 3 fields: <nettype> <addrtype> <address>"},
      {"v=0\n" + o + "c=IN IP4 a b\n", 3, ""},
      {"v=0\n" + o + "c=IN IP4 a\nc=IN IP4 b\n", 4, "line 4: duplicate 'c=' line"},
      {"v=0\n" + o + m + "c=IN IP4 a\nc=IN IP4 b\n", 5, "line 5: duplicate 'c=' line"},
      {"v=0\n" + o + "m=audio 5000\n", 3,
       "line 3: 'm=' line needs <media> <port> <proto> [<fmt> ...]"},
      {"v=0\n" + o + "m=audio x RTP/AVP 0\n", 3,
       "line 3: invalid port in 'm=' line (expected 0..65535)"},
      {"v=0\n" + o + "m=audio 65536 RTP/AVP 0\n", 3, ""},
      {"v=0\n" + o + "m=audio -1 RTP/AVP 0\n", 3, ""},
      {"v=0\n" + o + "m=audio 99999999999999999999 RTP/AVP 0\n", 3, ""},
      {"v=0\n" + o + "m=audio 5000/0 RTP/AVP 0\n", 3, "line 3: invalid port count in 'm=' line"},
      {"v=0\n" + o + "m=audio 5000/ RTP/AVP 0\n", 3, ""},
      {"v=0\n" + o + "m=audio /2 RTP/AVP 0\n", 3, ""},
  };
  for (const ErrorCase& c : cases) {
    ParseResult r = parse(c.sdp);
    ASSERT_FALSE(r.ok()) << c.sdp;
    EXPECT_EQ(r.error.line, c.line) << c.sdp << " -> " << r.error.message;
    if (!c.message.empty()) {
      EXPECT_EQ(r.error.message, c.message) << c.sdp;
    }
  }
}

TEST(SdpParse, NulByteInTheMiddle) {
  std::string sdp = "v=0\no=- 1 1 IN IP4 h\na=x";
  sdp += '\0';
  sdp += "y\n";
  ParseResult r = parse(sdp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.message, "line 3: NUL byte in SDP");
}

TEST(SdpParse, SizeAndMediaLimits) {
  std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
  std::string big = head + std::string(kMaxSdpBytes, 'x');
  ParseResult r = parse(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.line, 0u);
  EXPECT_EQ(r.error.message.rfind("SDP too large", 0), 0u) << r.error.message;

  std::string sdp = head;
  for (size_t i = 0; i < kMaxMediaSections; ++i) sdp += "m=audio 0 RTP/AVP 0\r\n";
  ASSERT_TRUE(parse(sdp).ok());
  EXPECT_EQ(parse(sdp).session->media.size(), kMaxMediaSections);
  sdp += "m=audio 0 RTP/AVP 0\r\n";
  r = parse(sdp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.message, "line 68: too many media sections (limit 64)");
}

TEST(SdpHelpers, AttributeLists) {
  Session s = parse_ok(crlf(kWebRtc));
  Media& a = s.media[0];
  EXPECT_EQ(a.remove_attributes("candidate"), 3u);
  EXPECT_EQ(a.remove_attributes("candidate"), 0u);
  EXPECT_FALSE(a.has_attribute("candidate"));
  EXPECT_EQ(a.find_attribute("nope"), nullptr);
  EXPECT_TRUE(a.find_attributes("nope").empty());

  std::vector<Attribute> attrs = {{"rtcp", "1"}, {"x", {}}, {"rtcp", "2"}, {"rtcp", "3"}};
  set_attribute(attrs, "rtcp", "4 IN IP4 192.0.2.9");
  EXPECT_EQ(attrs, (std::vector<Attribute>{{"rtcp", "4 IN IP4 192.0.2.9"}, {"x", {}}}));
  set_attribute(attrs, "rtcp-mux");
  EXPECT_EQ(attrs.back(), (Attribute{"rtcp-mux", std::nullopt}));
  find_attribute(attrs, "x")->value = "y";
  EXPECT_EQ(attrs[1].to_string(), "x:y");
}

TEST(SdpHelpers, Rtcp) {
  EXPECT_EQ(parse_rtcp("53020"), (Rtcp{53020, std::nullopt}));
  EXPECT_EQ(parse_rtcp("53020 IN IP4 126.16.64.4"),
            (Rtcp{53020, Connection{"IN", "IP4", "126.16.64.4"}}));
  EXPECT_EQ(parse_rtcp("9 IN IP6 ::1")->connection->addrtype, "IP6");
  for (std::string_view bad : {"", "0", "65536", "x", "-1", "9 IN IP4", "9 IN IP4 a b", "9x"})
    EXPECT_FALSE(parse_rtcp(bad)) << bad;
  EXPECT_EQ((Rtcp{9, std::nullopt}).to_string(), "9");
  EXPECT_EQ((Rtcp{9, Connection::for_address("::1")}).to_string(), "9 IN IP6 ::1");
  // Media::rtcp skips a malformed first attribute.
  Media m;
  m.attributes = {{"rtcp", "bogus"}, {"rtcp", "7001"}};
  EXPECT_EQ(m.rtcp()->port, 7001);
}

TEST(SdpHelpers, DirectionAndConnection) {
  Session s;
  s.media.emplace_back();
  Media& m = s.media[0];
  EXPECT_EQ(direction(s, m), Direction::kSendRecv);
  EXPECT_EQ(effective_connection(s, m), nullptr);
  s.attributes.push_back({"inactive", {}});
  s.connection = Connection::for_address("192.0.2.1");
  EXPECT_EQ(direction(s, m), Direction::kInactive);
  EXPECT_EQ(effective_connection(s, m), &*s.connection);
  m.attributes = {{"rtpmap", "0 PCMU/8000"}, {"sendonly", {}}, {"recvonly", {}}};
  m.connection = Connection::for_address("2001:db8::5");
  EXPECT_EQ(direction(s, m), Direction::kSendOnly);
  EXPECT_EQ(effective_connection(s, m)->to_string(), "IN IP6 2001:db8::5");
  m.set_direction(Direction::kRecvOnly);
  EXPECT_EQ(m.attributes, (std::vector<Attribute>{{"rtpmap", "0 PCMU/8000"}, {"recvonly", {}}}));
  m.attributes.clear();
  m.set_direction(Direction::kInactive);
  EXPECT_EQ(m.own_direction(), Direction::kInactive);
  EXPECT_EQ(to_string(Direction::kSendRecv), "sendrecv");
  EXPECT_EQ(parse_direction("recvonly"), Direction::kRecvOnly);
  EXPECT_FALSE(parse_direction("sendrecvx"));
  EXPECT_EQ(Connection::for_address("10.1.2.3").to_string(), "IN IP4 10.1.2.3");
}

TEST(SdpRewrite, ConnectionAndPortsOfPlainOffer) {
  Session s = parse_ok(crlf(kSipp));
  s.origin.address = "203.0.113.1";
  s.connection = Connection::for_address("203.0.113.1");
  s.media[0].port = 30000;
  s.media[0].set_attribute("rtcp", Rtcp{30001, std::nullopt}.to_string());
  std::string expected(kSipp);
  expected.replace(expected.find("192.168.1.10"), 12, "203.0.113.1");
  expected.replace(expected.find("192.168.1.10"), 12, "203.0.113.1");
  expected.replace(expected.find("6000"), 4, "30000");
  expected += "a=rtcp:30001\n";
  EXPECT_EQ(write(s), crlf(expected));
}

TEST(SdpRewrite, WebRtcToPlainRtp) {
  Session s = parse_ok(crlf(kWebRtc));
  s.media.pop_back();
  s.remove_attributes("group");
  Media& m = s.media[0];
  m.proto = "RTP/AVP";
  m.port = 40000;
  m.formats = {"0", "8", "126"};
  m.connection = Connection::for_address("2001:db8::7");
  for (std::string_view name : {"candidate", "ice-ufrag", "ice-pwd", "ice-options", "fingerprint",
                                "setup", "rtcp-mux", "extmap", "msid", "rtcp-fb", "fmtp", "ssrc"})
    m.remove_attributes(name);
  m.set_attribute("rtcp", "40001");
  std::erase_if(m.attributes,
                [](const Attribute& a) { return a.value && a.value->starts_with("111 "); });
  EXPECT_EQ(write(s), crlf(R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=extmap-allow-mixed
a=msid-semantic: WMS stream1
m=audio 40000 RTP/AVP 0 8 126
c=IN IP6 2001:db8::7
a=rtcp:40001
a=mid:0
a=sendrecv
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:126 telephone-event/8000
)"));
}

TEST(SdpRewrite, AddedLinesGoToTheirRfcPlace) {
  Session s = parse_ok(crlf(kRfc));
  s.connection.reset();
  s.other_lines.erase(s.other_lines.begin() + 4);  // b=CT:128
  Media& m = s.media[0];
  m.connection = Connection::for_address("192.0.2.7");     // after i=
  m.other_lines.push_back(Line{'b', "AS:64"});             // after c=
  m.attributes.push_back({"ptime", "20"});                 // last
  s.media[1].connection = Connection::for_address("::2");  // no other lines at all
  s.media[1].attributes.push_back({"rtcp-mux", {}});
  std::string out = write(s);
  EXPECT_NE(out.find("p=+1 617 555-6011\r\nt=0 0\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("m=audio 49170/2 RTP/AVP 0\r\ni=main audio\r\nc=IN IP4 192.0.2.7\r\n"
                     "b=AS:64\r\na=ptime:20\r\nm=audio 49180 RTP/AVP 0\r\nc=IN IP6 ::2\r\n"
                     "a=rtcp-mux\r\nm=video"),
            std::string::npos)
      << out;
  s.connection = Connection::for_address("192.0.2.1");  // back in its old slot, before b=/t=
  out = write(s);
  EXPECT_NE(out.find("p=+1 617 555-6011\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"), std::string::npos);
  EXPECT_EQ(*parse(out).session, *parse(write(*parse(out).session)).session);
}

TEST(SdpWrite, SessionBuiltFromScratchUsesRfcOrder) {
  Session s;
  s.origin = Origin{"rtpx", "1", "2", "IN", "IP4", "192.0.2.1"};
  s.name = "rtpx";
  s.attributes.push_back({"ice-lite", {}});
  s.other_lines.push_back({'t', "0 0"});
  s.connection = Connection::for_address("192.0.2.1");
  Media m;
  m.type = "audio";
  m.port = 30000;
  m.proto = "RTP/AVP";
  m.formats = {"8"};
  m.attributes.push_back({"rtpmap", "8 PCMA/8000"});
  m.connection = Connection::for_address("192.0.2.2");
  s.media.push_back(m);
  EXPECT_EQ(write(s), crlf(R"(v=0
o=rtpx 1 2 IN IP4 192.0.2.1
s=rtpx
c=IN IP4 192.0.2.1
t=0 0
a=ice-lite
m=audio 30000 RTP/AVP 8
c=IN IP4 192.0.2.2
a=rtpmap:8 PCMA/8000
)"));
}

}  // namespace
}  // namespace rtpx::sdp
