#include "plugins/sip/causes.hpp"

#include <strings.h>

#include <array>
#include <string>

namespace rtpx::sip {

namespace {
struct Entry {
  Cause cause;
  const char* name;
};
constexpr std::array<Entry, 26> kNames{{
    {Cause::none, "NONE"},
    {Cause::unallocated_number, "UNALLOCATED_NUMBER"},
    {Cause::no_route_destination, "NO_ROUTE_DESTINATION"},
    {Cause::normal_clearing, "NORMAL_CLEARING"},
    {Cause::user_busy, "USER_BUSY"},
    {Cause::no_user_response, "NO_USER_RESPONSE"},
    {Cause::no_answer, "NO_ANSWER"},
    {Cause::call_rejected, "CALL_REJECTED"},
    {Cause::number_changed, "NUMBER_CHANGED"},
    {Cause::destination_out_of_order, "DESTINATION_OUT_OF_ORDER"},
    {Cause::invalid_number_format, "INVALID_NUMBER_FORMAT"},
    {Cause::facility_rejected, "FACILITY_REJECTED"},
    {Cause::normal_unspecified, "NORMAL_UNSPECIFIED"},
    {Cause::normal_circuit_congestion, "NORMAL_CIRCUIT_CONGESTION"},
    {Cause::network_out_of_order, "NETWORK_OUT_OF_ORDER"},
    {Cause::normal_temporary_failure, "NORMAL_TEMPORARY_FAILURE"},
    {Cause::switch_congestion, "SWITCH_CONGESTION"},
    {Cause::service_unavailable, "SERVICE_UNAVAILABLE"},
    {Cause::bearer_capability_notimpl, "BEARERCAPABILITY_NOTIMPL"},
    {Cause::incompatible_destination, "INCOMPATIBLE_DESTINATION"},
    {Cause::recovery_on_timer_expire, "RECOVERY_ON_TIMER_EXPIRE"},
    {Cause::interworking, "INTERWORKING"},
    {Cause::originator_cancel, "ORIGINATOR_CANCEL"},
    {Cause::invalid_gateway, "INVALID_GATEWAY"},
    {Cause::user_not_registered, "USER_NOT_REGISTERED"},
    {Cause::gateway_down, "GATEWAY_DOWN"},
}};
}  // namespace

const char* cause_name(Cause c) {
  for (const Entry& e : kNames)
    if (e.cause == c) return e.name;
  return "NORMAL_UNSPECIFIED";
}

Cause cause_from_string(std::string_view s) {
  const std::string t(s);
  for (const Entry& e : kNames)
    if (strcasecmp(e.name, t.c_str()) == 0 || std::to_string(static_cast<int>(e.cause)) == t)
      return e.cause;
  return Cause::normal_clearing;
}

// mod_sofia's hangup_cause_to_sip.
int cause_to_sip(Cause c) {
  switch (c) {
    case Cause::unallocated_number:
    case Cause::no_route_destination:
      return 404;
    case Cause::user_busy:
      return 486;
    case Cause::no_user_response:
    case Cause::no_answer:
    case Cause::user_not_registered:
      return 480;
    case Cause::call_rejected:
      return 603;
    case Cause::number_changed:
      return 410;
    case Cause::destination_out_of_order:
    case Cause::facility_rejected:
    case Cause::invalid_gateway:
    case Cause::gateway_down:
      return 502;
    case Cause::invalid_number_format:
      return 484;
    case Cause::normal_circuit_congestion:
    case Cause::network_out_of_order:
    case Cause::normal_temporary_failure:
    case Cause::switch_congestion:
    case Cause::service_unavailable:
      return 503;
    case Cause::bearer_capability_notimpl:
      return 488;
    case Cause::incompatible_destination:
      return 488;
    case Cause::recovery_on_timer_expire:
      return 504;
    case Cause::originator_cancel:
      return 487;
    case Cause::interworking:
      return 500;
    default:
      return 480;
  }
}

// mod_sofia's sofia_glue_sip_cause_to_freeswitch.
Cause sip_to_cause(int status) {
  switch (status) {
    case 200:
      return Cause::normal_clearing;
    case 401:
    case 402:
    case 403:
    case 407:
    case 603:
    case 608:
      return Cause::call_rejected;
    case 404:
    case 485:
    case 604:
      return Cause::unallocated_number;
    case 408:
    case 504:
      return Cause::recovery_on_timer_expire;
    case 410:
      return Cause::number_changed;
    case 413:
    case 414:
    case 416:
    case 420:
    case 421:
    case 423:
    case 505:
    case 513:
      return Cause::interworking;
    case 480:
      return Cause::no_user_response;
    case 400:
    case 481:
    case 500:
    case 503:
      return Cause::normal_temporary_failure;
    case 486:
    case 600:
      return Cause::user_busy;
    case 484:
      return Cause::invalid_number_format;
    case 488:
    case 606:
      return Cause::incompatible_destination;
    case 502:
      return Cause::network_out_of_order;
    case 405:
      return Cause::service_unavailable;
    case 406:
    case 415:
    case 501:
      return Cause::service_unavailable;
    case 482:
    case 483:
      return Cause::no_route_destination;
    case 487:
      return Cause::originator_cancel;
    default:
      return status >= 300 ? Cause::normal_unspecified : Cause::normal_clearing;
  }
}

bool cause_in_list(Cause c, std::string_view list) {
  const std::string name = cause_name(c);
  const std::string num = std::to_string(static_cast<int>(c));
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    if (comma == std::string_view::npos) comma = list.size();
    std::string item(list.substr(at, comma - at));
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty() && (strcasecmp(item.c_str(), name.c_str()) == 0 || item == num)) return true;
    at = comma + 1;
  }
  return false;
}

}  // namespace rtpx::sip
