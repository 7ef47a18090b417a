#include "plugins/fsconf/expand.hpp"

#include <cstdlib>

namespace rtpx::fsconf {
namespace {

constexpr int kMaxDepth = 100;  // FreeSWITCH's recursion limit for nested expansion

// The index of the '}' closing the '{' at s[open] (nested braces counted), or npos.
size_t closing_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') {
      ++depth;
    } else if (s[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string expand_at(std::string_view s, const Lookup& lookup, int depth);

// ${name:offset:length}: a negative offset counts from the end; length 0 keeps the rest.
std::string substring(std::string value, int offset, int length) {
  if (offset >= 0) {
    value = static_cast<size_t>(offset) > value.size() ? std::string() : value.substr(offset);
  } else if (static_cast<size_t>(-offset) <= value.size()) {
    value = value.substr(value.size() + offset);
  }
  if (length > 0 && static_cast<size_t>(length) < value.size()) value.resize(length);
  return value;
}

// The value of what stands between "${" and "}".
std::string value_of(std::string_view inner, const Lookup& lookup, int depth) {
  if (inner.find_first_of(" (") != std::string_view::npos) return {};  // an API call
  std::string name = expand_at(inner, lookup, depth + 1);
  int offset = 0;
  int length = 0;
  if (const size_t colon = name.find(':'); colon != std::string::npos) {
    const std::string rest = name.substr(colon + 1);
    offset = std::atoi(rest.c_str());
    if (const size_t second = rest.find(':'); second != std::string::npos)
      length = std::atoi(rest.c_str() + second + 1);
    name.resize(colon);
  }
  if (const size_t bracket = name.find('[');
      bracket != std::string::npos && name.find(']', bracket) != std::string::npos)
    name.resize(bracket);  // array index: arrays are plain values here
  const std::optional<std::string> value = lookup(name);
  if (!value) return {};
  return substring(expand_at(*value, lookup, depth + 1), offset, length);
}

std::string expand_at(std::string_view s, const Lookup& lookup, int depth) {
  if (depth > kMaxDepth || !has_variables(s)) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '$' || s[i + 1] == '\\')) {
      out += s[i + 1];
      i += 2;
      if (s[i - 1] == '$' && i < s.size() && s[i] == '$') ++i;  // "\$$" is one '$' too
      continue;
    }
    if (c == '$') {
      size_t j = i + 1;
      if (j < s.size() && s[j] == '$') ++j;  // $${global}: the same lookup at run time
      if (j < s.size() && s[j] == '{') {
        const size_t close = closing_brace(s, j);
        if (close == std::string_view::npos) {  // unterminated: left as it is
          out.append(s.substr(i));
          break;
        }
        out += value_of(s.substr(j + 1, close - j - 1), lookup, depth);
        i = close + 1;
        continue;
      }
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

std::string expand(std::string_view s, const Lookup& lookup) {
  return expand_at(s, lookup, 0);
}

bool has_variables(std::string_view s) {
  return s.find("${") != std::string_view::npos || s.find("\\$") != std::string_view::npos;
}

Lookup lookup_in(const Vars& first, const Vars* then) {
  return [&first, then](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    if (auto it = first.find(key); it != first.end()) return it->second;
    if (then != nullptr) {
      if (auto it = then->find(key); it != then->end()) return it->second;
    }
    return std::nullopt;
  };
}

}  // namespace rtpx::fsconf
