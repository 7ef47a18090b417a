#include "plugins/dialplan/dialplan_settings.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace rtpx::dialplan {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw std::runtime_error("[plugins.dialplan] " + key + ": " + why);
}

fsconf::E164Rules parse_e164(const json& j) {
  fsconf::E164Rules r;
  if (!j.is_object()) bad("e164", "must be a table");
  if (j.contains("form")) {
    if (!j["form"].is_string()) bad("e164.form", "must be a string");
    const std::string form = j["form"].get<std::string>();
    if (form == "digits") {
      r.form = fsconf::E164Rules::Form::digits;
    } else if (form == "plus") {
      r.form = fsconf::E164Rules::Form::plus;
    } else if (form == "none") {
      r.form = fsconf::E164Rules::Form::none;
    } else {
      bad("e164.form", "'" + form + "' (digits, plus or none)");
    }
  }
  if (j.contains("country_code")) {
    if (!j["country_code"].is_string()) bad("e164.country_code", "must be a string of digits");
    r.country_code = j["country_code"].get<std::string>();
  }
  if (j.contains("international_prefixes")) {
    const json& p = j["international_prefixes"];
    if (!p.is_array()) bad("e164.international_prefixes", "must be a list of strings");
    r.international_prefixes.clear();
    for (const json& s : p) {
      if (!s.is_string()) bad("e164.international_prefixes", "must be a list of strings");
      r.international_prefixes.push_back(s.get<std::string>());
    }
  }
  if (j.contains("national_digits")) {
    const json& n = j["national_digits"];
    if (!n.is_number_integer() || n.get<int64_t>() <= 0)
      bad("e164.national_digits", "must be a positive integer");
    r.national_digits = n.get<size_t>();
  }
  return r;
}

}  // namespace

DialplanSettings parse_settings(std::string_view table_json) {
  const json j = json::parse(table_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad("table", "is not a table");
  DialplanSettings s;
  if (!j.contains("conf_dir") || !j["conf_dir"].is_string() ||
      j["conf_dir"].get<std::string>().empty())
    bad("conf_dir", "required: the FreeSWITCH conf dir (vars.xml, dialplan/, directory/)");
  s.conf_dir = j["conf_dir"].get<std::string>();
  if (j.contains("e164")) s.e164 = parse_e164(j["e164"]);
  return s;
}

}  // namespace rtpx::dialplan
