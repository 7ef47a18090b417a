#include "tools/rtpload/session_set.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>

#include "tools/rtpload/sdp_lite.hpp"
#include "tools/rtpload/srtp_keys.hpp"

namespace rtpload {

namespace {

constexpr const char* kLocalIp = "127.0.0.1";

// Every SDES suite rtpxd or rtpengine offers.
constexpr const char* kSdesSuites[] = {
    "AEAD_AES_256_GCM",        "AEAD_AES_128_GCM",        "AES_256_CM_HMAC_SHA1_80",
    "AES_256_CM_HMAC_SHA1_32", "AES_192_CM_HMAC_SHA1_80", "AES_192_CM_HMAC_SHA1_32",
    "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "F8_128_HMAC_SHA1_80",
    "F8_128_HMAC_SHA1_32",     "NULL_HMAC_SHA1_80",       "NULL_HMAC_SHA1_32"};

void set_buf(int fd, int opt_force, int opt, int bytes) {
  // SO_*BUFFORCE passes net.core.*mem_max when running as root; fall back otherwise.
  if (::setsockopt(fd, SOL_SOCKET, opt_force, &bytes, sizeof bytes) != 0)
    ::setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

std::optional<sockaddr_in> to_sockaddr(const SdpEndpoint& ep) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(ep.port);
  if (inet_pton(AF_INET, ep.ip.c_str(), &sa.sin_addr) != 1) return std::nullopt;
  return sa;
}

}  // namespace

SessionSet::~SessionSet() {
  for (int fd : fds_) ::close(fd);
}

std::string SessionSet::call_id(size_t s) const {
  return "rtpload-" + run_id_ + "-r" + std::to_string(round_) + "-" + std::to_string(s);
}

std::string SessionSet::open_sockets(const Options& o) {
  std::random_device rd;
  std::mt19937 rng(rd());
  char id[32];
  std::snprintf(id, sizeof id, "%d-%06x", static_cast<int>(::getpid()),
                static_cast<unsigned>(rng() & 0xffffff));
  run_id_ = id;
  srtp_suite_ = o.srtp_suite;
  one_way_ = o.one_way;
  transcode_ = o.transcode;
  if (!transcode_.empty()) {
    std::string err;
    auto b = codec_loop(transcode_, err);
    if (!b) return err;
    loop_a_ = pcmu_loop();
    loop_b_ = std::move(*b);
  }

  const size_t n = static_cast<size_t>(o.sessions);
  for (size_t x = 0; x < 2 * n; ++x) {
    const auto port = static_cast<uint16_t>(o.local_port_base + 4 * (x / 2) + 2 * (x % 2));
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    fds_.push_back(fd);
    ports_.push_back(port);
    set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, o.sock_buf);
    set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, o.sock_buf);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, kLocalIp, &sa.sin_addr);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
      return "bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
  }

  streams_.resize(2 * n);
  rx_pt_ = std::make_unique<std::atomic<uint8_t>[]>(2 * n);
  for (size_t x = 0; x < 2 * n; ++x) {
    Stream& st = streams_[x];
    st.wire.id = static_cast<uint32_t>(x);
    st.wire.ssrc = rng();
    st.wire.seq0 = static_cast<uint16_t>(rng());
    st.wire.ts0 = rng();
    st.send_fd = fds_[x];
    if (!transcode_.empty()) st.media = x % 2 == 0 ? &loop_a_ : &loop_b_;
  }
  return {};
}

