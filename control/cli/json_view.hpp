#pragma once
// Reading result JSON for display without ever throwing: a missing key or a value of the wrong
// type prints as "-" (or counts as empty), so a reply from a newer or older peer stays readable.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rtpx::cli {

// obj[key], or null when obj is not an object or has no such key.
const nlohmann::json& field(const nlohmann::json& obj, std::string_view key);
// v when it is an array, else an empty one: for range-for over optional lists.
const nlohmann::json& array_or_empty(const nlohmann::json& v);
double number_or(const nlohmann::json& v, double fallback);
// A counter: integers as they are, other numbers rounded, anything else "-".
std::string count(const nlohmann::json& v);
// Strings unquoted, booleans "yes"/"no", other scalars as JSON, absent "-".
std::string text(const nlohmann::json& v);
// printf with up to two doubles, for short numeric text.
std::string printf_text(const char* fmt, double a, double b = 0);

}  // namespace rtpx::cli
