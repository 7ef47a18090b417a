// rtpx_ng_bench: control-plane throughput of an rtpengine-ng-speaking relay.
//
// Keeps --window calls in progress. Each call is one cycle: offer (a ~400-byte audio SDP with
// PCMU, PCMA and telephone-event) -> answer (with a to-tag) -> delete, one request outstanding
// per call, every request with a unique cookie and every call with its own call-id and tags.
// A request unanswered after --timeout-ms is retransmitted with the same cookie (the relay should
// answer it from its reply cache), at most --retries times. Every reply must say "result": "ok"
// (offer and answer replies must also carry an SDP); anything else is an error, reported with
// the request and reply, and makes the exit status 1.
//
// After --warmup seconds the measured phase runs for --duration seconds: requests answered and
// cycles completed in it, per-command latency (first send to reply, retransmissions included),
// the relay's CPU time (utime+stime from /proc/PID/stat) and this process's own CPU time. Then
// no new calls start, the calls in progress are finished (deleted) and, with --list-check, the
// relay is asked which of this run's calls it still holds.
//
// --ping sends one ping and exits 0 when a pong comes back (for scripts waiting on a relay).

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "control/ng/bencode.hpp"

namespace {

namespace ng = rtpx::ng;
using json = nlohmann::json;

struct Options {
  std::string ng_addr = "127.0.0.1:22222";
  int window = 64;
  int sockets = 1;
  double duration_s = 5.0;
  double warmup_s = 1.0;
  int timeout_ms = 1000;
  int retries = 5;
  int relay_pid = 0;
  std::string json_path;
  std::string sdp_ip = "127.0.0.1";
  int max_errors = 1000;
  int sock_buf = 4 << 20;
  bool list_check = true;
  bool ping = false;
  bool quiet = false;
};

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool parse_host_port(const std::string& s, sockaddr_in& out) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  if (::inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) != 1) return false;
  int port = 0;
  const char* b = s.data() + colon + 1;
  const char* e = s.data() + s.size();
  auto [end, ec] = std::from_chars(b, e, port);
  if (ec != std::errc{} || end != e || port <= 0 || port > 65535) return false;
  out.sin_port = htons(static_cast<uint16_t>(port));
  return true;
}

// utime + stime of a whole process (all its threads) in seconds; nullopt when it is gone.
std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return std::nullopt;
  const auto rp = line.rfind(')');  // comm may contain spaces and parentheses
  if (rp == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(rp + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  return double(utime + stime) / double(hz > 0 ? hz : 100);
}

// Resident set size of a process in KiB (VmRSS), nullopt when unavailable.
std::optional<uint64_t> process_rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return std::nullopt;
}

// Run time of all live threads of a process from /proc/PID/task/*/schedstat (nanosecond
// scheduler accounting; a cross-check of the tick-sampled utime+stime). nullopt when unavailable.
std::optional<double> process_sched_seconds(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  unsigned long long ns = 0;
  bool any = false;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/schedstat");
    unsigned long long run = 0;
    if (f >> run) {
      ns += run;
      any = true;
    }
  }
  ::closedir(d);
  if (!any) return std::nullopt;
  return double(ns) * 1e-9;
}

// Per-CPU time from /proc/stat in seconds: busy (user, nice, system, irq, softirq), idle (idle,
// iowait) and steal. Shows what else ran on the relay's and the client's cores.
struct CpuTimes {
  double busy = 0, idle = 0, steal = 0;
};
std::vector<CpuTimes> system_cpu_times() {
  std::vector<CpuTimes> out;
  std::ifstream f("/proc/stat");
  std::string line;
  const long hz = ::sysconf(_SC_CLK_TCK);
  const double tick = 1.0 / double(hz > 0 ? hz : 100);
  while (std::getline(f, line)) {
    if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9')
      continue;
    std::istringstream in(line);
    std::string name;
    unsigned long long v[8] = {};
    in >> name;
    for (auto& x : v) in >> x;
    const size_t idx = std::strtoul(name.c_str() + 3, nullptr, 10);
    if (out.size() <= idx) out.resize(idx + 1);
    out[idx].busy = double(v[0] + v[1] + v[2] + v[5] + v[6]) * tick;
    out[idx].idle = double(v[3] + v[4]) * tick;
    out[idx].steal = double(v[7]) * tick;
  }
  return out;
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) * 1e-6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// ---- requests ----

