#include "plugins/fsconf/e164.hpp"

#include <gtest/gtest.h>

namespace rtpx::fsconf {
namespace {

E164Rules rules(E164Rules::Form form) {
  E164Rules r;
  r.form = form;
  return r;
}

TEST(E164, EveryNanpFormBecomesDigits) {
  const E164Rules r = rules(E164Rules::Form::digits);
  for (const char* n : {"+16468097065", "16468097065", "0016468097065", "01116468097065",
                        "6468097065", "+1 (646) 809-7065", "646.809.7065"})
    EXPECT_EQ(normalize_e164(n, r), "16468097065") << n;
}

TEST(E164, PlusForm) {
  const E164Rules r = rules(E164Rules::Form::plus);
  for (const char* n :
       {"+16468097065", "16468097065", "0016468097065", "01116468097065", "6468097065"})
    EXPECT_EQ(normalize_e164(n, r), "+16468097065") << n;
}

TEST(E164, OtherCountriesThroughInternationalPrefixes) {
  const E164Rules r = rules(E164Rules::Form::plus);
  EXPECT_EQ(normalize_e164("011442071234567", r), "+442071234567");
  EXPECT_EQ(normalize_e164("00442071234567", r), "+442071234567");
  EXPECT_EQ(normalize_e164("+442071234567", r), "+442071234567");
}

TEST(E164, AnythingElseIsUnchanged) {
  const E164Rules r = rules(E164Rules::Form::digits);
  for (const char* n :
       {"1000", "911", "*97", "alice", "", "+", "+1234567890123456", "0646809706", "26468097065"})
    EXPECT_EQ(normalize_e164(n, r), n) << n;
}

TEST(E164, FormNoneLeavesEverything) {
  const E164Rules r = rules(E164Rules::Form::none);
  EXPECT_EQ(normalize_e164("+16468097065", r), "+16468097065");
  EXPECT_EQ(normalize_e164("6468097065", r), "6468097065");
}

TEST(E164, OtherNationalPlan) {
  E164Rules r = rules(E164Rules::Form::plus);
  r.country_code = "44";
  r.national_digits = 10;
  r.international_prefixes = {"00"};
  EXPECT_EQ(normalize_e164("2071234567", r), "+442071234567");
  EXPECT_EQ(normalize_e164("442071234567", r), "+442071234567");
  EXPECT_EQ(normalize_e164("0016468097065", r), "+16468097065");
  EXPECT_EQ(normalize_e164("01116468097065", r), "01116468097065");  // 011 is not a prefix here
}

}  // namespace
}  // namespace rtpx::fsconf
