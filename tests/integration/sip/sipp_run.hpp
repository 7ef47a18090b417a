#pragma once
// One sipp 3.6.1 process running one of the scenarios in scenarios/: its command line, its exit
// code (0: every call succeeded; 1: some failed; 97/99: stopped early or no call), the lines the
// scenario logs (<log message=...>: one per SIP event, see each scenario's header) and its
// -trace_stat counters. sipp binds its SIP socket to -i (-bind_local), so several instances can
// share a port number on different loopback addresses and rtpx sees the right source address.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/integration/sip/sip_ports.hpp"
#include "tests/integration/sip/test_process.hpp"

namespace rtpx::test::sip {

inline constexpr const char* kSipp = "/usr/bin/sipp";
inline constexpr const char* kPcap = "/usr/share/sip-tester/g711a.pcap";  // named in scenarios
inline constexpr int kPcapPackets = 236;                                  // 7 s of PCMA

// The directory of the scenario files (the source tree).
std::string scenario_dir();

struct SippOptions {
  std::string scenario;                                      // file name in scenario_dir()
  Endpoint local;                                            // -i -p (bound)
  std::optional<Endpoint> remote;                            // a UAC's destination; none for a UAS
  std::optional<Endpoint> media;                             // -mi -mp
  std::string service;                                       // -s
  std::string auth_user, auth_password;                      // -au -ap
  std::vector<std::pair<std::string, std::string>> keys;     // -key NAME VALUE
  std::vector<std::pair<std::string, std::string>> globals;  // -set NAME VALUE
  int calls = 0;                                             // -m (0: unlimited, a UAS)
  int limit = 0;                                             // -l: simultaneous calls
  int rate = 0;                                              // -r: calls per second
  int hold_ms = -1;                                          // -d: <pause/> length
  int timeout_s = 0;        // -timeout with -timeout_error: sipp gives up (exit != 0)
  int recv_timeout_ms = 0;  // -recv_timeout: a call waiting longer fails
  bool rtp_echo = false;    // -rtp_echo
  std::string transport;    // -t: "t1" (TCP, one connection), "u1"...; empty: sipp's default (UDP)
};

struct SippStats {
  int64_t created = 0, current = 0, successful = 0, failed = 0;
  std::map<std::string, std::string> fields;  // every column of the last -trace_stat row
};

class Sipp {
 public:
  // Starts sipp in `dir` (its logs are `dir`/NAME.*). A UAS is ready once it holds its port.
  Sipp(std::string name, const std::string& dir, const SippOptions& options);
  Sipp(const Sipp&) = delete;
  Sipp& operator=(const Sipp&) = delete;

  const std::string& name() const { return name_; }
  const SippOptions& options() const { return options_; }
  bool running() { return child_.running(); }
  // Waits until the SIP port is bound (or sipp died); false on timeout or death.
  bool wait_ready(milliseconds timeout = milliseconds(10000));
  std::optional<int> wait_exit(milliseconds timeout) { return child_.wait_exit(timeout); }
  // SIGTERM (then SIGKILL); the exit code.
  int stop() { return child_.kill(); }

  // The scenario's log lines, in order.
  std::vector<std::string> events() const;
  // Lines that start with prefix.
  std::vector<std::string> events(std::string_view prefix) const;
  size_t count(std::string_view prefix) const { return events(prefix).size(); }
  // The last -trace_stat row (written every second and at exit).
  std::optional<SippStats> stats() const;
  // The tails of its output, error and event logs, for failure messages.
  std::string report() const;
  const std::vector<std::string>& argv() const { return argv_; }

 private:
  std::string name_;
  std::string dir_;
  SippOptions options_;
  std::vector<std::string> argv_;
  Child child_;
};

// The value of `key=` in a scenario log line ("REGISTER 200 cseq=3 user=u ..." -> "3").
std::string field(std::string_view line, std::string_view key);

}  // namespace rtpx::test::sip
