#include "plugins/fsconf/preprocessor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using test::TempConf;
using ::testing::HasSubstr;

struct Preprocess : ::testing::Test {
  TempConf conf;
  Vars globals;
  std::vector<std::string> warnings;
  Preprocessor pp{conf.dir(), globals, warnings};

  std::vector<XmlNode> load(const std::string& rel) { return pp.load(conf.dir() / rel); }
  std::string error_of(const std::string& rel) {
    try {
      load(rel);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
};

TEST_F(Preprocess, SetThenExpandEverywhereAfter) {
  conf.write("vars.xml",
             "<include>\n"
             "  <a value=\"[$${domain}]\"/>\n"
             "  <X-PRE-PROCESS cmd=\"set\" data=\"domain = rtpx.test\"/>\n"
             "  <X-PRE-PROCESS cmd=\"set\" data=\"sub=$${domain}:5060\"/>\n"
             "  <b value=\"user@$${domain}\">text $${sub}</b>\n"
             "</include>\n");
  const auto nodes = load("vars.xml");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].attr_or("value"), "[]");
  EXPECT_EQ(nodes[1].attr_or("value"), "user@rtpx.test");
  EXPECT_EQ(nodes[1].text, "text rtpx.test:5060");
  EXPECT_EQ(globals["domain"], "rtpx.test");
  EXPECT_EQ(globals["sub"], "rtpx.test:5060");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "vars.xml:2: $${domain} is not set (empty)");
}

TEST_F(Preprocess, ElementsKeepFileAndLine) {
  conf.write("a.xml",
             "<include>\n\n  <context name=\"x\">\n    <extension/>\n  </context>\n</include>");
  const auto nodes = load("a.xml");
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].where.str(), "a.xml:3");
  ASSERT_EQ(nodes[0].children.size(), 1u);
  EXPECT_EQ(nodes[0].children[0].where.str(), "a.xml:4");
}

TEST_F(Preprocess, IncludeSplicesFilesInPlaceRelativeToTheIncluder) {
  conf.write("sip_profiles/external.xml",
             "<profile name=\"external\">\n"
             "  <gateways>\n"
             "    <X-PRE-PROCESS cmd=\"include\" data=\"external/*.xml\"/>\n"
             "  </gateways>\n"
             "</profile>\n");
  conf.write("sip_profiles/external/b.xml", "<include>\n  <gateway name=\"b\"/>\n</include>\n");
  conf.write("sip_profiles/external/a.xml",
             "<include>\n\n  <gateway name=\"a\"/>\n  <gateway name=\"a2\"/>\n</include>\n");
  const auto nodes = load("sip_profiles/external.xml");
  ASSERT_EQ(nodes.size(), 1u);
  const XmlNode* gws = nodes[0].child("gateways");
  ASSERT_NE(gws, nullptr);
  ASSERT_EQ(gws->children.size(), 3u);  // sorted: a.xml then b.xml, <include> dropped
  EXPECT_EQ(gws->children[0].attr_or("name"), "a");
  EXPECT_EQ(gws->children[0].where.str(), "sip_profiles/external/a.xml:3");
  EXPECT_EQ(gws->children[1].attr_or("name"), "a2");
  EXPECT_EQ(gws->children[2].attr_or("name"), "b");
  EXPECT_EQ(gws->children[2].where.str(), "sip_profiles/external/b.xml:2");
  EXPECT_TRUE(pp.was_read(conf.dir() / "sip_profiles/external/a.xml"));
  EXPECT_FALSE(pp.was_read(conf.dir() / "vars.xml"));
}

TEST_F(Preprocess, IncludeOfAMissingFileIsAnErrorAtItsLine) {
  conf.write("d.xml",
             "<include>\n  <X-PRE-PROCESS cmd=\"include\" data=\"nothere.xml\"/>\n</include>");
  EXPECT_EQ(error_of("d.xml"), "d.xml:2: include \"nothere.xml\": no such file");
}

TEST_F(Preprocess, WildcardIncludeMatchingNothingIsFine) {
  conf.write("d.xml",
             "<include>\n  <X-PRE-PROCESS cmd=\"include\" data=\"none/*.xml\"/>\n</include>");
  EXPECT_TRUE(load("d.xml").empty());
  EXPECT_TRUE(warnings.empty());
}

