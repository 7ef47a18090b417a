#pragma once
// `rtpxd --demo`: calls between local endpoints through a running daemon, signaled over the
// control socket, with real RTP both ways, then the daemon's view of each session printed: a
// plain RTP <-> SRTP call, then a PCMU <-> opus call that rtpxd transcodes.

#include <iosfwd>
#include <string>

#include "engine/net/sock_addr.hpp"

namespace rtpx::client {
class ControlClient;
}

namespace rtpx::daemon {

struct DemoResult {
  uint64_t sent[2] = {0, 0};      // alice->bob, bob->alice
  uint64_t received[2] = {0, 0};  // intact packets at the far end
  bool transcoded = false;        // the PCMU <-> opus call carried both tones
  bool ok = false;
};

// Runs the demo call against the daemon at `control_socket` for `seconds` and prints progress
// and counters to `out`.
DemoResult run_demo_call(const std::string& control_socket, double seconds, std::ostream& out);

// A demo party's UDP socket on 127.0.0.1 (its address into *local); throws when it cannot bind.
int open_udp(net::SockAddr* local);
// Where rtpxd wants the recipient of `sdp_text` to send (first m= line); throws on bad SDP.
net::SockAddr relay_address(const std::string& sdp_text);

// The transcoded call (demo_transcode.cpp); true when each side heard the other's tone.
bool run_demo_transcode(client::ControlClient& ctl, double seconds, std::ostream& out);

}  // namespace rtpx::daemon
