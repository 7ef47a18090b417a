#pragma once
// --find-max: the highest per-stream rate whose loss stays below the target, found over the same
// sessions by doubling from the starting rate until a step fails, then bisecting between the last
// pass and the first failure.

#include <optional>
#include <vector>

#include "tools/rtpload/step_runner.hpp"

namespace rtpload {

struct FindMaxResult {
  std::vector<StepResult> steps;   // in the order run
  std::optional<StepResult> best;  // the highest passing step
  bool harness_limited = false;    // the sender could not offer a passing rate's target:
                                   // the relay's ceiling is above what was measured
};

bool step_passes(const StepResult& r, double loss_target_pct);

FindMaxResult find_max(StepRunner& runner, double start_pps, double loss_target_pct, int iters);

}  // namespace rtpload
