#include "tests/integration/ng_diff/allowlist.hpp"

#include <fnmatch.h>

#include <fstream>
#include <stdexcept>

namespace rtpx::test::ngdiff {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

bool AllowEntry::covers(const std::string& scenario, const std::string& step) const {
  return glob(scenario_glob, scenario) && glob(step_glob, step);
}

bool AllowEntry::covers_scenario(const std::string& scenario) const {
  return glob(scenario_glob, scenario);
}

std::string AllowEntry::scope() const {
  return step_glob == "*" ? scenario_glob : scenario_glob + "/" + step_glob;
}

Allowlist Allowlist::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  Allowlist list;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const std::string where = file.filename().string() + ":" + std::to_string(n);
    const size_t first = t.find(" | ");
    const size_t last = t.rfind(" | ");
    if (first == std::string::npos || first == last)
      throw std::runtime_error(where + ": expected '<scenario>[/<step>] | <regex> | <reason>'");
    AllowEntry e;
    e.line_no = n;
    const std::string scope = trim(t.substr(0, first));
    const size_t slash = scope.find('/');
    e.scenario_glob = scope.substr(0, slash);
    e.step_glob = slash == std::string::npos ? "*" : scope.substr(slash + 1);
    e.pattern = trim(t.substr(first + 3, last - first - 3));
    e.reason = trim(t.substr(last + 3));
    if (e.scenario_glob.empty() || e.pattern.empty() || e.reason.empty())
      throw std::runtime_error(where + ": empty scenario, pattern or reason");
    try {
      e.re = std::regex(e.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& err) {
      throw std::runtime_error(where + ": bad regex '" + e.pattern + "': " + err.what());
    }
    list.entries_.push_back(std::move(e));
  }
  return list;
}

const AllowEntry* Allowlist::allow(const std::string& scenario, const std::string& step,
                                   const Difference& d) {
  const std::string key = d.key();
  for (AllowEntry& e : entries_) {
    if (e.covers(scenario, step) && std::regex_search(key, e.re)) {
      ++e.hits;
      return &e;
    }
  }
  return nullptr;
}

std::string suggest_entry(const std::string& scenario, const std::string& step,
                          const Difference& d) {
  return scenario + "/" + step + " | ^" + regex_escape(d.key()) + "$ | <reason>";
}

}  // namespace rtpx::test::ngdiff
