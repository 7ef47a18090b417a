// Differential test: every scenario in scenarios/ goes to a real rtpengine and a real rtpxd; the
// normalised replies must match line for line except for the differences listed in
// known_differences.txt, and every listed difference must still occur.
//
//   NG_DIFF_REPORT=/tmp/ng_diff_report.txt   also write a side-by-side report of all scenarios
//   RTPENGINE=/path/to/rtpengine             rtpengine binary (default: PATH); absent = skip
//   NG_DIFF_RTPXD_DUAL_ARGS="..."            extra rtpxd flags for the dual-stack profile
//                                            (default: --interface6 ::1)

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/ng_diff/allowlist.hpp"
#include "tests/integration/ng_diff/line_diff.hpp"
#include "tests/integration/ng_diff/normalise.hpp"
#include "tests/integration/ng_diff/scenario.hpp"
#include "tests/integration/rtpengine_process.hpp"

namespace rtpx::test::ngdiff {
namespace {

const std::filesystem::path kDir = NG_DIFF_DIR;

// Both relays serve these addresses; they are what <relay-ip4>/<relay-ip6> stand for.
const std::vector<std::string> kRelayAddresses = {"127.0.0.1", "::1"};

struct Profile {
  std::vector<std::string> rtpengine_interfaces;
  std::vector<std::string> rtpxd_extra;
};

std::vector<std::string> split_args(const char* env) {
  std::vector<std::string> out;
  std::istringstream in(env != nullptr ? env : "");
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The flags rtpxd gets on top of the fixture's for the dual-stack profile.
std::string dual_args() {
  const char* env = std::getenv("NG_DIFF_RTPXD_DUAL_ARGS");
  return env != nullptr ? env : "--interface6 ::1";
}

std::optional<Profile> profile(const std::string& name) {
  // rtpxd's media interface is 127.0.0.1 from the fixture; dual adds ::1 as its IPv6 one.
  if (name == "v4") return Profile{{"127.0.0.1"}, {}};
  if (name == "dual") return Profile{{"127.0.0.1", "::1"}, split_args(dual_args().c_str())};
  return std::nullopt;
}

struct StepResult {
  std::string name;
  std::string request;  // one-line summary
  std::string sdp_in;
  std::vector<Row> rows;
  std::vector<Difference> diffs;
  std::vector<const AllowEntry*> allowed;  // per diff; nullptr = not in the allowlist
};

struct ScenarioResult {
  std::string error;  // the scenario could not run
  std::vector<StepResult> steps;
};

// A request as one readable line, the SDP body shown by its line count.
std::string summary(const ng::Value& v) {
  if (v.is_string()) return "\"" + v.as_string() + "\"";
  if (v.is_int()) return std::to_string(v.as_int());
  std::string out;
  if (v.is_list()) {
    for (const ng::Value& e : v.as_list()) out += (out.empty() ? "" : ", ") + summary(e);
    return "[" + out + "]";
  }
  for (const auto& [k, e] : v.as_dict()) {
    std::string val = summary(e);
    if (k == "sdp" && e.is_string()) {
      const auto n = std::count(e.as_string().begin(), e.as_string().end(), '\n');
      val = "<" + std::to_string(n) + " lines>";
    }
    out += (out.empty() ? "" : ", ") + ("\"" + k + "\": ") + val;
  }
  return "{" + out + "}";
}

class Harness {
 public:
  Harness(std::vector<Scenario> corpus, Allowlist allowlist)
      : corpus_(std::move(corpus)), allowlist_(std::move(allowlist)) {
    rtpengine_bin_ = RtpengineProcess::find_binary();
  }

  const std::vector<Scenario>& corpus() const { return corpus_; }
  Allowlist& allowlist() { return allowlist_; }
  const std::optional<std::string>& rtpengine_bin() const { return rtpengine_bin_; }
  const std::map<std::string, ScenarioResult>& results() const { return results_; }

  const ScenarioResult& run(const Scenario& s) {
    ScenarioResult& r = results_[s.name];
    r = ScenarioResult{};
    try {
      ensure(s.profile);
    } catch (const std::exception& e) {
      r.error = std::string("cannot start the daemons: ") + e.what();
      return r;
    }
    const Normaliser norm(kRelayAddresses, s.all_sdp);
    for (const Step& step : s.steps) {
      StepResult sr;
      sr.name = step.name;
      sr.request = summary(step.request);
      sr.sdp_in = step.sdp;
      const auto left = transcript(norm, [&] { return re_->ng(step.request); });
      const auto right = transcript(norm, [&] { return rx_->ng(step.request); });
      sr.rows = align(left, right);
      sr.diffs = differences(sr.rows);
      for (const Difference& d : sr.diffs)
        sr.allowed.push_back(allowlist_.allow(s.name, step.name, d));
      r.steps.push_back(std::move(sr));
    }
    clean_up(s);
    return r;
  }

  void stop() {
    re_.reset();
    rx_.reset();
  }

 private:
  template <typename F>
  static std::vector<std::string> transcript(const Normaliser& norm, F&& send) {
    try {
      return norm.transcript(send());
    } catch (const std::exception& e) {
      return {std::string("result: <no reply: ") + e.what() + ">"};
    }
  }

  void ensure(const std::string& name) {
    auto p = profile(name);
    if (!p) throw std::runtime_error("unknown profile '" + name + "' (v4 or dual)");
    if (!re_ || !re_->alive() || re_profile_ != name) {
      re_.reset();
      re_ = std::make_unique<RtpengineProcess>(*rtpengine_bin_, p->rtpengine_interfaces);
      re_profile_ = name;
    }
    if (!rx_ || !rx_->alive() || rx_extra_ != p->rtpxd_extra) {
      rx_.reset();
      DaemonArgs args;
      args.extra = p->rtpxd_extra;
      rx_ = std::make_unique<DaemonProcess>(args);
      rx_extra_ = p->rtpxd_extra;
    }
  }

  // Frees the calls so the next scenario starts from an empty relay (not compared), then lets
  // rtpxd's worker close the sockets: it applies removals between polls, up to 100 ms later,
  // while the port allocator hands the pair out again at once, and the fixture's range is only
  // 20 pairs. Without the pause a fast run can hit "Ran out of ports".
  void clean_up(const Scenario& s) {
    for (const std::string& id : s.call_ids) {
      const ng::Value del = ng::Dict{{"command", "delete"}, {"call-id", id}};
      try {
        re_->ng(del);
      } catch (const std::exception&) {
      }
      try {
        rx_->ng(del);
      } catch (const std::exception&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
  }

  std::vector<Scenario> corpus_;
  Allowlist allowlist_;
  std::optional<std::string> rtpengine_bin_;
  std::unique_ptr<RtpengineProcess> re_;
  std::string re_profile_;
  std::unique_ptr<DaemonProcess> rx_;
  std::vector<std::string> rx_extra_;
  std::map<std::string, ScenarioResult> results_;
};

Harness* g_harness = nullptr;

class ScenarioTest : public ::testing::Test {
 public:
  explicit ScenarioTest(const Scenario* s) : s_(s) {}

  void TestBody() override {
    if (!g_harness->rtpengine_bin()) GTEST_SKIP() << "rtpengine is not installed (set RTPENGINE)";
    const ScenarioResult& r = g_harness->run(*s_);
    ASSERT_TRUE(r.error.empty()) << r.error;
    std::ostringstream fresh;
    int n = 0;
    for (const StepResult& step : r.steps) {
      for (size_t i = 0; i < step.diffs.size(); ++i) {
        if (step.allowed[i] != nullptr) continue;
        ++n;
        fresh << "  step " << step.name << ": " << step.diffs[i].key()
              << "\n    add: " << suggest_entry(s_->name, step.name, step.diffs[i]) << "\n";
      }
    }
    if (n > 0) {
      ADD_FAILURE() << s_->name << ": " << n
                    << " difference(s) between rtpengine and rtpxd not in known_differences.txt"
                    << " (run with NG_DIFF_REPORT=file for the side-by-side view):\n"
                    << fresh.str();
    }
  }

 private:
  const Scenario* s_;
};

// Runs after every scenario test: an allowlisted difference that no longer occurs must go.
class AllowlistTest : public ::testing::Test {
 public:
  void TestBody() override {
    if (!g_harness->rtpengine_bin()) GTEST_SKIP() << "rtpengine is not installed";
    for (const AllowEntry& e : g_harness->allowlist().entries()) {
      bool any = false;
      bool all_ran = true;
      for (const Scenario& s : g_harness->corpus()) {
        if (!e.covers_scenario(s.name)) continue;
        any = true;
        auto it = g_harness->results().find(s.name);
        if (it == g_harness->results().end() || !it->second.error.empty()) all_ran = false;
      }
      if (!any) {
        ADD_FAILURE() << "known_differences.txt:" << e.line_no << ": scope '" << e.scope()
                      << "' names no scenario";
      } else if (all_ran && e.hits == 0) {
        ADD_FAILURE() << "known_differences.txt:" << e.line_no << ": '" << e.scope() << " | "
                      << e.pattern << "' no longer occurs; remove it (reason was: " << e.reason
                      << ")";
      }
    }
  }
};

// ---- report ----

void write_rows(std::ostream& out, const std::vector<Row>& rows) {
  size_t width = 30;
  for (const Row& r : rows)
    if (r.kind != RowKind::kRightOnly) width = std::max(width, r.text.size());
  width = std::min<size_t>(width, 78);
  auto row = [&](char mark, const std::string& l, const std::string& r) {
    std::string line = "    " + l;
    line.resize(std::max(line.size(), width + 4), ' ');
    line += std::string(" ") + mark + " " + r;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  row(' ', "rtpengine", "rtpxd");
  row(' ', std::string(9, '-'), std::string(5, '-'));
  for (size_t i = 0; i < rows.size();) {
    if (rows[i].kind == RowKind::kSame) {
      row(' ', rows[i].text, rows[i].text);
      ++i;
      continue;
    }
    std::vector<std::string> l;
    std::vector<std::string> r;
    for (; i < rows.size() && rows[i].kind != RowKind::kSame; ++i)
      (rows[i].kind == RowKind::kLeftOnly ? l : r).push_back(rows[i].text);
    for (size_t k = 0; k < std::max(l.size(), r.size()); ++k) {
      if (k < l.size() && k < r.size())
        row('|', l[k], r[k]);
      else if (k < l.size())
        row('<', l[k], "");
      else
        row('>', "", r[k]);
    }
  }
}

void write_report(const std::string& path, Harness& h) {
  std::ofstream out(path);
  out << "ng_diff report: rtpengine vs rtpxd, normalised replies\n\n";
  out << "rtpengine: "
      << (h.rtpengine_bin()
              ? *h.rtpengine_bin() + " (" + RtpengineProcess::version(*h.rtpengine_bin()) + ")"
              : std::string("not installed"))
      << "\nrtpxd:     " << RTPXD_PATH << "\n";
  out << "profiles:  v4   = rtpengine --interface=127.0.0.1; rtpxd --interface 127.0.0.1\n"
      << "           dual = rtpengine --interface=127.0.0.1 --interface=::1; rtpxd --interface "
         "127.0.0.1 "
      << dual_args() << "\n";
  out << "placeholders: <relay-ip4>/<relay-ip6> relay address; <Pn> m= port of section n, <Pn+1> "
         "that port + 1,\n"
         "  <port> another relay port; <sess-id> <sess-version> o= values; <start> <stop> t= "
         "values;\n"
         "  <generated> random ICE ufrag/pwd/foundation or a=rtpengine id not in the input. "
         "Phones' addresses and "
         "ports stay.\n";
  out << "rows: '|' the lines differ, '<' rtpengine only, '>' rtpxd only; differences are\n"
         "  'rtpengine-only', 'rtpxd-only' or 'moved' (same line, other position).\n\n";

  out << "Summary\n";
  out << "  " << std::left << std::setw(40) << "scenario" << std::right << std::setw(7) << "steps"
      << std::setw(7) << "diffs" << std::setw(7) << "known" << std::setw(7) << "new"
      << "\n";
  int total_new = 0;
  for (const Scenario& s : h.corpus()) {
    auto it = h.results().find(s.name);
    if (it == h.results().end()) {
      out << "  " << std::left << std::setw(40) << s.name << "  not run\n";
      continue;
    }
    int diffs = 0;
    int fresh = 0;
    for (const StepResult& st : it->second.steps) {
      diffs += static_cast<int>(st.diffs.size());
      for (const AllowEntry* a : st.allowed) fresh += a == nullptr ? 1 : 0;
    }
    total_new += fresh;
    out << "  " << std::left << std::setw(40) << s.name << std::right << std::setw(7)
        << it->second.steps.size() << std::setw(7) << diffs << std::setw(7) << diffs - fresh
        << std::setw(7) << fresh << (it->second.error.empty() ? "" : "  ERROR: " + it->second.error)
        << "\n";
  }
  out << "  new differences in total: " << total_new << "\n";
  out << "\nAllowlist entries that matched nothing in this run:\n";
  int stale = 0;
  for (const AllowEntry& e : h.allowlist().entries()) {
    if (e.hits > 0) continue;
    ++stale;
    out << "  known_differences.txt:" << e.line_no << ": " << e.scope() << " | " << e.pattern
        << "\n";
  }
  if (stale == 0) out << "  none\n";

  for (const Scenario& s : h.corpus()) {
    auto it = h.results().find(s.name);
    if (it == h.results().end()) continue;
    out << "\n\n==== " << s.name << " [" << s.profile << "]: " << s.description << "\n";
    if (!it->second.error.empty()) out << "  ERROR: " << it->second.error << "\n";
    for (const StepResult& st : it->second.steps) {
      out << "\n---- step " << st.name << ": " << st.request << "\n";
      if (!st.sdp_in.empty()) {
        out << "  input SDP:\n";
        std::istringstream in(st.sdp_in);
        for (std::string l; std::getline(in, l);) {
          if (!l.empty() && l.back() == '\r') l.pop_back();
          out << "      " << l << "\n";
        }
      }
      out << "  replies:\n";
      write_rows(out, st.rows);
      if (st.diffs.empty()) {
        out << "  differences: none\n";
        continue;
      }
      out << "  differences:\n";
      for (size_t i = 0; i < st.diffs.size(); ++i) {
        out << "    " << st.diffs[i].key() << "\n";
        if (const AllowEntry* a = st.allowed[i])
          out << "        known (line " << a->line_no << "): " << a->reason << "\n";
        else
          out << "        NEW: not in known_differences.txt\n";
      }
    }
  }
}

}  // namespace
}  // namespace rtpx::test::ngdiff

int main(int argc, char** argv) {
  using namespace rtpx::test::ngdiff;
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<Scenario> corpus;
  std::optional<Allowlist> allowlist;
  try {
    corpus = load_corpus(kDir / "scenarios");
    allowlist = Allowlist::load(kDir / "known_differences.txt");
  } catch (const std::exception& e) {
    std::cerr << "ng_diff: " << e.what() << "\n";
    return 1;
  }
  Harness harness(std::move(corpus), std::move(*allowlist));
  g_harness = &harness;
  for (const Scenario& s : harness.corpus()) {
    const Scenario* sp = &s;
    ::testing::RegisterTest("NgDiff", s.name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [sp]() -> ::testing::Test* { return new ScenarioTest(sp); });
  }
  ::testing::RegisterTest("NgDiffAllowlist", "EveryKnownDifferenceStillOccurs", nullptr, nullptr,
                          __FILE__, __LINE__,
                          []() -> ::testing::Test* { return new AllowlistTest; });
  const int rc = RUN_ALL_TESTS();
  harness.stop();
  if (const char* path = std::getenv("NG_DIFF_REPORT"); path != nullptr && *path != '\0') {
    write_report(path, harness);
    std::cout << "ng_diff: report written to " << path << "\n";
  }
  g_harness = nullptr;
  return rc;
}
