#include "control/cli/format_dialplan.hpp"

#include <vector>

#include "control/cli/json_view.hpp"
#include "control/cli/table.hpp"

namespace rtpx::cli {

namespace {

using nlohmann::json;

// "dialplan/wavix.xml:10", or "" when the reply has no location.
std::string location(const json& item) {
  const json& file = field(item, "file");
  if (!file.is_string()) return "";
  const json& line = field(item, "line");
  return file.get<std::string>() + (line.is_number() ? ":" + count(line) : "");
}

std::string with_location(std::string what, const json& item) {
  const std::string at = location(item);
  return at.empty() ? what : what + " (" + at + ")";
}

// {"a": "b", "c": 1} -> "a=b c=1".
std::string pairs(const json& obj) {
  std::string out;
  if (!obj.is_object()) return out;
  for (const auto& [key, value] : obj.items())
    out += (out.empty() ? "" : " ") + key + "=" +
           (value.is_string() ? value.get<std::string>() : value.dump());
  return out;
}

// One target: its kind, the target text, then every other field the plugin filled in.
std::vector<std::string> target_row(const json& t) {
  json details = json::object();
  if (t.is_object()) {
    for (const auto& [key, value] : t.items()) {
      if (key == "kind" || key == "target" || key == "raw" || key == "vars") continue;
      if (value.is_string() && value.get<std::string>().empty()) continue;
      details[key] = value;
    }
  }
  std::string target =
      field(t, "target").is_string() ? text(field(t, "target")) : text(field(t, "raw"));
  const std::string vars = pairs(field(t, "vars"));
  if (!vars.empty()) target = "[" + vars + "]" + target;
  return {text(field(t, "kind")), target, pairs(details)};
}

std::string bridge_plan(const json& bridge, const std::string& indent) {
  std::string out;
  const std::string vars = pairs(field(bridge, "vars"));
  if (!vars.empty()) out += indent + "vars for every leg: " + vars + "\n";
  const json& groups = array_or_empty(field(bridge, "groups"));
  if (groups.empty()) return out + indent + "no targets\n";
  out += indent + "failover order:\n";
  // One table for every group's targets, so the columns line up across groups; each group's
  // rows follow its heading.
  Table t({"KIND", "TARGET", "RESOLVED"});
  for (const json& group : groups)
    for (const json& target : array_or_empty(group)) t.add_row(target_row(target));
  const std::string rows = t.render(indent + "    ");
  size_t at = rows.find('\n') + 1;  // past the header: the kinds speak for themselves
  size_t n = 0;
  for (const json& group : groups) {
    const size_t targets = array_or_empty(group).size();
    out += indent + "  group " + std::to_string(++n) +
           (targets > 1 ? " (" + std::to_string(targets) + " ring at once):\n" : ":\n");
    for (size_t i = 0; i < targets; ++i) {
      const size_t nl = rows.find('\n', at);
      out += rows.substr(at, nl + 1 - at);
      at = nl + 1;
    }
  }
  return out;
}

}  // namespace

std::string format_route(const json& route) {
  KeyValues kv = {{"context", text(field(route, "context"))},
                  {"destination", text(field(route, "destination_number"))}};
  const json& extensions = array_or_empty(field(route, "extensions"));
  for (const json& e : extensions)
    kv.emplace_back("extension", with_location(text(field(e, "name")), e));
  if (extensions.empty()) kv.emplace_back("extension", "none matched");
  std::string out = render_key_values(kv);

  const json& actions = array_or_empty(field(route, "actions"));
  if (actions.empty()) return out + "no actions\n";
  out += "actions:\n";
  size_t n = 0;
  for (const json& a : actions) {
    const std::string number = std::to_string(++n) + ". ";
    std::string line = text(field(a, "app"));
    const json& data = field(a, "data");
    if (data.is_string() && !data.get<std::string>().empty()) line += " " + data.get<std::string>();
    out += "  " + number + with_location(line, a) + "\n";
    const json& bridge = field(a, "bridge");
    if (bridge.is_object()) out += bridge_plan(bridge, std::string(2 + number.size(), ' '));
  }
  return out;
}

}  // namespace rtpx::cli
