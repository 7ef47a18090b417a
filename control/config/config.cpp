// Config loading: TOML (toml++) -> Config, driven by one table of keys (kKeys) that both the file
// reader and command-line flags (set_key) go through, and one validate() with every value rule.

#include "control/config/config.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <grp.h>
#include <pwd.h>
#include <map>
#include <variant>

#include <toml++/toml.h>

namespace rtpx::config {
namespace {

// Where a key's value lives in a Config. The alternative also gives the key's type.
using FieldRef = std::variant<std::string*, bool*, uint16_t*, uint32_t*, Relatch*>;
// A rule on a string value: the reason ("must be ...") when it is broken.
using StringCheck = std::optional<std::string> (*)(const std::string&);

struct KeyDef {
  std::string_view key;  // dotted: "media.port_min"
  FieldRef (*field)(Config&);
  int64_t min = 0;  // integer keys: allowed range
  int64_t max = 0;
  bool octal = false;           // control.socket_mode: "0660" or an integer, shown in octal
  StringCheck check = nullptr;  // string keys
};

constexpr std::array<std::pair<std::string_view, Relatch>, 3> kRelatchNames{{
    {"never", Relatch::never},
    {"same-ssrc", Relatch::same_ssrc},
    {"any", Relatch::any},
}};
constexpr std::array<std::string_view, 2> kBackends{"io_uring", "epoll"};
constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

// nullopt when `v` is one of `names`, else 'must be one of "a", "b"'.
template <size_t N>
std::optional<std::string> check_name(const std::string& v,
                                      const std::array<std::string_view, N>& names) {
  if (std::find(names.begin(), names.end(), v) != names.end()) {
    return std::nullopt;
  }
  std::string s = "must be one of ";
  for (size_t i = 0; i < N; ++i) {
    s += (i ? ", \"" : "\"") + std::string(names[i]) + "\"";
  }
  return s;
}

// The whole of `s` as an integer in `base`, or nullopt.
std::optional<int64_t> parse_int(std::string_view s, int base = 10) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

bool is_ip(int family, const std::string& s) {
  in6_addr a{};  // big enough for either family
  return inet_pton(family, s.c_str(), &a) == 1;
}
bool is_wildcard(const std::string& s) {
  return s == "0.0.0.0" || s == "::" || s == "::0";
}

std::optional<std::string> check_backend(const std::string& v) {
  return check_name(v, kBackends);
}
std::optional<std::string> check_level(const std::string& v) {
  return check_name(v, kLogLevels);
}

std::optional<std::string> check_ip(const std::string& v) {
  if (is_ip(AF_INET, v) || is_ip(AF_INET6, v)) {
    return std::nullopt;
  }
  return "must be an IPv4 or IPv6 address, not \"" + v + "\"";
}
std::optional<std::string> check_optional_ip(const std::string& v) {
  return v.empty() ? std::nullopt : check_ip(v);
}
// "" (no IPv6 media) or an IPv6 address.
std::optional<std::string> check_optional_ip6(const std::string& v) {
  if (v.empty() || is_ip(AF_INET6, v)) {
    return std::nullopt;
  }
  return "must be empty or an IPv6 address, not \"" + v + "\"";
}

std::optional<std::string> check_socket_path(const std::string& v) {
  if (v.empty()) {
    return "must not be empty";
  }
  if (v.size() >= sizeof(sockaddr_un::sun_path)) {
    return "must be shorter than " + std::to_string(sizeof(sockaddr_un::sun_path)) + " bytes";
  }
  return std::nullopt;
}

// "" or a user / group that exists here (by name or number).
std::optional<std::string> check_user(const std::string& v) {
  if (v.empty() || parse_int(v) || ::getpwnam(v.c_str()) != nullptr) return std::nullopt;
  return "no such user '" + v + "'";
}
std::optional<std::string> check_group(const std::string& v) {
  if (v.empty() || parse_int(v) || ::getgrnam(v.c_str()) != nullptr) return std::nullopt;
  return "no such group '" + v + "'";
}

// "" (disabled) or a socket path.
std::optional<std::string> check_optional_socket_path(const std::string& v) {
  return v.empty() ? std::nullopt : check_socket_path(v);
}

// "" (disabled), "ip:port" or "[ipv6]:port".
std::optional<std::string> check_endpoint(const std::string& v) {
  if (v.empty()) {
    return std::nullopt;
  }
  const std::string bad = "must be empty, \"ip:port\" or \"[ipv6]:port\", not \"" + v + "\"";
  size_t colon = v.rfind(':');
  if (colon == std::string::npos) {
    return bad;
  }
  std::string host = v.substr(0, colon);
  std::string port = v.substr(colon + 1);
  bool bracketed = v.front() == '[';
  if (bracketed && (host.size() < 2 || host.back() != ']')) {
    return bad;
  }
  if (!bracketed && host.find(':') != std::string::npos) {
    return "must write an IPv6 address in brackets, like \"[::1]:2223\"";
  }
  if (bracketed ? !is_ip(AF_INET6, host.substr(1, host.size() - 2)) : !is_ip(AF_INET, host)) {
    return bad;
  }
  auto p = parse_int(port);
  if (!p || *p < 0 || *p > 65535) {
    return "must end in a port number 0..65535, not \"" + port + "\"";
  }
  return std::nullopt;
}

const KeyDef kKeys[] = {
    {"engine.backend", [](Config& c) -> FieldRef { return &c.engine.backend; }, 0, 0, false,
     check_backend},
    {"engine.threads", [](Config& c) -> FieldRef { return &c.engine.threads; }, 0, 256},
    {"engine.pool_packets", [](Config& c) -> FieldRef { return &c.engine.pool_packets; }, 64,
     1048576},
    {"engine.burst", [](Config& c) -> FieldRef { return &c.engine.burst; }, 1, 256},
    {"engine.coalesce_us", [](Config& c) -> FieldRef { return &c.engine.coalesce_us; }, 0, 10000},
    {"media.interface", [](Config& c) -> FieldRef { return &c.media.interface; }, 0, 0, false,
     check_ip},
    {"media.advertised", [](Config& c) -> FieldRef { return &c.media.advertised; }, 0, 0, false,
     check_optional_ip},
    {"media.interface6", [](Config& c) -> FieldRef { return &c.media.interface6; }, 0, 0, false,
     check_optional_ip6},
    {"media.advertised6", [](Config& c) -> FieldRef { return &c.media.advertised6; }, 0, 0, false,
     check_optional_ip6},
    {"media.port_min", [](Config& c) -> FieldRef { return &c.media.port_min; }, 1024, 65535},
    {"media.port_max", [](Config& c) -> FieldRef { return &c.media.port_max; }, 1024, 65535},
    {"media.timeout", [](Config& c) -> FieldRef { return &c.media.timeout; }, 0, 86400},
    {"media.strict_source", [](Config& c) -> FieldRef { return &c.media.strict_source; }},
    {"media.relatch", [](Config& c) -> FieldRef { return &c.media.relatch; }},
    {"media.opus_complexity", [](Config& c) -> FieldRef { return &c.media.opus_complexity; }, 0,
     10},
    {"media.jitter_max_ms", [](Config& c) -> FieldRef { return &c.media.jitter_max_ms; }, 20, 1000},
    {"control.socket", [](Config& c) -> FieldRef { return &c.control.socket; }, 0, 0, false,
     check_socket_path},
    {"control.allow_user", [](Config& c) -> FieldRef { return &c.control.allow_user; }, 0, 0, false,
     check_user},
    {"control.allow_group", [](Config& c) -> FieldRef { return &c.control.allow_group; }, 0, 0,
     false, check_group},
    {"control.socket_mode", [](Config& c) -> FieldRef { return &c.control.socket_mode; }, 0, 0777,
     true},
    {"control.ng_listen", [](Config& c) -> FieldRef { return &c.control.ng_listen; }, 0, 0, false,
     check_endpoint},
    {"control.ng_listen_tcp", [](Config& c) -> FieldRef { return &c.control.ng_listen_tcp; }, 0, 0,
     false, check_endpoint},
    {"control.ng_listen_unix", [](Config& c) -> FieldRef { return &c.control.ng_listen_unix; }, 0,
     0, false, check_optional_socket_path},
    {"log.level", [](Config& c) -> FieldRef { return &c.log.level; }, 0, 0, false, check_level},
    {"plugins.supervise", [](Config& c) -> FieldRef { return &c.plugins.supervise; }},
    {"plugins.host_binary", [](Config& c) -> FieldRef { return &c.plugins.host_binary; }},
};

std::string_view table_of(std::string_view key) {
  return key.substr(0, key.find('.'));
}
std::string_view name_of(std::string_view key) {
  return key.substr(key.find('.') + 1);
}

const KeyDef* find_key(std::string_view key) {
  for (const KeyDef& k : kKeys) {
    if (k.key == key) {
      return &k;
    }
  }
  return nullptr;
}
bool is_table(std::string_view name) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [&](const KeyDef& k) { return table_of(k.key) == name; });
}

