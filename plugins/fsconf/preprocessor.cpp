#include "plugins/fsconf/preprocessor.hpp"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <pugixml.hpp>

namespace rtpx::fsconf {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxIncludeDepth = 100;  // FreeSWITCH's preprocess() recursion limit

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  for (size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// "k = v" as FreeSWITCH splits it: spaces around '=' dropped; nullopt without '='.
std::optional<std::pair<std::string, std::string>> key_value(std::string_view s) {
  const size_t eq = s.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view k = s.substr(0, eq);
  std::string_view v = s.substr(eq + 1);
  while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return std::make_pair(std::string(k), std::string(v));
}

// The value of name="..." inside a piece of raw markup (a directive quoted in a comment).
std::string raw_attr(std::string_view tag, std::string_view name) {
  size_t at = ifind(tag, name);
  if (at == std::string_view::npos) return {};
  at = tag.find('"', at + name.size());
  if (at == std::string_view::npos) return {};
  const size_t end = tag.find('"', at + 1);
  return std::string(tag.substr(at + 1, end == std::string_view::npos ? end : end - at - 1));
}

class Glob {
 public:
  explicit Glob(const std::string& pattern) { rc_ = ::glob(pattern.c_str(), 0, nullptr, &g_); }
  ~Glob() { ::globfree(&g_); }
  Glob(const Glob&) = delete;
  Glob& operator=(const Glob&) = delete;
  std::vector<std::string> paths() const {
    if (rc_ != 0) return {};
    return std::vector<std::string>(g_.gl_pathv, g_.gl_pathv + g_.gl_pathc);
  }

 private:
  glob_t g_{};
  int rc_ = 0;
};

}  // namespace

struct Preprocessor::Source {
  fs::path path;
  std::vector<size_t> newlines;  // offsets of every '\n'
  int line_of(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    return static_cast<int>(
               std::upper_bound(newlines.begin(), newlines.end(), static_cast<size_t>(offset)) -
               newlines.begin()) +
           1;
  }
};

Preprocessor::Preprocessor(fs::path conf_dir, Vars& globals, std::vector<std::string>& warnings)
    : conf_dir_(fs::absolute(conf_dir).lexically_normal()),
      globals_(globals),
      warnings_(warnings) {}

Location Preprocessor::locate(const fs::path& file, int line) const {
  const fs::path p = fs::absolute(file).lexically_normal();
  const fs::path rel = p.lexically_relative(conf_dir_);
  const bool inside = !rel.empty() && *rel.begin() != "..";
  return Location{inside ? rel.string() : p.string(), line};
}

bool Preprocessor::was_read(const fs::path& file) const {
  std::error_code ec;
  return read_.count(fs::weakly_canonical(file, ec)) != 0;
}

std::vector<XmlNode> Preprocessor::load(const fs::path& file) {
  std::vector<XmlNode> out;
  load_into(file, out);
  return out;
}

void Preprocessor::load_into(const fs::path& file, std::vector<XmlNode>& out) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  if (stack_.size() >= kMaxIncludeDepth)
    throw ConfigError(locate(file, 0), "includes nested more than 100 deep");
  if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end())
    throw ConfigError(locate(file, 0), "includes itself (include cycle)");

  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(locate(file, 0), "cannot read the file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  Source src{fs::absolute(file).lexically_normal(), {}};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') src.newlines.push_back(i);

  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(
      text.data(), text.size(), pugi::parse_default | pugi::parse_comments, pugi::encoding_utf8);
  if (!parsed && parsed.status != pugi::status_no_document_element)
    throw ConfigError(locate(file, src.line_of(parsed.offset)),
                      std::string("malformed XML: ") + parsed.description());

  read_.insert(canonical);
  stack_.push_back(canonical);
  struct Pop {
    std::vector<fs::path>& s;
    ~Pop() { s.pop_back(); }
  } pop{stack_};
  convert_children(doc, src, out);
}

void Preprocessor::convert_children(const pugi::xml_node& parent, const Source& src,
                                    std::vector<XmlNode>& out) {
  for (const pugi::xml_node& child : parent.children()) {
    if (child.type() == pugi::node_comment) {
      comment(child, src, out);
      continue;
    }
    if (child.type() != pugi::node_element) continue;
    if (iequals(child.name(), "X-PRE-PROCESS")) {
      directive(child, src, out);
      continue;
    }
    if (std::string_view(child.name()) == "include") {  // a wrapper: its children stand in
      convert_children(child, src, out);
      continue;
    }
    XmlNode n;
    n.name = child.name();
    n.where = locate(src.path, src.line_of(child.offset_debug()));
    for (const pugi::xml_attribute& a : child.attributes())
      n.attrs.emplace_back(a.name(), expand_globals(a.value(), n.where));
    std::string text;
    for (const pugi::xml_node& t : child.children())
      if (t.type() == pugi::node_pcdata || t.type() == pugi::node_cdata) text += t.value();
    n.text = trim(expand_globals(text, n.where));
    convert_children(child, src, n.children);
    out.push_back(std::move(n));
  }
}

void Preprocessor::directive(const pugi::xml_node& node, const Source& src,
                             std::vector<XmlNode>& out) {
  const Location at = locate(src.path, src.line_of(node.offset_debug()));
  std::string cmd;
  std::string data;
  for (const pugi::xml_attribute& a : node.attributes()) {
    if (iequals(a.name(), "cmd")) cmd = expand_globals(a.value(), at);
    if (iequals(a.name(), "data")) data = expand_globals(a.value(), at);
  }
  run(cmd, data, at, src.path.parent_path(), out);
}