enum Cmd : uint8_t { kOffer = 0, kAnswer = 1, kDelete = 2 };
constexpr const char* kCmdName[] = {"offer", "answer", "delete"};

// A caller's offer as a SIP phone would send it: G.711 both laws, RFC 4733 events, explicit
// RTCP port, RTCP XR. Media ports are only written into the SDP; no media is sent.
std::string offer_sdp(const std::string& ip, uint64_t cycle, uint16_t port) {
  const std::string sess = std::to_string(1700000000 + cycle);
  const std::string p = std::to_string(port), rtcp = std::to_string(port + 1);
  std::string s;
  s.reserve(512);
  s += "v=0\r\n";
  s += "o=ngbench-caller " + sess + " " + sess + " IN IP4 " + ip + "\r\n";
  s += "s=ngbench call\r\n";
  s += "c=IN IP4 " + ip + "\r\n";
  s += "t=0 0\r\n";
  s += "m=audio " + p + " RTP/AVP 0 8 101\r\n";
  s += "a=rtpmap:0 PCMU/8000\r\n";
  s += "a=rtpmap:8 PCMA/8000\r\n";
  s += "a=rtpmap:101 telephone-event/8000\r\n";
  s += "a=fmtp:101 0-16\r\n";
  s += "a=ptime:20\r\n";
  s += "a=maxptime:150\r\n";
  s += "a=silenceSupp:off - - - -\r\n";
  s += "a=rtcp:" + rtcp + " IN IP4 " + ip + "\r\n";
  s += "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n";
  s += "a=sendrecv\r\n";
  return s;
}

// The callee's answer: PCMU plus events.
std::string answer_sdp(const std::string& ip, uint64_t cycle, uint16_t port) {
  const std::string sess = std::to_string(1800000000 + cycle);
  const std::string p = std::to_string(port), rtcp = std::to_string(port + 1);
  std::string s;
  s.reserve(512);
  s += "v=0\r\n";
  s += "o=ngbench-callee " + sess + " " + sess + " IN IP4 " + ip + "\r\n";
  s += "s=ngbench call\r\n";
  s += "c=IN IP4 " + ip + "\r\n";
  s += "t=0 0\r\n";
  s += "m=audio " + p + " RTP/AVP 0 101\r\n";
  s += "a=rtpmap:0 PCMU/8000\r\n";
  s += "a=rtpmap:101 telephone-event/8000\r\n";
  s += "a=fmtp:101 0-16\r\n";
  s += "a=ptime:20\r\n";
  s += "a=maxptime:150\r\n";
  s += "a=silenceSupp:off - - - -\r\n";
  s += "a=rtcp:" + rtcp + " IN IP4 " + ip + "\r\n";
  s += "a=sendrecv\r\n";
  return s;
}

// ---- the load loop ----

struct Slot {
  int sock = 0;
  uint64_t cycle = 0;
  Cmd cmd = kOffer;
  uint64_t seq = 0;  // the outstanding request's sequence number (in its cookie)
  bool active = false;
  bool failed = false;  // an error happened earlier in this cycle
  int attempts = 0;     // sends of the current request
  int64_t first_sent = 0;
  int64_t deadline = 0;
  std::string wire;  // "<cookie> <bencode>" of the outstanding request
};

struct PerCmd {
  uint64_t replies = 0;  // answered in the measured phase
  uint64_t reply_bytes = 0;
  uint64_t request_bytes = 0;
  std::vector<float> lat_us;
};

struct ErrorSample {
  std::string cmd, reason, request, reply;
};

enum class Phase { warmup, measure, drain };

class Bench {
 public:
  explicit Bench(const Options& o) : o_(o) {}

