#include "plugins/fsconf/bridge.hpp"

#include <gtest/gtest.h>

namespace rtpx::fsconf {
namespace {

using Kind = BridgeTarget::Kind;

TEST(Bridge, FixtureGatewayTarget) {
  const BridgePlan p = parse_bridge("sofia/gateway/wavix/16468097065");
  ASSERT_EQ(p.groups.size(), 1u);
  ASSERT_EQ(p.groups[0].size(), 1u);
  const BridgeTarget& t = p.groups[0][0];
  EXPECT_EQ(t.kind, Kind::gateway);
  EXPECT_EQ(t.gateway, "wavix");
  EXPECT_EQ(t.number, "16468097065");
  EXPECT_EQ(t.raw, "sofia/gateway/wavix/16468097065");
  EXPECT_TRUE(p.vars.empty());
}

TEST(Bridge, FixtureUserTargets) {
  const BridgeTarget with = parse_bridge("user/1000@rtpx.test").groups[0][0];
  EXPECT_EQ(with.kind, Kind::user);
  EXPECT_EQ(with.user, "1000");
  EXPECT_EQ(with.domain, "rtpx.test");
  const BridgeTarget without = parse_bridge("user/1000").groups[0][0];
  EXPECT_EQ(without.kind, Kind::user);
  EXPECT_EQ(without.user, "1000");
  EXPECT_EQ(without.domain, "");
}

TEST(Bridge, GlobalVarsCommaAndPipe) {
  const BridgePlan p = parse_bridge(
      "{ignore_early_media=true,originate_timeout=30}sofia/gateway/wavix/123,"
      "[leg_timeout=10,sip_h_X-Id=a]user/1000@rtpx.test|sofia/gateway/wavix_fo/123");
  EXPECT_EQ(p.vars, (Vars{{"ignore_early_media", "true"}, {"originate_timeout", "30"}}));
  ASSERT_EQ(p.groups.size(), 2u);
  ASSERT_EQ(p.groups[0].size(), 2u);
  EXPECT_EQ(p.groups[0][0].gateway, "wavix");
  EXPECT_TRUE(p.groups[0][0].vars.empty());
  EXPECT_EQ(p.groups[0][1].kind, Kind::user);
  EXPECT_EQ(p.groups[0][1].vars, (Vars{{"leg_timeout", "10"}, {"sip_h_X-Id", "a"}}));
  EXPECT_EQ(p.groups[0][1].raw, "user/1000@rtpx.test");
  ASSERT_EQ(p.groups[1].size(), 1u);
  EXPECT_EQ(p.groups[1][0].gateway, "wavix_fo");
}

TEST(Bridge, QuotedAndEscapedSeparatorsStayInValues) {
  const BridgePlan p =
      parse_bridge("{a='x,y',b=c\\,d}[e='1,2',f=v=w]sofia/gateway/g/1,[^^:g=a,b:h=c]user/2");
  EXPECT_EQ(p.vars, (Vars{{"a", "x,y"}, {"b", "c,d"}}));
  ASSERT_EQ(p.groups.size(), 1u);
  ASSERT_EQ(p.groups[0].size(), 2u);
  EXPECT_EQ(p.groups[0][0].vars, (Vars{{"e", "1,2"}, {"f", "v=w"}}));
  EXPECT_EQ(p.groups[0][1].vars, (Vars{{"g", "a,b"}, {"h", "c"}}));
  EXPECT_EQ(p.groups[0][1].user, "2");
}

TEST(Bridge, SeveralBracesAndSpaces) {
  const BridgePlan p = parse_bridge(" {a=1}{b=2} user/1 , user/2 | user/3 ");
  EXPECT_EQ(p.vars, (Vars{{"a", "1"}, {"b", "2"}}));
  ASSERT_EQ(p.groups.size(), 2u);
  EXPECT_EQ(p.groups[0][0].user, "1");
  EXPECT_EQ(p.groups[0][1].user, "2");
  EXPECT_EQ(p.groups[1][0].user, "3");
}

TEST(Bridge, SofiaProfileTargets) {
  const BridgeTarget uri = parse_target("sofia/external/sip:1000@127.0.0.10:5070;transport=udp");
  EXPECT_EQ(uri.kind, Kind::sip_uri);
  EXPECT_EQ(uri.profile, "external");
  EXPECT_EQ(uri.uri, "sip:1000@127.0.0.10:5070;transport=udp");
  const BridgeTarget bare = parse_target("sofia/internal/1000@127.0.0.10");
  EXPECT_EQ(bare.kind, Kind::sip_uri);
  EXPECT_EQ(bare.uri, "sip:1000@127.0.0.10");
  const BridgeTarget reg = parse_target("sofia/internal/1000%rtpx.test");
  EXPECT_EQ(reg.kind, Kind::user);
  EXPECT_EQ(reg.user, "1000");
  EXPECT_EQ(reg.domain, "rtpx.test");
  EXPECT_EQ(reg.profile, "internal");
}

TEST(Bridge, FabricAddress) {
  const BridgeTarget t = parse_target("/private/alice");
  EXPECT_EQ(t.kind, Kind::fabric);
  EXPECT_EQ(t.context, "private");
  EXPECT_EQ(t.user, "alice");
  EXPECT_EQ(parse_target("/private/").kind, Kind::error);
  EXPECT_EQ(parse_target("/a/b/c").kind, Kind::error);
}

TEST(Bridge, Errors) {
  struct Case {
    const char* data;
    const char* why;
  };
  for (const Case& c :
       {Case{"sofia/gateway/wavix", "gateway name and a number"},
        Case{"sofia/gateway//123", "gateway name and a number"},
        Case{"sofia/internal/1000", "user@host or a sip: URI"}, Case{"user/", "needs an extension"},
        Case{"loopback/1000/default", "endpoint 'loopback' is not supported"},
        Case{"error/user_busy", "endpoint 'error' is not supported"},
        Case{"1000", "not a dial string"}}) {
    const BridgeTarget t = parse_bridge(c.data).groups.at(0).at(0);
    EXPECT_EQ(t.kind, Kind::error) << c.data;
    EXPECT_NE(t.error.find(c.why), std::string::npos) << c.data << ": " << t.error;
  }
}

TEST(Bridge, MalformedStrings) {
  EXPECT_EQ(parse_bridge("").groups.at(0).at(0).kind, Kind::error);
  EXPECT_NE(parse_bridge("{a=b user/1").groups.at(0).at(0).error.find("unterminated {"),
            std::string::npos);
  EXPECT_NE(parse_bridge("[a=b user/1").groups.at(0).at(0).error.find("unterminated ["),
            std::string::npos);
  EXPECT_NE(parse_bridge("<a=b>user/1:_:user/2").groups.at(0).at(0).error.find(":_:"),
            std::string::npos);
}

TEST(Bridge, KindNames) {
  EXPECT_STREQ(kind_name(Kind::gateway), "gateway");
  EXPECT_STREQ(kind_name(Kind::user), "user");
  EXPECT_STREQ(kind_name(Kind::fabric), "fabric");
  EXPECT_STREQ(kind_name(Kind::sip_uri), "sip_uri");
  EXPECT_STREQ(kind_name(Kind::error), "error");
}

}  // namespace
}  // namespace rtpx::fsconf
