// SockAddr: the text forms SDP and the control protocol hand us, and the comparisons latching
// relies on.

#include "engine/net/sock_addr.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <string>

namespace rtpx::net {

// Failure messages show "1.2.3.4:5" instead of 28 raw bytes.
void PrintTo(const SockAddr& a, std::ostream* os) {
  *os << a.to_string();
}

namespace {

SockAddr must_parse(std::string_view text) {
  auto a = SockAddr::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(SockAddr{});
}

TEST(SockAddrParse, Ipv4WithoutPort) {
  SockAddr a = must_parse("1.2.3.4");
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_TRUE(a.valid());
  EXPECT_EQ(a.port(), 0);
  EXPECT_EQ(a.u.v4.sin_addr.s_addr, htonl(0x01020304));
  EXPECT_EQ(a.len(), sizeof(sockaddr_in));
}

TEST(SockAddrParse, Ipv4WithPort) {
  SockAddr a = must_parse("192.0.2.10:5060");
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_EQ(a.port(), 5060);
  EXPECT_EQ(a.u.v4.sin_port, htons(5060));  // stored in network order for sendto
  EXPECT_EQ(a.ip_string(), "192.0.2.10");
  EXPECT_EQ(must_parse("10.0.0.1:0").port(), 0);
  EXPECT_EQ(must_parse("10.0.0.1:1").port(), 1);
  EXPECT_EQ(must_parse("10.0.0.1:65535").port(), 65535);
}

TEST(SockAddrParse, BracketedIpv6WithPort) {
  SockAddr a = must_parse("[2001:db8::1]:30000");
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_EQ(a.port(), 30000);
  EXPECT_EQ(a.u.v6.sin6_port, htons(30000));
  EXPECT_EQ(a.ip_string(), "2001:db8::1");
  EXPECT_EQ(a.len(), sizeof(sockaddr_in6));
  EXPECT_EQ(must_parse("[::1]:5").port(), 5);
}

TEST(SockAddrParse, Ipv6WithoutPort) {
  SockAddr a = must_parse("::1");
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_EQ(a.port(), 0);
  EXPECT_EQ(a.ip_string(), "::1");
  SockAddr b = must_parse("2001:db8:0:0:1:0:0:1");
  EXPECT_EQ(b.family(), AF_INET6);
  EXPECT_EQ(b.ip_string(), "2001:db8::1:0:0:1");
  // Several colons without brackets: the last group is address, not port.
  SockAddr c = must_parse("fe80::5060");
  EXPECT_EQ(c.family(), AF_INET6);
  EXPECT_EQ(c.port(), 0);
}

TEST(SockAddrParse, RejectsBadForms) {
  for (std::string_view bad : {
           "",
           "1.2.3.4:",       // colon without a port
           "1.2.3.4:99999",  // port out of range
           "1.2.3.4:65536",
           "1.2.3.4:-1",
           "1.2.3.4:80x",
           "1.2.3.4: 80",
           "1.2.3.4:0x50",
           "[::1",    // unclosed bracket
           "[::1]x",  // junk after the bracket
           "[::1]:99999",
           "[::1]:abc",
           "host:80",  // names are not resolved here
           "localhost",
           "1.2.3",
           "1.2.3.256",
           ":80",
           "[]:80",
           "::1::2",
       }) {
    EXPECT_FALSE(SockAddr::parse(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(SockAddrParse, BracketedIpv6WithAnEmptyPortIsRejectedLikeIpv4) {
  // "1.2.3.4:" is refused as a missing port; the same text form for IPv6 must be too.
  ASSERT_FALSE(SockAddr::parse("1.2.3.4:").has_value());
  EXPECT_FALSE(SockAddr::parse("[::1]:").has_value());
}

TEST(SockAddrFromIp, AddressAndSeparatePort) {
  auto a = SockAddr::from_ip("203.0.113.7", 40000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "203.0.113.7:40000");
  auto b = SockAddr::from_ip("2001:db8::7", 40002);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[2001:db8::7]:40002");
  EXPECT_FALSE(SockAddr::from_ip("", 1));
  EXPECT_FALSE(SockAddr::from_ip("1.2.3.4:5", 1));  // the port goes in the argument
  EXPECT_FALSE(SockAddr::from_ip("[::1]", 1));
  EXPECT_FALSE(SockAddr::from_ip(std::string(200, '1'), 1));  // longer than any address
}

TEST(SockAddr, DefaultIsUnspecified) {
  SockAddr a;
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(a.family(), AF_UNSPEC);
  EXPECT_EQ(a.port(), 0);
  EXPECT_TRUE(a.is_any());
  EXPECT_EQ(a.to_string(), "-");
  EXPECT_EQ(a.ip_string(), "");
  a.set_port(99);  // no family: stays portless
  EXPECT_EQ(a.port(), 0);
}

TEST(SockAddr, SetPort) {
  SockAddr a = must_parse("1.2.3.4:5");
  a.set_port(6000);
  EXPECT_EQ(a.port(), 6000);
  EXPECT_EQ(a.to_string(), "1.2.3.4:6000");
  SockAddr b = must_parse("[::1]:5");
  b.set_port(7000);
  EXPECT_EQ(b.to_string(), "[::1]:7000");
}

TEST(SockAddr, Equality) {
  EXPECT_EQ(must_parse("1.2.3.4:5"), must_parse("1.2.3.4:5"));
  EXPECT_FALSE(must_parse("1.2.3.4:5") == must_parse("1.2.3.4:6"));  // port differs
  EXPECT_FALSE(must_parse("1.2.3.4:5") == must_parse("1.2.3.5:5"));  // address differs
  EXPECT_EQ(must_parse("[2001:db8::1]:5"), must_parse("[2001:db8:0::1]:5"));
  EXPECT_FALSE(must_parse("[2001:db8::1]:5") == must_parse("[2001:db8::2]:5"));
  EXPECT_FALSE(must_parse("[::1]:5") == must_parse("[::1]:6"));
  // Families never compare equal, not even for the v4-mapped form of the same address.
  EXPECT_FALSE(must_parse("1.2.3.4:5") == must_parse("[::ffff:1.2.3.4]:5"));
  EXPECT_FALSE(must_parse("0.0.0.0:0") == must_parse("[::]:0"));
  EXPECT_FALSE(SockAddr{} == must_parse("0.0.0.0:0"));

  EXPECT_TRUE(must_parse("1.2.3.4:5").same_ip(must_parse("1.2.3.4:9")));
  EXPECT_FALSE(must_parse("1.2.3.4:5").same_ip(must_parse("4.3.2.1:5")));
}

TEST(SockAddr, EqualityIgnoresBytesOutsideTheAddress) {
  // A sockaddr filled in by recvmsg may carry junk in sin_zero or a scope/flow label field the
  // SDP form does not; the comparison is on family, address and port only.
  SockAddr a = must_parse("1.2.3.4:5");
  SockAddr b = a;
  std::memset(b.u.v4.sin_zero, 0xab, sizeof b.u.v4.sin_zero);
  EXPECT_EQ(a, b);
  SockAddr c = must_parse("[2001:db8::1]:5");
  SockAddr d = c;
  d.u.v6.sin6_flowinfo = htonl(0x12345);
  EXPECT_EQ(c, d);
}

TEST(SockAddr, IsAny) {
  EXPECT_TRUE(must_parse("0.0.0.0").is_any());
  EXPECT_TRUE(must_parse("0.0.0.0:4000").is_any());
  EXPECT_TRUE(must_parse("::").is_any());
  EXPECT_TRUE(must_parse("[::]:4000").is_any());
  EXPECT_FALSE(must_parse("1.2.3.4").is_any());
  EXPECT_FALSE(must_parse("0.0.0.1").is_any());
  EXPECT_FALSE(must_parse("::1").is_any());
  EXPECT_FALSE(must_parse("127.0.0.1:0").is_any());
}

TEST(SockAddr, ToString) {
  EXPECT_EQ(must_parse("1.2.3.4").to_string(), "1.2.3.4:0");
  EXPECT_EQ(must_parse("1.2.3.4:5").to_string(), "1.2.3.4:5");
  EXPECT_EQ(must_parse("255.255.255.255:65535").to_string(), "255.255.255.255:65535");
  EXPECT_EQ(must_parse("[::1]:5").to_string(), "[::1]:5");
  EXPECT_EQ(must_parse("2001:DB8::A").to_string(), "[2001:db8::a]:0");
  EXPECT_EQ(must_parse("[::ffff:1.2.3.4]:9").to_string(), "[::ffff:1.2.3.4]:9");
}

TEST(SockAddr, ToStringParsesBack) {
  for (std::string_view text : {"1.2.3.4:5", "10.20.30.40:65535", "[::1]:5",
                                "[2001:db8::1:2]:40000", "0.0.0.0:0", "[::]:9"}) {
    SockAddr a = must_parse(text);
    EXPECT_EQ(a.to_string(), text);
    EXPECT_EQ(must_parse(a.to_string()), a);
  }
}

}  // namespace
}  // namespace rtpx::net
