#include "control/session/sdp_rewrite.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace rtpx::control {
namespace {

using sdp::Attribute;

// RFC 3551 tables 4 and 5.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kStaticPayloads{{
    {"0", "PCMU/8000"},    {"3", "GSM/8000"},    {"4", "G723/8000"},   {"5", "DVI4/8000"},
    {"6", "DVI4/16000"},   {"7", "LPC/8000"},    {"8", "PCMA/8000"},   {"9", "G722/8000"},
    {"10", "L16/44100/2"}, {"11", "L16/44100"},  {"12", "QCELP/8000"}, {"13", "CN/8000"},
    {"14", "MPA/90000"},   {"15", "G728/8000"},  {"16", "DVI4/11025"}, {"17", "DVI4/22050"},
    {"18", "G729/8000"},   {"25", "CelB/90000"}, {"26", "JPEG/90000"}, {"28", "nv/90000"},
    {"31", "H261/90000"},  {"32", "MPV/90000"},  {"33", "MP2T/90000"}, {"34", "H263/90000"},
}};

constexpr std::array<std::string_view, 8> kIceAttributes{
    "ice-ufrag",   "ice-pwd",  "candidate",         "remote-candidates",
    "ice-options", "ice-lite", "end-of-candidates", "ice-mismatch"};

bool is_ice(std::string_view name) {
  for (auto n : kIceAttributes)
    if (n == name) return true;
  return false;
}

bool is_direction(const Attribute& a) {
  return !a.value && sdp::parse_direction(a.name).has_value();
}

// The payload type an a=rtpmap/a=fmtp/a=rtcp-fb value starts with ("96 opus/48000/2" -> "96").
std::string_view payload_of(const Attribute& a) {
  if (!a.value) return {};
  std::string_view v = *a.value;
  return v.substr(0, v.find(' '));
}

bool is_codec_attribute(const Attribute& a) {
  if (a.name == "rtpmap" || a.name == "fmtp") return true;
  // a=rtcp-fb:* applies to every payload type and stays where it was.
  return a.name == "rtcp-fb" && payload_of(a) != "*";
}

bool is_rtp(const sdp::Media& m) {
  return m.proto.find("RTP/") != std::string::npos;
}

// Handled here and written at their fixed place; everything else keeps its relative order.
// SRTP key exchange: the party's lines never reach the other party, rtpxd writes its own.
bool is_key_exchange(std::string_view name) {
  return name == "crypto" || name == "fingerprint" || name == "setup" || name == "tls-id";
}

bool is_rebuilt(const Attribute& a) {
  return is_codec_attribute(a) || is_direction(a) || is_ice(a.name) || a.name == "mid" ||
         a.name == "rtcp" || a.name == "rtcp-mux" || a.name == "ptime" || is_key_exchange(a.name);
}

// RFC 8445 section 5.1.2.1 with type preference 126 (host) and local preference 65535.
uint32_t host_priority(int component) {
  return (126u << 24) | (65535u << 8) | static_cast<uint32_t>(256 - component);
}

// A foundation that is the same for every candidate rtpxd offers from one address.
std::string foundation(std::string_view address) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : address) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kAlphabet[h % 62];
    h = h * 1103515245u + 12345u;
  }
  return out;
}

void rebuild_media(const sdp::Session& session, sdp::Media& m, const LocalMedia& local,
                   const RewriteOptions& opt, const sdp::Connection& ours) {
  const sdp::Direction dir = sdp::direction(session, m);
  std::vector<Attribute> in = std::move(m.attributes);
  std::vector<Attribute>& out = m.attributes;
  out.clear();

  std::string mid, ptime;
  bool end_of_candidates = false;
  for (Attribute& a : in) {
    if (a.name == "mid" && a.value && mid.empty()) mid = *a.value;
    if (a.name == "ptime" && a.value && ptime.empty()) ptime = *a.value;
    if (a.name == "end-of-candidates") end_of_candidates = true;
    const bool rebuilt =
        is_rtp(m) ? is_rebuilt(a)
                  : (is_direction(a) || is_ice(a.name) || a.name == "rtcp" || a.name == "rtcp-mux");
    if (!rebuilt) out.push_back(std::move(a));
  }
  if (mid.empty()) mid = local.mid_fallback;
  if (!mid.empty()) out.push_back({"mid", mid});

  if (is_rtp(m)) {
    for (const std::string& pt : m.formats) {
      const Attribute* rtpmap = nullptr;
      for (const Attribute& a : in)
        if (a.name == "rtpmap" && payload_of(a) == pt) {
          rtpmap = &a;
          break;
        }
      if (rtpmap != nullptr) {
        out.push_back(*rtpmap);
      } else if (auto enc = static_rtpmap(pt); !enc.empty()) {
        out.push_back({"rtpmap", pt + " " + std::string(enc)});
      }
      for (const char* name : {"fmtp", "rtcp-fb"})
        for (const Attribute& a : in)
          if (a.name == name && payload_of(a) == pt) out.push_back(a);
    }
  }

  out.push_back({std::string(sdp::to_string(dir)), std::nullopt});
  // Only RTP has RTCP: an image/udptl (T.38) section gets no a=rtcp.
  switch (is_rtp(m) ? opt.rtcp_attribute : RtcpAttribute::kNone) {
    case RtcpAttribute::kPort:
      out.push_back({"rtcp", std::to_string(local.rtcp_port)});
      break;
    case RtcpAttribute::kFull:
      out.push_back({"rtcp", std::to_string(local.rtcp_port) + " " + ours.to_string()});
      break;
    case RtcpAttribute::kNone:
      break;
  }
  if (local.rtcp_mux) out.push_back({"rtcp-mux", std::nullopt});
  for (const Attribute& a : local.srtp) out.push_back(a);
  if (ptime.empty()) ptime = local.ptime_fallback;
  if (!ptime.empty() && is_rtp(m)) out.push_back({"ptime", ptime});

  if (local.ice != nullptr) {
    out.push_back({"ice-ufrag", local.ice->ufrag});
    out.push_back({"ice-pwd", local.ice->pwd});
    const std::string f = foundation(ours.address);
    auto candidate = [&](int component, uint16_t port) {
      out.push_back({"candidate", f + " " + std::to_string(component) + " UDP " +
                                      std::to_string(host_priority(component)) + " " +
                                      ours.address + " " + std::to_string(port) + " typ host"});
    };
    candidate(1, local.rtp_port);
    if (local.ice_rtcp_candidate) candidate(2, local.rtcp_port);
    if (end_of_candidates) out.push_back({"end-of-candidates", std::nullopt});
  }
}

}  // namespace

