#pragma once
// Line diff of two transcripts (rtpengine = left, rtpxd = right): a longest-common-subsequence
// alignment, then the differences, where a line present on both sides at different positions
// counts once as "moved".

#include <string>
#include <vector>

namespace rtpx::test::ngdiff {

enum class RowKind { kSame, kLeftOnly, kRightOnly };

struct Row {
  RowKind kind;
  std::string text;
};

std::vector<Row> align(const std::vector<std::string>& left, const std::vector<std::string>& right);

struct Difference {
  std::string kind;  // "rtpengine-only", "rtpxd-only" or "moved"
  std::string line;
  // What allowlist patterns are matched against: "<kind> <line>".
  std::string key() const { return kind + " " + line; }
};

std::vector<Difference> differences(const std::vector<Row>& rows);

}  // namespace rtpx::test::ngdiff
