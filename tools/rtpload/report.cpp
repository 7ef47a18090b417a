#include "tools/rtpload/report.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

namespace rtpload {

namespace {

nlohmann::json step_json(const StepResult& r) {
  nlohmann::json j = {
      {"pps_per_stream", r.pps_per_stream},
      {"target_pps", r.target_pps},
      {"duration_s", r.duration_s},
      {"sent", r.sent},
      {"send_errors", r.send_errors},
      {"skipped", r.skipped},
      {"received", r.received},
      {"offered_pps", r.offered_pps},
      {"relayed_pps", r.relayed_pps},
      {"loss_pct", r.loss_pct},
      {"held", r.held},
      {"out_of_order", r.out_of_order},
      {"duplicates", r.duplicates},
      {"corrupted", r.corrupted},
      {"misrouted", r.misrouted},
      {"latency_us", {{"p50", r.lat_p50_us}, {"p99", r.lat_p99_us}, {"max", r.lat_max_us}}},
      {"relay_cpu_s", nullptr},
      {"relay_cpu_s_per_mpkt", nullptr},
      {"harness_cpu_s", r.harness_cpu_s},
      {"setup_s", r.setup_s},
      {"harness_rx_drops", r.harness_rx_drops},
      {"relay_rx_drops",
       r.relay_rx_drops ? nlohmann::json(*r.relay_rx_drops) : nlohmann::json(nullptr)},
      {"harness_limited", r.harness_limited()},
  };
  if (r.lat_max_us == 0) j["latency_us"] = {{"p50", nullptr}, {"p99", nullptr}, {"max", nullptr}};
  if (r.relay_cpu_s) j["relay_cpu_s"] = *r.relay_cpu_s;
  if (r.relay_cpu_us_per_pkt) j["relay_cpu_s_per_mpkt"] = *r.relay_cpu_us_per_pkt;
  return j;
}

std::string cpu_text(const StepResult& r) {
  if (!r.relay_cpu_s) return "n/a (no --relay-pid/--relay-name)";
  char b[128];
  if (r.relay_cpu_us_per_pkt)
    std::snprintf(b, sizeof b, "%.2f s = %.2f s per Mpkt (%.2f us/pkt)", *r.relay_cpu_s,
                  *r.relay_cpu_us_per_pkt, *r.relay_cpu_us_per_pkt);
  else
    std::snprintf(b, sizeof b, "%.2f s (no packets relayed)", *r.relay_cpu_s);
  return b;
}

void print_step_detail(std::FILE* out, const RunInfo& info, const StepResult& r) {
  const double streams = r.pps_per_stream > 0 ? r.target_pps / r.pps_per_stream : 0;
  std::fprintf(out, "  %-22s %d (%.0f streams)\n", "sessions", info.sessions, streams);
  std::fprintf(out, "  %-22s %g pps %s per session, %.1f s measured\n", "rate", r.pps_per_stream,
               info.one_way ? "A->B" : "each way", r.duration_s);
  std::fprintf(out, "  %-22s %.2f s (offer + answer for every session)\n", "call set-up",
               r.setup_s);
  std::fprintf(out, "  %-22s %.0f pps (%llu packets, target %.0f pps)\n", "offered", r.offered_pps,
               static_cast<unsigned long long>(r.sent), r.target_pps);
  std::fprintf(out, "  %-22s %.0f pps (%llu packets)\n", "relayed", r.relayed_pps,
               static_cast<unsigned long long>(r.received));
  std::fprintf(out, "  %-22s %.4f %%", "loss", r.loss_pct);
  if (r.sent > r.received) {
    std::fprintf(out, " (socket queue drops: harness %llu",
                 static_cast<unsigned long long>(r.harness_rx_drops));
    if (r.relay_rx_drops)
      std::fprintf(out, ", relay %llu", static_cast<unsigned long long>(*r.relay_rx_drops));
    std::fprintf(out, ")");
  }
  std::fprintf(out, "\n");
  if (!info.transcode.empty())
    std::fprintf(
        out,
        "  %-22s %llu streams missed one packet (a frame kept in the relay's encoder, not lost)\n",
        "held by the relay", static_cast<unsigned long long>(r.held));
  std::fprintf(out, "  %-22s %llu / %llu / %llu / %llu\n", "ooo/dup/corrupt/misrt",
               static_cast<unsigned long long>(r.out_of_order),
               static_cast<unsigned long long>(r.duplicates),
               static_cast<unsigned long long>(r.corrupted),
               static_cast<unsigned long long>(r.misrouted));
  if (info.transcode.empty())
    std::fprintf(out, "  %-22s %.0f / %.0f / %.0f us\n", "latency p50/p99/max", r.lat_p50_us,
                 r.lat_p99_us, r.lat_max_us);
  else
    std::fprintf(out, "  %-22s not measured (the relay re-encodes the payload)\n", "latency");
  std::fprintf(out, "  %-22s %s\n", "relay CPU", cpu_text(r).c_str());
  std::fprintf(out, "  %-22s %.2f s (%.0f %% of one core)%s\n", "harness CPU", r.harness_cpu_s,
               100.0 * r.harness_cpu_s / r.duration_s,
               r.harness_limited() ? "  [harness could not offer the target rate]" : "");
  if (r.send_errors || r.skipped)
    std::fprintf(out, "  %-22s %llu send errors, %llu skipped by the pacer\n", "sender",
                 static_cast<unsigned long long>(r.send_errors),
                 static_cast<unsigned long long>(r.skipped));
}

}  // namespace

void print_report(std::FILE* out, const RunInfo& info, const std::vector<StepResult>& steps,
                  const FindMaxResult* fm) {
  std::fprintf(out, "rtpload: relay ng %s", info.ng.c_str());
  if (info.relay_pid)
    std::fprintf(out, ", pid %d%s%s%s", *info.relay_pid, info.relay_name.empty() ? "" : " (",
                 info.relay_name.c_str(), info.relay_name.empty() ? "" : ")");
  std::fprintf(out, "; %d sessions (%llu ng requests, %llu retransmitted)\n", info.sessions,
               static_cast<unsigned long long>(info.ng_requests),
               static_cast<unsigned long long>(info.ng_retransmissions));
  if (!info.srtp_suite.empty())
    std::fprintf(out, "SRTP: A sends RTP, the relay sends %s SRTP to B (A->B only)\n",
                 info.srtp_suite.c_str());
  else if (info.one_way)
    std::fprintf(out, "one way: A->B only\n");
  if (!info.transcode.empty())
    std::fprintf(out,
                 "transcoding: A sends PCMU, B sends %s; loss counts the warm-up too, latency "
                 "is not measured (the payloads are re-encoded)\n",
                 info.transcode.c_str());

  if (fm != nullptr) {
    std::fprintf(out, "\n  %9s %10s %10s %9s %8s %8s %9s %10s %9s %9s\n", "pps/strm", "offered",
                 "relayed", "loss %", "p50 us", "p99 us", "max us", "relay us/p", "relay drp",
                 "harn drp");
    for (const auto& r : steps) {
      char cpu[32] = "n/a", rdrop[32] = "n/a";
      if (r.relay_cpu_us_per_pkt) std::snprintf(cpu, sizeof cpu, "%.2f", *r.relay_cpu_us_per_pkt);
      if (r.relay_rx_drops)
        std::snprintf(rdrop, sizeof rdrop, "%llu",
                      static_cast<unsigned long long>(*r.relay_rx_drops));
      std::fprintf(out, "  %9g %10.0f %10.0f %9.4f %8.0f %8.0f %9.0f %10s %9s %9llu%s\n",
                   r.pps_per_stream, r.offered_pps, r.relayed_pps, r.loss_pct, r.lat_p50_us,
                   r.lat_p99_us, r.lat_max_us, cpu, rdrop,
                   static_cast<unsigned long long>(r.harness_rx_drops),
                   r.harness_limited() ? "  harness-limited" : "");
    }
    std::fprintf(out, "\n");
    if (fm->best) {
      std::fprintf(out, "max rate with loss below target: %g pps per stream = %.0f pps offered%s\n",
                   fm->best->pps_per_stream, fm->best->offered_pps,
                   fm->harness_limited ? " (harness-limited: the relay may go higher)" : "");
      print_step_detail(out, info, *fm->best);
    } else {
      std::fprintf(out, "no rate passed\n");
    }
  } else {
    for (const auto& r : steps) print_step_detail(out, info, r);
  }
  if (info.unattributed_corrupt)
    std::fprintf(
        out, "  %llu corrupted packets could not be attributed to a step (%llu rejected by SRTP)\n",
        static_cast<unsigned long long>(info.unattributed_corrupt),
        static_cast<unsigned long long>(info.srtp_failures));
  if (info.failures.empty()) {
    std::fprintf(out, "result: PASS\n");
  } else {
    for (const auto& f : info.failures) std::fprintf(out, "FAIL: %s\n", f.c_str());
  }
}

std::string write_json(const std::string& path, const RunInfo& info,
                       const std::vector<StepResult>& steps, const FindMaxResult* fm) {
  nlohmann::json j;
  j["ng"] = info.ng;
  j["sessions"] = info.sessions;
  j["streams"] = info.one_way ? info.sessions : 2 * info.sessions;
  j["one_way"] = info.one_way;
  j["srtp"] = info.srtp_suite.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.srtp_suite);
  j["srtp_failures"] = info.srtp_failures;
  j["transcode"] =
      info.transcode.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.transcode);
  j["relay_pid"] = info.relay_pid ? nlohmann::json(*info.relay_pid) : nlohmann::json(nullptr);
  j["relay_name"] = info.relay_name;
  j["ng_requests"] = info.ng_requests;
  j["ng_retransmissions"] = info.ng_retransmissions;
  j["unattributed_corrupt"] = info.unattributed_corrupt;
  j["steps"] = nlohmann::json::array();
  for (const auto& r : steps) j["steps"].push_back(step_json(r));
  if (fm != nullptr) {
    j["find_max"] = {{"best", fm->best ? step_json(*fm->best) : nlohmann::json(nullptr)},
                     {"harness_limited", fm->harness_limited}};
    j["result"] = fm->best ? step_json(*fm->best) : nlohmann::json(nullptr);
  } else {
    j["result"] = steps.empty() ? nlohmann::json(nullptr) : step_json(steps.back());
  }
  j["pass"] = info.failures.empty();
  j["failures"] = info.failures;
  std::ofstream f(path);
  if (!f) return "cannot write " + path;
  f << j.dump(2) << "\n";
  return f ? std::string{} : "write failed: " + path;
}

}  // namespace rtpload