std::string show_int(const KeyDef& def, int64_t v) {
  if (!def.octal || v == 0) {
    return std::to_string(v);
  }
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v, 8);
  return "0" + std::string(buf, res.ptr);
}

std::optional<std::string> check_range(const KeyDef& def, int64_t v) {
  if (v >= def.min && v <= def.max) {
    return std::nullopt;
  }
  return "must be between " + show_int(def, def.min) + " and " + show_int(def, def.max);
}

// A value read from TOML or a flag, before it is checked against the key's type.
// monostate: a type no key takes (float, array, table, date, or text that is no integer).
using Value = std::variant<std::monostate, int64_t, std::string, bool>;

// Type (and integer range) check, then the store. `cfg` is left unchanged on failure.
std::optional<std::string> assign(Config& cfg, const KeyDef& def, const Value& value) {
  FieldRef field = def.field(cfg);
  if (auto* s = std::get_if<std::string*>(&field)) {
    auto* v = std::get_if<std::string>(&value);
    if (!v) {
      return "must be a string";
    }
    **s = *v;
  } else if (auto* b = std::get_if<bool*>(&field)) {
    auto* v = std::get_if<bool>(&value);
    if (!v) {
      return "must be true or false";
    }
    **b = *v;
  } else if (auto* r = std::get_if<Relatch*>(&field)) {
    auto* v = std::get_if<std::string>(&value);
    auto it = std::find_if(kRelatchNames.begin(), kRelatchNames.end(),
                           [&](const auto& n) { return v && n.first == *v; });
    if (it == kRelatchNames.end()) {
      return R"(must be one of "never", "same-ssrc", "any")";
    }
    **r = it->second;
  } else {
    std::optional<int64_t> n;
    if (auto* i = std::get_if<int64_t>(&value)) {
      n = *i;
    }
    if (auto* text = std::get_if<std::string>(&value); text && def.octal) {
      n = parse_int(*text, 8);
    }
    if (!n) {
      return def.octal ? R"(must be an octal string like "0660" or an integer)"
                       : "must be an integer";
    }
    if (auto why = check_range(def, *n)) {
      return why;
    }
    if (auto* p16 = std::get_if<uint16_t*>(&field)) {
      **p16 = static_cast<uint16_t>(*n);
    } else {
      *std::get<uint32_t*>(field) = static_cast<uint32_t>(*n);
    }
  }
  return std::nullopt;
}

