#include "tests/integration/ng_diff/normalise.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>
#include <string_view>

namespace rtpx::test::ngdiff {
namespace {

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::vector<std::string>& w) {
  std::string out;
  for (const std::string& s : w) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::optional<unsigned> to_port(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > 65535) return std::nullopt;
  return v;
}

std::vector<std::string> raw_lines(const std::string& sdp) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t nl = sdp.find('\n', pos);
    std::string line = sdp.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Attributes whose whole value a relay makes up at random.
bool random_valued(std::string_view line) {
  return starts_with(line, "a=ice-ufrag:") || starts_with(line, "a=ice-pwd:") ||
         starts_with(line, "a=rtpengine:");
}

// Candidate fields: foundation component transport priority address port typ type [k v]...
constexpr size_t kCandAddr = 4;
constexpr size_t kCandPort = 5;

}  // namespace

std::string render_value(const ng::Value& v) {
  return v.is_string() ? v.as_string() : ng::encode(v);
}

Normaliser::Normaliser(std::vector<std::string> relay_addresses,
                       const std::vector<std::string>& input_sdp)
    : relay_(std::move(relay_addresses)) {
  for (const std::string& body : input_sdp) {
    for (const std::string& line : raw_lines(body)) {
      std::vector<std::string> w;
      if (starts_with(line, "m=")) {
        w = split_ws(line);
        if (w.size() > 1)
          if (auto p = to_port(w[1].substr(0, w[1].find('/')))) input_ports_.insert(*p);
      } else if (starts_with(line, "a=rtcp:")) {
        w = split_ws(line.substr(7));
        if (!w.empty())
          if (auto p = to_port(w[0])) input_ports_.insert(*p);
      } else if (starts_with(line, "a=candidate:")) {
        w = split_ws(line.substr(12));
        if (!w.empty()) input_tokens_.insert(w[0]);
        for (size_t i = 0; i < w.size(); ++i) {
          if (i == kCandPort || (i > 0 && w[i - 1] == "rport"))
            if (auto p = to_port(w[i])) input_ports_.insert(*p);
        }
      } else if (random_valued(line)) {
        input_tokens_.insert(line.substr(line.find(':') + 1));
      }
    }
  }
}

std::string Normaliser::address(const std::string& a) const {
  if (std::find(relay_.begin(), relay_.end(), a) == relay_.end()) return a;
  return a.find(':') != std::string::npos ? "<relay-ip6>" : "<relay-ip4>";
}

std::string Normaliser::generated(const std::string& v) const {
  return input_tokens_.count(v) != 0 ? v : "<generated>";
}

