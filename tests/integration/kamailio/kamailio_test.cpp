// End-to-end: a real Kamailio with its unchanged rtpengine module drives a real rtpxd over the ng
// protocol (cookie + bencode over UDP), while two sipp instances (caller and callee) place calls
// through Kamailio and play RTP (g711a.pcap: 236 PCMA packets, 7 s) at the addresses in the SDP
// they receive. rtpxd's control socket is the witness: its per-leg counters show that each party
// sent its media to rtpxd (so the SDP sipp saw pointed at rtpxd), and its call list, port counters
// and session_deleted events show that Kamailio's BYE deleted every call.
//
// Every child (rtpxd, kamailio and its workers, sipp) runs in its own process group and is killed
// by a destructor, so a failed assertion leaves nothing behind. Temp files live in a mkdtemp dir
// (kept when RTPX_KEEP_TMP is set, and its logs are printed when a test fails).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "control/client/control_client.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const std::string kTestDir = RTPX_KAMAILIO_TEST_DIR;
constexpr const char* kKamailio = "/usr/sbin/kamailio";
constexpr const char* kRtpengineModule = "/usr/lib/x86_64-linux-gnu/kamailio/modules/rtpengine.so";
constexpr const char* kSipp = "/usr/bin/sipp";
constexpr const char* kPcap = "/usr/share/sip-tester/g711a.pcap";  // named in the scenarios
constexpr int kPcapPackets = 236;
constexpr const char* kNgFlags = "replace-origin replace-session-connection ICE=remove";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& path, size_t max_bytes = 4000) {
  std::string s = read_file(path);
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return "---- " + path + " ----\n" + s + "\n";
}

// Polls cond every step until it holds or timeout passes; true if it held.
bool wait_until(const std::function<bool()>& cond, milliseconds timeout,
                milliseconds step = milliseconds(50)) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

bool udp_port_free(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto a = *net::SockAddr::from_ip("127.0.0.1", port);
  const bool ok = fd >= 0 && ::bind(fd, &a.u.sa, a.len()) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

// Ports for one test, from one of 80 blocks so parallel ctest runs do not collide. A block is
// claimed by binding an abstract unix socket named after it (the kernel frees the name when the
// process dies, however it dies), and skipped when any of its SIP/media ports is taken. The
// search starts at a block derived from the pid.
// SIP, ng and sipp media ports sit above the kernel's ephemeral range (32768-60999) in 32-port
// blocks; rtpxd's media range is 256 ports in 40000-60479 (its allocator skips ports something
// else holds). Other suites use 20000-32000 and 34000-39998.
class Ports {
 public:
  static constexpr int kBlocks = 80;
  static constexpr int kUsed = 24;  // ports used at the start of a 32-port block

  Ports() {
    const int first = static_cast<int>(static_cast<unsigned>(::getpid()) % kBlocks);
    for (int i = 0; i < kBlocks && lock_ < 0; ++i) {
      const int b = (first + i) % kBlocks;
      int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_un sun{};
      sun.sun_family = AF_UNIX;
      const std::string name = "rtpx-kamailio-test-ports-" + std::to_string(b);
      std::memcpy(sun.sun_path + 1, name.data(), name.size());  // abstract: leading NUL
      const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
      if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sun), len) != 0) {
        if (fd >= 0) ::close(fd);
        continue;  // another test process holds this block
      }
      const auto base = static_cast<uint16_t>(61000 + b * 32);
      bool free = true;
      for (int p = 0; p < kUsed && free; ++p) free = udp_port_free(static_cast<uint16_t>(base + p));
      if (!free) {
        ::close(fd);
        continue;
      }
      lock_ = fd;
      kamailio = base;
      ng = base + 1;
      uas = base + 2;
      uac = base + 3;         // one SIP port per caller instance: uac, uac + 1, uac + 2
      uas_media = base + 8;   // sipp uses the media port and the ones just above it
      uac_media = base + 12;  // per caller instance: uac_media + 4 * i
      relay_min = static_cast<uint16_t>(40000 + b * 256);
      relay_max = relay_min + 255;
    }
    if (lock_ < 0) throw std::runtime_error("no free block of test ports");
  }
  ~Ports() {
    if (lock_ >= 0) ::close(lock_);
  }
  Ports(const Ports&) = delete;
  Ports& operator=(const Ports&) = delete;

  uint16_t kamailio = 0, ng = 0, uas = 0, uac = 0, uas_media = 0, uac_media = 0;
  uint16_t relay_min = 0, relay_max = 0;

 private:
  int lock_ = -1;
};

