#include "plugins/fsconf/hunt.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "plugins/fsconf/expand.hpp"

namespace rtpx::fsconf {
namespace {

constexpr int kMaxRecursion = 100;  // nested conditions, as mod_dialplan_xml's MAX_RECUR

bool has_group(std::string_view expression) {
  return expression.find('(') != std::string_view::npos;
}

// One evaluated test: whether it matched, its captures, and whether FreeSWITCH would still
// substitute them into actions ('(' in the expression as used).
struct Outcome {
  bool matched = false;
  Captures captures;
  bool groups = false;
  bool expanded = false;  // the expression held ${var}
};

class Hunter {
 public:
  Hunter(const Dialplan& dp, const HuntInput& in, HuntResult& out) : dp_(dp), out_(out) {
    out_.vars = in.vars;
    context_ = in.context;
  }

  // parse_exten over one level of conditions.
  bool conditions(const std::vector<Condition>& conds, bool require_nested, int recur) {
    if (recur > kMaxRecursion) return false;
    bool proceed = false;
    for (const Condition& c : conds) {
      bool anti = true;
      const Captures* caps = nullptr;
      std::optional<Outcome> used;
      if (c.regex == RegexRule::none) {
        if (c.test.field) {
          used = evaluate(c.test);
          proceed = used->matched;
          anti = !used->matched;
        } else {  // an absolute condition
          anti = false;
          proceed = true;
        }
      } else {
        anti = !combine(c, proceed, used);
      }
      if (used && used->groups) caps = &used->captures;

      if (anti) {
        for (const Action& a : c.anti_actions) {
          add(a, a.data);
          proceed = true;
        }
      } else {
        for (const Action& a : c.actions)
          add(a, caps != nullptr ? substitute_captures(a.data, *caps) : a.data);
      }

      if ((!anti && c.brk == Break::on_true) || (anti && c.brk == Break::on_false) ||
          c.brk == Break::always)
        break;
      if (proceed && !c.conditions.empty()) {
        proceed = conditions(c.conditions, c.require_nested, recur + 1);
        if (!proceed) {
          if (c.brk == Break::never) continue;
          return !require_nested;
        }
      }
    }
    return proceed || !require_nested;
  }

  bool contributed = false;  // the current extension added actions

 private:
  // regex="any|all|xor": returns whether the condition passes. Sets `proceed` and the capture
  // source as mod_dialplan_xml leaves them: the last <regex> evaluated to the end whose
  // expression has a group, else the one the loop stopped on.
  bool combine(const Condition& c, bool& proceed, std::optional<Outcome>& used) {
    const bool all = c.regex == RegexRule::all;
    const bool xor_ = c.regex == RegexRule::xor_;
    int pass = 0;
    int fail = 0;
    std::optional<Outcome> saved;
    bool saved_proceed = false;
    std::optional<Outcome> last;
    for (const Test& t : c.regexes) {
      if (!t.field) {
        last.reset();
        ++pass;
        proceed = true;
        if (!all && !xor_) break;
        continue;
      }
      last = evaluate(t);
      proceed = last->matched;
      if (last->matched) {
        ++pass;
        if (!all && !xor_) break;
      } else {
        ++fail;
        if (all && !xor_) break;
      }
      if (last->groups) {
        saved = last;
        saved_proceed = proceed;
      }
    }
    if (saved) {
      used = std::move(saved);
      proceed = saved_proceed;
    } else if (last && !last->expanded && last->matched) {
      used = std::move(last);
    }
    if (xor_) return pass == 1;
    return all ? fail == 0 : pass > 0;
  }

  Outcome evaluate(const Test& t) {
    Outcome o;
    std::string expression = t.expression;
    std::shared_ptr<const Pattern> pattern = t.pattern;
    if (!pattern) {
      o.expanded = true;
      expression = expand(t.expression, lookup());
      try {
        pattern = Pattern::compile(expression);
      } catch (const RegexError& e) {
        out_.warnings.push_back(t.where.str() + ": " + e.what());
        return o;
      }
    }
    o.groups = has_group(expression);
    if (auto m = pattern->match(field_value(*t.field))) {
      o.matched = true;
      o.captures = std::move(*m);
    }
    return o;
  }

  std::string field_value(const std::string& field) {
    if (field.find('$') != std::string::npos) return expand(field, lookup());
    if (!is_caller_field(field)) return {};
    std::string name = field;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return lookup()(name).value_or("");
  }

  Lookup lookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      const std::string key(name);
      if (auto it = out_.vars.find(key); it != out_.vars.end()) return it->second;
      if (key == "context") return context_;
      if (auto it = dp_.globals.find(key); it != dp_.globals.end()) return it->second;
      return std::nullopt;
    };
  }

  void add(const Action& a, const std::string& data) {
    for (int i = 0; i < a.loop; ++i) {
      Action out = a;
      out.data = data;
      out.loop = 1;
      if (a.inline_exec) run_inline(out);
      out_.actions.push_back(std::move(out));
      contributed = true;
    }
  }

  // The routing-time part of set/export/unset run inline: later conditions see the variable.
  void run_inline(const Action& a) {
    const std::string data = expand(a.data, lookup());
    if (a.app == "unset") {
      out_.vars.erase(data);
      return;
    }
    if (a.app != "set" && a.app != "export") return;
    const size_t eq = data.find('=');
    if (eq == std::string::npos) return;
    const std::string name = data.substr(0, eq);
    const std::string value = data.substr(eq + 1);
    if (value.empty()) {
      out_.vars.erase(name);
    } else {
      out_.vars[name] = value;
    }
  }

  const Dialplan& dp_;
  HuntResult& out_;
  std::string context_;
};

}  // namespace

HuntResult hunt(const Dialplan& dialplan, const HuntInput& input) {
  const Context* ctx = dialplan.find(input.context);
  if (ctx == nullptr) ctx = dialplan.find("global");
  if (ctx == nullptr) throw NoSuchContext(input.context);

  HuntResult result;
  result.context = ctx->name;
  Hunter hunter(dialplan, input, result);

  auto ext = ctx->extensions.begin();
  if (auto hunt_var = input.vars.find("auto_hunt");
      hunt_var != input.vars.end() && is_true(hunt_var->second)) {
    const auto dest = input.vars.find("destination_number");
    const auto named = std::find_if(
        ctx->extensions.begin(), ctx->extensions.end(),
        [&](const Extension& e) { return dest != input.vars.end() && e.name == dest->second; });
    if (named != ctx->extensions.end()) ext = named;
  }
  for (; ext != ctx->extensions.end(); ++ext) {
    hunter.contributed = false;
    const bool proceed = hunter.conditions(ext->conditions, true, 0);
    if (proceed || hunter.contributed) result.extensions.push_back({ext->name, ext->where});
    if (proceed && !ext->cont) break;
  }
  return result;
}

}  // namespace rtpx::fsconf
