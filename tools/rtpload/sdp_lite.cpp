#include "tools/rtpload/sdp_lite.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace rtpload {

std::string make_pcmu_sdp(const std::string& ip, uint16_t port, uint64_t session_id,
                          const std::string& crypto) {
  return make_audio_sdp(ip, port, session_id, 0, "PCMU/8000", crypto);
}

std::string make_audio_sdp(const std::string& ip, uint16_t port, uint64_t session_id, int pt,
                           const std::string& rtpmap, const std::string& crypto) {
  const std::string id = std::to_string(session_id);
  const std::string p = std::to_string(pt);
  std::string s;
  s.reserve(256);
  s += "v=0\r\n";
  s += "o=rtpload " + id + " " + id + " IN IP4 " + ip + "\r\n";
  s += "s=rtpload\r\n";
  s += "c=IN IP4 " + ip + "\r\n";
  s += "t=0 0\r\n";
  s += "m=audio " + std::to_string(port) + (crypto.empty() ? " RTP/AVP " : " RTP/SAVP ") + p +
       "\r\n";
  s += "a=rtpmap:" + p + " " + rtpmap + "\r\n";
  if (!crypto.empty()) s += "a=crypto:" + crypto + "\r\n";
  s += "a=sendrecv\r\n";
  s += "a=ptime:20\r\n";
  return s;
}

namespace {

// "IN IP4 1.2.3.4[/ttl]" -> "1.2.3.4"; empty when not IPv4.
std::string connection_ip(std::string_view v) {
  constexpr std::string_view kPrefix = "IN IP4 ";
  if (v.substr(0, kPrefix.size()) != kPrefix) return {};
  v.remove_prefix(kPrefix.size());
  const auto slash = v.find('/');
  if (slash != std::string_view::npos) v = v.substr(0, slash);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

// Calls fn(line) for each line (without CR LF) inside the first m=audio section, until fn returns
// true. Returns whether the SDP has an m=audio line.
template <typename Fn>
bool visit_first_audio(const std::string& sdp, Fn&& fn) {
  bool in_audio = false, seen_audio = false;
  std::string_view rest(sdp);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 2) == "m=") {
      if (seen_audio) break;
      in_audio = line.substr(2, 6) == "audio ";
      seen_audio = in_audio;
      continue;
    }
    if (in_audio && fn(line)) break;
  }
  return seen_audio;
}

// "a=<name>:<number> <rest>" -> number and rest, for `prefix` "a=<name>:"; nullopt when the line
// is another attribute or the number is not a whole decimal field.
struct NumberedAttr {
  int number;
  std::string_view rest;
};
std::optional<NumberedAttr> numbered_attr(std::string_view line, std::string_view prefix) {
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view v = line.substr(prefix.size());
  const auto sp = v.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + sp, n);
  if (ec != std::errc{} || end != v.data() + sp) return std::nullopt;
  return NumberedAttr{n, v.substr(sp + 1)};
}

}  // namespace

std::optional<SdpEndpoint> parse_audio_endpoint(const std::string& sdp, std::string& error) {
  std::string session_ip, media_ip;
  int port = -1;
  bool in_audio = false, audio_done = false;
  std::string_view rest(sdp);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 2 || line[1] != '=') continue;
    const char type = line[0];
    const std::string_view val = line.substr(2);
    if (type == 'm') {
      if (in_audio) audio_done = true;
      in_audio = false;
      if (!audio_done && port < 0 && val.substr(0, 6) == "audio ") {
        const std::string_view p = val.substr(6);
        int v = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc{} || v < 0 || v > 65535 ||
            (end != p.data() + p.size() && *end != ' ' && *end != '/')) {
          error = "bad m=audio port in '" + std::string(line) + "'";
          return std::nullopt;
        }
        port = v;
        in_audio = true;
      }
    } else if (type == 'c') {
      if (in_audio)
        media_ip = connection_ip(val);
      else if (port < 0)
        session_ip = connection_ip(val);
    }
  }
  if (port < 0) {
    error = "no m=audio line";
    return std::nullopt;
  }
  if (port == 0) {
    error = "m=audio port is 0 (stream rejected)";
    return std::nullopt;
  }
  SdpEndpoint ep{media_ip.empty() ? session_ip : media_ip, static_cast<uint16_t>(port)};
  if (ep.ip.empty()) {
    error = "no IPv4 c= line for the audio stream";
    return std::nullopt;
  }
  return ep;
}

std::optional<SdpCrypto> find_audio_crypto(const std::string& sdp, const std::string& suite,
                                           std::string& error) {
  std::optional<SdpCrypto> found;
  const bool seen_audio = visit_first_audio(sdp, [&](std::string_view line) {
    // a=crypto:<tag> <suite> inline:<key>[|lifetime][|mki:len] [session params]
    const auto attr = numbered_attr(line, "a=crypto:");
    if (!attr) return false;
    std::string_view v = attr->rest;
    const auto sp2 = v.find(' ');
    if (sp2 == std::string_view::npos || v.substr(0, sp2) != suite) return false;
    v.remove_prefix(sp2 + 1);
    constexpr std::string_view kInline = "inline:";
    if (v.substr(0, kInline.size()) != kInline) return false;
    v.remove_prefix(kInline.size());
    v = v.substr(0, std::min(v.find('|'), v.find(' ')));
    found = SdpCrypto{attr->number, std::string(v)};
    return true;
  });
  if (!found)
    error =
        seen_audio ? "no a=crypto line with " + suite + " in the first m=audio" : "no m=audio line";
  return found;
}

std::optional<int> find_rtpmap_pt(const std::string& sdp, const std::string& name,
                                  std::string& error) {
  std::optional<int> found;
  const bool seen_audio = visit_first_audio(sdp, [&](std::string_view line) {
    // a=rtpmap:<pt> <name>/<clock>[/<channels>]
    const auto attr = numbered_attr(line, "a=rtpmap:");
    if (!attr || attr->number < 0 || attr->number > 127) return false;
    const std::string_view enc = attr->rest.substr(0, attr->rest.find('/'));
    if (!std::equal(enc.begin(), enc.end(), name.begin(), name.end(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) ==
                 std::tolower(static_cast<unsigned char>(y));
        }))
      return false;
    found = attr->number;
    return true;
  });
  if (!found)
    error = seen_audio ? "no a=rtpmap for " + name + " in the first m=audio" : "no m=audio line";
  return found;
}

}  // namespace rtpload