// A child process in its own process group, stdout and stderr into a log file. The destructor
// kills the whole group (kamailio's workers too).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd)
      : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (out < 0 || in < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      std::vector<char*> cargv;
      for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    ::setpgid(pid_, pid_);  // also here, so kill(-pgid) works at once
    pgid_ = pid_;
  }
  ~Child() { kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  const std::string& log() const { return log_; }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      code_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      pid_ = -1;
      return false;
    }
    return true;
  }
  // The exit code once the process has exited within timeout (-1 if a signal ended it).
  std::optional<int> wait_exit(milliseconds timeout) {
    if (!wait_until([&] { return !running(); }, timeout, milliseconds(20))) return std::nullopt;
    return code_;
  }
  // SIGTERM to the group, SIGKILL after the grace period, then SIGKILL to whatever is left of
  // the group. Returns the leader's exit code (-1: ended by a signal).
  int kill(milliseconds grace = milliseconds(3000)) {
    if (running()) {
      ::kill(-pgid_, SIGTERM);
      if (!wait_exit(grace)) {
        ::kill(-pgid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
        code_ = -1;
      }
    }
    if (pgid_ > 0) ::kill(-pgid_, SIGKILL);  // workers the leader left behind (ESRCH: none)
    pgid_ = -1;
    return code_;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;   // the leader until reaped
  pid_t pgid_ = -1;  // its process group until killed
  int code_ = -1;
};

// rtpxd on a fixed ng port and a fixed media range (DaemonProcess in daemon_fixture always
// passes --ng-listen 127.0.0.1:0 and a 40-port range, and rtpxd refuses a repeated flag).
class Rtpxd {
 public:
  Rtpxd(const std::string& dir, const Ports& p, int generation) {
    socket_ = dir + "/rtpxd" + std::to_string(generation) + ".sock";
    const std::vector<std::string> argv = {RTPXD_PATH,         "--foreground",
                                           "--backend",        "epoll",
                                           "--threads",        "1",
                                           "--interface",      "127.0.0.1",
                                           "--ng-listen",      "127.0.0.1:" + std::to_string(p.ng),
                                           "--ng-listen-unix", dir + "/ng.sock",
                                           "--control",        socket_,
                                           "--port-min",       std::to_string(p.relay_min),
                                           "--port-max",       std::to_string(p.relay_max),
                                           "--timeout",        "60",
                                           "--log-level",      "info"};
    child_.emplace(argv, dir + "/rtpxd" + std::to_string(generation) + ".log", dir);
    const bool up = wait_until(
        [&] {
          if (!child_->running()) return true;
          try {
            control_.connect(socket_);
            return true;
          } catch (const client::ControlError&) {
            return false;
          }
        },
        milliseconds(10000), milliseconds(25));
    if (!up || !control_.connected()) {
      const bool exited = !child_->running();
      throw std::runtime_error(std::string("rtpxd did not start") +
                               (exited ? " (exit code " + std::to_string(child_->kill()) +
                                             ", 127: cannot exec " + RTPXD_PATH + ")"
                                       : "") +
                               "\n" + tail(child_->log()));
    }
    events_.connect(socket_);
    events_.request("events.subscribe", {{"events", {"session_created", "session_deleted"}}});
  }

  client::ControlClient& control() { return control_; }
  const std::string& log() const { return child_->log(); }
  // SIGTERM and wait; the exit code (0: clean).
  int stop() {
    control_.close();
    events_.close();
    return child_->kill(milliseconds(10000));
  }
  // Reads the events that arrived, until none comes for 200 ms: call-id -> reasons of
  // session_deleted, and created call-ids.
  void drain_events() {
    while (auto ev = events_.next_event(milliseconds(200))) {
      const std::string name = ev->value("event", "");
      if (name == "session_created") created_.push_back(ev->value("call_id", ""));
      if (name == "session_deleted") {
        deleted_[ev->value("call_id", "")].push_back(ev->value("reason", "<none>"));
      }
    }
  }
  const std::vector<std::string>& created() const { return created_; }
  const std::map<std::string, std::vector<std::string>>& deleted() const { return deleted_; }

 private:
  std::string socket_;
  std::optional<Child> child_;
  client::ControlClient control_;
  client::ControlClient events_;
  std::vector<std::string> created_;
  std::map<std::string, std::vector<std::string>> deleted_;
};

// What rtpxd reported about one call, keeping the highest values seen.
struct CallSeen {
  int64_t uac_packets = 0;  // received by rtpxd from the caller (its leg's RTP stream)
  int64_t uas_packets = 0;  // received from the callee
  std::string uac_peer, uas_peer;
  std::string uac_local, uas_local;
  bool uac_latched = false, uas_latched = false;  // rtpxd locked on to the sender's address
  size_t legs = 0;
};

class KamailioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {kKamailio, kRtpengineModule, kSipp, kPcap}) {
      if (::access(f, R_OK) != 0) GTEST_SKIP() << "missing " << f;
    }
    if (::geteuid() != 0) GTEST_SKIP() << "sipp plays pcap audio through a raw socket: needs root";
    char tmpl[] = "/tmp/rtpx-kam-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::cerr << "[ kamailio ] work dir " << dir_ << ", SIP port " << ports_.kamailio
              << ", ng port " << ports_.ng << ", relay ports " << ports_.relay_min << "-"
              << ports_.relay_max << "\n";
  }

  void TearDown() override {
    // Children first (callers, callee, kamailio), then rtpxd, which must exit cleanly.
    callers_.clear();
    uas_.reset();
    kamailio_.reset();
    if (rtpxd_) {
      EXPECT_EQ(rtpxd_->stop(), 0) << "rtpxd did not exit cleanly";
    }
    if (HasFailure() && !dir_.empty()) dump_logs();
    rtpxd_.reset();
    if (!dir_.empty() && std::getenv("RTPX_KEEP_TMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void dump_logs() {
    std::string out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      const auto name = e.path().filename().string();
      if (name.ends_with(".log")) out += tail(e.path().string(), 3000);
    }
    std::cerr << out;
  }

  void one_call_relays_media_and_is_deleted_at_bye();
  void start_rtpxd() { rtpxd_.emplace(dir_, ports_, ++rtpxd_generation_); }
  bool unix_ng_ = false;  // Kamailio reaches rtpxd over the UNIX socket instead of UDP

  void start_kamailio() {
    std::string cfg = read_file(kTestDir + "/kamailio.cfg.in");
    ASSERT_FALSE(cfg.empty()) << "cannot read the config template in " << kTestDir;
    auto subst = [&](const std::string& key, const std::string& value) {
      for (size_t at; (at = cfg.find(key)) != std::string::npos;)
        cfg.replace(at, key.size(), value);
    };
    subst("@SIP_PORT@", std::to_string(ports_.kamailio));
    subst("@RTPENGINE_SOCK@",
          unix_ng_ ? "unix:" + dir_ + "/ng.sock" : "udp:127.0.0.1:" + std::to_string(ports_.ng));
    subst("@NG_FLAGS@", kNgFlags);
    std::smatch left;
    ASSERT_FALSE(std::regex_search(cfg, left, std::regex("@[A-Z_]+@")))
        << "unfilled placeholder " << left.str(0) << " in the config template";
    const std::string cfg_path = dir_ + "/kamailio.cfg";
    std::ofstream(cfg_path) << cfg;
    const std::string rundir = dir_ + "/kamailio-run";
    std::filesystem::create_directories(rundir);
    kamailio_.emplace(std::vector<std::string>{kKamailio, "-DD", "-E", "-f", cfg_path, "-Y", rundir,
                                               "-m", "64", "-M", "16"},
                      dir_ + "/kamailio.log", dir_);
    // Up when its workers have pinged the relay and it answers SIP.
    const bool up = wait_until(
        [&] {
          return !kamailio_->running() ||
                 (read_file(kamailio_->log()).find("support for it enabled") != std::string::npos &&
                  sip_answers());
        },
        milliseconds(15000), milliseconds(100));
    ASSERT_TRUE(up && kamailio_->running()) << "kamailio did not come up\n"
                                            << tail(kamailio_->log());
  }

  // Sends OPTIONS to kamailio and waits for any reply (the config answers 405).
  bool sip_answers() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    auto to = *net::SockAddr::from_ip("127.0.0.1", ports_.kamailio);
    const std::string branch = "z9hG4bK-probe" + std::to_string(++probe_);
    const std::string msg = "OPTIONS sip:probe@127.0.0.1:" + std::to_string(ports_.kamailio) +
                            " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=" + branch +
                            ";rport\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: "
                            "<sip:probe@127.0.0.1>\r\nCall-ID: probe-" +
                            branch +
                            "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\n"
                            "Content-Length: 0\r\n\r\n";
    ::sendto(fd, msg.data(), msg.size(), 0, &to.u.sa, to.len());
    pollfd p{fd, POLLIN, 0};
    bool ok = ::poll(&p, 1, 300) > 0;
    char buf[2048];
    ok = ok && ::recv(fd, buf, sizeof buf, 0) > 8 && std::string(buf, 8) == "SIP/2.0 ";
    ::close(fd);
    return ok;
  }

  void start_uas() {
    uas_.emplace(std::vector<std::string>{kSipp, "-sf", kTestDir + "/uas.xml", "-i", "127.0.0.1",
                                          "-p", std::to_string(ports_.uas), "-mi", "127.0.0.1",
                                          "-mp", std::to_string(ports_.uas_media), "-nostdin",
                                          "-trace_err", "-error_file", dir_ + "/sipp-uas-err.log"},
                 dir_ + "/sipp-uas.log", dir_);
    // Ready once it holds its SIP port.
    ASSERT_TRUE(wait_until([&] { return !uas_->running() || !udp_port_free(ports_.uas); },
                           milliseconds(10000)) &&
                uas_->running())
        << "sipp callee did not start\n"
        << tail(uas_->log());
  }

  // Kamailio's rtpengine module logs an ERROR when it cannot use an ng reply (unparsable,
  // missing keys, result error, timeout) and a WARNING when a reply carries a warning.
  void expect_no_ng_complaints() {
    const std::string klog = read_file(kamailio_->log());
    EXPECT_EQ(klog.find("ERROR: rtpengine"), std::string::npos) << tail(kamailio_->log());
    EXPECT_EQ(klog.find("WARNING: rtpengine"), std::string::npos) << tail(kamailio_->log());
  }

  // A caller instance (index selects its SIP and media ports): `calls` calls at `rate` per
  // second, at most `limit` at once, each lasting duration_ms after the ACK.
  Child& start_uac(int index, const std::string& scenario, int calls, int limit, int rate,
                   int duration_ms) {
    const std::string name = "sipp-uac" + std::to_string(index);
    callers_.push_back(std::make_unique<Child>(
        std::vector<std::string>{kSipp,
                                 "127.0.0.1:" + std::to_string(ports_.uas),
                                 "-sf",
                                 kTestDir + "/" + scenario,
                                 "-i",
                                 "127.0.0.1",
                                 "-p",
                                 std::to_string(ports_.uac + index),
                                 "-rsa",
                                 "127.0.0.1:" + std::to_string(ports_.kamailio),
                                 "-mi",
                                 "127.0.0.1",
                                 "-mp",
                                 std::to_string(ports_.uac_media + 4 * index),
                                 "-m",
                                 std::to_string(calls),
                                 "-l",
                                 std::to_string(limit),
                                 "-r",
                                 std::to_string(rate),
                                 "-d",
                                 std::to_string(duration_ms),
                                 "-recv_timeout",
                                 "10000",
                                 "-timeout",
                                 "45",
                                 "-timeout_error",
                                 "-nostdin",
                                 "-trace_err",
                                 "-error_file",
                                 dir_ + "/" + name + "-err.log"},
        dir_ + "/" + name + ".log", dir_));
    return *callers_.back();
  }

  // Queries every call rtpxd has and merges what it reports into seen (maximum per counter).
  // Returns how many calls rtpxd has now.
  size_t observe(std::map<std::string, CallSeen>& seen) {
    auto& ctl = rtpxd_->control();
    json list = ctl.request("session.list");
    const json calls = list.value("calls", json::array());
    for (const json& c : calls) {
      const std::string id = text(c, "call_id");
      auto q = ctl.try_request("session.query", {{"call_id", id}});
      if (!q) continue;  // deleted in between
      CallSeen& s = seen[id];
      const json legs = q.value().value("legs", json::array());
      s.legs = std::max(s.legs, legs.size());
      for (const json& leg : legs) {
        // The callee's leg has no tag (and no peer) until the answer.
        const std::string tag = text(leg, "tag");
        if (tag.empty()) continue;
        const bool caller = tag.find("uac") != std::string::npos;
        for (const json& media : leg.value("media", json::array())) {
          for (const json& st : media.value("streams", json::array())) {
            if (text(st, "component") != "rtp") continue;
            int64_t& packets = caller ? s.uac_packets : s.uas_packets;
            const json stats = st.value("stats", json::object());
            packets = std::max(packets, stats.value("packets", int64_t{0}));
            if (!text(st, "peer").empty()) (caller ? s.uac_peer : s.uas_peer) = text(st, "peer");
            (caller ? s.uac_local : s.uas_local) = text(st, "local");
            const auto latched = st.find("latched");
            if (latched != st.end() && latched->is_boolean() && latched->get<bool>()) {
              (caller ? s.uac_latched : s.uas_latched) = true;
            }
          }
        }
      }
    }
    return calls.size();
  }

  // A string member, or "" when it is missing, null or not a string.
  static std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  // Observes rtpxd until the caller exits; returns the caller's exit code. max_calls gets the
  // largest number of calls rtpxd held at once.
  std::optional<int> watch_calls(Child& caller, std::map<std::string, CallSeen>& seen,
                                 size_t* max_calls, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const size_t n = observe(seen);
      if (max_calls) *max_calls = std::max(*max_calls, n);
      if (!caller.running()) return caller.wait_exit(milliseconds(0));
      std::this_thread::sleep_for(milliseconds(100));
    }
    return std::nullopt;
  }

  // Nothing left in rtpxd: no call, no port in use.
  void expect_rtpxd_empty(const char* when) {
    auto& ctl = rtpxd_->control();
    bool empty = wait_until([&] { return ctl.request("session.list")["calls"].empty(); },
                            milliseconds(5000));
    EXPECT_TRUE(empty) << when << ": calls left in rtpxd: " << ctl.request("session.list").dump();
    json stats = ctl.request("stats");
    EXPECT_EQ(stats["ports"]["used"], 0) << when << ": " << stats.dump();
    EXPECT_EQ(stats["sessions"]["current"], 0) << when << ": " << stats.dump();
    EXPECT_EQ(stats["sessions"]["timed_out"], 0) << when << ": " << stats.dump();
  }

  static std::string sipp_media(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }
  bool in_relay_range(const std::string& addr) const {
    auto a = net::SockAddr::parse(addr);
    return a && a->port() >= ports_.relay_min && a->port() <= ports_.relay_max;
  }

  Ports ports_;
  std::string dir_;
  int rtpxd_generation_ = 0;
  int probe_ = 0;
  std::optional<Rtpxd> rtpxd_;
  std::optional<Child> kamailio_;
  std::optional<Child> uas_;
  std::vector<std::unique_ptr<Child>> callers_;
};