Value from_node(const toml::node& node) {
  if (auto i = node.value_exact<int64_t>()) {
    return *i;
  }
  if (auto s = node.value_exact<std::string>()) {
    return *s;
  }
  if (auto b = node.value_exact<bool>()) {
    return *b;
  }
  return std::monostate{};
}

Value from_text(const KeyDef& def, std::string_view text, Config& scratch) {
  FieldRef field = def.field(scratch);
  if (std::holds_alternative<bool*>(field)) {
    return text == "true" || text == "false" ? Value(text == "true") : Value(std::monostate{});
  }
  if (std::holds_alternative<uint16_t*>(field) || std::holds_alternative<uint32_t*>(field)) {
    if (def.octal) {
      return std::string(text);
    }
    auto v = parse_int(text);
    return v ? Value(*v) : Value(std::monostate{});
  }
  return std::string(text);
}

// Optimal string alignment distance (edits, adjacent swaps count as one), case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  auto eq = [](char x, char y) { return std::tolower(x) == std::tolower(y); };
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + !eq(a[i - 1], b[j - 1])});
      if (i > 1 && j > 1 && eq(a[i - 1], b[j - 2]) && eq(a[i - 2], b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The closest candidate by edit distance, if it is close enough to be a likely typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d && d < std::max(word.size(), c.size())) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

// "unknown key 'media.prot_min' (did you mean 'port_min'?)"; `table` is empty at the top level.
std::string unknown_key(std::string_view table, std::string_view name, bool is_a_table) {
  std::vector<std::string> same_level;
  std::vector<std::string> elsewhere;  // the same name in another table
  for (const KeyDef& k : kKeys) {
    if (table.empty()) {
      std::string t(table_of(k.key));
      if (same_level.empty() || same_level.back() != t) {
        same_level.push_back(t);
      }
      if (name_of(k.key) == name) {
        elsewhere.emplace_back(k.key);
      }
    } else if (table_of(k.key) == table) {
      same_level.emplace_back(name_of(k.key));
    } else if (name_of(k.key) == name) {
      elsewhere.emplace_back(k.key);
    }
  }
  std::string full =
      table.empty() ? std::string(name) : std::string(table) + "." + std::string(name);
  std::string msg = std::string(is_a_table ? "unknown table '" : "unknown key '") + full + "'";
  std::string hint = closest(name, same_level);
  if (hint.empty() && !elsewhere.empty()) {
    hint = elsewhere.front();
  }
  if (!hint.empty()) {
    msg += " (did you mean '" + hint + "'?)";
  }
  return msg;
}

// One problem found in a file, with its place so the earliest one can be reported.
struct Issue {
  toml::source_position at;
  std::string message;
};

[[noreturn]] void throw_at(std::string_view source, const Issue& issue) {
  throw ConfigError(std::string(source) + ":" + std::to_string(issue.at.line) + ": " +
                    issue.message);
}

bool before(const Issue& a, const Issue& b) {
  return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
}

}  // namespace