std::string SessionSet::establish(NgClient& ng, int round, bool quiet) {
  round_ = round;
  using rtpx::ng::List;
  using rtpx::ng::Value;
  const size_t n = sessions();
  const bool srtp = !srtp_suite_.empty();
  std::vector<std::string> keys(srtp ? 2 * n : 0);
  // Only the chosen suite: "no-" for every other one. The dictionary keys "DTLS": "off" and
  // "SDES": [...] are what both relays understand; rtpengine 10.5 does not know the flags
  // "DTLS=off" and "SDES-only-SUITE" (it warns and offers DTLS and all its 12 suites).
  List sdes_list;
  for (const char* suite : kSdesSuites)
    if (suite != srtp_suite_) sdes_list.emplace_back(std::string("no-") + suite);
  for (size_t s = 0; s < n; ++s) {
    const std::string cid = call_id(s);
    const std::string from_tag = "ft" + std::to_string(s);
    const std::string to_tag = "tt" + std::to_string(s);

    Value offer(rtpx::ng::Dict{});
    offer.set("command", "offer");
    offer.set("call-id", cid);
    offer.set("from-tag", from_tag);
    offer.set("replace", List{"origin", "session-connection"});
    offer.set("sdp", make_pcmu_sdp(kLocalIp, ports_[2 * s], 1000 + 2 * s));
    if (!transcode_.empty())  // the relay offers B the codec too, transcoding from PCMU
      offer.set("codec", rtpx::ng::Dict{{"transcode", List{transcode_}}});
    if (srtp) {  // side B gets SRTP with SDES keys, no DTLS, only the chosen suite
      offer.set("transport-protocol", "RTP/SAVP");
      offer.set("DTLS", "off");
      offer.set("SDES", sdes_list);
    }
    offered_ = s + 1;  // a lost reply may still have created the call: delete it too
    NgReply r = ng.request(offer);
    if (!r.ok) return "offer " + cid + ": " + r.error;
    const Value* sdp = r.dict.find("sdp");
    if (sdp == nullptr || !sdp->is_string()) return "offer " + cid + ": reply without sdp";
    std::string err;
    auto to_b = parse_audio_endpoint(sdp->as_string(), err);  // where B must send
    if (!to_b) return "offer " + cid + " reply SDP: " + err;
    int b_pt = 0;  // what B answers with: PCMU, or with --transcode the relay's PT of the codec
    if (!transcode_.empty()) {
      auto pt = find_rtpmap_pt(sdp->as_string(), transcode_, err);
      if (!pt) return "offer " + cid + " reply SDP: " + err;
      b_pt = *pt;
    }
    std::string crypto;  // the answer's a=crypto value
    if (srtp) {
      auto c = find_audio_crypto(sdp->as_string(), srtp_suite_, err);
      if (!c) return "offer " + cid + " reply SDP: " + err;
      auto key = decode_inline_key(c->key_b64, srtp_key_len(srtp_suite_));
      if (!key) return "offer " + cid + " reply SDP: bad " + srtp_suite_ + " key " + c->key_b64;
      keys[2 * s] = std::move(*key);  // stream A->B arrives at B encrypted with the relay's key
      crypto =
          std::to_string(c->tag) + " " + srtp_suite_ + " inline:" + random_inline_key(srtp_suite_);
    }

    Value answer(rtpx::ng::Dict{});
    answer.set("command", "answer");
    answer.set("call-id", cid);
    answer.set("from-tag", from_tag);
    answer.set("to-tag", to_tag);
    answer.set("replace", List{"origin", "session-connection"});
    answer.set("sdp", transcode_.empty()
                          ? make_pcmu_sdp(kLocalIp, ports_[2 * s + 1], 1001 + 2 * s, crypto)
                          : make_audio_sdp(kLocalIp, ports_[2 * s + 1], 1001 + 2 * s, b_pt,
                                           loop_b_.rtpmap));
    r = ng.request(answer);
    if (!r.ok) return "answer " + cid + ": " + r.error;
    sdp = r.dict.find("sdp");
    if (sdp == nullptr || !sdp->is_string()) return "answer " + cid + ": reply without sdp";
    auto to_a = parse_audio_endpoint(sdp->as_string(), err);  // where A must send
    if (!to_a) return "answer " + cid + " reply SDP: " + err;

    auto sa_a = to_sockaddr(*to_a);
    auto sa_b = to_sockaddr(*to_b);
    if (!sa_a || !sa_b) return "relay SDP for " + cid + " has a non-IPv4 address";
    streams_[2 * s].dst = *sa_a;      // A -> relay (side A port) -> B
    streams_[2 * s + 1].dst = *sa_b;  // B -> relay (side B port) -> A
    streams_[2 * s + 1].pt = static_cast<uint8_t>(b_pt);
    rx_pt_[2 * s].store(0, std::memory_order_release);  // A hears PCMU
    rx_pt_[2 * s + 1].store(static_cast<uint8_t>(b_pt), std::memory_order_release);
    if (!quiet && (s + 1) % 500 == 0) std::fprintf(stderr, "  %zu sessions set up\n", s + 1);
  }
  if (srtp) {
    std::lock_guard lock(keys_mu_);
    rx_keys_ = std::move(keys);
    key_gen_.fetch_add(1, std::memory_order_release);
  }
  return {};
}

int SessionSet::teardown(NgClient& ng, std::string& error) {
  int failed = 0;
  for (size_t s = 0; s < offered_; ++s) {
    rtpx::ng::Value del(rtpx::ng::Dict{});
    del.set("command", "delete");
    del.set("call-id", call_id(s));
    del.set("from-tag", "ft" + std::to_string(s));
    const NgReply r = ng.request(del);
    if (!r.ok) {
      if (failed++ == 0) error = "delete " + call_id(s) + ": " + r.error;
    } else if (const auto* w = r.dict.find("warning"); w && w->is_string()) {
      // rtpengine answers ok + warning for a call it does not know: the call was lost.
      if (failed++ == 0) error = "delete " + call_id(s) + ": warning: " + w->as_string();
    }
  }
  offered_ = 0;
  return failed;
}

}  // namespace rtpload
