#pragma once
// The dialplan.route service's JSON, independent of the plugin ABI:
// request {"context", "destination_number", "caller_id_number"?, "caller_id_name"?,
//          "network_addr"?, "vars"?: {name: value}, "dry_run"?: bool}
// ok      {"context", "destination_number" (normalized), "extensions": [{name, file, line}],
//          "actions": [{app, data, file, line, inline?, bridge? (dry run)}], "warnings"?}
// error   {"code": "bad_json"|"bad_field"|"not_found", "field", "message"}
// A dry run also expands ${var} in each bridge's data (from the request's vars, then the set,
// export and unset actions before it, then the globals) and shows the parsed plan.

#include <string>
#include <string_view>

#include "plugins/fsconf/conf.hpp"
#include "plugins/fsconf/e164.hpp"

namespace rtpx::dialplan {

struct RouteReply {
  bool ok = false;
  std::string json;  // the result, or the error object
};

RouteReply route_request(const fsconf::Conf& conf, const fsconf::E164Rules& e164,
                         std::string_view request);

}  // namespace rtpx::dialplan
