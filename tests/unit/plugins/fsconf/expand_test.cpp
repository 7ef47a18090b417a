#include "plugins/fsconf/expand.hpp"

#include <gtest/gtest.h>

namespace rtpx::fsconf {
namespace {

const Vars kVars = {{"destination_number", "1000"},
                    {"domain_name", "rtpx.test"},
                    {"which", "domain_name"},
                    {"indirect", "${destination_number}@${domain_name}"},
                    {"number", "16468097065"}};
const Vars kGlobals = {{"domain", "global.test"}, {"domain_name", "shadowed"}};

std::string ex(std::string_view s) {
  return expand(s, lookup_in(kVars, &kGlobals));
}

TEST(Expand, ReplacesChannelVariables) {
  EXPECT_EQ(ex("user/${destination_number}@${domain_name}"), "user/1000@rtpx.test");
}

TEST(Expand, UnknownVariableIsEmpty) {
  EXPECT_EQ(ex("sip_from_uri=${sip_from_uri}"), "sip_from_uri=");
}

TEST(Expand, FallsBackToTheSecondMap) {
  EXPECT_EQ(ex("${domain}"), "global.test");
  EXPECT_EQ(ex("${domain_name}"), "rtpx.test");  // the first map wins
}

TEST(Expand, ValuesAreExpandedAgain) {
  EXPECT_EQ(ex("${indirect}"), "1000@rtpx.test");
}

TEST(Expand, NestedNameIsExpandedFirst) {
  EXPECT_EQ(ex("${${which}}"), "rtpx.test");
}

TEST(Expand, GlobalFormUsesTheSameLookupAtRunTime) {
  EXPECT_EQ(ex("$${domain}"), "global.test");
}

TEST(Expand, Substrings) {
  EXPECT_EQ(ex("${number:1}"), "6468097065");
  EXPECT_EQ(ex("${number:1:3}"), "646");
  EXPECT_EQ(ex("${number:-4}"), "7065");
  EXPECT_EQ(ex("${number:20}"), "");
}

TEST(Expand, EscapedDollarIsLiteral) {
  EXPECT_EQ(ex("cost \\${destination_number}"), "cost ${destination_number}");
}

TEST(Expand, StringsWithoutVariablesAreUntouched) {
  EXPECT_EQ(ex("^(\\d{10,15})$"), "^(\\d{10,15})$");
  EXPECT_EQ(ex("$1 costs $5"), "$1 costs $5");
  EXPECT_FALSE(has_variables("^true$"));
  EXPECT_TRUE(has_variables("${x}"));
}

TEST(Expand, UnterminatedReferenceIsKept) {
  EXPECT_EQ(ex("a ${destination_number"), "a ${destination_number");
}

TEST(Expand, ApiCallsAreNotEvaluated) {
  EXPECT_EQ(ex("[${strftime(%Y)}]"), "[]");
  EXPECT_EQ(ex("[${expr 1+1}]"), "[]");
}

TEST(Expand, SelfReferenceStops) {
  const Vars loop = {{"a", "${a}x"}};
  EXPECT_NO_THROW(expand("${a}", lookup_in(loop)));
}

}  // namespace
}  // namespace rtpx::fsconf
