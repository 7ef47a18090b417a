// mod_dialplan_xml's hunting rules, each on a small dialplan written for the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/fsconf/conf.hpp"
#include "plugins/fsconf/hunt.hpp"
#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One context "t" made of `extensions`; log actions are written <a>data</a> for brevity.
struct Hunt : ::testing::Test {
  test::TempConf conf;
  Conf c;

  void dialplan(const std::string& extensions) {
    std::string body;
    for (size_t i = 0; i < extensions.size(); ++i) {  // <a>x</a> -> log action
      if (extensions.compare(i, 3, "<a>") == 0) {
        body += "<action application=\"log\" data=\"";
        i += 2;
      } else if (extensions.compare(i, 4, "</a>") == 0) {
        body += "\"/>";
        i += 3;
      } else if (extensions.compare(i, 3, "<n>") == 0) {
        body += "<anti-action application=\"log\" data=\"";
        i += 2;
      } else if (extensions.compare(i, 4, "</n>") == 0) {
        body += "\"/>";
        i += 3;
      } else {
        body += extensions[i];
      }
    }
    conf.write("dialplan/t.xml",
               "<include>\n<context name=\"t\">\n" + body + "\n</context>\n</include>\n");
    c = load_conf_dir(conf.dir());
  }
  HuntResult route(const std::string& dest, Vars vars = {}) {
    vars["destination_number"] = dest;
    return hunt(c.dialplan, HuntInput{"t", vars});
  }
  std::vector<std::string> logs(const std::string& dest, Vars vars = {}) {
    std::vector<std::string> out;
    for (const Action& a : route(dest, std::move(vars)).actions)
      out.push_back(a.app == "log" ? a.data : a.app + "(" + a.data + ")");
    return out;
  }
  std::vector<std::string> exts(const std::string& dest, Vars vars = {}) {
    std::vector<std::string> out;
    for (const auto& e : route(dest, std::move(vars)).extensions) out.push_back(e.name);
    return out;
  }
};

TEST_F(Hunt, BreakOnFalseAntiActionsAndLeftoverActions) {
  dialplan(R"(<extension name="e1">
      <condition field="destination_number" expression="^1$"><a>a</a><n>not1</n></condition>
      <condition field="caller_id_number" expression="^2$"><a>b</a></condition>
    </extension>
    <extension name="e2"><condition><a>fallthrough</a></condition></extension>)");
  EXPECT_THAT(logs("1", {{"caller_id_number", "2"}}), ElementsAre("a", "b"));
  EXPECT_THAT(exts("1", {{"caller_id_number", "2"}}), ElementsAre("e1"));
  // A failing condition's anti-action counts as proceeding: the hunt ends there.
  EXPECT_THAT(logs("9"), ElementsAre("not1"));
  EXPECT_THAT(exts("9"), ElementsAre("e1"));
  // The first condition's actions stay when the second fails (FreeSWITCH keeps them too).
  EXPECT_THAT(logs("1", {{"caller_id_number", "3"}}), ElementsAre("a", "fallthrough"));
  EXPECT_THAT(exts("1", {{"caller_id_number", "3"}}), ElementsAre("e1", "e2"));
}

TEST_F(Hunt, BreakOnTrue) {
  dialplan(R"(<extension name="first-true">
      <condition field="destination_number" expression="^1$" break="on-true"><a>one</a></condition>
      <condition field="destination_number" expression="^2$" break="on-true"><a>two</a></condition>
      <condition><a>none</a></condition>
    </extension>)");
  EXPECT_THAT(logs("1"), ElementsAre("one"));
  EXPECT_THAT(logs("2"), ElementsAre("two"));
  EXPECT_THAT(logs("3"), ElementsAre("none"));
}

TEST_F(Hunt, BreakNever) {
  dialplan(R"(<extension name="never">
      <condition field="${a}" expression="^yes$" break="never"><a>a</a><n>not-a</n></condition>
      <condition field="${b}" expression="^yes$" break="never"><a>b</a></condition>
      <condition field="destination_number" expression="^(\d+)$"><a>dest $1</a></condition>
    </extension>)");
  EXPECT_THAT(logs("42", {{"a", "yes"}, {"b", "no"}}), ElementsAre("a", "dest 42"));
  EXPECT_THAT(logs("42", {{"a", "no"}, {"b", "yes"}}), ElementsAre("not-a", "b", "dest 42"));
}

TEST_F(Hunt, BreakAlwaysAndContinue) {
  dialplan(R"(<extension name="always" continue="true">
      <condition field="destination_number" expression="^5$" break="always"><a>five</a></condition>
      <condition><a>after</a></condition>
    </extension>
    <extension name="next"><condition><a>next</a></condition></extension>)");
  EXPECT_THAT(logs("5"), ElementsAre("five", "next"));
  EXPECT_THAT(exts("5"), ElementsAre("always", "next"));
  EXPECT_THAT(logs("6"), ElementsAre("next"));
}