  // Opens the sockets; returns an error message, empty on success.
  std::string open() {
    sockaddr_in sa{};
    if (!parse_host_port(o_.ng_addr, sa)) return "bad --ng '" + o_.ng_addr + "' (want ipv4:port)";
    for (int i = 0; i < o_.sockets; ++i) {
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) return std::string("socket: ") + std::strerror(errno);
      fds_.push_back(fd);
      const int buf = o_.sock_buf;
      if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
      if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
        return "connect " + o_.ng_addr + ": " + std::strerror(errno);
    }
    std::random_device rd;
    char tag[16];
    std::snprintf(tag, sizeof tag, "%06x", unsigned(rd() & 0xffffff));
    // Unique per run: relays cache replies by cookie (rtpengine for 30 s), so a rerun against
    // the same relay must not reuse cookies or call-ids.
    prefix_ = "ngb" + std::to_string(::getpid()) + "x" + tag;
    rbufs_.assign(kBatch, std::vector<char>(kMaxDatagram));
    return {};
  }

  ~Bench() {
    for (int fd : fds_) ::close(fd);
  }

  // One ping with retransmissions; true on "pong".
  bool ping() {
    const std::string wire = prefix_ + "-ping d7:command4:pinge";
    for (int attempt = 0; attempt <= o_.retries; ++attempt) {
      (void)::send(fds_[0], wire.data(), wire.size(), 0);
      const int64_t deadline = now_ns() + int64_t(o_.timeout_ms) * 1'000'000;
      for (;;) {
        const int64_t left_ms = (deadline - now_ns()) / 1'000'000;
        if (left_ms <= 0) break;
        pollfd p{fds_[0], POLLIN, 0};
        if (::poll(&p, 1, int(left_ms)) <= 0) continue;
        const ssize_t n = ::recv(fds_[0], rbufs_[0].data(), rbufs_[0].size(), 0);
        if (n <= 0) continue;
        auto msg = ng::split_cookie(std::string_view(rbufs_[0].data(), size_t(n)));
        if (!msg || msg->cookie != prefix_ + "-ping") continue;
        auto d = ng::decode(msg->body);
        const ng::Value* r = d.value ? d.value->find("result") : nullptr;
        return r != nullptr && r->is_string() && r->as_string() == "pong";
      }
    }
    return false;
  }

  void run() {
    slots_.resize(size_t(o_.window));
    const int64_t t0 = now_ns();
    measure_start_ = t0 + int64_t(o_.warmup_s * 1e9);
    measure_end_ = measure_start_ + int64_t(o_.duration_s * 1e9);
    int64_t now = t0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].sock = int(i % fds_.size());
      start_cycle(i, now);
    }
    flush();
    if (o_.warmup_s <= 0) begin_measure(now);

    std::vector<mmsghdr> msgs(kBatch);
    std::vector<iovec> iov(kBatch);
    std::vector<pollfd> pfds;
    for (int fd : fds_) pfds.push_back(pollfd{fd, POLLIN, 0});
    int64_t next_timeout_check = now + kTimeoutCheckNs;
    int64_t drain_deadline = 0;

    for (;;) {
      now = now_ns();
      if (phase_ == Phase::warmup && now >= measure_start_) begin_measure(now);
      if (phase_ == Phase::measure && (now >= measure_end_ || errors_ >= uint64_t(o_.max_errors))) {
        end_measure(now);
        drain_deadline =
            now + int64_t(o_.timeout_ms) * 1'000'000 * (o_.retries + 1) * 3 + 1'000'000'000;
      }
      if (phase_ == Phase::drain && (active_ == 0 || now >= drain_deadline)) break;

      int got = 0;
      for (size_t s = 0; s < fds_.size(); ++s) {
        for (int k = 0; k < kBatch; ++k) {
          iov[k] = iovec{rbufs_[k].data(), rbufs_[k].size()};
          msgs[k] = mmsghdr{};
          msgs[k].msg_hdr.msg_iov = &iov[k];
          msgs[k].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(fds_[s], msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) continue;
        got += n;
        const int64_t t = now_ns();
        for (int k = 0; k < n; ++k)
          on_reply(std::string_view(rbufs_[k].data(), msgs[k].msg_len), t);
      }
      flush();
      now = now_ns();
      if (now >= next_timeout_check) {
        check_timeouts(now);
        flush();
        next_timeout_check = now + kTimeoutCheckNs;
      }
      if (got == 0) {
        int64_t wake = next_timeout_check;
        if (phase_ == Phase::warmup) wake = std::min(wake, measure_start_);
        if (phase_ == Phase::measure) wake = std::min(wake, measure_end_);
        const int64_t wait_ns = std::max<int64_t>(0, wake - now);
        timespec ts{time_t(wait_ns / 1'000'000'000), long(wait_ns % 1'000'000'000)};
        ::ppoll(pfds.data(), pfds.size(), &ts, nullptr);
      }
    }
    finished_ = now_ns();
    if (o_.list_check) list_check();
  }

  json report() const {
    json j;
    j["config"] = {{"ng", o_.ng_addr},
                   {"window", o_.window},
                   {"sockets", o_.sockets},
                   {"duration_s", o_.duration_s},
                   {"warmup_s", o_.warmup_s},
                   {"timeout_ms", o_.timeout_ms},
                   {"retries", o_.retries},
                   {"relay_pid", o_.relay_pid},
                   {"offer_sdp_bytes", offer_sdp(o_.sdp_ip, 0, 40000).size()},
                   {"answer_sdp_bytes", answer_sdp(o_.sdp_ip, 0, 48000).size()}};
    const double dur = double(measured_end_ - measured_start_) * 1e-9;
    json r;
    r["duration_s"] = dur;
    r["cycles"] = cycles_;
    r["cycles_per_s"] = dur > 0 ? double(cycles_) / dur : 0.0;
    uint64_t reqs = 0;
    for (const PerCmd& c : per_) reqs += c.replies;
    r["requests"] = reqs;
    r["requests_per_s"] = dur > 0 ? double(reqs) / dur : 0.0;
    r["errors"] = errors_;
    r["timeouts"] = timeouts_;
    r["retransmits"] = retransmits_;
    r["retransmits_measured"] = retransmits_measured_;
    r["duplicate_replies"] = duplicates_;
    r["warnings"] = warnings_;
    json lat, bytes;
    std::vector<float> all;
    for (int c = 0; c < 3; ++c) {
      lat[kCmdName[c]] = latency_json(per_[c].lat_us);
      all.insert(all.end(), per_[c].lat_us.begin(), per_[c].lat_us.end());
      const double n = double(std::max<uint64_t>(1, per_[c].replies));
      bytes[kCmdName[c]] = {{"request", double(per_[c].request_bytes) / n},
                            {"reply", double(per_[c].reply_bytes) / n}};
    }
    lat["all"] = latency_json(all);
    r["latency_us"] = lat;
    r["mean_bytes"] = bytes;
    const double client = client_cpu_end_ - client_cpu_start_;
    r["client_cpu_s"] = client;
    r["client_cpu_util"] = dur > 0 ? client / dur : 0.0;
    r["client_cpu_us_per_cycle"] = cycles_ > 0 ? client * 1e6 / double(cycles_) : 0.0;
    if (relay_cpu_start_ && relay_cpu_end_) {
      const double relay = *relay_cpu_end_ - *relay_cpu_start_;
      r["relay_cpu_s"] = relay;
      r["relay_cpu_util"] = dur > 0 ? relay / dur : 0.0;
      r["relay_cpu_us_per_cycle"] = cycles_ > 0 ? relay * 1e6 / double(cycles_) : 0.0;
    }
    if (relay_sched_start_ && relay_sched_end_) {
      const double sched = *relay_sched_end_ - *relay_sched_start_;
      r["relay_sched_cpu_s"] = sched;
      r["relay_sched_us_per_cycle"] = cycles_ > 0 ? sched * 1e6 / double(cycles_) : 0.0;
    }
    if (relay_rss_start_ && relay_rss_end_) {
      r["relay_rss_kib_start"] = *relay_rss_start_;
      r["relay_rss_kib_end"] = *relay_rss_end_;
    }
    json cpus = json::array();
    for (size_t c = 0; c < sys_cpu_end_.size() && c < sys_cpu_start_.size(); ++c)
      cpus.push_back({{"cpu", c},
                      {"busy_s", sys_cpu_end_[c].busy - sys_cpu_start_[c].busy},
                      {"idle_s", sys_cpu_end_[c].idle - sys_cpu_start_[c].idle},
                      {"steal_s", sys_cpu_end_[c].steal - sys_cpu_start_[c].steal}});
    r["system_cpus"] = cpus;
    r["drained"] = active_ == 0;
    r["calls_in_progress_at_exit"] = active_;
    if (leftover_calls_) r["relay_calls_left"] = *leftover_calls_;
    if (!list_error_.empty()) r["list_error"] = list_error_;
    j["result"] = r;
    json samples = json::array();
    for (const ErrorSample& e : error_samples_)
      samples.push_back(
          {{"command", e.cmd}, {"reason", e.reason}, {"request", e.request}, {"reply", e.reply}});
    j["error_samples"] = samples;
    json w = json::object();
    for (int c = 0; c < 3; ++c)
      if (!warning_sample_[c].empty()) w[kCmdName[c]] = warning_sample_[c];
    j["warning_samples"] = w;
    return j;
  }

  uint64_t errors() const { return errors_; }

 private:
  static constexpr int kBatch = 64;
  static constexpr size_t kMaxDatagram = 65536;
  static constexpr int64_t kTimeoutCheckNs = 2'000'000;
  static constexpr size_t kMaxSamples = 5;

  static json latency_json(std::vector<float> v) {
    if (v.empty()) return json::object();
    std::sort(v.begin(), v.end());
    auto pct = [&](double p) {
      return double(v[std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())))]);
    };
    double sum = 0;
    for (float x : v) sum += x;
    return {{"p50", pct(50)},
            {"p90", pct(90)},
            {"p99", pct(99)},
            {"max", double(v.back())},
            {"mean", sum / double(v.size())}};
  }

  std::string call_id(uint64_t cycle) const {
    return prefix_ + "-" + std::to_string(cycle) + "@ngbench.invalid";
  }

  void begin_measure(int64_t now) {
    phase_ = Phase::measure;
    measured_start_ = now;
    client_cpu_start_ = self_cpu_seconds();
    sys_cpu_start_ = system_cpu_times();
    if (o_.relay_pid > 0) {
      relay_cpu_start_ = process_cpu_seconds(o_.relay_pid);
      relay_sched_start_ = process_sched_seconds(o_.relay_pid);
      relay_rss_start_ = process_rss_kib(o_.relay_pid);
    }
  }
  void end_measure(int64_t now) {
    phase_ = Phase::drain;
    measured_end_ = now;
    client_cpu_end_ = self_cpu_seconds();
    sys_cpu_end_ = system_cpu_times();
    if (o_.relay_pid > 0) {
      relay_cpu_end_ = process_cpu_seconds(o_.relay_pid);
      relay_sched_end_ = process_sched_seconds(o_.relay_pid);
      relay_rss_end_ = process_rss_kib(o_.relay_pid);
    }
  }

  void start_cycle(size_t i, int64_t now) {
    Slot& s = slots_[i];
    s.cycle = next_cycle_++;
    s.failed = false;
    s.active = true;
    ++active_;
    issue(i, kOffer, now);
  }

  void issue(size_t i, Cmd cmd, int64_t now) {
    Slot& s = slots_[i];
    s.cmd = cmd;
    s.seq = ++next_seq_;
    s.attempts = 1;
    s.first_sent = now;
    s.deadline = now + int64_t(o_.timeout_ms) * 1'000'000;
    const std::string cid = call_id(s.cycle);
    const std::string from_tag = "ft-" + std::to_string(s.cycle);
    const std::string to_tag = "tt-" + std::to_string(s.cycle);
    const auto port_off = uint16_t(2 * (s.cycle % 4000));
    ng::Dict d;
    switch (cmd) {
      case kOffer:
        d = {{"command", "offer"},
             {"call-id", cid},
             {"from-tag", from_tag},
             {"sdp", offer_sdp(o_.sdp_ip, s.cycle, uint16_t(40000 + port_off))},
             {"ICE", "remove"},
             {"replace", ng::List{"origin", "session-connection"}},
             {"received-from", ng::List{"IP4", o_.sdp_ip}}};
        break;
      case kAnswer:
        d = {{"command", "answer"},
             {"call-id", cid},
             {"from-tag", from_tag},
             {"to-tag", to_tag},
             {"sdp", answer_sdp(o_.sdp_ip, s.cycle, uint16_t(48000 + port_off))},
             {"ICE", "remove"},
             {"replace", ng::List{"origin", "session-connection"}},
             {"received-from", ng::List{"IP4", o_.sdp_ip}}};
        break;
      case kDelete:
        d = {{"command", "delete"}, {"call-id", cid}, {"from-tag", from_tag}};
        break;
    }
    s.wire = prefix_ + "-" + std::to_string(i) + "-" + std::to_string(s.seq) + " " +
             ng::encode(ng::Value(std::move(d)));
    if (phase_ == Phase::measure) per_[cmd].request_bytes += s.wire.size();
    pending_.push_back(i);
  }

  // Sends the queued requests, one sendmmsg per socket.
  void flush() {
    if (pending_.empty()) return;
    for (size_t sock = 0; sock < fds_.size(); ++sock) {
      send_iov_.clear();
      send_msgs_.clear();
      for (size_t i : pending_) {
        if (size_t(slots_[i].sock) != sock) continue;
        send_iov_.push_back(iovec{slots_[i].wire.data(), slots_[i].wire.size()});
      }
      for (iovec& v : send_iov_) {
        mmsghdr m{};
        m.msg_hdr.msg_iov = &v;
        m.msg_hdr.msg_iovlen = 1;
        send_msgs_.push_back(m);
      }
      size_t off = 0;
      while (off < send_msgs_.size()) {
        const int n =
            ::sendmmsg(fds_[sock], send_msgs_.data() + off, unsigned(send_msgs_.size() - off), 0);
        if (n > 0) {
          off += size_t(n);
          continue;
        }
        if (errno == EINTR) continue;
        // ECONNREFUSED (relay gone) or a full buffer: skip this datagram; the retransmission
        // timer sends it again.
        ++send_failures_;
        ++off;
      }
    }
    pending_.clear();
  }

  void record_error(const Slot& s, std::string reason, std::string_view reply) {
    ++errors_;
    if (error_samples_.size() < kMaxSamples)
      error_samples_.push_back(
          {kCmdName[s.cmd], std::move(reason), s.wire, std::string(reply.substr(0, 4096))});
  }

  // The current request of slot i is done (ok or not): move to the next command.
  void advance(size_t i, bool ok, int64_t now) {
    Slot& s = slots_[i];
    if (!ok) s.failed = true;
    if (s.cmd == kOffer && ok) return issue(i, kAnswer, now);
    if (s.cmd != kDelete) return issue(i, kDelete, now);  // clean up after a failure
    if (!s.failed && phase_ == Phase::measure) ++cycles_;
    s.active = false;
    s.seq = 0;
    --active_;
    if (phase_ != Phase::drain) start_cycle(i, now);
  }

  void on_reply(std::string_view dgram, int64_t now) {
    auto msg = ng::split_cookie(dgram);
    std::string_view cookie = msg ? msg->cookie : std::string_view{};
    // "<prefix>-<slot>-<seq>"
    size_t slot = 0;
    uint64_t seq = 0;
    bool parsed = cookie.size() > prefix_.size() + 1 &&
                  cookie.substr(0, prefix_.size()) == prefix_ && cookie[prefix_.size()] == '-';
    if (parsed) {
      const char* p = cookie.data() + prefix_.size() + 1;
      const char* e = cookie.data() + cookie.size();
      auto r1 = std::from_chars(p, e, slot);
      parsed = r1.ec == std::errc{} && r1.ptr < e && *r1.ptr == '-';
      if (parsed) {
        auto r2 = std::from_chars(r1.ptr + 1, e, seq);
        parsed = r2.ec == std::errc{} && r2.ptr == e;
      }
    }
    if (!parsed || slot >= slots_.size()) {
      ++errors_;
      if (error_samples_.size() < kMaxSamples)
        error_samples_.push_back(
            {"?", "reply with an unknown cookie", "", std::string(dgram.substr(0, 4096))});
      return;
    }
    Slot& s = slots_[slot];
    if (!s.active || s.seq != seq) {  // the answer to a retransmission, already handled
      ++duplicates_;
      return;
    }
    const bool measuring = phase_ == Phase::measure;
    if (measuring) {
      PerCmd& pc = per_[s.cmd];
      ++pc.replies;
      pc.reply_bytes += dgram.size();
      pc.lat_us.push_back(float(double(now - s.first_sent) * 1e-3));
    }
    ng::DecodeResult d = ng::decode(msg->body);
    if (!d.value || !d.value->is_dict()) {
      record_error(s, "reply is not a bencode dictionary", dgram);
      return advance(slot, false, now);
    }
    const ng::Value* result = d.value->find("result");
    if (result == nullptr || !result->is_string() || result->as_string() != "ok") {
      record_error(s, "result is not ok", dgram);
      return advance(slot, false, now);
    }
    if (s.cmd != kDelete) {
      const ng::Value* sdp = d.value->find("sdp");
      if (sdp == nullptr || !sdp->is_string() ||
          sdp->as_string().find("m=audio ") == std::string::npos) {
        record_error(s, "ok reply without an SDP with m=audio", dgram);
        return advance(slot, false, now);
      }
    }
    if (const ng::Value* w = d.value->find("warning")) {
      ++warnings_;
      if (warning_sample_[s.cmd].empty())
        warning_sample_[s.cmd] = w->is_string() ? w->as_string() : ng::encode(*w);
    }
    advance(slot, true, now);
  }

  void check_timeouts(int64_t now) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (!s.active || s.deadline > now) continue;
      if (s.attempts <= o_.retries) {
        ++s.attempts;
        ++retransmits_;
        if (phase_ == Phase::measure) ++retransmits_measured_;
        s.deadline = now + int64_t(o_.timeout_ms) * 1'000'000;
        pending_.push_back(i);
      } else {
        ++timeouts_;
        record_error(s, "no reply after " + std::to_string(o_.retries) + " retransmissions", "");
        advance(i, false, now);
      }
    }
  }

  // Asks the relay for its calls and counts the ones this run created (they should all be gone).
  void list_check() {
    const std::string cookie = prefix_ + "-list";
    const std::string wire =
        cookie + " " + ng::encode(ng::Value(ng::Dict{{"command", "list"}, {"limit", 1000000}}));
    for (int attempt = 0; attempt <= o_.retries; ++attempt) {
      (void)::send(fds_[0], wire.data(), wire.size(), 0);
      const int64_t deadline = now_ns() + int64_t(o_.timeout_ms) * 1'000'000;
      for (;;) {
        const int64_t left_ms = (deadline - now_ns()) / 1'000'000;
        if (left_ms <= 0) break;
        pollfd p{fds_[0], POLLIN, 0};
        if (::poll(&p, 1, int(left_ms)) <= 0) continue;
        const ssize_t n = ::recv(fds_[0], rbufs_[0].data(), rbufs_[0].size(), 0);
        if (n <= 0) continue;
        std::string_view dgram(rbufs_[0].data(), size_t(n));
        auto msg = ng::split_cookie(dgram);
        if (!msg || msg->cookie != cookie) continue;  // a late duplicate
        auto d = ng::decode(msg->body);
        const ng::Value* calls = d.value ? d.value->find("calls") : nullptr;
        if (calls == nullptr || !calls->is_list()) {
          list_error_ = "unexpected list reply: " + std::string(dgram.substr(0, 500));
          return;
        }
        uint64_t mine = 0;
        for (const ng::Value& c : calls->as_list())
          if (c.is_string() && c.as_string().rfind(prefix_ + "-", 0) == 0) ++mine;
        leftover_calls_ = mine;
        return;
      }
    }
    list_error_ = "no reply to list";
  }

  const Options& o_;
  std::vector<int> fds_;
  std::string prefix_;
  std::vector<std::vector<char>> rbufs_;
  std::vector<Slot> slots_;
  std::vector<size_t> pending_;
  std::vector<iovec> send_iov_;
  std::vector<mmsghdr> send_msgs_;
  Phase phase_ = Phase::warmup;
  uint64_t next_cycle_ = 0, next_seq_ = 0, active_ = 0;
  int64_t measure_start_ = 0, measure_end_ = 0, measured_start_ = 0, measured_end_ = 0;
  int64_t finished_ = 0;
  double client_cpu_start_ = 0, client_cpu_end_ = 0;
  std::optional<double> relay_cpu_start_, relay_cpu_end_, relay_sched_start_, relay_sched_end_;
  std::vector<CpuTimes> sys_cpu_start_, sys_cpu_end_;
  std::optional<uint64_t> relay_rss_start_, relay_rss_end_;
  PerCmd per_[3];
  uint64_t cycles_ = 0, errors_ = 0, timeouts_ = 0, retransmits_ = 0, retransmits_measured_ = 0;
  uint64_t duplicates_ = 0, warnings_ = 0, send_failures_ = 0;
  std::vector<ErrorSample> error_samples_;
  std::string warning_sample_[3];
  std::optional<uint64_t> leftover_calls_;
  std::string list_error_;
};

