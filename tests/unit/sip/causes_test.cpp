// Hangup causes map to SIP and back as mod_sofia maps them, and continue_on_fail's cause lists
// match names and numbers.
#include <gtest/gtest.h>

#include "plugins/sip/causes.hpp"

namespace {

using namespace rtpx::sip;

TEST(Causes, SipFailuresMapToFreeSwitchCauses) {
  EXPECT_EQ(sip_to_cause(503), Cause::normal_temporary_failure);
  EXPECT_EQ(sip_to_cause(480), Cause::no_user_response);
  EXPECT_EQ(sip_to_cause(486), Cause::user_busy);
  EXPECT_EQ(sip_to_cause(404), Cause::unallocated_number);
  EXPECT_EQ(sip_to_cause(408), Cause::recovery_on_timer_expire);
  EXPECT_EQ(sip_to_cause(487), Cause::originator_cancel);
  EXPECT_EQ(sip_to_cause(603), Cause::call_rejected);
}

TEST(Causes, CausesMapToSipResponses) {
  EXPECT_EQ(cause_to_sip(Cause::user_busy), 486);
  EXPECT_EQ(cause_to_sip(Cause::no_route_destination), 404);
  EXPECT_EQ(cause_to_sip(Cause::normal_temporary_failure), 503);
  EXPECT_EQ(cause_to_sip(Cause::user_not_registered), 480);
  EXPECT_EQ(cause_to_sip(Cause::invalid_gateway), 502);
}

TEST(Causes, NamesAndNumbersParse) {
  EXPECT_EQ(cause_from_string("USER_BUSY"), Cause::user_busy);
  EXPECT_EQ(cause_from_string("user_busy"), Cause::user_busy);
  EXPECT_EQ(cause_from_string("17"), Cause::user_busy);
  EXPECT_STREQ(cause_name(Cause::normal_temporary_failure), "NORMAL_TEMPORARY_FAILURE");
}

TEST(Causes, ContinueOnFailListsMatchNamesOrNumbers) {
  EXPECT_TRUE(cause_in_list(Cause::user_busy, "NORMAL_TEMPORARY_FAILURE, USER_BUSY"));
  EXPECT_TRUE(cause_in_list(Cause::normal_temporary_failure, "41,17"));
  EXPECT_FALSE(cause_in_list(Cause::user_busy, "NORMAL_TEMPORARY_FAILURE"));
  EXPECT_FALSE(cause_in_list(Cause::user_busy, ""));
}

}  // namespace
