// Control-plane costs per offer: the ng message (bencode) and its SDP.
//
// The message is an ng "offer" as Kamailio's rtpengine module sends it, carrying a ~600-byte
// audio+video SDP. Peer: the same offer as a native control-protocol JSON line, parsed and
// written back by nlohmann::json (what the native control socket does with it). Limits: copying
// the datagram into a std::string (ng), and finding the SDP's lines plus copying the text (SDP):
// the least a decoder that owns its strings, or a line-based parser, can do.

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/micro/micro_common.hpp"
#include "control/ng/bencode.hpp"
#include "control/sdp/sdp.hpp"
#include "control/session/sdp_rewrite.hpp"

namespace rtpx::bench {
namespace {

constexpr std::string_view kOfferSdp =
    "v=0\r\n"
    "o=- 3912345678 3912345679 IN IP4 192.0.2.10\r\n"
    "s=Linphone Call\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "a=ice-lite\r\n"
    "m=audio 49170 RTP/AVP 0 8 9 111 101\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=maxptime:150\r\n"
    "a=sendrecv\r\n"
    "a=rtcp:49171 IN IP4 192.0.2.10\r\n"
    "a=ssrc:1234567890 cname:alice@example.com\r\n"
    "m=video 49172 RTP/AVP 96\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
    "a=sendrecv\r\n";

constexpr std::string_view kCallId = "a84b4c76e66710@pc33.example.com";
constexpr std::string_view kFromTag = "1928301774";
constexpr std::string_view kViaBranch = "z9hG4bK776asdhds";

ng::Value offer_value() {
  ng::Dict d;
  d.emplace_back("supports", ng::List{ng::Value("load limit")});
  d.emplace_back("sdp", ng::Value(kOfferSdp));
  d.emplace_back("ICE", ng::Value("remove"));
  d.emplace_back("flags", ng::List{ng::Value("trust-address"), ng::Value("port-latching")});
  d.emplace_back("replace", ng::List{ng::Value("origin"), ng::Value("session-connection")});
  d.emplace_back("rtcp-mux", ng::List{ng::Value("demux")});
  d.emplace_back("transport-protocol", ng::Value("RTP/AVP"));
  d.emplace_back("call-id", ng::Value(kCallId));
  d.emplace_back("via-branch", ng::Value(kViaBranch));
  d.emplace_back("received-from", ng::List{ng::Value("IP4"), ng::Value("192.0.2.10")});
  d.emplace_back("from-tag", ng::Value(kFromTag));
  d.emplace_back("command", ng::Value("offer"));
  return ng::Value(std::move(d));
}

std::string offer_datagram() {
  return "5342_1 " + ng::encode(offer_value());
}

std::string offer_json_line() {
  nlohmann::json j = {
      {"id", 7},
      {"cmd", "session.offer"},
      {"call_id", kCallId},
      {"from_tag", kFromTag},
      {"via_branch", kViaBranch},
      {"sdp", kOfferSdp},
      {"replace", {"origin", "session-connection"}},
      {"flags", {"trust-address", "port-latching"}},
  };
  return j.dump() + "\n";
}

void set_message_counters(benchmark::State& state, size_t bytes) {
  report_items(state, static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["msg_bytes"] = static_cast<double>(bytes);
}

void ng_decode(benchmark::State& state) {
  const std::string dgram = offer_datagram();
  for (auto _ : state) {
    auto msg = ng::split_cookie(dgram);
    auto r = ng::decode(msg->body);
    if (!r.value) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  set_message_counters(state, dgram.size());
}

void ng_encode(benchmark::State& state) {
  const ng::Value v = offer_value();
  for (auto _ : state) {
    std::string out = ng::encode(v);
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, ng::encode(v).size());
}

void ng_decode_encode(benchmark::State& state) {
  const std::string dgram = offer_datagram();
  for (auto _ : state) {
    auto msg = ng::split_cookie(dgram);
    auto r = ng::decode(msg->body);
    std::string out = ng::encode(*r.value);
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, dgram.size());
}

void peer_json_parse_dump(benchmark::State& state) {
  const std::string line = offer_json_line();
  for (auto _ : state) {
    auto j = nlohmann::json::parse(line);
    std::string out = j.dump();
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, line.size());
}

void limit_copy_message(benchmark::State& state) {
  const std::string dgram = offer_datagram();
  for (auto _ : state) {
    std::string copy(dgram);
    benchmark::DoNotOptimize(copy);
  }
  set_message_counters(state, dgram.size());
}

control::LocalMedia local_media(uint16_t rtp_port) {
  control::LocalMedia l;
  l.rtp_port = rtp_port;
  l.rtcp_port = static_cast<uint16_t>(rtp_port + 1);
  return l;
}
control::RewriteOptions rewrite_options() {
  control::RewriteOptions o;
  o.address = "203.0.113.5";
  o.replace_origin = true;
  o.replace_session_connection = true;
  return o;
}

const control::LocalMedia kLocal[] = {local_media(30'000), local_media(30'002)};
const control::RewriteOptions kRewrite = rewrite_options();

void sdp_parse(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sdp::parse(kOfferSdp);
    if (!r.ok()) state.SkipWithError("SDP parse failed");
    benchmark::DoNotOptimize(r);
  }
  set_message_counters(state, kOfferSdp.size());
}

// Rewrites the same parsed session again and again; after the first pass every change replaces a
// value of the same size, as a fresh offer's rewrite would.
void sdp_rewrite(benchmark::State& state) {
  sdp::Session s = *sdp::parse(kOfferSdp).session;
  for (auto _ : state) {
    control::rewrite_sdp(s, kLocal, kRewrite);
    benchmark::DoNotOptimize(s);
  }
  set_message_counters(state, kOfferSdp.size());
}

void sdp_write(benchmark::State& state) {
  sdp::Session s = *sdp::parse(kOfferSdp).session;
  control::rewrite_sdp(s, kLocal, kRewrite);
  for (auto _ : state) {
    std::string out = sdp::write(s);
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, kOfferSdp.size());
}

void sdp_parse_rewrite_write(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sdp::parse(kOfferSdp);
    control::rewrite_sdp(*r.session, kLocal, kRewrite);
    std::string out = sdp::write(*r.session);
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, kOfferSdp.size());
}

// Limit: find every line end and copy the text out, once.
void limit_scan_lines_copy(benchmark::State& state) {
  for (auto _ : state) {
    size_t lines = 0;
    const char* p = kOfferSdp.data();
    const char* end = p + kOfferSdp.size();
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      p = nl ? static_cast<const char*>(nl) + 1 : end;
      ++lines;
    }
    std::string out(kOfferSdp);
    benchmark::DoNotOptimize(lines);
    benchmark::DoNotOptimize(out);
  }
  set_message_counters(state, kOfferSdp.size());
}

[[maybe_unused]] const bool kRegistered = [] {
  with_min_max(benchmark::RegisterBenchmark("ng/bencode_decode_offer", ng_decode));
  with_min_max(benchmark::RegisterBenchmark("ng/bencode_encode_offer", ng_encode));
  with_min_max(benchmark::RegisterBenchmark("ng/bencode_decode+encode_offer", ng_decode_encode));
  with_min_max(
      benchmark::RegisterBenchmark("ng/peer:nlohmann_json_parse+dump_offer", peer_json_parse_dump));
  with_min_max(benchmark::RegisterBenchmark("ng/limit:copy_datagram", limit_copy_message));
  with_min_max(benchmark::RegisterBenchmark("sdp/parse", sdp_parse));
  with_min_max(benchmark::RegisterBenchmark("sdp/rewrite", sdp_rewrite));
  with_min_max(benchmark::RegisterBenchmark("sdp/write", sdp_write));
  with_min_max(benchmark::RegisterBenchmark("sdp/parse+rewrite+write", sdp_parse_rewrite_write));
  with_min_max(benchmark::RegisterBenchmark("sdp/limit:scan_lines+copy", limit_scan_lines_copy));
  return true;
}();

}  // namespace
}  // namespace rtpx::bench
