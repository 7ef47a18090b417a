#pragma once
// The control socket's commands, declared once in a table: name -> handler. Each handler takes
// the request object and returns a result object or an Error naming the bad field.

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "control/core/result.hpp"
#include "control/daemon/daemon_context.hpp"

namespace rtpx::control {

using JsonHandler = Result<nlohmann::json> (*)(DaemonContext&, const nlohmann::json& request);

struct JsonCommand {
  std::string_view name;
  JsonHandler handler;
  std::string_view summary;
};

std::span<const JsonCommand> json_commands();
const JsonCommand* find_json_command(std::string_view name);

// Runs one request object (already parsed) and returns the full reply line's object, with "id".
// events.subscribe is answered here too; the caller notices it by name and keeps the connection
// subscribed.
nlohmann::json dispatch_json(DaemonContext& ctx, const nlohmann::json& request);

// A reply line's object for an answer that comes later (plugins.call): {"id"?, "result": value}
// or {"id"?, "error": value}; counts the error.
nlohmann::json reply_json(DaemonContext& ctx, const nlohmann::json* id, bool ok,
                          nlohmann::json value);

}  // namespace rtpx::control
