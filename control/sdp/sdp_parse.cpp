// SDP text -> Session. Lines end in CRLF or LF; blank lines at the very end are ignored. Checks
// follow rtpengine's sdp_parse (v=0 first, o= and s= only once and only at session level, c= once
// per section with 3 fields, m= with a numeric port and a proto) but keep unknown line types.

#include <algorithm>
#include <string>

#include "control/sdp/sdp.hpp"
#include "control/sdp/sdp_text.hpp"

namespace rtpx::sdp {

namespace {

using detail::parse_u16;
using detail::split_spaces;

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool is_type_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

class Parser {
 public:
  ParseResult run(std::string_view text) {
    if (parse_all(text)) result_.session = std::move(session_);
    return std::move(result_);
  }

 private:
  bool parse_all(std::string_view text) {
    if (text.size() > kMaxSdpBytes)
      return fail(0, "SDP too large: " + std::to_string(text.size()) + " bytes (limit " +
                         std::to_string(kMaxSdpBytes) + ")");
    if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
      auto newlines = std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(nul), '\n');
      return fail(1 + static_cast<size_t>(newlines), "NUL byte in SDP");
    }
    std::vector<std::string_view> lines = split_lines(text);
    if (lines.empty()) return fail(1, "empty SDP");
    for (size_t i = 0; i < lines.size(); ++i) {
      line_no_ = i + 1;
      if (!parse_line(lines[i])) return false;
    }
    if (!have_origin_) return fail(lines.size() + 1, "expected 'o=' line");
    return true;
  }

  bool fail(size_t line, std::string msg) {
    result_.error.line = line;
    result_.error.message = line ? "line " + std::to_string(line) + ": " + msg : std::move(msg);
    return false;
  }
  bool error(std::string msg) { return fail(line_no_, std::move(msg)); }

  Media* media() { return session_.media.empty() ? nullptr : &session_.media.back(); }
  std::vector<LineKind>& layout() { return media() ? media()->layout : session_.layout; }

  bool parse_line(std::string_view line) {
    if (line_no_ == 1) {
      if (line.size() < 2 || line[0] != 'v' || line[1] != '=') return error("expected 'v=' line");
      if (line.substr(2) != "0") return error("unsupported SDP version (expected 'v=0')");
      return true;
    }
    if (line.size() < 2 || line[1] != '=' || !is_type_letter(line[0]))
      return error("expected '<type>=<value>'");
    std::string_view value = line.substr(2);
    switch (line[0]) {
      case 'v':
        return error("unexpected 'v=' line (one session per SDP)");
      case 'o':
        return parse_origin(value);
      case 's':
        return parse_name(value);
      case 'c':
        return parse_connection(value);
      case 'm':
        return parse_media(value);
      case 'a':
        return parse_attribute(value);
      default:
        (media() ? media()->other_lines : session_.other_lines)
            .push_back(Line{line[0], std::string(value)});
        layout().push_back(LineKind::kOther);
        return true;
    }
  }

  bool parse_origin(std::string_view value) {
    if (media()) return error("'o=' line inside media section");
    if (have_origin_) return error("duplicate 'o=' line");
    std::vector<std::string_view> t = split_spaces(value, 6);
    if (t.size() != 6)
      return error(
          "'o=' line needs 6 fields: <username> <sess-id> <sess-version> <nettype> <addrtype> "
          "<address>");
    Origin& o = session_.origin;
    o.username = t[0];
    o.session_id = t[1];
    o.session_version = t[2];
    o.nettype = t[3];
    o.addrtype = t[4];
    o.address = t[5];
    have_origin_ = true;
    session_.layout.push_back(LineKind::kOrigin);
    return true;
  }

  bool parse_name(std::string_view value) {
    if (media()) return error("'s=' line inside media section");
    if (session_.name) return error("duplicate 's=' line");
    session_.name.emplace(value);
    session_.layout.push_back(LineKind::kName);
    return true;
  }

  bool parse_connection(std::string_view value) {
    std::optional<Connection>& c = media() ? media()->connection : session_.connection;
    if (c) return error("duplicate 'c=' line");
    std::vector<std::string_view> t = split_spaces(value, 3);
    if (t.size() != 3) return error("'c=' line needs 3 fields: <nettype> <addrtype> <address>");
    c = Connection{std::string(t[0]), std::string(t[1]), std::string(t[2])};
    layout().push_back(LineKind::kConnection);
    return true;
  }

  bool parse_media(std::string_view value) {
    if (!have_origin_) return error("expected 'o=' line");
    if (session_.media.size() >= kMaxMediaSections)
      return error("too many media sections (limit " + std::to_string(kMaxMediaSections) + ")");
    std::vector<std::string_view> t = split_spaces(value, kMaxSdpBytes);
    if (t.size() < 3) return error("'m=' line needs <media> <port> <proto> [<fmt> ...]");
    Media m;
    m.type = t[0];
    std::string_view port = t[1];
    if (size_t slash = port.find('/'); slash != std::string_view::npos) {
      std::optional<uint16_t> count = parse_u16(port.substr(slash + 1));
      if (!count || *count == 0) return error("invalid port count in 'm=' line");
      m.port_count = count;
      port = port.substr(0, slash);
    }
    std::optional<uint16_t> p = parse_u16(port);
    if (!p) return error("invalid port in 'm=' line (expected 0..65535)");
    m.port = *p;
    m.proto = t[2];
    m.formats.assign(t.begin() + 3, t.end());
    session_.media.push_back(std::move(m));
    return true;
  }

  bool parse_attribute(std::string_view value) {
    Attribute a;
    if (size_t colon = value.find(':'); colon != std::string_view::npos) {
      a.name = value.substr(0, colon);
      a.value.emplace(value.substr(colon + 1));
    } else {
      a.name = value;
    }
    (media() ? media()->attributes : session_.attributes).push_back(std::move(a));
    layout().push_back(LineKind::kAttribute);
    return true;
  }

  Session session_;
  ParseResult result_;
  size_t line_no_ = 0;
  bool have_origin_ = false;
};

}  // namespace

ParseResult parse(std::string_view text) {
  return Parser().run(text);
}

}  // namespace rtpx::sdp
