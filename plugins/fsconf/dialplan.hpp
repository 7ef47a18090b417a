#pragma once
// The XML dialplan (dialplan/*.xml) as mod_dialplan_xml reads it:
//   <context name="wavix"><extension name="in" continue="false">
//     <condition field="destination_number" expression="^(\d+)$" break="on-false">
//       <action application="bridge" data="sofia/gateway/wavix/$1"/>
//       <anti-action application="hangup"/>
//       <condition .../>                      (nested: evaluated when the outer one proceeds)
//     </condition>
//     <condition regex="any|all|xor"><regex field=".." expression=".."/></condition>
// Expressions without ${var} are compiled at load (a bad one is a file:line error); the others
// are compiled at hunt time. Time-of-day conditions are refused at load.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"
#include "plugins/fsconf/regex.hpp"
#include "plugins/fsconf/xml_tree.hpp"

namespace rtpx::fsconf {

struct Action {
  std::string app, data;
  bool inline_exec = false;  // inline="true": FreeSWITCH runs it while hunting
  Location where;
  int loop = 1;  // loop="N": added N times
};

enum class Break { on_false, on_true, always, never };
enum class RegexRule { none, any, all, xor_ };

// One test: `field` (absent: always true) matched against `expression`.
struct Test {
  std::optional<std::string> field;
  std::string expression;
  std::shared_ptr<const Pattern> pattern;  // null when the expression holds ${var}
  Location where;
};

struct Condition {
  Test test;  // used when regex == none
  RegexRule regex = RegexRule::none;
  std::vector<Test> regexes;  // <regex> children when regex != none
  Break brk = Break::on_false;
  bool require_nested = true;  // require-nested: whether nested conditions must pass
  std::vector<Action> actions, anti_actions;
  std::vector<Condition> conditions;  // nested
  Location where;
};

struct Extension {
  std::string name;
  bool cont = false;  // continue="true": keep hunting after a match
  std::vector<Condition> conditions;
  Location where;
};

struct Context {
  std::string name;
  std::vector<Extension> extensions;
  Location where;
};

struct Dialplan {
  std::vector<Context> contexts;
  Vars globals;  // ${var} falls back to the globals, as channel variables do

  const Context* find(std::string_view name) const;
};

// Adds the <context> elements found among preprocessed top-level nodes (directly or inside
// <section>/<dialplan> wrappers). A context name seen before is skipped with a warning (the
// first one wins, as FreeSWITCH finds the first). Throws ConfigError for a bad regex or an
// unsupported condition.
void add_contexts(const std::vector<XmlNode>& nodes, Dialplan& dp,
                  std::vector<std::string>& warnings);

// FreeSWITCH's switch_true(): yes, on, true, t, enabled, enable, active, allow or a non-zero
// number (any case).
bool is_true(std::string_view value);

// The caller-profile fields a condition field="name" reads (anything else is "").
bool is_caller_field(std::string_view name);

}  // namespace rtpx::fsconf
