#include "tests/integration/sip/sip_fixture.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace rtpx::test::sip {
namespace {

namespace fs = std::filesystem;

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The realm a trunk's registrar challenges with: the gateway's realm as rtpx derives it from the
// fixture (wavix: its realm param, the substituted host:port; wavix_fo: no realm, so the proxy's
// host). rtpx answers with the challenge's realm either way.
std::string realm_for(const SipConf& c, const Endpoint& at) {
  if (at.str() == c.wavix_fo.str()) return c.wavix_fo.ip;
  return at.str();
}

}  // namespace

// --- SipTest -------------------------------------------------------------------------------

void SipTest::SetUp() {
  for (const char* f : {kSipp, kPcap}) {
    if (::access(f, R_OK) != 0) GTEST_SKIP() << "missing " << f << " (package sip-tester)";
  }
  if (::geteuid() != 0) GTEST_SKIP() << "sipp plays pcap audio through a raw socket: needs root";
  char tmpl[] = "/tmp/rtpx-sip-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  conf_.internal = ports_.internal;
  conf_.external = ports_.external;
  conf_.wavix = ports_.wavix;
  conf_.wavix_fo = ports_.wavix_fo;
  conf_.wavix_ip = ports_.wavix_ip;
  std::cerr << "[ sip ] work dir " << dir_ << ", port block " << ports_.block << " (internal "
            << ports_.internal.str() << ", external " << ports_.external.str() << "), relay ports "
            << ports_.relay_min << "-" << ports_.relay_max << "\n";
}

