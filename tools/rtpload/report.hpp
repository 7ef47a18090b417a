#pragma once
// Human-readable table on stdout and the same numbers as JSON.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tools/rtpload/find_max.hpp"
#include "tools/rtpload/step_runner.hpp"

namespace rtpload {

struct RunInfo {
  std::string ng;
  int sessions = 0;
  std::optional<int> relay_pid;
  std::string relay_name;
  uint64_t ng_requests = 0;
  uint64_t ng_retransmissions = 0;
  uint64_t unattributed_corrupt = 0;  // corrupted packets whose epoch could not be read
  std::string srtp_suite;             // --srtp: RTP (A) -> SRTP (B), A->B only
  bool one_way = false;               // only A->B sent
  std::string transcode;              // --transcode: B's codec, A sends PCMU
  uint64_t srtp_failures = 0;         // of unattributed_corrupt: rejected by libsrtp2
  std::vector<std::string> failures;  // failed checks, empty = pass
};

void print_report(std::FILE* out, const RunInfo& info, const std::vector<StepResult>& steps,
                  const FindMaxResult* fm);

// Returns an error message, empty on success.
std::string write_json(const std::string& path, const RunInfo& info,
                       const std::vector<StepResult>& steps, const FindMaxResult* fm);

}  // namespace rtpload
