#include "tools/rtpload/find_max.hpp"

#include <cmath>

namespace rtpload {

bool step_passes(const StepResult& r, double loss_target_pct) {
  return r.sent > 0 && r.loss_pct < loss_target_pct && r.corrupted == 0 && r.misrouted == 0 &&
         r.duplicates == 0;
}

FindMaxResult find_max(StepRunner& runner, double start_pps, double loss_target_pct, int iters) {
  FindMaxResult out;
  double lo = 0;  // highest passing rate so far
  double hi = 0;  // lowest failing rate (0: none yet)
  double rate = start_pps;
  auto try_rate = [&](double pps) -> std::optional<bool> {
    auto r = runner.run(pps);
    if (!r) return std::nullopt;
    out.steps.push_back(*r);
    const bool pass = step_passes(*r, loss_target_pct);
    if (pass && (!out.best || pps > out.best->pps_per_stream)) out.best = *r;
    return pass;
  };

  // Doubling until the first failure (or until the harness itself cannot keep up).
  for (int i = 0; i < 24; ++i) {
    const auto pass = try_rate(rate);
    if (!pass) return out;
    if (!*pass) {
      hi = rate;
      break;
    }
    lo = rate;
    if (out.steps.back().harness_limited()) {
      out.harness_limited = true;
      return out;
    }
    rate *= 2;
  }
  if (hi == 0) return out;

  // Bisection; stop early once the bracket is within 2 %.
  for (int i = 0; i < iters && (hi - lo) > 0.02 * hi; ++i) {
    const double mid = lo > 0 ? (lo + hi) / 2 : hi / 2;
    const double pps = mid >= 10 ? std::round(mid) : mid;
    const auto pass = try_rate(pps);
    if (!pass) break;
    if (*pass) {
      lo = pps;
      if (out.steps.back().harness_limited()) out.harness_limited = true;
    } else {
      hi = pps;
    }
  }
  return out;
}

}  // namespace rtpload
