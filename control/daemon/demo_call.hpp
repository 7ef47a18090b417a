#pragma once
// `rtpxd --demo`: a call between two local endpoints through a running daemon, signaled over the
// control socket, with real RTP both ways, then the daemon's view of the session printed.

#include <iosfwd>
#include <string>

namespace rtpx::daemon {

struct DemoResult {
  uint64_t sent[2] = {0, 0};      // alice->bob, bob->alice
  uint64_t received[2] = {0, 0};  // intact packets at the far end
  bool ok = false;
};

// Runs the demo call against the daemon at `control_socket` for `seconds` and prints progress
// and counters to `out`.
DemoResult run_demo_call(const std::string& control_socket, double seconds, std::ostream& out);

}  // namespace rtpx::daemon
