#pragma once
// Small text helpers shared by the SDP parser and the model helpers (private to control/sdp).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rtpx::sdp::detail {

// Splits on runs of spaces, ignoring leading and trailing ones. Stops after max_tokens + 1 tokens
// so a caller expecting at most max_tokens can still tell that there were more.
inline std::vector<std::string_view> split_spaces(std::string_view s, size_t max_tokens) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size() && out.size() <= max_tokens) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Decimal digits only (no sign, no spaces), value 0..65535.
inline std::optional<uint16_t> parse_u16(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace rtpx::sdp::detail
