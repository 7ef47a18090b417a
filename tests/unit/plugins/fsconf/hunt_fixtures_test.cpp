// The verbatim fixture dialplans (tests/fixtures/freeswitch/dialplan) hunted as FreeSWITCH would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/fsconf/conf.hpp"
#include "plugins/fsconf/hunt.hpp"
#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using test::TempConf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Conf load_fixtures(TempConf& conf, const std::string& unroll_loops = "true") {
  conf.link_fixtures();
  conf.write_vars(test::default_vars(unroll_loops));
  return load_conf_dir(conf.dir());
}

HuntResult route(const Conf& c, const std::string& context, const std::string& dest,
                 Vars vars = {}) {
  vars["destination_number"] = dest;
  return hunt(c.dialplan, HuntInput{context, vars});
}

// "app(data)" per action, for compact comparisons.
std::vector<std::string> steps(const HuntResult& r) {
  std::vector<std::string> out;
  for (const Action& a : r.actions) out.push_back(a.app + "(" + a.data + ")");
  return out;
}

std::vector<std::string> names(const HuntResult& r) {
  std::vector<std::string> out;
  for (const MatchedExtension& e : r.extensions) out.push_back(e.name);
  return out;
}

struct Fixtures : ::testing::Test {
  TempConf conf;
  Conf c = load_fixtures(conf);
};

TEST_F(Fixtures, ContextsInFileOrder) {
  ASSERT_EQ(c.dialplan.contexts.size(), 3u);
  EXPECT_EQ(c.dialplan.contexts[0].name, "default");  // signalwire.xml
  EXPECT_EQ(c.dialplan.contexts[1].name, "wavix");
  EXPECT_EQ(c.dialplan.contexts[2].name, "wavix_ip");
  EXPECT_EQ(c.dialplan.contexts[1].where.str(), "dialplan/wavix.xml:3");
}

TEST_F(Fixtures, WavixDidBridgesToUser1000) {
  const HuntResult r = route(c, "wavix", "16468097065");
  EXPECT_THAT(steps(r), ElementsAre("bridge(user/1000@rtpx.test)", "hangup()"));
  ASSERT_EQ(r.extensions.size(), 1u);
  EXPECT_EQ(r.extensions[0].name, "in-wavix");
  EXPECT_EQ(r.extensions[0].where.str(), "dialplan/wavix.xml:10");
  EXPECT_EQ(r.actions[0].where.str(), "dialplan/wavix.xml:12");
  EXPECT_EQ(r.context, "wavix");
}

TEST_F(Fixtures, ElevenDigitsGoToWavixThenFailoverToWavixFo) {
  const HuntResult r = route(c, "wavix", "12125551234");
  EXPECT_THAT(names(r), ElementsAre("out-wavix"));
  EXPECT_THAT(steps(r),
              ElementsAre("bridge(sofia/gateway/wavix/12125551234)",
                          "export(sip_from_uri=${sip_from_uri})", "set(continue_on_fail=true)",
                          "bridge(sofia/gateway/wavix_fo/12125551234)", "hangup()"));
  EXPECT_EQ(r.actions[3].where.str(), "dialplan/wavix.xml:21");
}

TEST_F(Fixtures, LengthsOutsideTheRangesMatchNothing) {
  EXPECT_THAT(steps(route(c, "wavix", "646809706")), IsEmpty());         // 9 digits
  EXPECT_THAT(steps(route(c, "wavix", "1234567890123456")), IsEmpty());  // 16 digits
  EXPECT_THAT(steps(route(c, "wavix", "10000")), IsEmpty());
  EXPECT_THAT(steps(route(c, "wavix", "+12125551234")), IsEmpty());
  EXPECT_THAT(steps(route(c, "wavix", "123456789012345")),
              Contains("bridge(sofia/gateway/wavix/123456789012345)"));
}

TEST_F(Fixtures, FourDigitsAreLocal) {
  const HuntResult r = route(c, "wavix", "1000");
  EXPECT_THAT(names(r), ElementsAre("local"));
  EXPECT_THAT(steps(r), ElementsAre("answer()", "sleep(1000)",
                                    "bridge(user/${destination_number}@rtpx.test)", "hangup()"));
}

// The fixture writes field="$${unroll_loops}": the preprocessor turns it into field="true",
// which is not a caller-profile field, so FreeSWITCH compares "" and the extension never
// deflects, whatever unroll_loops and sip_looped_call are. Same here, with a load warning.
TEST(FixtureUnloop, DollarDollarFieldNeverDeflectsAsInFreeSwitch) {
  for (const char* unroll : {"true", "false"}) {
    TempConf conf;
    const Conf c = load_fixtures(conf, unroll);
    EXPECT_THAT(c.warnings, Contains(HasSubstr(std::string("dialplan/wavix.xml:5: field=\"") +
                                               unroll + "\" is not a caller-profile field")));
    for (const char* looped : {"true", "false"}) {
      const HuntResult r = route(c, "wavix", "16468097065", {{"sip_looped_call", looped}});
      EXPECT_THAT(names(r), ElementsAre("in-wavix")) << unroll << looped;
      EXPECT_THAT(steps(r), ElementsAre("bridge(user/1000@rtpx.test)", "hangup()"));
    }
  }
}

