#include "control/cli/json_view.hpp"

#include <cstdio>

namespace rtpx::cli {

using nlohmann::json;

const json& field(const json& obj, std::string_view key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

const json& array_or_empty(const json& v) {
  static const json kEmpty = json::array();
  return v.is_array() ? v : kEmpty;
}

double number_or(const json& v, double fallback) {
  return v.is_number() ? v.get<double>() : fallback;
}

std::string printf_text(const char* fmt, double a, double b) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, a, b);
  return buf;
}

std::string count(const json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) return printf_text("%.0f", v.get<double>());
  return "-";
}

std::string text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

}  // namespace rtpx::cli
