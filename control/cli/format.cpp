#include "control/cli/format.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <vector>

#include "control/cli/json_view.hpp"
#include "control/cli/table.hpp"

namespace rtpx::cli {

namespace {

using nlohmann::json;
using Align = Table::Align;

std::string bytes(const json& v) {
  return v.is_number() ? format_bytes(v.get<double>()) : "-";
}

std::string when(const json& ts, double now) {
  if (!ts.is_number()) return "-";
  return format_time(ts.get<double>()) + " (" + format_age(ts, now) + " ago)";
}

// Removes and returns root[a][b]... ; null when absent. Lets stats/info print what they know,
// then whatever is left.
json take(json& root, std::initializer_list<std::string_view> path) {
  json* node = &root;
  json* parent = nullptr;
  std::string_view last;
  for (std::string_view key : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    parent = node;
    last = key;
    node = &*it;
  }
  json out = std::move(*node);
  if (parent != nullptr) parent->erase(std::string(last));
  return out;
}

// Leftover keys as "a.b.c: value" lines; empty objects (everything taken) print nothing.
void flatten(const json& v, const std::string& prefix, KeyValues& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (!prefix.empty()) {
    out.emplace_back(prefix, v.is_array() ? v.dump() : text(v));
  }
}

std::string port_range(const json& ports) {
  return count(field(ports, "min")) + "-" + count(field(ports, "max"));
}

}  // namespace

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "-";  // negative or NaN
  if (seconds < 10) return printf_text("%.1fs", std::floor(seconds * 10) / 10);
  const auto s = static_cast<uint64_t>(seconds);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return printf_text("%.0fm%02.0fs", static_cast<double>(s / 60), s % 60);
  if (s < 86400) return printf_text("%.0fh%02.0fm", static_cast<double>(s / 3600), s % 3600 / 60);
  return printf_text("%.0fd%02.0fh", static_cast<double>(s / 86400), s % 86400 / 3600);
}

std::string format_age(const json& timestamp, double now) {
  if (!timestamp.is_number()) return "-";
  const double age = now - timestamp.get<double>();
  return format_duration(age < 0 ? 0 : age);  // clock steps must not print "-"
}