TEST_F(Preprocess, IncludeCycleIsAnError) {
  conf.write("a.xml", "<include><X-PRE-PROCESS cmd=\"include\" data=\"b.xml\"/></include>");
  conf.write("b.xml", "<include><X-PRE-PROCESS cmd=\"include\" data=\"a.xml\"/></include>");
  EXPECT_THAT(error_of("a.xml"), HasSubstr("a.xml: includes itself"));
}

TEST_F(Preprocess, MalformedXmlNamesFileAndLine) {
  conf.write("dialplan/bad.xml",
             "<include>\n  <context name=\"x\">\n    <extension name=\"y\">\n  </context>\n"
             "</include>\n");
  EXPECT_THAT(error_of("dialplan/bad.xml"), HasSubstr("dialplan/bad.xml:4: malformed XML"));
}

TEST_F(Preprocess, ExecCommandsAreNotSupported) {
  for (const char* cmd : {"exec-set", "exec"}) {
    conf.write("x.xml", std::string("<include>\n\n<X-PRE-PROCESS cmd=\"") + cmd +
                            "\" data=\"a=b\"/></include>");
    EXPECT_EQ(error_of("x.xml"),
              std::string("x.xml:3: X-PRE-PROCESS cmd=\"") + cmd + "\" is not supported");
  }
}

// FreeSWITCH's stock vars.xml sets external IPs with stun-set: loaded, but no lookup is made.
TEST_F(Preprocess, StunSetKeepsPlainValuesAndSkipsLookups) {
  conf.write("s.xml",
             "<include>\n<X-PRE-PROCESS cmd=\"stun-set\" data=\"ext=192.0.2.7\"/>\n"
             "<X-PRE-PROCESS cmd=\"stun-set\" data=\"ext2=stun:stun.example.org\"/>"
             "<a v=\"$${ext}\" w=\"$${ext2}\"/></include>");
  const auto nodes = load("s.xml");
  EXPECT_EQ(nodes.at(0).attr_or("v"), "192.0.2.7");
  EXPECT_EQ(nodes.at(0).attr_or("w"), "");
  ASSERT_GE(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("s.xml:3: X-PRE-PROCESS stun-set ext2: STUN lookups"));
}

TEST_F(Preprocess, EnvSet) {
  ::setenv("RTPX_FSCONF_TEST_ENV", "from-env", 1);
  conf.write("e.xml",
             "<include><X-PRE-PROCESS cmd=\"env-set\" data=\"v=$RTPX_FSCONF_TEST_ENV\"/>"
             "<a v=\"$${v}\"/></include>");
  EXPECT_EQ(load("e.xml").at(0).attr_or("v"), "from-env");
}

TEST_F(Preprocess, CommandNameIsCaseInsensitive) {
  conf.write("c.xml",
             "<include><x-pre-process CMD=\"SET\" DATA=\"k=v\"/><a v=\"$${k}\"/></include>");
  EXPECT_EQ(load("c.xml").at(0).attr_or("v"), "v");
}

TEST_F(Preprocess, SetInsideACommentStillRunsAsInFreeSwitch) {
  conf.write("v.xml",
             "<include>\n  <!-- old:\n  <X-PRE-PROCESS cmd=\"set\" data=\"domain=old.test\"/>\n"
             "  -->\n  <a v=\"$${domain}\"/>\n</include>\n");
  EXPECT_EQ(load("v.xml").at(0).attr_or("v"), "old.test");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("v.xml:3: X-PRE-PROCESS inside a comment still runs"));
}

TEST_F(Preprocess, HashCommentCommands) {
  conf.write("inc.xml", "<include><b/></include>");
  conf.write("h.xml",
             "<include>\n  <!--#set \"k=hashed\"-->\n  <!--#include \"inc.xml\"-->\n"
             "  <a v=\"$${k}\"/>\n</include>\n");
  const auto nodes = load("h.xml");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "b");
  EXPECT_EQ(nodes[1].attr_or("v"), "hashed");
}

TEST_F(Preprocess, FilesWithSeveralTopLevelElementsOrNone) {
  conf.write("m.xml", "<gateway name=\"a\"/>\n<gateway name=\"b\"/>\n");
  EXPECT_EQ(load("m.xml").size(), 2u);
  conf.write("empty.xml", "<!-- nothing -->\n");
  EXPECT_TRUE(load("empty.xml").empty());
}

}  // namespace
}  // namespace rtpx::fsconf
