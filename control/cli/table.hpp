#pragma once
// Aligned plain-text output for the rtpx CLI: a column table with a header row, and key/value
// lines. Widths count UTF-8 code points, so call ids with non-ASCII characters still line up.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtpx::cli {

class Table {
 public:
  enum class Align : unsigned char { left, right };

  explicit Table(std::vector<std::string> headers);

  // Right-aligns (or left-aligns) a column; columns start left-aligned.
  Table& align(size_t column, Align a);
  // Adds a row; missing cells print empty, extra cells are ignored.
  void add_row(std::vector<std::string> cells);
  size_t rows() const noexcept { return rows_.size(); }

  // Header plus rows, each line prefixed with indent and ended with '\n'. Columns are separated
  // by two spaces; lines carry no trailing blanks.
  std::string render(std::string_view indent = "") const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// "key:   value" lines with the values aligned one column past the longest key.
std::string render_key_values(const KeyValues& kv, std::string_view indent = "");

// Display width of s: its number of UTF-8 code points.
size_t display_width(std::string_view s) noexcept;

}  // namespace rtpx::cli