std::vector<std::string> Normaliser::sdp_lines(const std::string& sdp) const {
  std::vector<std::string> lines = raw_lines(sdp);
  // The m= port of every section, in order.
  std::vector<unsigned> mports;
  for (const std::string& l : lines) {
    if (!starts_with(l, "m=")) continue;
    auto w = split_ws(l);
    mports.push_back(w.size() > 1 ? to_port(w[1].substr(0, w[1].find('/'))).value_or(0) : 0);
  }
  int section = -1;
  std::string session_c;  // raw c= addresses, to tell the default candidate from the others
  std::string media_c;
  auto port = [&](const std::string& text, bool relative = true) -> std::string {
    auto p = to_port(text);
    if (!p || *p == 0 || input_ports_.count(*p) != 0) return text;
    if (!relative) return "<port>";
    auto sym = [&](size_t k) -> std::optional<std::string> {
      if (mports[k] == 0) return std::nullopt;
      if (*p == mports[k]) return "<P" + std::to_string(k) + ">";
      if (*p == mports[k] + 1) return "<P" + std::to_string(k) + "+1>";
      return std::nullopt;
    };
    if (section >= 0)
      if (auto s = sym(static_cast<size_t>(section))) return *s;
    for (size_t k = 0; k < mports.size(); ++k)
      if (auto s = sym(k)) return *s;
    return "<port>";
  };
  auto addr_with_suffix = [&](const std::string& a) {
    const size_t slash = a.find('/');
    return address(a.substr(0, slash)) + (slash == std::string::npos ? "" : a.substr(slash));
  };

  std::vector<std::string> out;
  for (const std::string& l : lines) {
    if (l.empty()) {
      out.push_back(l);
      continue;
    }
    std::vector<std::string> w;
    if (starts_with(l, "m=")) {
      ++section;
      media_c.clear();
      w = split_ws(l.substr(2));
      if (w.size() > 1) {
        const size_t slash = w[1].find('/');
        w[1] = port(w[1].substr(0, slash)) + (slash == std::string::npos ? "" : w[1].substr(slash));
      }
      out.push_back("m=" + join(w));
    } else if (starts_with(l, "o=")) {
      w = split_ws(l.substr(2));
      if (w.size() == 6) {
        w[1] = "<sess-id>";
        w[2] = "<sess-version>";
        w[5] = address(w[5]);
      }
      out.push_back("o=" + join(w));
    } else if (starts_with(l, "c=")) {
      w = split_ws(l.substr(2));
      if (w.size() == 3) {
        (section < 0 ? session_c : media_c) = w[2].substr(0, w[2].find('/'));
        w[2] = addr_with_suffix(w[2]);
      }
      out.push_back("c=" + join(w));
    } else if (starts_with(l, "t=")) {
      out.push_back("t=<start> <stop>");
    } else if (starts_with(l, "a=rtcp:")) {
      w = split_ws(l.substr(7));
      if (!w.empty()) w[0] = port(w[0]);
      if (w.size() == 4) w[3] = address(w[3]);
      out.push_back("a=rtcp:" + join(w));
    } else if (starts_with(l, "a=candidate:")) {
      w = split_ws(l.substr(12));
      if (!w.empty()) w[0] = generated(w[0]);
      // Only a candidate on the c= address relates to the m= port; another address family's
      // socket has its own port (equal to the m= port or not, by chance).
      const std::string& c = media_c.empty() ? session_c : media_c;
      const bool on_c = w.size() > kCandAddr && w[kCandAddr] == c;
      for (size_t i = 1; i < w.size(); ++i) {
        if (i == kCandAddr || w[i - 1] == "raddr") w[i] = address(w[i]);
        if (i == kCandPort) w[i] = port(w[i], on_c);
        if (w[i - 1] == "rport") w[i] = port(w[i]);
      }
      out.push_back("a=candidate:" + join(w));
    } else if (random_valued(l)) {
      const size_t colon = l.find(':');
      out.push_back(l.substr(0, colon + 1) + generated(l.substr(colon + 1)));
    } else {
      out.push_back(l);
    }
  }
  // A trailing CRLF leaves one empty piece: not a line.
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::vector<std::string> Normaliser::transcript(const ng::Value& reply) const {
  std::vector<std::string> out;
  if (!reply.is_dict()) {
    out.push_back("reply: not a dictionary: " + render_value(reply));
    return out;
  }
  const ng::Value* result = reply.find("result");
  out.push_back("result: " + (result != nullptr ? render_value(*result) : "<absent>"));
  for (const char* key : {"error-reason", "warning"})
    if (const ng::Value* v = reply.find(key))
      out.push_back(std::string(key) + ": " + render_value(*v));
  std::vector<std::string> other;
  for (const auto& [k, v] : reply.as_dict())
    if (k != "result" && k != "error-reason" && k != "warning" && k != "sdp") other.push_back(k);
  std::sort(other.begin(), other.end());
  if (!other.empty()) {
    std::string keys;
    for (const std::string& k : other) keys += (keys.empty() ? "" : ", ") + k;
    out.push_back("other keys: " + keys);
  }
  if (const ng::Value* sdp = reply.find("sdp")) {
    if (!sdp->is_string()) {
      out.push_back("sdp: not a string: " + render_value(*sdp));
    } else {
      const std::string& s = sdp->as_string();
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
          out.push_back("sdp: bare LF line ending");
          break;
        }
      }
      if (!s.empty() && s.back() != '\n') out.push_back("sdp: no line ending after the last line");
      for (std::string& l : sdp_lines(s)) out.push_back(std::move(l));
    }
  }
  return out;
}

}  // namespace rtpx::test::ngdiff
