#pragma once
// rtpengine ng commands, declared once in a table: name -> handler. A handler reads the request
// dict and returns the reply dict (without "result", added by dispatch) or an Error whose text
// becomes "error-reason".

#include <span>
#include <string_view>

#include "control/core/result.hpp"
#include "control/daemon/daemon_context.hpp"
#include "control/ng/bencode.hpp"

namespace rtpx::ng {

using NgCommandFn = control::Result<Value> (*)(control::DaemonContext&, const Value& request);

struct NgCommand {
  std::string_view name;
  NgCommandFn handler;
};

std::span<const NgCommand> ng_commands();

// Runs one decoded request dict and returns the complete reply dict ("result" first).
Value dispatch_ng(control::DaemonContext& ctx, const Value& request);
// The reply for a datagram whose body did not decode.
Value ng_error(std::string_view reason);

}  // namespace rtpx::ng
