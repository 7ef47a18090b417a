#pragma once
// Text for `rtpx dialplan test`: the dialplan plugin's dialplan.route answer to a dry run (shape
// in the dialplan plugin's documentation): the context, the extensions that matched with
// file:line, the numbered actions, and for each bridge its failover order, group by group, with
// every target's kind and what it resolved to.

#include <string>

#include <nlohmann/json.hpp>

namespace rtpx::cli {

std::string format_route(const nlohmann::json& route);

}  // namespace rtpx::cli
