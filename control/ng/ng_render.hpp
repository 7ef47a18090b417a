#pragma once
// Call snapshots in the shapes rtpengine's ng replies use (query/delete/list), so Kamailio's
// rtpengine module and its $rtpstat pseudo-variables read them unchanged.

#include "control/ng/bencode.hpp"
#include "control/session/call_snapshot.hpp"

namespace rtpx::ng {

// Adds created, created_us, last signal, SSRC, tags, totals to `reply`.
void add_call_stats(Value& reply, const control::CallSnapshot& call);

}  // namespace rtpx::ng