// One call with RTP both ways: rtpxd receives the caller's and the callee's audio on its own
// ports (the SDP each sipp got named rtpxd), relays it, and forgets the call at the BYE.
void KamailioTest::one_call_relays_media_and_is_deleted_at_bye() {
  ASSERT_NO_FATAL_FAILURE(start_rtpxd());
  ASSERT_NO_FATAL_FAILURE(start_kamailio());
  ASSERT_NO_FATAL_FAILURE(start_uas());
  // 8.5 s after the ACK: the 7 s pcap has ended on both sides before the BYE.
  Child& uac = start_uac(0, "uac.xml", 1, 1, 1, 8500);

  std::map<std::string, CallSeen> seen;
  size_t max_calls = 0;
  auto rc = watch_calls(uac, seen, &max_calls, milliseconds(30000));
  ASSERT_TRUE(rc.has_value()) << "the call did not finish";
  EXPECT_EQ(*rc, 0) << "sipp caller reported a failed call\n" << tail(uac.log());

  ASSERT_EQ(seen.size(), 1u) << "rtpxd should have seen exactly the one call";
  const auto& [call_id, s] = *seen.begin();
  std::cerr << "[ kamailio ] rtpxd received " << s.uac_packets << " packets from the caller ("
            << s.uac_peer << " -> " << s.uac_local << ") and " << s.uas_packets
            << " from the callee (" << s.uas_peer << " -> " << s.uas_local << ")\n";
  EXPECT_EQ(max_calls, 1u);
  EXPECT_EQ(s.legs, 2u);
  // Both parties sent the whole pcap to rtpxd's ports, from their own media ports.
  EXPECT_GE(s.uac_packets, kPcapPackets - 10) << call_id;
  EXPECT_LE(s.uac_packets, kPcapPackets) << call_id;
  EXPECT_GE(s.uas_packets, kPcapPackets - 10) << call_id;
  EXPECT_LE(s.uas_packets, kPcapPackets) << call_id;
  EXPECT_TRUE(s.uac_latched && s.uas_latched) << "rtpxd did not latch onto both parties";
  EXPECT_EQ(s.uac_peer, sipp_media(ports_.uac_media)) << "caller leg latched elsewhere";
  EXPECT_EQ(s.uas_peer, sipp_media(ports_.uas_media)) << "callee leg latched elsewhere";
  EXPECT_TRUE(in_relay_range(s.uac_local)) << s.uac_local;
  EXPECT_TRUE(in_relay_range(s.uas_local)) << s.uas_local;

  // rtpxd forwarded what it received (nothing dropped for want of a destination).
  json stats = rtpxd_->control().request("stats");
  EXPECT_GE(stats["packets"]["relayed"].get<int64_t>(), s.uac_packets + s.uas_packets)
      << stats.dump();
  EXPECT_EQ(stats["packets"]["dropped"]["no_destination"], 0) << stats.dump();
  EXPECT_EQ(stats["packets"]["dropped"]["tx_error"], 0) << stats.dump();

  // Deleted at the BYE (not by a timeout), nothing leaked.
  expect_rtpxd_empty("after the BYE");
  stats = rtpxd_->control().request("stats");
  EXPECT_EQ(stats["sessions"]["total"], 1) << stats.dump();
  EXPECT_EQ(stats["sessions"]["deleted"], 1) << stats.dump();
  rtpxd_->drain_events();
  ASSERT_EQ(rtpxd_->deleted().count(call_id), 1u) << "no session_deleted event for " << call_id;
  EXPECT_EQ(rtpxd_->deleted().at(call_id), std::vector<std::string>{"request"});

  // Kamailio's $rtpstat (a query before the BYE's delete) read rtpxd's totals.
  const std::string klog = read_file(kamailio_->log());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      klog, m, std::regex(R"(rtpstat \S+ RTP: (\d+) bytes, (\d+) packets, (-?\d+) errors; RTCP: )")))
      << tail(kamailio_->log());
  EXPECT_GE(std::stoll(m[2].str()), 2 * (kPcapPackets - 10)) << m.str(0);
  EXPECT_GT(std::stoll(m[1].str()), std::stoll(m[2].str()) * 100) << m.str(0);
  EXPECT_EQ(m[3].str(), "0") << m.str(0);

  // Kamailio got every ng reply it wanted.
  expect_no_ng_complaints();
}