void Preprocessor::comment(const pugi::xml_node& node, const Source& src,
                           std::vector<XmlNode>& out) {
  const std::string_view body = node.value();
  const int first_line = src.line_of(node.offset_debug());
  const fs::path dir = src.path.parent_path();
  if (!body.empty() && body.front() == '#') {  // <!--#cmd "arg"-->
    const std::string line = trim(body.substr(1));
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) return;
    std::string arg = trim(std::string_view(line).substr(sp + 1));
    if (const size_t q = arg.find('"'); q != std::string::npos) {
      const size_t qq = arg.find('"', q + 1);
      if (qq != std::string::npos) arg = arg.substr(q + 1, qq - q - 1);
    }
    const Location at = locate(src.path, first_line);
    run(line.substr(0, sp), expand_globals(arg, at), at, dir, out);
    return;
  }
  // FreeSWITCH preprocesses text before any XML parsing: a directive in a comment still runs.
  for (size_t at = ifind(body, "<X-PRE-PROCESS"); at != std::string_view::npos;
       at = ifind(body, "<X-PRE-PROCESS", at + 1)) {
    const size_t end = body.find('>', at);
    const std::string_view tag = body.substr(at, end == std::string_view::npos ? end : end - at);
    const int line =
        first_line + static_cast<int>(std::count(body.begin(), body.begin() + at, '\n'));
    const Location where = locate(src.path, line);
    const std::string cmd = expand_globals(raw_attr(tag, "cmd"), where);
    if (iequals(cmd, "set") || iequals(cmd, "env-set")) {
      warnings_.push_back(where.str() +
                          ": X-PRE-PROCESS inside a comment still runs (FreeSWITCH preprocesses "
                          "before parsing XML): remove the line instead");
      run(cmd, expand_globals(raw_attr(tag, "data"), where), where, dir, out);
    } else {
      warnings_.push_back(where.str() + ": X-PRE-PROCESS cmd=\"" + cmd +
                          "\" inside a comment is ignored");
    }
  }
}

void Preprocessor::run(std::string_view cmd, const std::string& data, const Location& at,
                       const fs::path& dir, std::vector<XmlNode>& out) {
  if (iequals(cmd, "set")) {
    if (auto kv = key_value(data)) {
      globals_[kv->first] = kv->second;
    } else {
      warnings_.push_back(at.str() + ": X-PRE-PROCESS set \"" + data + "\" has no '='");
    }
  } else if (iequals(cmd, "env-set")) {
    const auto kv = key_value(data);
    if (kv && !kv->second.empty() && kv->second.front() == '$') {
      if (const char* v = std::getenv(kv->second.c_str() + 1)) globals_[kv->first] = v;
    } else {
      warnings_.push_back(at.str() + ": X-PRE-PROCESS env-set wants data=\"name=$ENVVAR\"");
    }
  } else if (iequals(cmd, "include")) {
    include(data, at, dir, out);
  } else if (iequals(cmd, "stun-set")) {
    // FreeSWITCH's stock vars.xml has these. A plain value is set as is; a STUN lookup is not
    // made (the variable stays unset, so ext-*-ip falling back to it means "sip-ip").
    if (auto kv = key_value(data)) {
      if (kv->second.rfind("stun:", 0) == 0) {
        warnings_.push_back(at.str() + ": X-PRE-PROCESS stun-set " + kv->first +
                            ": STUN lookups are not made; $${" + kv->first + "} stays unset");
      } else {
        globals_[kv->first] = kv->second;
      }
    } else {
      warnings_.push_back(at.str() + ": X-PRE-PROCESS stun-set \"" + data + "\" has no '='");
    }
  } else if (iequals(cmd, "exec-set") || iequals(cmd, "exec")) {
    throw ConfigError(at, "X-PRE-PROCESS cmd=\"" + std::string(cmd) + "\" is not supported");
  } else {
    warnings_.push_back(at.str() + ": unknown X-PRE-PROCESS cmd=\"" + std::string(cmd) +
                        "\" ignored");
  }
}

void Preprocessor::include(const std::string& pattern, const Location& at, const fs::path& dir,
                           std::vector<XmlNode>& out) {
  if (pattern.empty()) throw ConfigError(at, "X-PRE-PROCESS include without data");
  const fs::path p(pattern);
  const fs::path full = p.is_absolute() ? p : dir / p;
  const std::vector<std::string> files = Glob(full.string()).paths();
  if (files.empty() && pattern.find_first_of("*?[") == std::string::npos)
    throw ConfigError(at, "include \"" + pattern + "\": no such file");
  for (const std::string& f : files) load_into(f, out);
}

std::string Preprocessor::expand_globals(std::string_view s, const Location& at) {
  if (s.find("$${") == std::string_view::npos) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = s.find("$${", i);
    if (start == std::string_view::npos) break;
    out.append(s.substr(i, start - i));
    int depth = 0;
    size_t close = std::string_view::npos;
    for (size_t j = start + 2; j < s.size(); ++j) {
      if (s[j] == '{') ++depth;
      if (s[j] == '}' && --depth == 0) {
        close = j;
        break;
      }
    }
    if (close == std::string_view::npos) {
      warnings_.push_back(at.str() + ": unterminated $${ in \"" + std::string(s) + "\"");
      i = start;
      break;
    }
    const std::string name(s.substr(start + 3, close - start - 3));
    if (auto it = globals_.find(name); it != globals_.end()) {
      out += it->second;
    } else {
      warnings_.push_back(at.str() + ": $${" + name + "} is not set (empty)");
    }
    i = close + 1;
  }
  out.append(s.substr(i));
  return out;
}

}  // namespace rtpx::fsconf
