#include "control/cli/table.hpp"

#include <algorithm>

namespace rtpx::cli {

namespace {

void pad(std::string& out, size_t n) {
  out.append(n, ' ');
}

}  // namespace

size_t display_width(std::string_view s) noexcept {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that is not a continuation byte
  }
  return n;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), align_(headers_.size(), Align::left) {}

Table& Table::align(size_t column, Align a) {
  if (column < align_.size()) align_[column] = a;
  return *this;
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render(std::string_view indent) const {
  const size_t cols = headers_.size();
  std::vector<size_t> width(cols, 0);
  for (size_t c = 0; c < cols; ++c) width[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < cols; ++c) width[c] = std::max(width[c], display_width(row[c]));
  }

  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line(indent);
    for (size_t c = 0; c < cols; ++c) {
      const size_t gap = width[c] - display_width(cells[c]);
      if (c > 0) line += "  ";
      if (align_[c] == Align::right) pad(line, gap);
      line += cells[c];
      if (align_[c] == Align::left) pad(line, gap);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

std::string render_key_values(const KeyValues& kv, std::string_view indent) {
  size_t key_width = 0;
  for (const auto& [key, value] : kv) key_width = std::max(key_width, display_width(key) + 1);
  std::string out;
  for (const auto& [key, value] : kv) {
    out += indent;
    out += key;
    out += ':';
    if (!value.empty()) {
      pad(out, key_width - display_width(key) - 1 + 2);
      out += value;
    }
    out += '\n';
  }
  return out;
}

}  // namespace rtpx::cli
