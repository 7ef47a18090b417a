// Profiles, gateways and the directory from the verbatim fixtures and from wrapper files.
#include "plugins/fsconf/conf.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using test::TempConf;
using ::testing::Contains;
using ::testing::HasSubstr;

TEST(Conf, FixtureGatewaysWithoutAProfileFileGoToExternal) {
  TempConf conf;
  conf.link_fixtures();
  conf.write_vars(test::default_vars());
  const Conf c = load_conf_dir(conf.dir());
  ASSERT_EQ(c.profiles.size(), 1u);
  const Profile* ext = c.profile("external");
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(ext->gateways.size(), 3u);

  const Gateway* wavix = c.gateway("wavix");
  ASSERT_NE(wavix, nullptr);
  EXPECT_EQ(wavix->profile, "external");
  EXPECT_EQ(wavix->param("username"), "YOUR_SIP_TRUNK_ID");
  EXPECT_EQ(wavix->param("realm"), "us.wavix.net");
  EXPECT_EQ(wavix->param("register"), "true");
  EXPECT_EQ(wavix->param("context"), "wavix");
  EXPECT_EQ(wavix->param("caller-id-in-from"), "true");
  EXPECT_EQ(wavix->param("sip_cid_type"), "none");
  EXPECT_EQ(wavix->param("proxy", "us.wavix.net"), "us.wavix.net");  // default when absent
  EXPECT_EQ(wavix->where.str(), "sip_profiles/external/wavix.xml:2");

  const Gateway* fo = c.gateway("wavix_fo");
  ASSERT_NE(fo, nullptr);
  EXPECT_EQ(fo->param("proxy"), "nl.wavix.net");
  EXPECT_EQ(fo->param("expire-seconds"), "600");
  const Gateway* ip = c.gateway("wavix_ip");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->param("register"), "false");
  EXPECT_EQ(ip->param("context"), "wavix_gateway_ip");
  EXPECT_EQ(c.gateway("signalwire"), nullptr);
  EXPECT_THAT(c.warnings, Contains(HasSubstr("sip_profiles/external/wavix.xml: not included")));
}

TEST(Conf, FixtureUserGoesToTheGlobalDomain) {
  TempConf conf;
  conf.link_fixtures();
  conf.write_vars(test::default_vars());
  const Conf c = load_conf_dir(conf.dir());
  EXPECT_EQ(c.globals.at("domain"), "rtpx.test");
  EXPECT_EQ(c.directory.default_domain, "rtpx.test");
  const User* u = c.directory.find("1000", "rtpx.test");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(c.directory.find("1000"), u);
  EXPECT_EQ(c.directory.find("1000", "other.test"), nullptr);
  EXPECT_EQ(c.directory.find("1001"), nullptr);
  EXPECT_EQ(u->domain, "rtpx.test");
  EXPECT_EQ(u->param("password"), "SET_EXTENSION_PASSWORD");
  EXPECT_EQ(u->param("vm-password"), "1000");
  EXPECT_EQ(u->variable("user_context"), "wavix");
  EXPECT_EQ(u->variable("effective_caller_id_number"), "16468097065");
  EXPECT_EQ(u->variable("outbound_caller_id_name"), "rtpx");  // $${outbound_caller_name}
  EXPECT_EQ(u->variable("outbound_caller_id_number"), "16468097065");
  EXPECT_EQ(u->variable("callgroup"), "support");
  EXPECT_EQ(u->where.str(), "directory/default/1000.xml:2");
}

TEST(Conf, WithoutVarsXmlGlobalsAreEmptyWithWarnings) {
  TempConf conf;
  conf.link_fixtures();
  const Conf c = load_conf_dir(conf.dir());
  EXPECT_TRUE(c.globals.empty());
  EXPECT_NE(c.directory.find("1000"), nullptr);
  EXPECT_THAT(
      c.warnings,
      Contains("directory/default/1000.xml:13: $${outbound_caller_name} is not set (empty)"));
  EXPECT_THAT(c.warnings, Contains("dialplan/wavix.xml:12: $${domain} is not set (empty)"));
}