void SipTest::TearDown() {
  sipps_.clear();  // kills what still runs
  if (HasFailure() && !dir_.empty()) dump_logs();
  if (!dir_.empty() && std::getenv("RTPX_KEEP_TMP") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void SipTest::dump_logs() const {
  std::string out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    const std::string ext = p.extension().string();
    if (ext == ".log" || ext == ".err" || ext == ".events") out += tail(p.string(), 3000);
  }
  std::cerr << out;
}

Sipp& SipTest::start_sipp(const std::string& name, const SippOptions& options) {
  sipps_.push_back(std::make_unique<Sipp>(name, dir_, options));
  Sipp& s = *sipps_.back();
  if (!options.remote) {
    EXPECT_TRUE(s.wait_ready()) << name << " did not start\n" << s.report();
  }
  return s;
}

SippOptions SipTest::trunk_options(const std::string& scenario, const Endpoint& at,
                                   const std::optional<Endpoint>& media, int expires,
                                   const std::string& password) const {
  SippOptions o;
  o.scenario = scenario;
  o.local = at;
  o.media = media;
  o.keys = {{"realm", realm_for(conf_, at)},
            {"trunk_user", conf_.trunk_user},
            {"trunk_password", password},
            {"expires", std::to_string(expires)}};
  return o;
}

Sipp& SipTest::start_trunk(const std::string& name, const std::string& scenario, const Endpoint& at,
                           const std::optional<Endpoint>& media, int expires,
                           std::optional<std::string> password) {
  return start_sipp(
      name, trunk_options(scenario, at, media, expires, password.value_or(conf_.trunk_password)));
}

std::optional<int> SipTest::finish(Sipp& uac, milliseconds timeout) {
  auto rc = uac.wait_exit(timeout);
  if (!rc) ADD_FAILURE() << uac.name() << " did not finish in time\n" << uac.report();
  return rc;
}

// --- SipCallTest ---------------------------------------------------------------------------

void SipCallTest::SetUp() {
  SipTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string sip_dir = RTPX_SIP_PLUGIN_DIR;
  const std::string dialplan_dir = RTPX_DIALPLAN_PLUGIN_DIR;
  if (sip_dir.empty() || dialplan_dir.empty())
    GTEST_SKIP() << "the sip and dialplan plugins are not part of this build (plugins/sip, "
                    "plugins/dialplan): nothing to call through";
  if (internal_tls_) {
    const std::string certs = dir_ + "/certs";
    std::filesystem::create_directories(certs);
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(kRtpxIp) +
        " -keyout " + certs + "/key.pem -out " + certs + "/cert.pem >/dev/null 2>&1 && cat " +
        certs + "/cert.pem " + certs + "/key.pem > " + certs + "/agent.pem";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "cannot make a test certificate: " << cmd;
    conf_.internal_tls_port = ports_.internal_tls.port;
    conf_.tls_cert_dir = certs;
  }
  ASSERT_NO_THROW(write_conf_dir(dir_ + "/conf", conf_));
}

void SipCallTest::TearDown() {
  sipps_.clear();  // sipp first: rtpx sees the calls end (or not) as it would in the field
  phone_uas_ = wavix_ = wavix_fo_ = nullptr;
  if (rtpxd_) {
    EXPECT_EQ(stop_rtpx(), 0) << "rtpxd did not exit cleanly";
  }
  SipTest::TearDown();
}

void SipCallTest::start_rtpx() {
  socket_ = dir_ + "/rtpxd.sock";
  rtpxd_log_ = dir_ + "/rtpxd.log";
  RtpxToml t;
  t.control_socket = socket_;
  t.host_binary = RTPX_PLUGINS_PATH;
  t.plugin_dirs[0] = RTPX_DIALPLAN_PLUGIN_DIR;
  t.plugin_dirs[1] = RTPX_SIP_PLUGIN_DIR;
  t.conf_dir = dir_ + "/conf";
  t.port_min = ports_.relay_min;
  t.port_max = ports_.relay_max;
  t.dialplan_e164_form = dialplan_e164_form_;
  const std::string cfg = dir_ + "/rtpx.toml";
  std::ofstream(cfg) << rtpx_toml(t);
  // rtpxd's and the plugin host's output (the host inherits rtpxd's stderr) in rtpxd.log.
  rtpxd_.emplace(std::vector<std::string>{RTPXD_PATH, "--config", cfg, "--foreground"}, rtpxd_log_,
                 dir_);
  client::ControlClient::Options opts;
  opts.timeout = milliseconds(15000);  // plugins.call answers within 10 s
  control_ = client::ControlClient(opts);
  const bool connected = wait_until(
      [&] {
        if (!rtpxd_->running()) return true;
        try {
          control_.connect(socket_);
          return true;
        } catch (const client::ControlError&) {
          return false;
        }
      },
      milliseconds(10000), milliseconds(25));
  ASSERT_TRUE(connected && control_.connected()) << "rtpxd did not start\n" << tail(rtpxd_log_);
  // Up when both profiles listen and the sip plugin answers its service.
  const bool up = wait_until(
      [&] {
        return !rtpxd_->running() ||
               (port_taken(ports_.internal, SOCK_DGRAM) &&
                port_taken(ports_.external, SOCK_DGRAM) && service("sip.gateways").has_value());
      },
      milliseconds(30000), milliseconds(100));
  ASSERT_TRUE(up && rtpxd_->running())
      << "the sip plugin did not come up (profiles " << ports_.internal.str() << ", "
      << ports_.external.str() << ")\n"
      << tail(rtpxd_log_, 8000);
}

int SipCallTest::stop_rtpx() {
  control_.close();
  const int rc = rtpxd_->kill(milliseconds(15000));
  rtpxd_.reset();
  return rc;
}

void SipCallTest::start_trunks(const std::string& wavix_scenario,
                               const std::string& wavix_fo_scenario) {
  wavix_ = &start_trunk("wavix", wavix_scenario, ports_.wavix, ports_.wavix_media);
  wavix_fo_ = &start_trunk("wavix_fo", wavix_fo_scenario, ports_.wavix_fo, ports_.wavix_fo_media);
  if (!rtpxd_) {
    ASSERT_NO_FATAL_FAILURE(start_rtpx());
  }
  for (const char* gw : {"wavix", "wavix_fo"}) {
    ASSERT_TRUE(wait_gateway_state(gw, "REGED", milliseconds(20000)))
        << "gateway " << gw << " did not register: " << gateway(gw).dump() << "\n"
        << (std::string(gw) == "wavix" ? wavix_ : wavix_fo_)->report();
  }
}

Sipp& SipCallTest::start_phone_uas() {
  SippOptions o;
  o.scenario = "phone_uas.xml";
  o.local = ports_.phone_uas;
  o.media = ports_.phone_uas_media;
  phone_uas_ = &start_sipp("phone_uas", o);
  return *phone_uas_;
}

void SipCallTest::register_phone() {
  SippOptions o;
  o.scenario = "phone_register.xml";
  o.local = ports_.phone_register;
  o.remote = ports_.internal;
  o.service = "1000";
  o.auth_user = "1000";
  o.auth_password = conf_.extension_password;
  o.keys = {{"domain", conf_.domain}, {"contact", ports_.phone_uas.str()}, {"expires", "3600"}};
  o.calls = 1;
  o.timeout_s = 20;
  Sipp& reg = start_sipp("phone_register", o);
  auto rc = finish(reg, milliseconds(25000));
  ASSERT_EQ(rc, 0) << "phone 1000 did not register\n" << reg.report() << tail(rtpxd_log_);
  // The binding points at the answering phone.
  json regs;
  const bool seen = wait_until(
      [&] {
        regs = cli({"registrations"});
        if (!regs.is_object()) return false;
        for (const json& r : regs.value("registrations", json::array()))
          if (text(r, "user") == "1000" &&
              text(r, "contact").find(ports_.phone_uas.str()) != std::string::npos)
            return true;
        return false;
      },
      milliseconds(5000), milliseconds(200));
  ASSERT_TRUE(seen) << "rtpx registrations: " << regs.dump();
}

Sipp& SipCallTest::start_phone_call(const std::string& number, int hold_ms, int calls, int limit,
                                    int rate, const std::string& scenario, bool media) {
  SippOptions o;
  o.scenario = scenario;
  o.local = ports_.phone_uac;
  o.remote = ports_.internal;
  o.media = ports_.phone_uac_media;
  o.service = number;
  o.auth_user = "1000";
  o.auth_password = conf_.extension_password;
  o.keys = {{"caller", "1000"}, {"domain", conf_.domain}};
  if (!media && scenario == "phone_uac.xml") o.globals = {{"no_media", "1"}};
  o.calls = calls;
  o.limit = limit;
  o.rate = rate;
  o.hold_ms = hold_ms;
  o.timeout_s = 100;
  o.recv_timeout_ms = 20000;
  return start_sipp("phone_uac" + std::to_string(++uac_runs_), o);
}

Sipp& SipCallTest::start_did_call(const std::string& number, int hold_ms) {
  SippOptions o;
  o.scenario = "trunk_uac_did.xml";
  o.local = ports_.did;
  o.remote = ports_.external;
  o.media = ports_.did_media;
  o.service = number;
  o.keys = {{"caller", "12125550100"}};
  o.calls = 1;
  o.hold_ms = hold_ms;
  o.timeout_s = 60;
  o.recv_timeout_ms = 20000;
  return start_sipp("did_uac" + std::to_string(++uac_runs_), o);
}

SippOptions SipCallTest::phone_call_options(const std::string& number,
                                            const std::string& scenario) const {
  SippOptions o;
  o.scenario = scenario;
  o.local = ports_.phone_uac;
  o.remote = ports_.internal;
  o.media = ports_.phone_uac_media;
  o.service = number;
  o.auth_user = "1000";
  o.auth_password = conf_.extension_password;
  o.keys = {{"caller", "1000"}, {"domain", conf_.domain}};
  o.calls = 1;
  o.limit = 1;
  o.rate = 1;
  o.timeout_s = 60;
  o.recv_timeout_ms = 20000;
  return o;
}

SippOptions SipCallTest::phone_register_options(const std::string& password) const {
  SippOptions o;
  o.scenario = "phone_register.xml";
  o.local = ports_.phone_register;
  o.remote = ports_.internal;
  o.service = "1000";
  o.auth_user = "1000";
  o.auth_password = password;
  o.keys = {{"domain", conf_.domain}, {"contact", ports_.phone_uas.str()}, {"expires", "3600"}};
  o.calls = 1;
  o.timeout_s = 20;
  return o;
}

bool SipCallTest::wait_phone_registered(milliseconds timeout, json* last) {
  json regs;
  const bool seen = wait_until(
      [&] {
        regs = cli({"registrations"});
        if (!regs.is_object()) return false;
        for (const json& r : regs.value("registrations", json::array()))
          if (text(r, "user") == "1000" &&
              text(r, "contact").find(ports_.phone_uas.str()) != std::string::npos)
            return true;
        return false;
      },
      timeout, milliseconds(200));
  if (last) *last = regs;
  return seen;
}

std::string SipCallTest::cli_text(const std::vector<std::string>& args) {
  const std::string base = dir_ + "/cli" + std::to_string(++cli_runs_);
  std::vector<std::string> argv = {RTPX_CLI_PATH, "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c(argv, base + ".out", dir_, base + ".stderr");
  auto rc = c.wait_exit(milliseconds(20000));
  const std::string out = read_file(base + ".out");
  if (rc != 0) {
    std::string cmd;
    for (const std::string& a : args) cmd += " " + a;
    ADD_FAILURE() << "rtpx" << cmd << " exited with " << (rc ? std::to_string(*rc) : "nothing")
                  << "\n"
                  << out << read_file(base + ".stderr");
  }
  return out;
}

json SipCallTest::cli(const std::vector<std::string>& args) {
  const std::string base = dir_ + "/cli" + std::to_string(++cli_runs_);
  std::vector<std::string> argv = {RTPX_CLI_PATH, "--socket", socket_, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c(argv, base + ".out", dir_, base + ".stderr");
  auto rc = c.wait_exit(milliseconds(20000));
  std::string cmd;
  for (const std::string& a : args) cmd += " " + a;
  const std::string out = read_file(base + ".out");
  if (rc != 0) {
    ADD_FAILURE() << "rtpx" << cmd << " exited with " << (rc ? std::to_string(*rc) : "nothing")
                  << "\n"
                  << out << read_file(base + ".stderr");
    return nullptr;
  }
  json j = json::parse(out, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "rtpx" << cmd << " printed no JSON:\n" << out;
    return nullptr;
  }
  return j;
}

std::optional<json> SipCallTest::service(const std::string& name, const json& request) {
  if (!control_.connected()) return std::nullopt;
  auto r = control_.try_request("plugins.call", {{"service", name}, {"request", request}});
  if (!r) return std::nullopt;
  return r.value();
}

json SipCallTest::gateway(const std::string& name) {
  const json r = cli({"gateway", "status", name});
  if (r.is_object())
    for (const json& g : r.value("gateways", json::array()))
      if (text(g, "name") == name) return g;
  return json::object();
}

std::string SipCallTest::gateway_state(const std::string& name) {
  return text(gateway(name), "state");
}

bool SipCallTest::wait_gateway_state(const std::string& name, const std::string& state,
                                     milliseconds timeout) {
  return wait_until([&] { return gateway_state(name) == state; }, timeout, milliseconds(250));
}

std::string SipCallTest::party(const std::string& peer) const {
  const std::pair<const Endpoint*, const char*> known[] = {
      {&ports_.wavix_media, "wavix"},
      {&ports_.wavix_fo_media, "wavix_fo"},
      {&ports_.did_media, "did"},
      {&ports_.phone_uas_media, "phone_uas"},
      {&ports_.phone_uac_media, "phone_uac"},
  };
  for (const auto& [e, name] : known)
    if (e->str() == peer) return name;
  return peer;
}

bool SipCallTest::in_relay_range(const std::string& addr) const {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  const int port = std::atoi(addr.c_str() + colon + 1);
  return port >= ports_.relay_min && port <= ports_.relay_max;
}

size_t SipCallTest::observe(std::map<std::string, CallMedia>& seen) {
  auto list = control_.try_request("session.list");
  if (!list) return 0;
  const json calls = list.value().value("calls", json::array());
  for (const json& c : calls) {
    const std::string id = text(c, "call_id");
    auto q = control_.try_request("session.query", {{"call_id", id}});
    if (!q) continue;  // deleted in between
    CallMedia& m = seen[id];
    const json legs = q.value().value("legs", json::array());
    m.legs = std::max(m.legs, legs.size());
    for (const json& leg : legs) {
      for (const json& media : leg.value("media", json::array())) {
        for (const json& st : media.value("streams", json::array())) {
          if (text(st, "component") != "rtp") continue;
          const std::string local = text(st, "local");
          if (!local.empty() &&
              std::find(m.locals.begin(), m.locals.end(), local) == m.locals.end())
            m.locals.push_back(local);
          const std::string peer = text(st, "peer");
          if (peer.empty()) continue;  // nothing received yet
          int64_t& n = m.packets_from[party(peer)];
          n = std::max(n, st.value("stats", json::object()).value("packets", int64_t{0}));
        }
      }
    }
  }
  return calls.size();
}

std::optional<int> SipCallTest::watch(Sipp& uac, std::map<std::string, CallMedia>& seen,
                                      size_t* max_calls, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const size_t n = observe(seen);
    if (max_calls) *max_calls = std::max(*max_calls, n);
    if (!uac.running()) return uac.wait_exit(milliseconds(0));
    std::this_thread::sleep_for(milliseconds(100));
  }
  ADD_FAILURE() << uac.name() << " did not finish in time\n" << uac.report();
  return std::nullopt;
}

void SipCallTest::expect_nothing_left(const char* when) {
  json list;
  const bool empty = wait_until(
      [&] {
        list = cli({"list"});
        return list.is_object() && list.value("calls", json::array()).empty();
      },
      milliseconds(10000), milliseconds(200));
  EXPECT_TRUE(empty) << when << ": calls left in rtpxd: " << list.dump();
  const json stats = cli({"stats"});
  EXPECT_EQ(stats["sessions"]["current"], 0) << when << ": " << stats.dump();
  EXPECT_EQ(stats["ports"]["used"], 0) << when << ": " << stats.dump();
  EXPECT_EQ(stats["sessions"]["timed_out"], 0) << when << ": " << stats.dump();
  json calls;
  const bool plugin_empty = wait_until(
      [&] {
        calls = cli({"service", "sip.calls"});
        return calls.is_object() && calls.value("count", -1) == 0 &&
               calls.value("calls", json::array()).empty();
      },
      milliseconds(10000), milliseconds(200));
  EXPECT_TRUE(plugin_empty) << when << ": calls left in the sip plugin: " << calls.dump();
}

int64_t packets_from(const std::map<std::string, CallMedia>& seen, const std::string& who) {
  if (seen.size() != 1) return -1;
  const auto& m = seen.begin()->second.packets_from;
  auto it = m.find(who);
  return it == m.end() ? -1 : it->second;
}

std::string describe(const std::map<std::string, CallMedia>& seen) {
  std::string s;
  for (const auto& [id, m] : seen) {
    s += id + ":";
    for (const auto& [who, n] : m.packets_from) s += " " + who + "=" + std::to_string(n);
    s += "\n";
  }
  return s.empty() ? "(no call seen in rtpxd)" : s;
}

}  // namespace rtpx::test::sip