std::string_view static_rtpmap(std::string_view pt) {
  for (const auto& [num, enc] : kStaticPayloads)
    if (num == pt) return enc;
  return {};
}

bool has_ice(const sdp::Session& s, const sdp::Media& m) {
  return m.has_attribute("ice-ufrag") || s.has_attribute("ice-ufrag");
}

std::string loop_marker(const sdp::Session& s) {
  const Attribute* a = s.find_attribute("rtpengine");
  return a != nullptr && a->value ? *a->value : std::string{};
}

void rewrite_sdp(sdp::Session& s, std::span<const LocalMedia> local, const RewriteOptions& opt) {
  auto address_of = [&](size_t i) -> const std::string& {
    return i < local.size() && !local[i].address.empty() ? local[i].address : opt.address;
  };
  // The session-level address: the first enabled media's.
  std::string session_address = opt.address;
  for (size_t i = 0; i < s.media.size() && i < local.size(); ++i) {
    if (local[i].rtp_port != 0 && s.media[i].port != 0) {
      session_address = address_of(i);
      break;
    }
  }
  const sdp::Connection ours = sdp::Connection::for_address(session_address);
  bool session_c_used = false;
  bool any_ice = false;
  for (size_t i = 0; i < s.media.size(); ++i) {
    sdp::Media& m = s.media[i];
    const LocalMedia none;
    const LocalMedia& l = i < local.size() ? local[i] : none;
    m.layout.clear();  // RFC order: i= c= b= k= a=
    if (l.rtp_port == 0 || m.port == 0) {
      m.port = 0;
      m.connection.reset();
      m.attributes.clear();
      m.other_lines.clear();
      continue;
    }
    m.port = l.rtp_port;
    m.port_count.reset();
    if (!l.protocol.empty()) m.proto = l.protocol;
    const sdp::Connection mine = sdp::Connection::for_address(address_of(i));
    // A media on another family than the session's needs its own c=.
    if (m.connection || mine.address != ours.address) {
      m.connection = mine;
    } else {
      session_c_used = true;
    }
    rebuild_media(s, m, l, opt, mine);
    any_ice = any_ice || l.ice != nullptr;
  }

  // Session level: direction now lives in each media, the party's ICE and BUNDLE are gone.
  std::erase_if(s.attributes, [](const Attribute& a) {
    return is_direction(a) || is_ice(a.name) || a.name == "rtpengine" || is_key_exchange(a.name) ||
           (a.name == "group" && a.value && a.value->rfind("BUNDLE", 0) == 0);
  });
  // rtpxd answers connectivity checks but does not run its own (RFC 8445 section 2.5).
  if (any_ice) s.attributes.push_back({"ice-lite", std::nullopt});
  if (!opt.loop_protect_id.empty()) s.attributes.push_back({"rtpengine", opt.loop_protect_id});

  if (s.connection && (session_c_used || opt.replace_session_connection)) s.connection = ours;
  if (!s.connection && session_c_used) s.connection = ours;
  if (opt.replace_origin) {
    s.origin.nettype = ours.nettype;
    s.origin.addrtype = ours.addrtype;
    s.origin.address = ours.address;
  }
}

SignaledMedia signaled_addresses(const sdp::Session& s, const sdp::Media& m) {
  SignaledMedia out;
  const sdp::Connection* c = sdp::effective_connection(s, m);
  if (c == nullptr) return out;
  auto rtp = net::SockAddr::from_ip(c->address, m.port);
  if (!rtp) return out;
  out.rtp = *rtp;
  // RTCP's own address, used unless rtcp-mux is agreed (then RTCP follows the RTP address).
  out.rtcp = out.rtp;
  out.rtcp.set_port(static_cast<uint16_t>(m.port + 1));
  if (auto r = m.rtcp()) {
    out.rtcp.set_port(r->port);
    if (r->connection) {
      if (auto addr = net::SockAddr::from_ip(r->connection->address, r->port)) out.rtcp = *addr;
    }
  }
  return out;
}

}  // namespace rtpx::control
