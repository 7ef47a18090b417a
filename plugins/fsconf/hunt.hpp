#pragma once
// Hunting a context for a call, as mod_dialplan_xml's dialplan_hunt/parse_exten do:
// - extensions in order; one whose conditions proceed ends the hunt unless continue="true";
// - a condition's field is a caller-profile field (destination_number, caller_id_number, ...:
//   read from the input vars) or, when it holds '$', an expanded ${var} string; no field = true;
// - break="on-false" (default) stops the extension at the first failing condition,
//   "on-true" at the first passing one, "always" after this one, "never" goes on;
// - a passing condition adds its actions (with $1.. from its own match substituted), a failing
//   one its anti-actions (which also make it count as proceeding, as in FreeSWITCH);
// - actions added by an extension that finally fails stay (FreeSWITCH keeps them too);
// - regex="any|all|xor" conditions combine their <regex> tests; nested conditions run when the
//   outer one proceeds (require-nested="false" makes them optional);
// - inline="true" set/export/unset change the variables later conditions see;
// - an unknown context falls back to a context named "global" when there is one.
// ${var} in action data is left for run time; vars fall back to the dialplan's globals.

#include <stdexcept>
#include <string>
#include <vector>

#include "plugins/fsconf/dialplan.hpp"

namespace rtpx::fsconf {

struct HuntInput {
  std::string context;
  Vars vars;  // destination_number, caller_id_number, caller_id_name, network_addr, ani, ...
};

struct MatchedExtension {
  std::string name;
  Location where;
};

struct HuntResult {
  std::string context;                       // the context hunted
  std::vector<MatchedExtension> extensions;  // that proceeded or added actions, in order
  std::vector<Action> actions;               // to run, in order (inline ones marked)
  Vars vars;                                 // the input vars after inline set/unset
  std::vector<std::string> warnings;         // "file:line: ..." (a ${var} regex that failed)
};

struct NoSuchContext : std::runtime_error {
  explicit NoSuchContext(const std::string& name)
      : std::runtime_error("no context '" + name + "'"), context(name) {}
  std::string context;
};

// Throws NoSuchContext.
HuntResult hunt(const Dialplan& dialplan, const HuntInput& input);

}  // namespace rtpx::fsconf
