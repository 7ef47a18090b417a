#include "plugins/fsconf/bridge.hpp"

#include <optional>

namespace rtpx::fsconf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at `delim` outside 'quotes' (and outside [..] when `brackets`); \x skips x.
std::vector<std::string_view> split(std::string_view s, char delim, bool brackets) {
  std::vector<std::string_view> out;
  bool quoted = false;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '\'' && (quoted || s.find('\'', i + 1) != std::string_view::npos)) {
      quoted = !quoted;
    } else if (!quoted && brackets && c == '[') {
      ++depth;
    } else if (!quoted && brackets && c == ']' && depth > 0) {
      --depth;
    } else if (!quoted && depth == 0 && c == delim) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// A separated value: spaces around dropped, quotes removed, \' \" \\ and \delim unescaped.
std::string clean(std::string_view s, char delim) {
  s = trim(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char e = s[i + 1];
      if (e == '\'' || e == '"' || e == '\\' || e == delim) {
        out += e;
        ++i;
        continue;
      }
    }
    if (c != '\'') out += c;
  }
  return out;
}

// The index of the bracket closing s[0] (nested ones counted), or npos.
size_t closing(std::string_view s, char open, char close) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '\'') {
      quoted = !quoted;
    } else if (!quoted && s[i] == open) {
      ++depth;
    } else if (!quoted && s[i] == close && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

void parse_vars(std::string_view inside, Vars& out) {
  char delim = ',';
  if (inside.size() > 3 && inside.substr(0, 2) == "^^") {
    delim = inside[2];
    inside.remove_prefix(3);
  }
  for (std::string_view item : split(inside, delim, false)) {
    const std::string kv = clean(item, delim);
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    out[std::string(trim(std::string_view(kv).substr(0, eq)))] = kv.substr(eq + 1);
  }
}

// Leading {..} or [..] blocks of `s` into `vars`; returns the rest, or nullopt when unclosed.
std::optional<std::string_view> take_vars(std::string_view s, char open, char close, Vars& vars) {
  s = trim(s);
  while (!s.empty() && s.front() == open) {
    const size_t end = closing(s, open, close);
    if (end == std::string_view::npos) return std::nullopt;
    parse_vars(s.substr(1, end - 1), vars);
    s = trim(s.substr(end + 1));
  }
  return s;
}

BridgeTarget failed(std::string_view raw, std::string why) {
  BridgeTarget t;
  t.raw = std::string(raw);
  t.error = std::move(why);
  return t;
}

BridgeTarget parse_sofia(std::string_view raw, std::string_view rest) {
  BridgeTarget t;
  t.raw = std::string(raw);
  if (rest.starts_with("gateway/")) {
    rest.remove_prefix(8);
    const size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size())
      return failed(raw, "sofia/gateway/NAME/NUMBER needs a gateway name and a number");
    t.kind = BridgeTarget::Kind::gateway;
    t.gateway = std::string(rest.substr(0, slash));
    t.number = std::string(rest.substr(slash + 1));
    return t;
  }
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size())
    return failed(raw, "sofia/PROFILE/DESTINATION needs a profile and a destination");
  t.profile = std::string(rest.substr(0, slash));
  const std::string_view dest = rest.substr(slash + 1);
  if (dest.starts_with("sip:") || dest.starts_with("sips:")) {
    t.kind = BridgeTarget::Kind::sip_uri;
    t.uri = std::string(dest);
  } else if (const size_t pct = dest.find('%'); pct != std::string_view::npos) {
    t.kind = BridgeTarget::Kind::user;  // sofia/internal/1000%domain: a registered user
    t.user = std::string(dest.substr(0, pct));
    t.domain = std::string(dest.substr(pct + 1));
  } else if (dest.find('@') != std::string_view::npos && dest.front() != '@') {
    t.kind = BridgeTarget::Kind::sip_uri;
    t.uri = "sip:" + std::string(dest);
  } else {
    return failed(raw, "sofia/" + t.profile + "/ needs user@host or a sip: URI");
  }
  return t;
}

}  // namespace

const char* kind_name(BridgeTarget::Kind kind) {
  switch (kind) {
    case BridgeTarget::Kind::gateway:
      return "gateway";
    case BridgeTarget::Kind::user:
      return "user";
    case BridgeTarget::Kind::fabric:
      return "fabric";
    case BridgeTarget::Kind::sip_uri:
      return "sip_uri";
    case BridgeTarget::Kind::error:
      return "error";
  }
  return "error";
}

BridgeTarget parse_target(std::string_view dial) {
  const std::string_view raw = trim(dial);
  if (raw.empty()) return failed(raw, "empty dial string");
  if (raw.front() == '/') {  // Call Fabric address /context/name
    const size_t slash = raw.find('/', 1);
    if (slash == std::string_view::npos || slash == 1 || slash + 1 == raw.size() ||
        raw.find('/', slash + 1) != std::string_view::npos)
      return failed(raw, "a fabric address is /context/name");
    BridgeTarget t;
    t.kind = BridgeTarget::Kind::fabric;
    t.raw = std::string(raw);
    t.context = std::string(raw.substr(1, slash - 1));
    t.user = std::string(raw.substr(slash + 1));
    return t;
  }
  const size_t slash = raw.find('/');
  if (slash == std::string_view::npos) return failed(raw, "not a dial string (ENDPOINT/...)");
  const std::string_view endpoint = raw.substr(0, slash);
  const std::string_view rest = raw.substr(slash + 1);
  if (endpoint == "sofia") return parse_sofia(raw, rest);
  if (endpoint == "user") {
    const size_t at = rest.find('@');
    const std::string_view ext = rest.substr(0, at);
    if (ext.empty()) return failed(raw, "user/EXTENSION[@DOMAIN] needs an extension");
    BridgeTarget t;
    t.kind = BridgeTarget::Kind::user;
    t.raw = std::string(raw);
    t.user = std::string(ext);
    if (at != std::string_view::npos) t.domain = std::string(rest.substr(at + 1));
    return t;
  }
  return failed(raw, "endpoint '" + std::string(endpoint) + "' is not supported");
}

BridgePlan parse_bridge(std::string_view data) {
  BridgePlan plan;
  data = trim(data);
  if (data.find(":_:") != std::string_view::npos) {
    plan.groups.push_back({failed(data, "enterprise originate (:_:) is not supported")});
    return plan;
  }
  const auto rest = take_vars(data, '{', '}', plan.vars);
  if (!rest) {
    plan.groups.push_back({failed(data, "unterminated {")});
    return plan;
  }
  for (std::string_view group : split(*rest, '|', false)) {
    if (trim(group).empty()) continue;
    std::vector<BridgeTarget> targets;
    for (std::string_view item : split(group, ',', true)) {
      Vars leg;
      const auto dial = take_vars(item, '[', ']', leg);
      BridgeTarget t = dial ? parse_target(clean(*dial, ',')) : failed(item, "unterminated [");
      t.vars = std::move(leg);
      targets.push_back(std::move(t));
    }
    plan.groups.push_back(std::move(targets));
  }
  if (plan.groups.empty()) plan.groups.push_back({failed(data, "empty dial string")});
  return plan;
}

}  // namespace rtpx::fsconf
