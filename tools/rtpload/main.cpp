// rtpload: load harness for RTP relays that speak the rtpengine ng protocol (rtpxd, rtpengine).
// Sets up N sessions, sends RTP both ways through the relay, checks every packet and reports
// loss, order, corruption, latency and the relay's CPU cost per packet.
//
// Exit codes: 0 all checks passed, 1 a check failed (loss over --max-loss, corrupted, misrouted
// or duplicated packets, out-of-order ones with --strict-order, failed deletes), 2 set-up failed
// (ng error, sockets), 3 usage.
//
//   rtpload --ng 127.0.0.1:2223 --sessions 100 --pps-per-stream 50 --duration 5
//           --relay-name rtpxd --max-loss 0 --json out.json
//   rtpload --ng 127.0.0.1:2223 --find-max --pps-per-stream 100 --duration 3 --relay-pid PID

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>

#include "tools/rtpload/find_max.hpp"
#include "tools/rtpload/ng_client.hpp"
#include "tools/rtpload/options.hpp"
#include "tools/rtpload/proc_cpu.hpp"
#include "tools/rtpload/receiver.hpp"
#include "tools/rtpload/report.hpp"
#include "tools/rtpload/session_set.hpp"
#include "tools/rtpload/step_runner.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: sleeps return early
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void raise_fd_limit(rlim_t need) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rl.rlim_cur = std::min(need, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int fail_setup(const std::string& what, rtpload::SessionSet& set, rtpload::NgClient& ng) {
  std::fprintf(stderr, "rtpload: %s\n", what.c_str());
  std::string err;
  set.teardown(ng, err);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rtpload;
  const Options o = parse_options(argc, argv);
  install_signals();
  raise_fd_limit(static_cast<rlim_t>(2 * o.sessions + 64));
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // precise pacing sleeps

  RunInfo info;
  info.ng = o.ng;
  info.sessions = o.sessions;
  info.srtp_suite = o.srtp_suite;
  info.one_way = o.one_way;
  info.transcode = o.transcode;
  if (o.relay_pid > 0) {
    info.relay_pid = o.relay_pid;
  } else if (!o.relay_name.empty()) {
    std::string err;
    info.relay_pid = find_pid_by_name(o.relay_name, err);
    if (!info.relay_pid) {
      std::fprintf(stderr, "rtpload: %s\n", err.c_str());
      return 2;
    }
    info.relay_name = o.relay_name;
  }
  if (info.relay_pid && !process_cpu_seconds(*info.relay_pid)) {
    std::fprintf(stderr, "rtpload: cannot read /proc/%d/stat\n", *info.relay_pid);
    return 2;
  }

  NgClient ng;
  SessionSet set;
  if (auto err = ng.open(o.ng, o.ng_timeout_ms, o.ng_retries); !err.empty())
    return fail_setup(err, set, ng);
  {
    rtpx::ng::Value ping(rtpx::ng::Dict{{"command", "ping"}});
    const NgReply r = ng.request(ping);
    const auto* res = r.dict.find("result");
    if (!r.ok || !res || !res->is_string() || res->as_string() != "pong")
      return fail_setup("ping " + o.ng + ": " + (r.ok ? "reply is not pong" : r.error), set, ng);
  }
  if (o.ping_only) {
    if (!o.quiet) std::printf("pong from %s\n", o.ng.c_str());
    return 0;
  }
  if (auto err = set.open_sockets(o); !err.empty()) return fail_setup(err, set, ng);

  Receiver rx(set);
  if (auto err = rx.start(); !err.empty()) return fail_setup(err, set, ng);
  StepRunner runner(o, ng, set, rx, info.relay_pid, g_stop);

  std::vector<StepResult> steps;
  FindMaxResult fm;
  if (o.find_max) {
    fm = find_max(runner, o.pps_per_stream, o.loss_target_pct, o.find_max_iters);
    steps = fm.steps;
    if (!fm.best)
      info.failures.push_back("no rate had loss below " + std::to_string(o.loss_target_pct) + " %");
  } else if (auto r = runner.run(o.pps_per_stream)) {
    steps.push_back(*r);
  }
  rx.stop();
  if (!runner.setup_error().empty()) return fail_setup(runner.setup_error(), set, ng);
  if (g_stop.load()) info.failures.push_back("interrupted");
  if (runner.delete_failures() > 0)
    info.failures.push_back(std::to_string(runner.delete_failures()) +
                            " deletes failed, first: " + runner.delete_error());
  info.ng_requests = ng.requests();
  info.ng_retransmissions = ng.retransmissions();
  info.unattributed_corrupt = rx.unattributed();
  info.srtp_failures = rx.srtp_failures();
  if (!rx.srtp_error().empty()) info.failures.push_back("SRTP: " + rx.srtp_error());

  // Checks. In find-max mode loss is the search variable; integrity still must hold at every step.
  uint64_t corrupted = info.unattributed_corrupt, misrouted = 0, dups = 0, ooo = 0;
  for (const auto& r : steps) {
    ooo += r.out_of_order;
    corrupted += r.corrupted;
    misrouted += r.misrouted;
    dups += r.duplicates;
  }
  if (corrupted) info.failures.push_back(std::to_string(corrupted) + " corrupted packets");
  if (misrouted) info.failures.push_back(std::to_string(misrouted) + " misrouted packets");
  if (dups) info.failures.push_back(std::to_string(dups) + " duplicated packets");
  if (o.strict_order && ooo)
    info.failures.push_back(std::to_string(ooo) + " out-of-order packets (--strict-order)");
  if (!o.find_max && o.max_loss_pct >= 0 && !steps.empty() &&
      steps.back().loss_pct > o.max_loss_pct)
    info.failures.push_back("loss " + std::to_string(steps.back().loss_pct) +
                            " % exceeds --max-loss " + std::to_string(o.max_loss_pct) + " %");
  if (steps.empty()) info.failures.push_back("no measurement ran");

  print_report(stdout, info, steps, o.find_max ? &fm : nullptr);
  if (!o.json_path.empty()) {
    if (auto err = write_json(o.json_path, info, steps, o.find_max ? &fm : nullptr); !err.empty()) {
      std::fprintf(stderr, "rtpload: %s\n", err.c_str());
      return 2;
    }
  }
  return info.failures.empty() ? 0 : 1;
}
