#include "control/session/t38_sdp.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>

#include "control/session/sdp_rewrite.hpp"

namespace rtpx::control {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// The attribute `name` (case-insensitive: endpoints write T38FaxMaxDatagram and t38faxmaxdatagram
// alike), or null.
const sdp::Attribute* find_ci(const sdp::Media& m, std::string_view name) {
  for (const sdp::Attribute& a : m.attributes)
    if (iequals(a.name, name)) return &a;
  return nullptr;
}

std::optional<uint32_t> number(const sdp::Media& m, std::string_view name) {
  const sdp::Attribute* a = find_ci(m, name);
  if (a == nullptr || !a->value) return std::nullopt;
  uint32_t v = 0;
  const std::string& s = *a->value;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

// A flag attribute: present without a value, or with a value other than 0 (some endpoints write
// a=T38FaxFillBitRemoval:1 or :0).
bool flag(const sdp::Media& m, std::string_view name) {
  const sdp::Attribute* a = find_ci(m, name);
  return a != nullptr && (!a->value || (*a->value != "0" && !iequals(*a->value, "false")));
}

// Keeps only the direction attribute of `m`'s own attributes.
sdp::Direction own_direction_or_default(const sdp::Media& m) {
  return m.own_direction().value_or(sdp::Direction::kSendRecv);
}

}  // namespace

bool apply_t38_flag(T38Options& o, std::string_view f) {
  struct Flag {
    std::string_view name;
    bool T38Options::*field;
  };
  static constexpr Flag kFlags[] = {
      {"decode", &T38Options::decode},  {"force", &T38Options::force},
      {"stop", &T38Options::stop},      {"no-ECM", &T38Options::no_ecm},
      {"no-V.17", &T38Options::no_v17}, {"no-V.27ter", &T38Options::no_v27ter},
      {"no-V.29", &T38Options::no_v29}, {"no-V.34", &T38Options::no_v34},
      {"no-IAF", &T38Options::no_iaf},  {"FEC", &T38Options::fec},
  };
  for (const Flag& k : kFlags) {
    if (iequals(f, k.name)) {
      o.*k.field = true;
      return true;
    }
  }
  return false;
}

bool is_t38_media(const sdp::Media& m) {
  return m.type == "image" && iequals(m.proto, "udptl") &&
         std::any_of(m.formats.begin(), m.formats.end(),
                     [](const std::string& f) { return iequals(f, "t38"); });
}

std::string first_g711(const sdp::Media& m) {
  for (const std::string& pt : m.formats) {
    std::string enc;
    for (const sdp::Attribute* a : m.find_attributes("rtpmap")) {
      if (a->value && a->value->rfind(pt + " ", 0) == 0) enc = a->value->substr(pt.size() + 1);
    }
    if (enc.empty()) enc = std::string(static_rtpmap(pt));
    if (iequals(enc, "PCMU/8000") || iequals(enc, "PCMU/8000/1")) return "0";
    if (iequals(enc, "PCMA/8000") || iequals(enc, "PCMA/8000/1")) return "8";
  }
  return {};
}

T38Params parse_t38_params(const sdp::Media& m) {
  T38Params p;
  p.version = static_cast<int>(number(m, "T38FaxVersion").value_or(0));
  p.max_bitrate = number(m, "T38MaxBitRate").value_or(14400);
  if (const sdp::Attribute* a = find_ci(m, "T38FaxRateManagement"); a != nullptr && a->value)
    p.local_tcf = iequals(*a->value, "localTCF");
  p.max_buffer = number(m, "T38FaxMaxBuffer").value_or(1800);
  // Absent, the far end takes what rtpxd sends up to the largest IFP rtpxd makes.
  p.max_datagram = number(m, "T38FaxMaxDatagram").value_or(0);
  p.ec = T38Params::Ec::none;
  if (const sdp::Attribute* a = find_ci(m, "T38FaxUdpEC"); a != nullptr && a->value) {
    if (iequals(*a->value, "t38UDPRedundancy")) p.ec = T38Params::Ec::redundancy;
    if (iequals(*a->value, "t38UDPFEC")) p.ec = T38Params::Ec::fec;
  }
  p.fill_bit_removal = flag(m, "T38FaxFillBitRemoval");
  p.transcoding_mmr = flag(m, "T38FaxTranscodingMMR");
  p.transcoding_jbig = flag(m, "T38FaxTranscodingJBIG");
  return p;
}

T38Params local_t38_params(const T38Options& o) {
  T38Params p;
  p.version = o.version.value_or(0);
  p.ec = o.fec ? T38Params::Ec::fec : T38Params::Ec::redundancy;
  return p;
}

void make_t38_media(sdp::Media& m, const T38Params& p) {
  const sdp::Direction dir = own_direction_or_default(m);
  m.type = "image";
  m.proto = "udptl";
  m.formats = {"t38"};
  m.attributes.clear();
  m.other_lines.clear();
  m.set_attribute("T38FaxVersion", std::to_string(p.version));
  m.set_attribute("T38MaxBitRate", std::to_string(p.max_bitrate));
  m.set_attribute("T38FaxRateManagement", p.local_tcf ? "localTCF" : "transferredTCF");
  m.set_attribute("T38FaxMaxBuffer", std::to_string(p.max_buffer));
  m.set_attribute("T38FaxMaxDatagram", std::to_string(p.max_datagram));
  if (p.fill_bit_removal) m.set_attribute("T38FaxFillBitRemoval");
  if (p.transcoding_mmr) m.set_attribute("T38FaxTranscodingMMR");
  if (p.transcoding_jbig) m.set_attribute("T38FaxTranscodingJBIG");
  m.set_attribute("T38FaxUdpEC", p.ec == T38Params::Ec::fec          ? "t38UDPFEC"
                                 : p.ec == T38Params::Ec::redundancy ? "t38UDPRedundancy"
                                                                     : "t38UDPNoEC");
  m.set_direction(dir);
}

void make_g711_media(sdp::Media& m, std::initializer_list<std::string_view> pts,
                     std::string_view ptime) {
  const sdp::Direction dir = own_direction_or_default(m);
  m.type = "audio";
  m.proto = "RTP/AVP";
  m.formats.clear();
  m.attributes.clear();
  m.other_lines.clear();
  for (std::string_view pt : pts) {
    m.formats.emplace_back(pt);
    m.attributes.push_back({"rtpmap", std::string(pt) + " " + std::string(static_rtpmap(pt))});
  }
  m.set_direction(dir);
  if (!ptime.empty()) m.set_attribute("ptime", ptime);
}

codecs::t38::FaxGatewayConfig gateway_config(const T38Options& o, const T38Params& remote,
                                             std::string_view audio_pt) {
  namespace t38 = codecs::t38;
  t38::FaxGatewayConfig c;
  c.audio_pt = audio_pt == "8" ? 8 : 0;
  c.ecm = !o.no_ecm;
  c.modems = 0;
  if (!o.no_v27ter) c.modems |= t38::kModemV27ter;
  if (!o.no_v29) c.modems |= t38::kModemV29;
  if (!o.no_v17) c.modems |= t38::kModemV17;
  if (!o.no_iaf) c.modems |= t38::kModemIaf;
  c.t38_version = static_cast<uint8_t>(std::clamp(remote.version, 0, 3));
  if (o.version) c.t38_version = static_cast<uint8_t>(std::clamp(*o.version, 0, 3));
  c.max_bitrate = std::clamp<uint32_t>(remote.max_bitrate, 2400, 14400);
  c.local_tcf = remote.local_tcf;
  c.fill_bit_removal = remote.fill_bit_removal;
  c.transcoding_mmr = remote.transcoding_mmr;
  c.transcoding_jbig = remote.transcoding_jbig;
  switch (remote.ec) {
    case T38Params::Ec::none:
      c.udptl.mode = t38::ErrorCorrection::none;
      break;
    case T38Params::Ec::redundancy:
      c.udptl.mode = t38::ErrorCorrection::redundancy;
      break;
    case T38Params::Ec::fec:
      c.udptl.mode = t38::ErrorCorrection::fec;
      break;
  }
  c.udptl.max_datagram = static_cast<uint16_t>(std::min<uint32_t>(remote.max_datagram, 1400));
  return c;
}

}  // namespace rtpx::control
