#include "tests/integration/ng_diff/line_diff.hpp"

#include <algorithm>
#include <map>

namespace rtpx::test::ngdiff {

std::vector<Row> align(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t n = a.size();
  const size_t m = b.size();
  // lcs[i][j]: LCS length of a[i..] and b[j..].
  std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<Row> rows;
  size_t i = 0;
  size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      rows.push_back({RowKind::kSame, a[i]});
      ++i;
      ++j;
    } else if (j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
      rows.push_back({RowKind::kLeftOnly, a[i++]});
    } else {
      rows.push_back({RowKind::kRightOnly, b[j++]});
    }
  }
  return rows;
}

std::vector<Difference> differences(const std::vector<Row>& rows) {
  std::map<std::string, int> right_only;
  for (const Row& r : rows)
    if (r.kind == RowKind::kRightOnly) ++right_only[r.text];
  std::map<std::string, int> moved;  // left-only lines paired with a right-only twin
  std::vector<Difference> out;
  for (const Row& r : rows) {
    if (r.kind != RowKind::kLeftOnly) continue;
    if (auto it = right_only.find(r.text); it != right_only.end() && it->second > 0) {
      --it->second;
      ++moved[r.text];
      out.push_back({"moved", r.text});
    } else {
      out.push_back({"rtpengine-only", r.text});
    }
  }
  for (const Row& r : rows) {
    if (r.kind != RowKind::kRightOnly) continue;
    if (auto it = moved.find(r.text); it != moved.end() && it->second > 0) {
      --it->second;  // already reported as moved
      continue;
    }
    out.push_back({"rtpxd-only", r.text});
  }
  return out;
}

}  // namespace rtpx::test::ngdiff
