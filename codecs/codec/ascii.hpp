#pragma once
// Case-insensitive ASCII comparison, the way SDP compares codec names (a=rtpmap encoding names,
// RFC 4855) and fmtp parameter names.

#include <string_view>

namespace rtpx::codecs {

inline bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace rtpx::codecs
