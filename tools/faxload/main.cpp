// faxload: concurrent faxes through an rtpxd T.38 gateway, in real time.
//
// For each call it sets up a session over rtpxd's control socket with `t38: [force]` (a G.711
// fax machine offers audio, a T.38 endpoint answers), then runs a SpanDSP audio fax terminal
// sending a multi-page TIFF over RTP and a SpanDSP T.38 terminal receiving it over UDPTL (with
// redundancy), all calls in one thread in 20 ms steps. At the end every received TIFF is compared
// pixel for pixel with the sent one. Prints one JSON object: calls, faxes that completed with
// identical pages, failures, fax durations, and the relay's CPU time over the run (--relay-pid).

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "codecs/g711/g711.hpp"
#include "codecs/t38/udptl.hpp"
#include "codecs/transcode/rtp_frame.hpp"
#include "control/client/control_client.hpp"
#include "control/sdp/sdp.hpp"
#include "engine/net/sock_addr.hpp"
#include "tools/faxload/fax_terminals.hpp"

namespace {

using nlohmann::json;
using rtpx::testing::AudioFaxTerminal;
using rtpx::testing::FaxOptions;
using rtpx::testing::T38FaxTerminal;
namespace t38 = rtpx::codecs::t38;
using Clock = std::chrono::steady_clock;

constexpr int kSamples = 160;

// A non-blocking UDP socket on 127.0.0.1.
class Socket {
 public:
  Socket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot bind a UDP socket");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  uint16_t port() const { return port_; }
  void send(const rtpx::net::SockAddr& to, const uint8_t* p, size_t n) const {
    ::sendto(fd_, p, n, 0, &to.u.sa, to.len());
  }
  // Next datagram into buf; 0 when none is waiting.
  size_t recv(uint8_t* buf, size_t cap) const {
    const ssize_t n = ::recv(fd_, buf, cap, 0);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

std::string audio_sdp(uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fax\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) +
         " RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n";
}

std::string image_sdp(uint16_t port) {
  return "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=fax\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=image " +
         std::to_string(port) +
         " udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
         "a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1800\r\n"
         "a=T38FaxMaxDatagram:400\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n";
}

rtpx::net::SockAddr media_address(const std::string& sdp_text) {
  auto r = rtpx::sdp::parse(sdp_text);
  if (!r.ok() || r.session->media.empty()) throw std::runtime_error("bad SDP from rtpxd");
  const auto& m = r.session->media[0];
  const auto* c = rtpx::sdp::effective_connection(*r.session, m);
  if (c == nullptr) throw std::runtime_error("no c= in SDP from rtpxd");
  return *rtpx::net::SockAddr::from_ip(c->address, m.port);
}

struct Call {
  std::string id;
  std::string received;
  Socket audio_sock, t38_sock;
  rtpx::net::SockAddr audio_dst, t38_dst;
  std::unique_ptr<AudioFaxTerminal> audio;
  std::unique_ptr<T38FaxTerminal> fax;
  std::vector<std::vector<uint8_t>> ifps;
  t38::UdptlSender udptl_tx{t38::SenderConfig{t38::ErrorCorrection::redundancy, 3, 3, 3, 400}};
  t38::UdptlReceiver udptl_rx;
  uint16_t seq = 1;
  uint32_t ts = 0;
  int steps = 0;  // 20 ms steps until both terminals were done
  bool done() const { return audio->result().done && fax->result().done; }

