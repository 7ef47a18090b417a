#include "plugins/fsconf/e164.hpp"

#include <algorithm>

namespace rtpx::fsconf {
namespace {

constexpr size_t kMaxE164Digits = 15;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The international number (country code first, digits only) `number` stands for, or "".
std::string international(std::string_view number, const E164Rules& rules) {
  std::string s;
  for (char c : number)
    if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') s += c;
  if (s.starts_with('+')) {
    const std::string rest = s.substr(1);
    return all_digits(rest) && rest.size() <= kMaxE164Digits ? rest : std::string();
  }
  if (!all_digits(s)) return {};
  std::vector<std::string> prefixes = rules.international_prefixes;
  std::sort(prefixes.begin(), prefixes.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& p : prefixes) {
    if (!p.empty() && s.starts_with(p) && s.size() > p.size() &&
        s.size() - p.size() <= kMaxE164Digits && s[p.size()] != '0')
      return s.substr(p.size());
  }
  if (s.size() == rules.national_digits && s.front() != '0') return rules.country_code + s;
  if (s.size() == rules.country_code.size() + rules.national_digits &&
      s.starts_with(rules.country_code))
    return s;
  return {};
}

}  // namespace

std::string normalize_e164(std::string_view number, const E164Rules& rules) {
  if (rules.form == E164Rules::Form::none) return std::string(number);
  const std::string e164 = international(number, rules);
  if (e164.empty()) return std::string(number);
  return rules.form == E164Rules::Form::plus ? "+" + e164 : e164;
}

}  // namespace rtpx::fsconf