// The layout a FreeSWITCH install has: profile files including their gateway folders, a domain
// file including its users.
TEST(Conf, WrapperFilesIncludeTheFixtures) {
  TempConf conf;
  conf.write_vars(test::default_vars());
  const std::string fx = test::kFixtures.string();
  conf.write("sip_profiles/internal.xml",
             "<profile name=\"internal\">\n  <settings>\n"
             "    <param name=\"sip-ip\" value=\"127.0.0.1\"/>\n"
             "    <param name=\"sip-port\" value=\"5060\"/>\n"
             "    <param name=\"context\" value=\"default\"/>\n  </settings>\n</profile>\n");
  conf.write("sip_profiles/external.xml",
             "<profile name=\"external\">\n  <gateways>\n"
             "    <X-PRE-PROCESS cmd=\"include\" data=\"" +
                 fx +
                 "/sip_profiles/external/*.xml\"/>\n"
                 "  </gateways>\n  <settings><param name=\"sip-port\" value=\"5080\"/></settings>\n"
                 "</profile>\n");
  conf.write(
      "directory/rtpx.test.xml",
      "<include>\n  <domain name=\"$${domain}\">\n"
      "    <params><param name=\"dial-string\" value=\"{x=y}user/${dialed_user}\"/></params>\n"
      "    <variables><variable name=\"user_context\" value=\"default\"/>\n"
      "      <variable name=\"toll_allow\" value=\"none\"/>\n"
      "      <variable name=\"record_stereo\" value=\"true\"/></variables>\n"
      "    <groups><group name=\"default\"><users>\n"
      "      <X-PRE-PROCESS cmd=\"include\" data=\"" +
          fx +
          "/directory/default/*.xml\"/>\n"
          "      <user id=\"1001\"/>\n"
          "    </users></group>\n"
          "    <group name=\"sales\"><users><user id=\"1000\" type=\"pointer\"/></users></group>\n"
          "    </groups>\n  </domain>\n</include>\n");
  const Conf c = load_conf_dir(conf.dir());
  for (const std::string& w : c.warnings) ADD_FAILURE() << "unexpected warning " << w;

  ASSERT_EQ(c.profiles.size(), 2u);
  EXPECT_EQ(c.profiles[0].name, "external");  // sorted by file name
  EXPECT_EQ(c.profiles[0].param("sip-port"), "5080");
  EXPECT_EQ(c.profiles[0].gateways.size(), 3u);
  EXPECT_EQ(c.profiles[1].name, "internal");
  EXPECT_EQ(c.profiles[1].param("sip-ip"), "127.0.0.1");
  EXPECT_EQ(c.profiles[1].param("context"), "default");
  EXPECT_EQ(c.profiles[1].where.str(), "sip_profiles/internal.xml:1");
  EXPECT_TRUE(c.profiles[1].gateways.empty());
  EXPECT_EQ(c.gateway("wavix_fo")->where.file,
            (test::kFixtures / "sip_profiles/external/wavix_fo.xml").string());

  const User* u = c.directory.find("1000", "rtpx.test");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->variable("user_context"), "wavix");  // the user's own wins
  EXPECT_EQ(u->variable("toll_allow"), "domestic,international,local");
  EXPECT_EQ(u->variable("record_stereo"), "true");  // from the domain
  EXPECT_EQ(u->param("dial-string"), "{x=y}user/${dialed_user}");
  const User* u1001 = c.directory.find("1001");
  ASSERT_NE(u1001, nullptr);
  EXPECT_EQ(u1001->variable("user_context"), "default");
  EXPECT_EQ(c.directory.domains.at("rtpx.test").size(), 2u);  // the pointer is no user
}

TEST(Conf, OrphanGatewaysJoinTheProfileOfTheirFolder) {
  TempConf conf;
  conf.write("sip_profiles/internal.xml", "<profile name=\"internal\"/>");
  conf.write("sip_profiles/internal/gw.xml", "<include><gateway name=\"pbx\"/></include>");
  conf.write("sip_profiles/elsewhere/gw.xml", "<include><gateway name=\"other\"/></include>");
  const Conf c = load_conf_dir(conf.dir());
  ASSERT_NE(c.gateway("pbx"), nullptr);
  EXPECT_EQ(c.gateway("pbx")->profile, "internal");
  ASSERT_NE(c.gateway("other"), nullptr);
  EXPECT_EQ(c.gateway("other")->profile, "external");
  ASSERT_NE(c.profile("external"), nullptr);
}

TEST(Conf, DuplicatesAreWarnings) {
  TempConf conf;
  conf.write("sip_profiles/a.xml",
             "<profile name=\"p\"><gateways><gateway name=\"g\"/>\n"
             "<gateway name=\"g\"/></gateways></profile>");
  conf.write("sip_profiles/b.xml", "<profile name=\"p\"/>");
  conf.write("dialplan/a.xml", "<include><context name=\"c\"/></include>");
  conf.write("dialplan/b.xml", "<include>\n<context name=\"c\"/></include>");
  const Conf c = load_conf_dir(conf.dir());
  EXPECT_EQ(c.profiles.size(), 1u);
  EXPECT_EQ(c.profiles[0].gateways.size(), 1u);
  EXPECT_THAT(c.warnings,
              Contains("sip_profiles/a.xml:2: gateway 'g' defined twice, this one ignored"));
  EXPECT_THAT(c.warnings,
              Contains("sip_profiles/b.xml:1: profile 'p' defined twice, this one ignored"));
  EXPECT_THAT(c.warnings, Contains("dialplan/b.xml:2: context 'c' already defined at "
                                   "dialplan/a.xml:1, this one ignored"));
}

TEST(Conf, NotADirectory) {
  EXPECT_THROW(load_conf_dir("/nonexistent/rtpx-conf"), ConfigError);
}

}  // namespace
}  // namespace rtpx::fsconf
