#pragma once
// known_differences.txt: the differences between rtpengine and rtpxd that are known today.
// One entry per line, fields separated by " | " (the first and the last separator count, so a
// pattern may itself contain " | "):
//   <scenario>[/<step>] | <regex> | <reason>
// scenario and step are shell globs (fnmatch); the regex (ECMAScript) is searched in
// "<kind> <line>", kind being rtpengine-only, rtpxd-only or moved. Blank lines and lines
// starting with '#' are comments.

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/ng_diff/line_diff.hpp"

namespace rtpx::test::ngdiff {

struct AllowEntry {
  int line_no = 0;
  std::string scenario_glob;
  std::string step_glob;  // "*" when the entry names no step
  std::string pattern;
  std::regex re;
  std::string reason;
  int hits = 0;

  bool covers(const std::string& scenario, const std::string& step) const;
  bool covers_scenario(const std::string& scenario) const;
  std::string scope() const;
};

class Allowlist {
 public:
  // Throws std::runtime_error naming the file and line of a malformed entry.
  static Allowlist load(const std::filesystem::path& file);

  // The first entry that allows `d` in scenario/step (its hit count goes up), or nullptr.
  const AllowEntry* allow(const std::string& scenario, const std::string& step,
                          const Difference& d);
  const std::vector<AllowEntry>& entries() const { return entries_; }

 private:
  std::vector<AllowEntry> entries_;
};

// A ready-to-paste entry for a difference nobody listed yet.
std::string suggest_entry(const std::string& scenario, const std::string& step,
                          const Difference& d);

}  // namespace rtpx::test::ngdiff