void print_summary(const json& j) {
  const json& r = j["result"];
  auto f = [](double v, int prec) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return std::string(b);
  };
  std::cerr << "cycles/s " << f(r["cycles_per_s"], 0) << ", requests/s "
            << f(r["requests_per_s"], 0) << " over " << f(r["duration_s"], 2) << " s ("
            << r["cycles"].get<uint64_t>() << " cycles)\n";
  for (const char* c : {"offer", "answer", "delete"}) {
    const json& l = r["latency_us"][c];
    if (l.empty()) continue;
    std::cerr << "  " << c << " latency µs p50 " << f(l["p50"], 0) << " p99 " << f(l["p99"], 0)
              << " max " << f(l["max"], 0) << "\n";
  }
  if (r.contains("relay_cpu_s"))
    std::cerr << "relay CPU " << f(r["relay_cpu_s"], 2) << " s ("
              << f(100.0 * r["relay_cpu_util"].get<double>(), 0) << " % of one core), "
              << f(r["relay_cpu_us_per_cycle"], 1) << " µs/cycle\n";
  std::cerr << "client CPU " << f(r["client_cpu_s"], 2) << " s ("
            << f(100.0 * r["client_cpu_util"].get<double>(), 0) << " %), "
            << f(r["client_cpu_us_per_cycle"], 1) << " µs/cycle\n";
  std::cerr << "errors " << r["errors"] << ", retransmits " << r["retransmits"] << ", warnings "
            << r["warnings"];
  if (r.contains("relay_calls_left"))
    std::cerr << ", calls left on relay " << r["relay_calls_left"];
  std::cerr << "\n";
  for (const json& e : j["error_samples"]) {
    std::cerr << "ERROR (" << e["command"].get<std::string>()
              << "): " << e["reason"].get<std::string>()
              << "\n  request: " << e["request"].get<std::string>()
              << "\n  reply:   " << e["reply"].get<std::string>() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "rtpx_ng_bench: ng control-plane throughput. Keeps --window calls in progress, each an\n"
      "offer -> answer -> delete cycle, and reports cycles/s, per-command latency and CPU time."};
  app.add_option("--ng", o.ng_addr, "relay ng address ipv4:port")->capture_default_str();
  app.add_option("--window", o.window, "calls (= requests) in flight")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--sockets", o.sockets, "client UDP sockets (calls spread over them)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "measured seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "unmeasured seconds first")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--timeout-ms", o.timeout_ms, "retransmit a request unanswered this long")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  app.add_option("--retries", o.retries, "retransmissions before a request counts as failed")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--relay-pid", o.relay_pid, "relay process id, for its CPU time");
  app.add_option("--json", o.json_path, "write the results as JSON to this file");
  app.add_option("--sdp-ip", o.sdp_ip, "address written into the offer/answer SDPs")
      ->capture_default_str();
  app.add_option("--max-errors", o.max_errors, "stop measuring after this many errors")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  app.add_option("--sock-buf", o.sock_buf, "socket buffer bytes")->capture_default_str();
  app.add_flag("!--no-list-check", o.list_check,
               "skip asking the relay (list) for calls this run left behind");
  app.add_flag("--ping", o.ping, "send one ping; exit 0 on pong");
  app.add_flag("-q,--quiet", o.quiet, "no summary on stderr");
  CLI11_PARSE(app, argc, argv);
  if (o.ping) o.sockets = 1;

  Bench b(o);
  if (std::string err = b.open(); !err.empty()) {
    std::cerr << "rtpx_ng_bench: " << err << "\n";
    return 2;
  }
  if (o.ping) return b.ping() ? 0 : 1;

  b.run();
  const json j = b.report();
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << j.dump(2) << "\n";
    if (!f) {
      std::cerr << "rtpx_ng_bench: cannot write " << o.json_path << "\n";
      return 2;
    }
  }
  if (!o.quiet || b.errors() > 0) print_summary(j);
  if (b.errors() > 0) {
    std::cerr << "rtpx_ng_bench: FAILED: " << b.errors() << " error(s)\n";
    return 1;
  }
  return 0;
}