  void step() {
    std::array<int16_t, kSamples> pcm;
    audio->tx(pcm.data(), kSamples);
    std::array<uint8_t, rtpx::codecs::kRtpHeaderSize + kSamples> rtp;
    rtpx::codecs::write_rtp_header(rtp, 0, seq == 1, seq, ts, 0xfa70000u + seq);
    ++seq;
    ts += kSamples;
    rtpx::codecs::encode_ulaw(pcm, std::span(rtp).subspan(rtpx::codecs::kRtpHeaderSize));
    audio_sock.send(audio_dst, rtp.data(), rtp.size());
    std::array<uint8_t, 2048> buf;
    for (size_t n; (n = audio_sock.recv(buf.data(), buf.size())) != 0;) {
      rtpx::codecs::RtpFrame f;
      if (!rtpx::codecs::read_rtp({buf.data(), n}, &f) || f.payload.size() > 480) continue;
      std::array<int16_t, 480> dec;
      if (f.payload_type == 8)
        rtpx::codecs::decode_alaw(f.payload, dec);
      else
        rtpx::codecs::decode_ulaw(f.payload, dec);
      audio->rx(dec.data(), static_cast<int>(f.payload.size()));
    }
    for (size_t n; (n = t38_sock.recv(buf.data(), buf.size())) != 0;) {
      udptl_rx.push({buf.data(), n}, [this](t38::Bytes ifp, uint16_t s) {
        fax->rx_ifp(ifp.data(), static_cast<int>(ifp.size()), s);
      });
    }
    fax->advance(kSamples);
    for (const auto& ifp : ifps) {
      const auto r = udptl_tx.build(ifp, buf);
      if (r.ok()) t38_sock.send(t38_dst, buf.data(), r.value);
    }
    ifps.clear();
    ++steps;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faxload: concurrent real-time faxes through rtpxd's T.38 gateway"};
  std::string socket = rtpx::client::ControlClient::kDefaultSocket;
  int calls = 10, pages = 2, rows = 100, timeout_s = 180, relay_pid = 0;
  double start_spread_s = 2.0;
  app.add_option("--socket", socket, "rtpxd control socket");
  app.add_option("--calls", calls, "concurrent fax calls")->check(CLI::Range(1, 5000));
  app.add_option("--pages", pages, "pages per fax")->check(CLI::Range(1, 20));
  app.add_option("--rows", rows, "rows per page (fine resolution)")->check(CLI::Range(10, 2500));
  app.add_option("--timeout", timeout_s, "seconds before unfinished faxes count as failed");
  app.add_option("--relay-pid", relay_pid, "rtpxd's pid: report its CPU time over the run");
  app.add_option("--spread", start_spread_s, "seconds over which the calls start");
  CLI11_PARSE(app, argc, argv);

  char tmpl[] = "/tmp/faxload_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string sent = dir + "/sent.tif";
  rtpx::testing::write_test_tiff(sent, pages, rows);

  rtpx::client::ControlClient control;
  control.connect(socket);
  std::vector<std::unique_ptr<Call>> all;
  for (int i = 0; i < calls; ++i) {
    auto c = std::make_unique<Call>();
    c->id = "fax-" + std::to_string(getpid()) + "-" + std::to_string(i);
    c->received = dir + "/received-" + std::to_string(i) + ".tif";
    json offer = control.request("session.offer", {{"call_id", c->id},
                                                   {"from_tag", "a"},
                                                   {"sdp", audio_sdp(c->audio_sock.port())},
                                                   {"t38", {"force"}}});
    json answer = control.request("session.answer", {{"call_id", c->id},
                                                     {"from_tag", "a"},
                                                     {"to_tag", "b"},
                                                     {"sdp", image_sdp(c->t38_sock.port())}});
    c->t38_dst = media_address(offer["sdp"]);
    c->audio_dst = media_address(answer["sdp"]);
    FaxOptions ao, to;
    ao.tiff_send = sent;
    to.calling = false;
    to.tiff_receive = c->received;
    c->audio = std::make_unique<AudioFaxTerminal>(ao);
    Call* raw = c.get();
    c->fax = std::make_unique<T38FaxTerminal>(to, [raw](const uint8_t* p, int n, int count) {
      for (int k = 0; k < std::max(count, 1); ++k) raw->ifps.emplace_back(p, p + n);
    });
    all.push_back(std::move(c));
  }

  const auto read_cpu = [relay_pid]() -> double {
    if (relay_pid <= 0) return 0;
    std::ifstream f("/proc/" + std::to_string(relay_pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), {});
    const size_t close = s.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(s.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
      if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  };

  const double cpu_before = read_cpu();
  const auto start = Clock::now();
  int late_steps = 0;
  const int max_steps = timeout_s * 50;
  const int spread_steps = static_cast<int>(start_spread_s * 50);
  for (int step = 0; step < max_steps + spread_steps; ++step) {
    const auto due = start + std::chrono::milliseconds(20 * step);
    std::this_thread::sleep_until(due);
    // A step that starts 10 ms late means this harness, not the relay, broke real time.
    if (Clock::now() - due > std::chrono::milliseconds(10)) ++late_steps;
    bool all_done = true;
    for (size_t i = 0; i < all.size(); ++i) {
      Call& c = *all[i];
      // Calls start spread out, as real faxes do, not all in the same 20 ms.
      if (step < static_cast<int>(i) * spread_steps / calls) {
        all_done = false;
        continue;
      }
      if (c.done() || c.steps >= max_steps) continue;
      c.step();
      all_done = all_done && c.done();
    }
    if (all_done) break;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = read_cpu() - cpu_before;

  int ok = 0, failed = 0;
  double fax_seconds = 0, longest = 0;
  json failures = json::array();
  for (const auto& c : all) {
    std::string why;
    const auto& s = c->audio->result();
    const auto& r = c->fax->result();
    const bool good = c->done() && s.completion == 0 && r.completion == 0 && r.pages == pages &&
                      rtpx::testing::same_pages(sent, c->received, &why);
    const double secs = c->steps * 0.02;
    fax_seconds += secs;
    longest = std::max(longest, secs);
    if (good) {
      ++ok;
    } else {
      ++failed;
      if (failures.size() < 10)
        failures.push_back({{"call_id", c->id},
                            {"sender", s.done ? s.completion_text : "not done"},
                            {"receiver", r.done ? r.completion_text : "not done"},
                            {"pages", r.pages},
                            {"why", why}});
    }
    control.try_request("session.delete", {{"call_id", c->id}});
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  json out = {{"calls", calls},
              {"pages", pages},
              {"rows", rows},
              {"completed", ok},
              {"failed", failed},
              {"wall_s", wall},
              {"mean_fax_s", fax_seconds / calls},
              {"longest_fax_s", longest},
              {"harness_late_steps", late_steps},
              {"failures", failures}};
  if (relay_pid > 0) {
    out["relay_cpu_s"] = cpu;
    out["relay_cpu_pct"] = wall > 0 ? 100.0 * cpu / wall : 0;
    out["relay_cpu_ms_per_fax_minute"] = fax_seconds > 0 ? 1000.0 * cpu / (fax_seconds / 60) : 0;
  }
  std::printf("%s\n", out.dump().c_str());
  return failed == 0 ? 0 : 1;
}
