#pragma once
// Text for the sip plugin's services, reached through rtpxd's plugins.call: `rtpx gateway
// status [NAME]` (sip.gateways) in the shape of FreeSWITCH's `sofia status gateway [NAME]`, and
// `rtpx registrations` (sip.registrations). Like format.hpp: pure, and absent or odd fields print
// as "-" instead of failing.

#include <string>

#include <nlohmann/json.hpp>

namespace rtpx::cli {

// {"gateways": [{"name", "profile", "proxy", "state", "status", "calls_in", ...}]}: with detail
// false a table (Name, Profile, Data, State, Status, inbound and outbound calls failed/total) and
// a totals line; with detail true one "Key: value" block per gateway (Name, Profile, Scheme,
// Realm, Username, Password yes/no, From, Contact, Exten, To, Proxy, Context, Expires, Freq,
// Ping, State, Status, CallsIN, CallsOUT, FailedCallsIN, FailedCallsOUT, Uptime).
std::string format_gateways(const nlohmann::json& result, bool detail);
// {"registrations": [{"user", "domain", "contact", "network_addr", "expires_in", "agent"}]}:
// a table and a count.
std::string format_registrations(const nlohmann::json& result);

}  // namespace rtpx::cli
