#pragma once
// Command-line options of rtpload, parsed once in main.

#include <cstdint>
#include <string>

namespace rtpload {

struct Options {
  std::string ng = "127.0.0.1:2223";  // relay's ng control address (host:port)
  int sessions = 100;
  double pps_per_stream = 50;   // packets per second in each direction of each session
  double duration_s = 5;        // measured send phase
  double warmup_s = 1;          // unmeasured send phase before each measurement
  int local_port_base = 20000;  // harness sockets: base .. base + 4 * sessions
  int relay_pid = 0;
  std::string relay_name;  // "rtpxd" or "rtpengine": find the pid in /proc
  std::string json_path;
  double max_loss_pct = -1;   // < 0: loss is reported but not checked
  bool strict_order = false;  // fail on any out-of-order packet
  bool find_max = false;
  double loss_target_pct = 0.1;  // find-max: a rate passes when loss is below this
  int find_max_iters = 5;        // find-max: bisection steps after the doubling phase
  int tick_us = 1000;            // sender wakes at most this often (batches what is due)
  int drain_ms = 5000;       // after sending, wait until 250 ms pass without a packet, at most this
  int ng_timeout_ms = 1000;  // ng retransmission timeout (Kamailio's rtpengine_tout_ms)
  int ng_retries = 5;        // ng retransmissions (Kamailio's rtpengine_retr)
  int sock_buf = 1 << 20;    // SO_RCVBUF/SO_SNDBUF of the harness sockets
  // --srtp SUITE: the relay bridges RTP (side A) to SRTP with SDES (side B); only A->B is sent.
  std::string srtp_suite;
  // --transcode CODEC: side A offers PCMU with the ng option codec: {transcode: [CODEC]}, side B
  // answers CODEC only, and both send speech in their codec; the relay transcodes both ways.
  std::string transcode;
  bool one_way = false;  // send only A->B (implied by --srtp)
  bool quiet = false;
  bool ping_only = false;  // --ping: send one ng ping, exit 0 on pong (for scripts)
};

// Parses argv; on --help or a usage error prints and exits.
Options parse_options(int argc, char** argv);

}  // namespace rtpload