TEST_F(Hunt, ContinueTrueKeepsHunting) {
  dialplan(R"(<extension name="tag" continue="true">
      <condition field="destination_number" expression="^(\d+)$">
        <action application="set" data="dialed=$1"/></condition></extension>
    <extension name="route"><condition field="destination_number" expression="^(\d+)$">
        <action application="bridge" data="user/$1"/></condition></extension>
    <extension name="unreached"><condition><a>x</a></condition></extension>)");
  EXPECT_THAT(logs("1000"), ElementsAre("set(dialed=1000)", "bridge(user/1000)"));
  EXPECT_THAT(exts("1000"), ElementsAre("tag", "route"));
}

TEST_F(Hunt, EachConditionSubstitutesItsOwnCaptures) {
  dialplan(R"(<extension name="caps">
      <condition field="caller_id_number" expression="^(\d{3})(\d+)$"/>
      <condition field="destination_number" expression="^9(\d+)$">
        <a>$1 ${1} $2 $$1 $x ${destination_number}</a></condition>
      <condition field="destination_number" expression="^9"><a>nogroup $1</a></condition>
    </extension>)");
  EXPECT_THAT(logs("912345", {{"caller_id_number", "6468097065"}}),
              ElementsAre("12345 12345  $12345 $x ${destination_number}", "nogroup $1"));
}

TEST_F(Hunt, RegexAny) {
  dialplan(R"(<extension name="any"><condition regex="any">
      <regex field="caller_id_number" expression="^1000$"/>
      <regex field="destination_number" expression="^(\d{4})$"/>
      <a>any $1</a><n>none</n></condition></extension>)");
  EXPECT_THAT(logs("12", {{"caller_id_number", "1000"}}), ElementsAre("any $1"));
  EXPECT_THAT(logs("2000", {{"caller_id_number", "5"}}), ElementsAre("any 2000"));
  EXPECT_THAT(logs("12", {{"caller_id_number", "5"}}), ElementsAre("none"));
}

TEST_F(Hunt, RegexAll) {
  dialplan(R"(<extension name="all"><condition regex="all">
      <regex field="caller_id_number" expression="^(\d+)$"/>
      <regex field="destination_number" expression="^(\d{4})$"/>
      <a>all $1</a><n>not all</n></condition></extension>)");
  EXPECT_THAT(logs("2000", {{"caller_id_number", "77"}}), ElementsAre("all 2000"));
  EXPECT_THAT(logs("12", {{"caller_id_number", "77"}}), ElementsAre("not all"));
}

TEST_F(Hunt, RegexXor) {
  dialplan(R"(<extension name="xor"><condition regex="xor">
      <regex field="${a}" expression="^y$"/><regex field="${b}" expression="^y$"/>
      <a>one</a><n>zero or two</n></condition></extension>)");
  EXPECT_THAT(logs("1", {{"a", "y"}, {"b", "n"}}), ElementsAre("one"));
  EXPECT_THAT(logs("1", {{"a", "n"}, {"b", "y"}}), ElementsAre("one"));
  EXPECT_THAT(logs("1", {{"a", "y"}, {"b", "y"}}), ElementsAre("zero or two"));
  EXPECT_THAT(logs("1", {{"a", "n"}, {"b", "n"}}), ElementsAre("zero or two"));
}

TEST_F(Hunt, NestedConditions) {
  dialplan(R"(<extension name="nested">
      <condition field="destination_number" expression="^(\d+)$"><a>outer $1</a>
        <condition field="${vip}" expression="^true$"><a>vip</a></condition></condition>
    </extension>
    <extension name="optional">
      <condition field="destination_number" expression="^7$" require-nested="false"><a>seven</a>
        <condition field="${vip}" expression="^true$"><a>vip7</a></condition></condition>
    </extension>
    <extension name="after"><condition><a>after</a></condition></extension>)");
  EXPECT_THAT(logs("5", {{"vip", "true"}}), ElementsAre("outer 5", "vip"));
  EXPECT_THAT(logs("5"), ElementsAre("outer 5", "after"));  // nested failed: the hunt goes on
  // "7": nested fails in both; the second extension does not require it.
  EXPECT_THAT(logs("7"), ElementsAre("outer 7", "seven"));
  EXPECT_THAT(exts("7"), ElementsAre("nested", "optional"));
}

TEST_F(Hunt, InlineSetIsSeenByLaterConditions) {
  dialplan(R"(<extension name="inline" continue="true"><condition>
      <action application="set" data="tier=${level}" inline="true"/></condition></extension>
    <extension name="uses"><condition field="${tier}" expression="^gold$"><a>gold</a>
      <n>plain</n></condition></extension>)");
  const HuntResult r = route("1", {{"level", "gold"}});
  ASSERT_EQ(r.actions.size(), 2u);
  EXPECT_TRUE(r.actions[0].inline_exec);
  EXPECT_EQ(r.actions[0].data, "tier=${level}");
  EXPECT_EQ(r.actions[1].data, "gold");
  EXPECT_EQ(r.vars.at("tier"), "gold");
  EXPECT_THAT(logs("1", {{"level", "silver"}}), ElementsAre("set(tier=${level})", "plain"));
}