std::string format_bytes(double bytes) {
  if (!(bytes >= 0)) return "-";
  if (bytes < 1024) return printf_text("%.0f B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = bytes / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return printf_text("%.1f ", v) + kUnits[unit];
}

std::string format_time(double epoch) {
  if (!std::isfinite(epoch)) return "-";
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "-";
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_list(const json& result, double now) {
  Table table({"CALL-ID", "LEGS", "PACKETS", "BYTES", "AGE"});
  table.align(1, Align::right).align(2, Align::right).align(3, Align::right);
  table.align(4, Align::right);
  for (const json& c : array_or_empty(field(result, "calls"))) {
    const json& legs = field(c, "legs");
    table.add_row({text(field(c, "call_id")),
                   legs.is_array() ? std::to_string(legs.size()) : count(legs),
                   count(field(c, "packets")), bytes(field(c, "bytes")),
                   format_age(field(c, "created"), now)});
  }
  return table.render();
}

std::string format_call(const json& call, double now) {
  KeyValues kv = {
      {"call-id", text(field(call, "call_id"))},
      {"created", when(field(call, "created"), now)},
      {"last signal", when(field(call, "last_signal"), now)},
      {"shard", count(field(call, "shard"))},
  };
  const json& totals = field(call, "totals");
  if (totals.is_object()) {  // "rtp 490 packets, 82.3 KiB; rtcp 0 packets, 0 B"
    std::string t;
    for (const auto& [component, st] : totals.items()) {
      t += (t.empty() ? "" : "; ") + component + " " + count(field(st, "packets")) + " packets, " +
           bytes(field(st, "bytes"));
    }
    kv.emplace_back("received", t);
  }
  std::string out = render_key_values(kv);
  const json& legs = field(call, "legs");
  if (!legs.is_array() || legs.empty()) return out + "\nno legs\n";
  for (const json& leg : legs) {
    out += "\nleg " + text(field(leg, "tag")) + " (created " +
           format_age(field(leg, "created"), now) + " ago)\n";
    const json& media = field(leg, "media");
    if (!media.is_array() || media.empty()) {
      out += "  no media\n";
      continue;
    }
    for (const json& m : media) {
      out += "  media " + count(field(m, "index")) + ": " + text(field(m, "type")) + " " +
             text(field(m, "protocol"));
      if (field(m, "rtcp_mux").is_boolean() && field(m, "rtcp_mux").get<bool>()) {
        out += ", rtcp-mux";
      }
      out += '\n';
      Table table({"COMPONENT", "LOCAL", "PEER", "LATCHED", "PACKETS", "BYTES", "ERRORS", "DROPPED",
                   "LAST-SEEN"});
      for (size_t col = 4; col < 8; ++col) table.align(col, Align::right);
      for (const json& s : array_or_empty(field(m, "streams"))) {
        const json& st = field(s, "stats");
        const json& seen = field(st, "last_seen");
        table.add_row({text(field(s, "component")), text(field(s, "local")), text(field(s, "peer")),
                       text(field(s, "latched")), count(field(st, "packets")),
                       bytes(field(st, "bytes")), count(field(st, "errors")),
                       count(field(st, "dropped")),
                       seen.is_number() ? format_age(seen, now) + " ago" : "-"});
      }
      out += table.render("    ");
      for (const json& s : array_or_empty(field(m, "streams"))) {
        const json& c = field(s, "srtp");
        if (!c.is_object()) continue;
        out += "    " + text(field(s, "component")) + " srtp: " + text(field(c, "key_exchange"));
        if (field(c, "suite").is_string()) out += " " + text(field(c, "suite"));
        if (const json& d = field(c, "dtls"); d.is_object()) {
          out += ", dtls " + text(field(d, "role")) + " " + text(field(d, "state"));
          if (field(d, "failure").is_string()) out += " (" + text(field(d, "failure")) + ")";
        }
        out += ", auth failures " + count(field(c, "auth_failures")) + ", replays " +
               count(field(c, "replays")) + "\n";
      }
      if (const json& f = field(m, "fax"); f.is_object()) {
        out += "    fax (" + text(field(f, "role")) + " side): " + text(field(f, "phase")) +
               ", pages " + count(field(f, "pages")) + ", " + count(field(f, "bit_rate")) +
               " bit/s, ecm " + text(field(f, "ecm")) + ", rtp in/out " +
               count(field(f, "rtp_in")) + "/" + count(field(f, "rtp_out")) + ", udptl in/out " +
               count(field(f, "udptl_in")) + "/" + count(field(f, "udptl_out")) + ", recovered " +
               count(field(f, "ifp_recovered")) + ", lost " + count(field(f, "ifp_lost")) + "\n";
      }
      for (const json& s : array_or_empty(field(m, "streams"))) {
        const json& t = field(s, "transcode");
        if (!t.is_object()) continue;
        out += "    transcode: " + text(field(t, "from")) + " -> " + text(field(t, "to")) + " " +
               count(field(t, "ptime")) + " ms, in " + count(field(t, "packets_in")) + ", out " +
               count(field(t, "packets_out")) + ", lost " + count(field(t, "lost")) + " (fec " +
               count(field(t, "fec")) + ", plc " + count(field(t, "concealed")) + ", repeated " +
               count(field(t, "repeated")) + "), late " + count(field(t, "late")) +
               ", jitter buffer " + count(field(t, "jitter_delay_ms")) + " ms, dtmf " +
               count(field(t, "dtmf_events")) + "\n";
      }
    }
  }
  return out;
}

std::string format_delete(const json& call, double now) {
  std::string out = "deleted call " + text(field(call, "call_id"));
  if (field(call, "created").is_number()) {
    out += " (lasted " + format_age(field(call, "created"), now) + ")";
  }
  out += "\n";
  Table table({"LEG", "MEDIA", "COMPONENT", "PACKETS", "BYTES", "ERRORS", "DROPPED"});
  for (size_t col = 3; col < 7; ++col) table.align(col, Align::right);
  double packets = 0, total_bytes = 0, errors = 0, dropped = 0;
  for (const json& leg : array_or_empty(field(call, "legs"))) {
    for (const json& m : array_or_empty(field(leg, "media"))) {
      for (const json& s : array_or_empty(field(m, "streams"))) {
        const json& st = field(s, "stats");
        packets += number_or(field(st, "packets"), 0);
        total_bytes += number_or(field(st, "bytes"), 0);
        errors += number_or(field(st, "errors"), 0);
        dropped += number_or(field(st, "dropped"), 0);
        table.add_row(
            {text(field(leg, "tag")), count(field(m, "index")) + " " + text(field(m, "type")),
             text(field(s, "component")), count(field(st, "packets")), bytes(field(st, "bytes")),
             count(field(st, "errors")), count(field(st, "dropped"))});
      }
    }
  }
  if (table.rows() == 0) return out + "no streams\n";
  table.add_row(
      {"total", "", "", count(packets), format_bytes(total_bytes), count(errors), count(dropped)});
  return out + table.render();
}

std::string format_stats(const json& stats) {
  json rest = stats.is_object() ? stats : json::object();
  KeyValues kv;
  auto add = [&](std::string key, std::initializer_list<std::string_view> path) {
    kv.emplace_back(std::move(key), count(take(rest, path)));
  };
  const json uptime = take(rest, {"uptime"});
  kv.emplace_back("uptime", uptime.is_number() ? format_duration(uptime.get<double>()) : "-");
  add("sessions current", {"sessions", "current"});
  add("sessions total", {"sessions", "total"});
  add("sessions timed out", {"sessions", "timed_out"});
  add("sessions deleted", {"sessions", "deleted"});
  add("packets relayed", {"packets", "relayed"});
  const json relayed_bytes = take(rest, {"packets", "bytes"});
  kv.emplace_back("bytes relayed", relayed_bytes.is_number()
                                       ? format_bytes(relayed_bytes.get<double>()) + " (" +
                                             count(relayed_bytes) + ")"
                                       : "-");
  const json dropped = take(rest, {"packets", "dropped"});
  if (dropped.is_object()) {
    double total = 0;
    for (const auto& [reason, n] : dropped.items()) total += number_or(n, 0);
    kv.emplace_back("dropped total", count(total));
    for (const auto& [reason, n] : dropped.items()) kv.emplace_back("dropped " + reason, count(n));
  } else {
    kv.emplace_back("dropped total", count(dropped));
  }
  const json& ports = field(rest, "ports");
  kv.emplace_back("ports", port_range(ports));
  take(rest, {"ports", "min"});
  take(rest, {"ports", "max"});
  add("ports used", {"ports", "used"});
  add("ports free", {"ports", "free"});
  add("control requests", {"control", "requests"});
  add("control errors", {"control", "errors"});
  add("ng requests", {"ng", "requests"});
  add("ng errors", {"ng", "errors"});
  flatten(rest, "", kv);
  return render_key_values(kv);
}

std::string format_info(const json& info) {
  json rest = info.is_object() ? info : json::object();
  KeyValues kv;
  kv.emplace_back("version", text(take(rest, {"version"})));
  const json uptime = take(rest, {"uptime"});
  if (uptime.is_number()) kv.emplace_back("uptime", format_duration(uptime.get<double>()));
  const json backend = take(rest, {"backend"});
  const json requested = take(rest, {"backend_requested"});
  const json reason = take(rest, {"fallback_reason"});
  std::string b = text(backend);
  if (reason.is_string() && !reason.get<std::string>().empty()) {
    b += " (fallback from " + text(requested) + ": " + reason.get<std::string>() + ")";
  } else if (requested.is_string() && requested != backend) {
    b += " (requested " + requested.get<std::string>() + ")";
  }
  kv.emplace_back("backend", b);
  const json caps = take(rest, {"backend_caps"});
  if (caps.is_object()) {  // the capabilities that are on, by name
    std::string on;
    for (const auto& [name, value] : caps.items()) {
      if (value.is_boolean() && value.get<bool>()) on += (on.empty() ? "" : ", ") + name;
    }
    kv.emplace_back("backend caps", on.empty() ? "none" : on);
  }
  kv.emplace_back("interface", text(take(rest, {"interface"})));
  const json advertised = take(rest, {"advertised"});
  if (!advertised.is_null()) kv.emplace_back("advertised", text(advertised));
  const json ports = take(rest, {"ports"});
  kv.emplace_back("ports", port_range(ports));
  const json ng = take(rest, {"ng_listen"});
  kv.emplace_back("ng listen", ng.is_string() && ng.get<std::string>().empty() ? "off" : text(ng));
  const json ng_tcp = take(rest, {"ng_listen_tcp"});
  kv.emplace_back("ng listen tcp",
                  !ng_tcp.is_string() || ng_tcp.get<std::string>().empty() ? "off" : text(ng_tcp));
  const json ng_unix = take(rest, {"ng_listen_unix"});
  kv.emplace_back("ng listen unix", !ng_unix.is_string() || ng_unix.get<std::string>().empty()
                                        ? "off"
                                        : text(ng_unix));
  kv.emplace_back("control socket", text(take(rest, {"control_socket"})));
  const json shards = take(rest, {"shards"});
  flatten(rest, "", kv);
  std::string out = render_key_values(kv);

  // Known shard counters first, then any others the daemon reports (rx_no_buffer -> RX-NO-BUFFER).
  std::vector<std::string> keys = {"id",       "sockets",  "rx_packets", "tx_packets",
                                   "rx_calls", "tx_calls", "tx_errors"};
  std::vector<std::string> headers = {"SHARD",    "SOCKETS",  "RX-PACKETS", "TX-PACKETS",
                                      "RX-CALLS", "TX-CALLS", "TX-ERRORS"};
  for (const json& s : array_or_empty(shards)) {
    if (!s.is_object()) continue;
    for (const auto& [key, value] : s.items()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      keys.push_back(key);
      std::string h = key;
      for (char& c : h) c = c == '_' ? '-' : static_cast<char>(std::toupper(c));
      headers.push_back(std::move(h));
    }
  }
  Table table(headers);
  for (size_t col = 0; col < keys.size(); ++col) table.align(col, Align::right);
  for (const json& s : array_or_empty(shards)) {
    std::vector<std::string> row;
    for (const auto& key : keys) row.push_back(count(field(s, key)));
    table.add_row(std::move(row));
  }
  return out + "\n" + table.render();
}

std::string format_event(const json& event) {
  const json& t = field(event, "time");
  std::string out = t.is_number() ? format_time(t.get<double>()) : "-";
  out += "  " + text(field(event, "event"));
  if (event.is_object()) {
    for (const auto& [key, value] : event.items()) {
      if (key == "event" || key == "time") continue;
      std::string v = value.is_string() ? value.get<std::string>() : value.dump();
      if (v.empty() || v.find_first_of(" \t\"") != std::string::npos) v = json(v).dump();
      out += "  " + key + "=" + v;
    }
  }
  return out + "\n";
}

std::string format_plugins(const json& list) {
  const json host = list.value("host", json::object());
  std::string out = "plugin host: " + host.value("state", std::string("unknown"));
  if (host.contains("pid")) out += " (pid " + host["pid"].dump() + ")";
  if (host.value("restarts", 0) > 0) {
    out += ", " + host["restarts"].dump() +
           " restart(s), last: " + host.value("last_exit", std::string("?"));
  }
  out += "\n";
  const json plugins = list.value("plugins", json::array());
  if (plugins.empty()) return out + "no plugins running\n";
  Table t({"NAME", "VERSION", "STATE", "FILE"});
  for (const json& p : plugins) {
    t.add_row(
        {p.value("name", ""), p.value("version", ""), p.value("state", ""), p.value("file", "")});
  }
  return out + t.render();
}

}  // namespace rtpx::cli
