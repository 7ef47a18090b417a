#include "control/ng/ng_render.hpp"

#include <cmath>

namespace rtpx::ng {
namespace {

Value endpoint(const net::SockAddr& a) {
  Dict d;
  if (!a.valid()) return d;
  d.emplace_back("family", a.family() == AF_INET6 ? "IPv6" : "IPv4");
  d.emplace_back("address", a.ip_string());
  d.emplace_back("port", static_cast<int64_t>(a.port()));
  return d;
}

Value counters(const control::StreamStats& s) {
  return Dict{{"packets", static_cast<int64_t>(s.packets)},
              {"bytes", static_cast<int64_t>(s.bytes)},
              {"errors", static_cast<int64_t>(s.errors)}};
}

Value stream(const control::StreamSnapshot& s) {
  List flags;
  flags.emplace_back(s.component == "rtp" ? "RTP" : "RTCP");
  flags.emplace_back("filled");
  if (s.latched) flags.emplace_back("confirmed");
  if (s.srtp) {
    flags.emplace_back(s.srtp->key_exchange == "dtls" ? "DTLS" : "SDES");
    if (!s.srtp->suite.empty()) flags.emplace_back("SRTP");
  }
  Dict d{
      {"local port", static_cast<int64_t>(s.local.port())},
      {"local address", s.local.ip_string()},
      {"family", s.local.family() == AF_INET6 ? "IPv6" : "IPv4"},
      {"endpoint", endpoint(s.peer)},
      {"advertised endpoint", endpoint(s.signaled)},
      {"last packet", static_cast<int64_t>(s.stats.last_seen ? std::floor(*s.stats.last_seen) : 0)},
      {"flags", std::move(flags)},
      {"stats", counters(s.stats)}};
  if (s.srtp) {
    Dict crypto{{"key exchange", s.srtp->key_exchange},
                {"auth failures", static_cast<int64_t>(s.srtp->auth_failures)},
                {"replays", static_cast<int64_t>(s.srtp->replays)}};
    if (!s.srtp->suite.empty()) crypto.emplace_back("crypto suite", s.srtp->suite);
    if (!s.srtp->dtls_state.empty()) crypto.emplace_back("DTLS state", s.srtp->dtls_state);
    if (!s.srtp->failure.empty()) crypto.emplace_back("DTLS failure", s.srtp->failure);
    d.emplace_back("SRTP", std::move(crypto));
  }
  if (!s.codec.empty()) d.emplace_back("codec", s.codec);
  if (s.transcode) {
    const control::TranscodeSnapshot& t = *s.transcode;
    d.emplace_back("transcoding",
                   Dict{{"from", t.from_codec},
                        {"to", t.to_codec},
                        {"packets in", static_cast<int64_t>(t.packets_in)},
                        {"packets out", static_cast<int64_t>(t.packets_out)},
                        {"lost", static_cast<int64_t>(t.lost)},
                        {"concealed", static_cast<int64_t>(t.fec + t.concealed + t.repeated)},
                        {"DTMF events", static_cast<int64_t>(t.dtmf_events)}});
  }
  return d;
}

}  // namespace

void add_call_stats(Value& reply, const control::CallSnapshot& call) {
  reply.set("created", static_cast<int64_t>(std::floor(call.created)));
  reply.set("created_us", static_cast<int64_t>(std::llround(call.created * 1e6) % 1000000));
  reply.set("last signal", static_cast<int64_t>(std::floor(call.last_signal)));
  reply.set("SSRC", Dict{});
  Dict tags;
  for (const control::LegSnapshot& leg : call.legs) {
    List medias;
    for (const control::MediaSnapshot& m : leg.media) {
      List streams;
      for (const control::StreamSnapshot& s : m.streams) streams.push_back(stream(s));
      List mflags;
      if (m.rtcp_mux) mflags.emplace_back("RTCP-mux");
      Dict md{{"index", static_cast<int64_t>(m.index)},
              {"type", m.type},
              {"protocol", m.protocol},
              {"streams", std::move(streams)},
              {"flags", std::move(mflags)}};
      if (m.fax) {
        const control::FaxSnapshot& f = *m.fax;
        md.emplace_back("T.38", Dict{{"role", f.role},
                                     {"phase", f.phase},
                                     {"pages", static_cast<int64_t>(f.pages)},
                                     {"bit rate", static_cast<int64_t>(f.bit_rate)},
                                     {"ECM", static_cast<int64_t>(f.ecm)},
                                     {"IFP recovered", static_cast<int64_t>(f.ifp_recovered)},
                                     {"IFP lost", static_cast<int64_t>(f.ifp_lost)}});
      }
      medias.push_back(std::move(md));
    }
    tags.emplace_back(leg.tag, Dict{{"tag", leg.tag},
                                    {"created", static_cast<int64_t>(std::floor(leg.created))},
                                    {"medias", std::move(medias)}});
  }
  reply.set("tags", std::move(tags));
  reply.set("totals",
            Dict{{"RTP", counters(call.rtp_totals)}, {"RTCP", counters(call.rtcp_totals)}});
}

}  // namespace rtpx::ng
