#pragma once
// Call snapshots, counters and engine facts as the control protocol's JSON
// (docs/control-protocol.md).

#include <nlohmann/json.hpp>

#include "control/core/result.hpp"
#include "control/daemon/daemon_context.hpp"
#include "control/session/call_snapshot.hpp"

namespace rtpx::control {

nlohmann::json to_json(const CallSnapshot& call);
nlohmann::json to_json(const std::vector<CallSummary>& calls);
nlohmann::json to_json(const SessionEvent& ev);
nlohmann::json to_json(const Error& err);
nlohmann::json stats_json(const DaemonContext& ctx);
nlohmann::json engine_info_json(const DaemonContext& ctx);

}  // namespace rtpx::control
