#pragma once
// Hangup causes as FreeSWITCH names them (Q.850 numbers), and the SIP status codes they map to
// in each direction, as mod_sofia maps them.

#include <string>
#include <string_view>

namespace rtpx::sip {

enum class Cause : int {
  none = 0,
  unallocated_number = 1,
  no_route_destination = 3,
  normal_clearing = 16,
  user_busy = 17,
  no_user_response = 18,
  no_answer = 19,
  call_rejected = 21,
  number_changed = 22,
  destination_out_of_order = 27,
  invalid_number_format = 28,
  facility_rejected = 29,
  normal_unspecified = 31,
  normal_circuit_congestion = 34,
  network_out_of_order = 38,
  normal_temporary_failure = 41,
  switch_congestion = 42,
  service_unavailable = 63,
  bearer_capability_notimpl = 65,
  incompatible_destination = 88,
  recovery_on_timer_expire = 102,
  interworking = 127,
  originator_cancel = 487,
  invalid_gateway = 608,
  user_not_registered = 606,
  gateway_down = 609,
};

const char* cause_name(Cause c);
// "USER_BUSY" or "17" -> the cause; unknown -> normal_clearing.
Cause cause_from_string(std::string_view s);
// The SIP final response for a call ended with `c` before answer.
int cause_to_sip(Cause c);
Cause sip_to_cause(int status);
// "USER_BUSY", "user_busy" or "17" in a comma list (continue_on_fail's cause form).
bool cause_in_list(Cause c, std::string_view list);

}  // namespace rtpx::sip