std::string_view to_string(Relatch r) {
  for (const auto& [name, value] : kRelatchNames) {
    if (value == r) {
      return name;
    }
  }
  return "?";
}

std::vector<Violation> validate(const Config& cfg) {
  std::vector<Violation> out;
  // The accessors take Config& so the same table serves the writers; nothing is written here.
  Config& c = const_cast<Config&>(cfg);
  for (const KeyDef& def : kKeys) {
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          std::optional<std::string> why;
          if constexpr (std::is_same_v<T, std::string>) {
            if (def.check) {
              why = def.check(*p);
            }
          } else if constexpr (std::is_same_v<T, uint16_t> || std::is_same_v<T, uint32_t>) {
            why = check_range(def, *p);
          }
          if (why) {
            out.push_back({std::string(def.key), *why, {}, {}});
          }
        },
        def.field(c));
  }
  const MediaConfig& m = cfg.media;
  const std::string min_s = std::to_string(m.port_min);
  const std::string max_s = std::to_string(m.port_max);
  if (m.port_min % 2 != 0) {
    out.push_back({"media.port_min", "must be even", {}, {}});
  }
  if (m.port_max <= m.port_min) {
    out.push_back({"media.port_min", "must be less than media.port_max (" + max_s + ")",
                   "media.port_max", "must be greater than media.port_min (" + min_s + ")"});
  } else if (m.port_max - m.port_min + 1 < 4) {
    out.push_back({"media.port_min",
                   "must be at most media.port_max - 3 (" + std::to_string(m.port_max - 3) +
                       ") so the range holds at least 4 ports",
                   "media.port_max",
                   "must be at least media.port_min + 3 (" + std::to_string(m.port_min + 3) +
                       ") so the range holds at least 4 ports"});
  }
  if (is_wildcard(m.interface) && m.advertised.empty()) {
    out.push_back(
        {"media.advertised",
         "must be set when media.interface is a wildcard address (" + m.interface + ")",
         "media.interface",
         "must be a specific address unless media.advertised is set, not " + m.interface});
  }
  if (!m.interface6.empty() && is_ip(AF_INET6, m.interface)) {
    out.push_back({"media.interface6",
                   "must be empty when media.interface is already IPv6 (" + m.interface + ")",
                   "media.interface",
                   "must be IPv4 when media.interface6 is set, not " + m.interface});
  }
  if (m.interface6.empty() && !m.advertised6.empty()) {
    out.push_back({"media.advertised6", "needs media.interface6 to be set", "media.interface6",
                   "must be set when media.advertised6 is"});
  }
  if (is_wildcard(m.interface6) && m.advertised6.empty()) {
    out.push_back(
        {"media.advertised6",
         "must be set when media.interface6 is a wildcard address (" + m.interface6 + ")",
         "media.interface6",
         "must be a specific address unless media.advertised6 is set, not " + m.interface6});
  }
  return out;
}