// FreeSWITCH's vanilla unloop (field="${unroll_loops}", a global read at run time) next to the
// fixture's in-wavix extension: deflects only when both are true.
TEST(FixtureUnloop, ChannelVariableFieldDeflectsLoopedCalls) {
  for (const char* unroll : {"true", "false"}) {
    TempConf conf;
    conf.link_fixtures();
    conf.write_vars(test::default_vars(unroll));
    conf.write("dialplan/vanilla.xml",
               "<include><context name=\"vanilla\">\n"
               "  <extension name=\"unloop\">\n"
               "    <condition field=\"${unroll_loops}\" expression=\"^true$\"/>\n"
               "    <condition field=\"${sip_looped_call}\" expression=\"^true$\">\n"
               "      <action application=\"deflect\" data=\"${destination_number}\"/>\n"
               "    </condition>\n  </extension>\n"
               "  <X-PRE-PROCESS cmd=\"include\" data=\"in-wavix.part\"/>\n"
               "</context></include>\n");
    conf.write("dialplan/in-wavix.part",
               "<extension name=\"in-wavix\">\n"
               "  <condition field=\"destination_number\" expression=\"^(16468097065)$\">\n"
               "    <action application=\"bridge\" data=\"user/1000@$${domain}\"/>\n"
               "  </condition>\n</extension>\n");
    const Conf c = load_conf_dir(conf.dir());
    const bool unrolls = std::string(unroll) == "true";
    const HuntResult looped = route(c, "vanilla", "16468097065", {{"sip_looped_call", "true"}});
    if (unrolls) {
      EXPECT_THAT(names(looped), ElementsAre("unloop"));
      EXPECT_THAT(steps(looped), ElementsAre("deflect(${destination_number})"));
    } else {
      EXPECT_THAT(steps(looped), ElementsAre("bridge(user/1000@rtpx.test)"));
    }
    for (const Vars& v : {Vars{{"sip_looped_call", "false"}}, Vars{}}) {
      const HuntResult plain = route(c, "vanilla", "16468097065", v);
      EXPECT_THAT(names(plain), ElementsAre("in-wavix"));
      EXPECT_THAT(steps(plain), ElementsAre("bridge(user/1000@rtpx.test)"));
    }
  }
}

TEST_F(Fixtures, WavixIpSendsEvenTheDidOutBecauseOutComesFirst) {
  const HuntResult out = route(c, "wavix_ip", "12125551234");
  EXPECT_THAT(steps(out), ElementsAre("set(sip_from_host=${outbound-sip-ip})",
                                      "bridge(sofia/gateway/wavix/12125551234)",
                                      "export(sip_from_uri=${sip_from_uri})", "hangup()"));
  EXPECT_THAT(names(route(c, "wavix_ip", "16468097065")), ElementsAre("out-wavix_ip"));
  EXPECT_THAT(names(route(c, "wavix_ip", "1000")), ElementsAre("local"));
}

TEST_F(Fixtures, SignalWireIncomingGoesToUser1000) {
  const HuntResult r = route(c, "default", "+18005551212");
  EXPECT_THAT(names(r), ElementsAre("SignalWire INTEGRATIONS incoming call"));
  EXPECT_THAT(steps(r), ElementsAre("bridge(user/1000)"));
  EXPECT_EQ(r.actions[0].where.str(), "dialplan/signalwire.xml:5");
}

TEST_F(Fixtures, SignalWireOutgoingWithOrWithoutPlus) {
  EXPECT_THAT(steps(route(c, "default", "+12125551234")),
              ElementsAre("answer()", "bridge(sofia/gateway/signalwire/+12125551234)"));
  EXPECT_THAT(steps(route(c, "default", "18005551212")),
              ElementsAre("answer()", "bridge(sofia/gateway/signalwire/18005551212)"));
  EXPECT_THAT(steps(route(c, "default", "2125551234")), IsEmpty());
}

TEST_F(Fixtures, UnknownContext) {
  try {
    route(c, "nope", "1000");
    FAIL() << "no exception";
  } catch (const NoSuchContext& e) {
    EXPECT_STREQ(e.what(), "no context 'nope'");
    EXPECT_EQ(e.context, "nope");
  }
}

}  // namespace
}  // namespace rtpx::fsconf