TEST_F(Hunt, LoopAndTextData) {
  dialplan(R"(<extension name="l"><condition>
      <action application="log" data="x" loop="3"/>
      <action application="log">text data</action></condition></extension>)");
  EXPECT_THAT(logs("1"), ElementsAre("x", "x", "x", "text data"));
}

TEST_F(Hunt, AsteriskAndDelimitedExpressions) {
  dialplan(R"(<extension name="ast"><condition field="destination_number" expression="_1NXXNXXXXXX">
      <a>nanp</a></condition></extension>
    <extension name="ci"><condition field="caller_id_name" expression="/^alice$/i">
      <a>alice</a></condition></extension>)");
  EXPECT_THAT(logs("12125551234"), ElementsAre("nanp"));
  EXPECT_THAT(logs("11125551234"), IsEmpty());
  EXPECT_THAT(logs("1", {{"caller_id_name", "ALICE"}}), ElementsAre("alice"));
}

TEST_F(Hunt, ExpressionWithVariablesIsCompiledAtHuntTime) {
  dialplan(R"(<extension name="v"><condition field="destination_number"
      expression="^${prefix}(\d+)$"><a>got $1</a></condition></extension>)");
  EXPECT_THAT(logs("9123", {{"prefix", "9"}}), ElementsAre("got 123"));
  const HuntResult bad = route("9123", {{"prefix", "("}});
  EXPECT_THAT(bad.actions, IsEmpty());
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_THAT(bad.warnings[0], HasSubstr("dialplan/t.xml:3: bad regular expression"));
}

TEST_F(Hunt, FieldsAreCallerProfileFieldsOrExpandedStrings) {
  dialplan(R"(<extension name="f"><condition field="sip_looped_call" expression="^$">
      <a>plain names read the caller profile only</a></condition></extension>)");
  EXPECT_THAT(logs("1", {{"sip_looped_call", "true"}}),
              ElementsAre("plain names read the caller profile only"));
  EXPECT_THAT(c.warnings, Contains(HasSubstr("dialplan/t.xml:3: field=\"sip_looped_call\"")));
}

TEST_F(Hunt, CallerFieldsAndContext) {
  dialplan(R"(<extension name="f">
      <condition field="network_addr" expression="^127\.0\.0\.2$"/>
      <condition field="Caller_ID_Name" expression="^Bob$"/>
      <condition field="context" expression="^t$"><a>ok</a></condition></extension>)");
  EXPECT_THAT(logs("1", {{"network_addr", "127.0.0.2"}, {"caller_id_name", "Bob"}}),
              ElementsAre("ok"));
  EXPECT_THAT(logs("1", {{"network_addr", "127.0.0.3"}, {"caller_id_name", "Bob"}}), IsEmpty());
}

TEST_F(Hunt, ExtensionWithoutConditionsNeverMatches) {
  dialplan(R"(<extension name="empty"/><extension name="x"><condition><a>x</a></condition>
    </extension>)");
  EXPECT_THAT(exts("1"), ElementsAre("x"));
}

TEST_F(Hunt, AutoHuntStartsAtTheExtensionNamedLikeTheNumber) {
  dialplan(R"(<extension name="first"><condition><a>first</a></condition></extension>
    <extension name="sales"><condition><a>sales</a></condition></extension>)");
  EXPECT_THAT(logs("sales"), ElementsAre("first"));
  EXPECT_THAT(logs("sales", {{"auto_hunt", "true"}}), ElementsAre("sales"));
}

TEST_F(Hunt, GlobalContextIsTheFallback) {
  conf.write("dialplan/g.xml", R"(<include><context name="global"><extension name="g">
    <condition><action application="log" data="global"/></condition></extension></context>
    </include>)");
  dialplan("");
  const HuntResult r = hunt(c.dialplan, HuntInput{"nope", {{"destination_number", "1"}}});
  EXPECT_EQ(r.context, "global");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].data, "global");
}

TEST_F(Hunt, GlobalsAreVisibleAsVariables) {
  conf.write_vars({{"default_gateway", "wavix"}});
  dialplan(R"(<extension name="g"><condition field="${default_gateway}" expression="^wavix$">
      <a>yes</a></condition></extension>)");
  EXPECT_THAT(logs("1"), ElementsAre("yes"));
  EXPECT_THAT(logs("1", {{"default_gateway", "other"}}), IsEmpty());  // channel vars first
}

}  // namespace
}  // namespace rtpx::fsconf