std::optional<std::string> set_key(Config& cfg, std::string_view key, std::string_view text) {
  const KeyDef* def = find_key(key);
  if (!def) {
    return "unknown key '" + std::string(key) + "'";
  }
  return assign(cfg, *def, from_text(*def, text, cfg));
}

Config parse_config(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(std::string(source_name) + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": " +
                      std::string(e.description()));
  }
  Config cfg;
  cfg.source = std::string(source_name);
  std::map<std::string, toml::source_position, std::less<>> where;  // key -> its place
  std::vector<Issue> issues;
  for (const auto& [tkey, tnode] : root) {
    std::string_view tname = tkey.str();
    if (!is_table(tname)) {
      issues.push_back({tkey.source().begin, unknown_key("", tname, tnode.is_table())});
      continue;
    }
    const toml::table* table = tnode.as_table();
    if (!table) {
      issues.push_back({tkey.source().begin, "'" + std::string(tname) + "' must be a table"});
      continue;
    }
    for (const auto& [key, node] : *table) {
      std::string dotted = std::string(tname) + "." + std::string(key.str());
      const KeyDef* def = find_key(dotted);
      if (!def && tname == "plugins") continue;  // the plugin host's keys: rtpx-plugins checks them
      if (!def) {
        issues.push_back({key.source().begin, unknown_key(tname, key.str(), node.is_table())});
        continue;
      }
      where[dotted] = key.source().begin;
      if (auto why = assign(cfg, *def, from_node(node))) {
        issues.push_back({key.source().begin, "'" + dotted + "' " + *why});
      }
    }
  }
  for (const Violation& v : validate(cfg)) {
    // Blame the key the file sets; a rule over two keys may involve one left at its default.
    if (auto it = where.find(v.key); it != where.end()) {
      issues.push_back({it->second, "'" + v.key + "' " + v.reason});
    } else if (auto other = where.find(v.other_key); other != where.end()) {
      issues.push_back({other->second, "'" + v.other_key + "' " + v.other_reason});
    } else {
      issues.push_back({{1, 1}, "'" + v.key + "' " + v.reason});  // defaults break no rule
    }
  }
  if (!issues.empty()) {
    throw_at(source_name, *std::min_element(issues.begin(), issues.end(), before));
  }
  return cfg;
}

Config load_config_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ConfigError(path + ": cannot read: " + std::strerror(errno));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw ConfigError(path + ": cannot read: " + std::strerror(err));
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse_config(text, path);
}

}  // namespace rtpx::config