TEST_F(KamailioTest, OneCallRelaysMediaBothWaysAndIsDeletedAtBye) {
  one_call_relays_media_and_is_deleted_at_bye();
}

// The same call with rtpengine_sock "unix:/path": the module's cookie-less stream framing.
TEST_F(KamailioTest, OneCallOverTheUnixSocket) {
  unix_ng_ = true;
  one_call_relays_media_and_is_deleted_at_bye();
}

// 50 overlapping calls: all succeed, every leg of every call carries media through rtpxd, and
// every call is deleted at its BYE.
TEST_F(KamailioTest, FiftyConcurrentCalls) {
  constexpr int kCalls = 50;
  ASSERT_NO_FATAL_FAILURE(start_rtpxd());
  ASSERT_NO_FATAL_FAILURE(start_kamailio());
  ASSERT_NO_FATAL_FAILURE(start_uas());
  // All 50 start within about a second and last 8.5 s after their ACK, so they overlap.
  Child& uac = start_uac(0, "uac.xml", kCalls, kCalls, kCalls, 8500);

  std::map<std::string, CallSeen> seen;
  size_t max_calls = 0;
  auto rc = watch_calls(uac, seen, &max_calls, milliseconds(40000));
  ASSERT_TRUE(rc.has_value()) << "the calls did not finish";
  EXPECT_EQ(*rc, 0) << "sipp caller reported failed calls\n" << tail(uac.log());

  EXPECT_EQ(seen.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(max_calls, static_cast<size_t>(kCalls * 9 / 10)) << "the calls did not overlap";
  int64_t total = 0;
  int weak = 0;
  for (const auto& [id, s] : seen) {
    total += s.uac_packets + s.uas_packets;
    // Sampled every ~100 ms, and the pcap ends 1.5 s before the BYE: the final counts are seen.
    if (s.uac_packets < kPcapPackets * 9 / 10 || s.uas_packets < kPcapPackets * 9 / 10 ||
        !s.uac_latched || !s.uas_latched || s.uac_peer != sipp_media(ports_.uac_media) ||
        s.uas_peer != sipp_media(ports_.uas_media)) {
      ++weak;
      ADD_FAILURE() << id << ": caller sent " << s.uac_packets << " from " << s.uac_peer
                    << ", callee sent " << s.uas_packets << " from " << s.uas_peer;
    }
  }
  EXPECT_EQ(weak, 0);
  EXPECT_GE(total, int64_t{kCalls} * 2 * kPcapPackets * 95 / 100);
  std::cerr << "[ kamailio ] " << seen.size() << " calls, at most " << max_calls
            << " at once, packets received by rtpxd: " << total << " of "
            << kCalls * 2 * kPcapPackets << "\n";

  json stats = rtpxd_->control().request("stats");
  EXPECT_GE(stats["packets"]["relayed"].get<int64_t>(), total) << stats.dump();
  EXPECT_EQ(stats["packets"]["dropped"]["no_destination"], 0) << stats.dump();
  expect_rtpxd_empty("after all BYEs");
  stats = rtpxd_->control().request("stats");
  EXPECT_EQ(stats["sessions"]["total"], kCalls) << stats.dump();
  EXPECT_EQ(stats["sessions"]["deleted"], kCalls) << stats.dump();
  rtpxd_->drain_events();
  EXPECT_EQ(rtpxd_->deleted().size(), static_cast<size_t>(kCalls));
  for (const auto& [id, reasons] : rtpxd_->deleted()) {
    EXPECT_EQ(reasons, std::vector<std::string>{"request"}) << id;
  }
  expect_no_ng_complaints();
}

// rtpxd dies during a call and comes back on the same ng port: while it is down Kamailio refuses
// new calls with 503 (the module marks the relay down), and once it is back the module's ping
// re-enables it and new calls get relayed again.
TEST_F(KamailioTest, RtpxdRestartMidCall) {
  ASSERT_NO_FATAL_FAILURE(start_rtpxd());
  ASSERT_NO_FATAL_FAILURE(start_kamailio());
  ASSERT_NO_FATAL_FAILURE(start_uas());

  // Call A, up while rtpxd goes away.
  Child& call_a = start_uac(0, "uac.xml", 1, 1, 1, 4000);
  std::map<std::string, CallSeen> seen_a;
  ASSERT_TRUE(wait_until(
      [&] {
        observe(seen_a);
        return seen_a.size() == 1 && seen_a.begin()->second.uac_packets > 10 &&
               seen_a.begin()->second.uas_packets > 10;
      },
      milliseconds(15000), milliseconds(100)))
      << "call A never carried media through rtpxd\n"
      << tail(call_a.log());
  ASSERT_TRUE(call_a.running());
  EXPECT_EQ(rtpxd_->stop(), 0) << "rtpxd did not exit cleanly\n" << tail(rtpxd_->log());
  rtpxd_.reset();

  // Call B while rtpxd is down: Kamailio's offer fails, it answers 503.
  Child& call_b = start_uac(1, "uac_refused.xml", 1, 1, 1, 1000);
  auto rc_b = call_b.wait_exit(milliseconds(20000));
  ASSERT_TRUE(rc_b.has_value()) << "call B did not finish\n" << tail(call_b.log());
  EXPECT_EQ(*rc_b, 0) << "call B was not refused with 503\n" << tail(call_b.log());

  // rtpxd comes back on the same ng port (a fresh process: it knows no calls).
  ASSERT_NO_FATAL_FAILURE(start_rtpxd());

  // Call C: relayed by the new rtpxd.
  Child& call_c = start_uac(2, "uac.xml", 1, 1, 1, 2000);
  std::map<std::string, CallSeen> seen_c;
  auto rc_c = watch_calls(call_c, seen_c, nullptr, milliseconds(30000));
  ASSERT_TRUE(rc_c.has_value()) << "call C did not finish";
  EXPECT_EQ(*rc_c, 0) << "call C failed after rtpxd came back\n"
                      << tail(call_c.log()) << tail(kamailio_->log());
  ASSERT_EQ(seen_c.size(), 1u) << "the new rtpxd did not get call C";
  const CallSeen& c = seen_c.begin()->second;
  EXPECT_GT(c.uac_packets, 20);
  EXPECT_GT(c.uas_packets, 20);
  EXPECT_TRUE(c.uac_latched && c.uas_latched);
  EXPECT_EQ(c.uac_peer, sipp_media(ports_.uac_media + 8));
  EXPECT_EQ(c.uas_peer, sipp_media(ports_.uas_media));

  // Call A ends normally at the SIP level (its BYE reaches whichever rtpxd is up, or none).
  auto rc_a = call_a.wait_exit(milliseconds(20000));
  ASSERT_TRUE(rc_a.has_value()) << "call A did not finish";
  EXPECT_EQ(*rc_a, 0) << tail(call_a.log());

  expect_rtpxd_empty("after calls A and C");
  rtpxd_->drain_events();
  EXPECT_EQ(rtpxd_->created(), std::vector<std::string>{seen_c.begin()->first});

  // The module saw the failure and later found the relay again ("...support for it enabled" or
  // "re-enabled", depending on which path pinged it).
  const std::string klog = read_file(kamailio_->log());
  const size_t failed_at = klog.find("rtpx-test: offer failed");
  ASSERT_NE(failed_at, std::string::npos) << "call B did not fail at the offer";
  EXPECT_NE(klog.find("found, support for it", failed_at), std::string::npos)
      << "the module never re-enabled the relay\n"
      << tail(kamailio_->log());
}

}  // namespace
}  // namespace rtpx::test
