#pragma once
// E.164 normalization of dialed numbers for one national numbering plan (NANP by default):
// "+16468097065", "16468097065", "0016468097065", "01116468097065" and "6468097065" all become
// "16468097065" (Form::digits) or "+16468097065" (Form::plus). Visual separators (spaces, '-',
// '.', parentheses) are dropped first. Anything else (extensions, short codes, letters) is
// returned unchanged, and Form::none leaves every number as it is.

#include <string>
#include <string_view>
#include <vector>

namespace rtpx::fsconf {

struct E164Rules {
  std::string country_code = "1";
  std::vector<std::string> international_prefixes = {"011", "00"};
  size_t national_digits = 10;
  enum class Form { digits, plus, none } form = Form::none;
};

std::string normalize_e164(std::string_view number, const E164Rules& rules);

}  // namespace rtpx::fsconf
