// What a dialplan that cannot be used reports: "file:line: reason" from load_conf_dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/fsconf/conf.hpp"
#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string load_error(const std::string& file, const std::string& text) {
  test::TempConf conf;
  conf.link_fixtures();
  conf.write(file, text);
  try {
    load_conf_dir(conf.dir());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DialplanErrors, BadRegex) {
  const std::string e =
      load_error("dialplan/bad.xml",
                 "<include>\n  <context name=\"bad\">\n    <extension name=\"x\">\n"
                 "      <condition field=\"destination_number\" "
                 "expression=\"^(\\d+$\">\n"
                 "      </condition>\n    </extension>\n  </context>\n</include>\n");
  EXPECT_THAT(e, StartsWith("dialplan/bad.xml:4: bad regular expression \"^(\\d+$\": "));
  EXPECT_THAT(e, HasSubstr("missing closing parenthesis"));
}

TEST(DialplanErrors, BadRegexInsideRegexChildren) {
  EXPECT_THAT(load_error("dialplan/bad.xml",
                         "<include><context name=\"b\"><extension><condition regex=\"all\">\n"
                         "<regex field=\"caller_id_number\" expression=\"[\"/>\n"
                         "</condition></extension></context></include>"),
              StartsWith("dialplan/bad.xml:2: bad regular expression \"[\""));
}

TEST(DialplanErrors, MalformedXml) {
  EXPECT_THAT(load_error("dialplan/broken.xml",
                         "<include>\n<context name=\"x\">\n<extension name=\"y\">\n</context>\n"),
              StartsWith("dialplan/broken.xml:4: malformed XML: "));
}

TEST(DialplanErrors, UnknownInclude) {
  EXPECT_EQ(load_error("dialplan/inc.xml",
                       "<include>\n<context name=\"x\">\n"
                       "<X-PRE-PROCESS cmd=\"include\" data=\"extensions/missing.xml\"/>\n"
                       "</context></include>"),
            "dialplan/inc.xml:3: include \"extensions/missing.xml\": no such file");
}

TEST(DialplanErrors, TimeOfDayConditionsAreNotSupported) {
  for (const char* attr :
       {"wday=\"2-6\"", "hour=\"9-17\"", "time-of-day=\"09:00-17:00\"", "mon=\"12\"",
        "year=\"2025\"", "date-time=\"2025-01-01 00:00~2025-01-02 00:00\""}) {
    const std::string e = load_error(
        "dialplan/tod.xml", std::string("<include><context name=\"tod\"><extension name=\"x\">\n") +
                                "<condition " + attr + "><action application=\"answer\"/>" +
                                "</condition></extension></context></include>");
    EXPECT_THAT(e, StartsWith("dialplan/tod.xml:2: <condition> attribute ")) << attr;
    EXPECT_THAT(e, HasSubstr("not supported")) << attr;
  }
  EXPECT_THAT(load_error("dialplan/tod.xml",
                         "<include><context name=\"tod\"><extension><condition regex=\"any\">\n"
                         "<regex wday=\"1\"/></condition></extension></context></include>"),
              StartsWith("dialplan/tod.xml:2: <regex> attribute wday="));
}

TEST(DialplanErrors, ExecSetInVarsXml) {
  EXPECT_EQ(load_error("vars.xml",
                       "<include>\n<X-PRE-PROCESS cmd=\"exec-set\" data=\"ip=hostname -i\"/>\n"
                       "</include>"),
            "vars.xml:2: X-PRE-PROCESS cmd=\"exec-set\" is not supported");
}

TEST(DialplanErrors, BadRegexWithoutFieldIsNeverUsedSoNotAnError) {
  EXPECT_EQ(load_error("dialplan/ok.xml",
                       "<include><context name=\"ok\"><extension><condition expression=\"(\">"
                       "</condition></extension></context></include>"),
            "no error");
}

}  // namespace
}  // namespace rtpx::fsconf
