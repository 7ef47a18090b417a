#include "control/cli/format_sip.hpp"

#include <algorithm>

#include "control/cli/format.hpp"
#include "control/cli/json_view.hpp"
#include "control/cli/table.hpp"

namespace rtpx::cli {

namespace {

using nlohmann::json;

// A value the way an operator reads it: "-" when absent or empty.
std::string shown(const json& v) {
  const std::string s = text(v);
  return s.empty() ? "-" : s;
}

std::string failed_total(const json& gw, const char* failed, const char* total) {
  return count(field(gw, failed)) + "/" + count(field(gw, total));
}

std::string rule(size_t width) {
  return std::string(std::max<size_t>(width, 40), '=') + "\n";
}

// The widest line of a block of text.
size_t widest(const std::string& block) {
  size_t w = 0, start = 0;
  for (size_t nl; (nl = block.find('\n', start)) != std::string::npos; start = nl + 1)
    w = std::max(w, display_width(std::string_view(block).substr(start, nl - start)));
  return w;
}

std::string uptime(const json& v) {
  return v.is_number() ? format_duration(v.get<double>()) : shown(v);
}

std::string gateway_detail(const json& gw) {
  const json& username = field(gw, "username");
  const json& realm = field(gw, "realm");
  // FreeSWITCH's defaults when the plugin does not say: the extension is the username, the
  // registration goes to sip:username@realm.
  std::string exten = shown(field(gw, "exten"));
  if (exten == "-") exten = shown(username);
  std::string to = shown(field(gw, "to"));
  if (to == "-" && username.is_string() && realm.is_string())
    to = "sip:" + username.get<std::string>() + "@" + realm.get<std::string>();
  const json& password = field(gw, "password_set");
  const json& scheme = field(gw, "scheme");
  KeyValues kv = {
      {"Name", shown(field(gw, "name"))},
      {"Profile", shown(field(gw, "profile"))},
      {"Scheme", scheme.is_null() ? "Digest" : shown(scheme)},
      {"Realm", shown(realm)},
      {"Username", shown(username)},
      {"Password", password.is_boolean() ? text(password) : "-"},
      {"From", shown(field(gw, "from"))},
      {"Contact", shown(field(gw, "contact"))},
      {"Exten", exten},
      {"To", to},
      {"Proxy", shown(field(gw, "proxy"))},
      {"Context", shown(field(gw, "context"))},
      {"Expires", shown(field(gw, "expires"))},
      {"Freq", shown(field(gw, "freq"))},
      {"Ping", shown(field(gw, "ping"))},
      {"State", shown(field(gw, "state"))},
      {"Status", shown(field(gw, "status"))},
      {"CallsIN", count(field(gw, "calls_in"))},
      {"CallsOUT", count(field(gw, "calls_out"))},
      {"FailedCallsIN", count(field(gw, "failed_calls_in"))},
      {"FailedCallsOUT", count(field(gw, "failed_calls_out"))},
      {"Uptime", uptime(field(gw, "uptime"))},
  };
  const json& error = field(gw, "last_error");
  if (error.is_string() && !error.get<std::string>().empty())
    kv.emplace_back("LastError", error.get<std::string>());
  return render_key_values(kv);
}

}  // namespace

std::string format_gateways(const json& result, bool detail) {
  const json& gateways = array_or_empty(field(result, "gateways"));
  if (gateways.empty()) return detail ? "Invalid Gateway!\n" : "0 gateways\n";
  if (detail) {
    std::string out;
    for (const json& gw : gateways) {
      const std::string block = gateway_detail(gw);
      out += rule(widest(block)) + block + rule(widest(block));
    }
    return out;
  }
  Table t({"Name", "Profile", "Data", "State", "Status", "IB Calls(F/T)", "OB Calls(F/T)"});
  double in_failed = 0, in_total = 0, out_failed = 0, out_total = 0;
  for (const json& gw : gateways) {
    t.add_row({shown(field(gw, "name")), shown(field(gw, "profile")), shown(field(gw, "proxy")),
               shown(field(gw, "state")), shown(field(gw, "status")),
               failed_total(gw, "failed_calls_in", "calls_in"),
               failed_total(gw, "failed_calls_out", "calls_out")});
    in_failed += number_or(field(gw, "failed_calls_in"), 0);
    in_total += number_or(field(gw, "calls_in"), 0);
    out_failed += number_or(field(gw, "failed_calls_out"), 0);
    out_total += number_or(field(gw, "calls_out"), 0);
  }
  const std::string table = t.render();
  const size_t header_end = table.find('\n') + 1;
  const std::string line = rule(widest(table));
  return table.substr(0, header_end) + line + table.substr(header_end) + line +
         std::to_string(gateways.size()) + (gateways.size() == 1 ? " gateway" : " gateways") +
         ": Inbound(Failed/Total): " + count(in_failed) + "/" + count(in_total) +
         ", Outbound(Failed/Total): " + count(out_failed) + "/" + count(out_total) + "\n";
}

std::string format_registrations(const json& result) {
  const json& regs = array_or_empty(field(result, "registrations"));
  if (regs.empty()) return "0 registrations\n";
  Table t({"User", "Contact", "Network", "Expires", "Agent"});
  t.align(3, Table::Align::right);
  for (const json& r : regs) {
    std::string user = shown(field(r, "user"));
    const json& domain = field(r, "domain");
    if (domain.is_string() && !domain.get<std::string>().empty())
      user += "@" + domain.get<std::string>();
    const json& expires = field(r, "expires_in");
    t.add_row({user, shown(field(r, "contact")), shown(field(r, "network_addr")),
               expires.is_number() ? count(expires) + "s" : shown(expires),
               shown(field(r, "agent"))});
  }
  return t.render() + std::to_string(regs.size()) +
         (regs.size() == 1 ? " registration\n" : " registrations\n");
}

}  // namespace rtpx::cli
