// Reading <context>/<extension>/<condition> elements into the Dialplan model.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "plugins/fsconf/dialplan.hpp"
#include "plugins/fsconf/expand.hpp"

namespace rtpx::fsconf {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// switch_xml_std_datetime_check's attributes: not supported here.
constexpr std::array<std::string_view, 14> kTimeAttrs = {
    "date-time", "year", "yday",   "mon",           "mday",        "week",      "mweek",
    "wday",      "hour", "minute", "minute-of-day", "time-of-day", "tz-offset", "dst"};

void refuse_time_conditions(const XmlNode& n) {
  for (const auto& [k, v] : n.attrs)
    if (std::find(kTimeAttrs.begin(), kTimeAttrs.end(), k) != kTimeAttrs.end())
      throw ConfigError(n.where, "<" + n.name + "> attribute " + k +
                                     "= (time-of-day condition) is not supported");
}

Test read_test(const XmlNode& n, std::vector<std::string>& warnings) {
  Test t;
  t.where = n.where;
  if (const std::string* f = n.attr("field")) {
    t.field = *f;
    if (f->find('$') == std::string::npos && !is_caller_field(*f))
      warnings.push_back(n.where.str() + ": field=\"" + *f +
                         "\" is not a caller-profile field: FreeSWITCH compares an empty string "
                         "(a $${var} field is replaced at load; use ${var} for a variable)");
  }
  if (const XmlNode* e = n.child("expression")) {
    t.expression = e->text;
  } else {
    t.expression = n.attr_or("expression");
  }
  // Without a field the expression is never used (an "absolute" condition).
  if (t.field && !has_variables(t.expression)) {
    try {
      t.pattern = Pattern::compile(t.expression);
    } catch (const RegexError& e) {
      throw ConfigError(n.where, e.what());
    }
  }
  return t;
}

Action read_action(const XmlNode& n, std::vector<std::string>& warnings) {
  Action a;
  a.app = n.attr_or("application");
  a.data = !n.text.empty() ? n.text : n.attr_or("data");
  a.inline_exec = is_true(n.attr_or("inline"));
  a.where = n.where;
  if (const std::string* loop = n.attr("loop")) a.loop = std::atoi(loop->c_str());
  if (a.app.empty()) warnings.push_back(n.where.str() + ": <" + n.name + "> without application");
  return a;
}

Break read_break(const XmlNode& n, std::vector<std::string>& warnings) {
  const std::string* b = n.attr("break");
  if (b == nullptr) return Break::on_false;
  if (iequals(*b, "on-true")) return Break::on_true;
  if (iequals(*b, "on-false")) return Break::on_false;
  if (iequals(*b, "always")) return Break::always;
  if (iequals(*b, "never")) return Break::never;
  warnings.push_back(n.where.str() + ": break=\"" + *b + "\" unknown, on-false used");
  return Break::on_false;
}

Condition read_condition(const XmlNode& n, std::vector<std::string>& warnings) {
  refuse_time_conditions(n);
  Condition c;
  c.where = n.where;
  c.brk = read_break(n, warnings);
  if (const std::string* r = n.attr("regex")) {
    c.regex = iequals(*r, "all")   ? RegexRule::all
              : iequals(*r, "xor") ? RegexRule::xor_
                                   : RegexRule::any;
    for (const XmlNode& x : n.children) {
      if (x.name != "regex") continue;
      refuse_time_conditions(x);
      c.regexes.push_back(read_test(x, warnings));
    }
  } else {
    c.test = read_test(n, warnings);
  }
  if (const std::string* rn = n.attr("require-nested")) c.require_nested = is_true(*rn);
  for (const XmlNode& x : n.children) {
    if (x.name == "action") c.actions.push_back(read_action(x, warnings));
    if (x.name == "anti-action") c.anti_actions.push_back(read_action(x, warnings));
    if (x.name == "condition") c.conditions.push_back(read_condition(x, warnings));
  }
  return c;
}

Extension read_extension(const XmlNode& n, std::vector<std::string>& warnings) {
  Extension e;
  e.name = n.attr_or("name", "UNKNOWN");
  e.cont = is_true(n.attr_or("continue"));
  e.where = n.where;
  for (const XmlNode& x : n.children)
    if (x.name == "condition") e.conditions.push_back(read_condition(x, warnings));
  return e;
}

}  // namespace

bool is_true(std::string_view v) {
  for (std::string_view t : {"yes", "on", "true", "t", "enabled", "enable", "active", "allow"})
    if (iequals(v, t)) return true;
  if (v.empty()) return false;
  char* end = nullptr;
  const std::string s(v);
  const long n = std::strtol(s.c_str(), &end, 10);
  return end != s.c_str() && *end == '\0' && n != 0;
}

bool is_caller_field(std::string_view name) {
  static constexpr std::array<std::string_view, 37> kFields = {"dialplan",
                                                               "username",
                                                               "caller_id_name",
                                                               "caller_id_number",
                                                               "orig_caller_id_name",
                                                               "orig_caller_id_number",
                                                               "callee_id_name",
                                                               "callee_id_number",
                                                               "ani",
                                                               "aniii",
                                                               "network_addr",
                                                               "rdnis",
                                                               "destination_number",
                                                               "uuid",
                                                               "source",
                                                               "transfer_source",
                                                               "context",
                                                               "chan_name",
                                                               "profile_index",
                                                               "caller_ton",
                                                               "caller_numplan",
                                                               "destination_number_ton",
                                                               "destination_number_numplan",
                                                               "ani_ton",
                                                               "ani_numplan",
                                                               "rdnis_ton",
                                                               "rdnis_numplan",
                                                               "screen_bit",
                                                               "privacy_hide_name",
                                                               "privacy_hide_number",
                                                               "profile_created_time",
                                                               "created_time",
                                                               "answered_time",
                                                               "progress_time",
                                                               "progress_media_time",
                                                               "hungup_time",
                                                               "transferred_time"};
  return std::any_of(kFields.begin(), kFields.end(),
                     [&](std::string_view f) { return iequals(f, name); });
}

const Context* Dialplan::find(std::string_view name) const {
  for (const Context& c : contexts)
    if (c.name == name) return &c;
  return nullptr;
}

void add_contexts(const std::vector<XmlNode>& nodes, Dialplan& dp,
                  std::vector<std::string>& warnings) {
  for (const XmlNode& n : nodes) {
    if (n.name == "section" || n.name == "dialplan") add_contexts(n.children, dp, warnings);
    if (n.name != "context") continue;
    const std::string name = n.attr_or("name");
    if (name.empty()) {
      warnings.push_back(n.where.str() + ": <context> without a name ignored");
      continue;
    }
    if (const Context* first = dp.find(name)) {
      warnings.push_back(n.where.str() + ": context '" + name + "' already defined at " +
                         first->where.str() + ", this one ignored");
      continue;
    }
    Context c{name, {}, n.where};
    for (const XmlNode& x : n.children)
      if (x.name == "extension") c.extensions.push_back(read_extension(x, warnings));
    dp.contexts.push_back(std::move(c));
  }
}

}  // namespace rtpx::fsconf
