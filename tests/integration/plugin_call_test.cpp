// plugins.call end to end: a client asks a plugin service through rtpxd, rtpxd passes the call to
// the plugin host as a plugin_command event and answers when the host sends plugins.reply. With
// a supervised rtpx-plugins running the example plugin (and through the rtpx CLI), and with a
// stand-in host that answers late, wrongly or never: other requests are answered meanwhile, a
// client that leaves is forgotten, and an unanswered call times out naming the service.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// rtpxd supervising rtpx-plugins, which runs the example plugin (service example.echo).
std::string write_config() {
  const std::string path =
      ::testing::TempDir() + "rtpx-call-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "[plugins]\nsupervise = true\nhost_binary = \"" << RTPX_PLUGINS_PATH
                      << "\"\nload = [\"example\"]\npath = [\"" << EXAMPLE_DIR << "\"]\n";
  return path;
}

bool wait_for_plugin(DaemonProcess& d, const std::string& name) {
  for (int i = 0; i < 100; ++i) {
    const json list = d.control().request("plugins.list");
    for (const json& p : list["plugins"])
      if (p.value("name", "") == name) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

json calls_waiting(DaemonProcess& d) {
  return d.control().request("plugins.list")["calls_waiting"];
}

struct Outcome {
  int status = -1;
  std::string out;  // stdout and stderr together
};

Outcome rtpx(DaemonProcess& d, const std::string& args) {
  Outcome r;
  const std::string cmd =
      std::string(RTPX_CLI_PATH) + " --socket " + d.socket_path() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A control connection that sends lines without waiting for their replies, to see the order in
// which replies arrive.
class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) close();
  }
  ~RawClient() { close(); }
  bool connected() const { return fd_ >= 0; }
  void send(const json& line) {
    const std::string text = line.dump() + "\n";
    ASSERT_EQ(::write(fd_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  // The next line, or null after timeout_ms.
  json next(int timeout_ms = 5000) {
    const auto deadline = steady_clock::now() + milliseconds(timeout_ms);
    for (;;) {
      if (size_t nl = buf_.find('\n'); nl != std::string::npos) {
        json j = json::parse(buf_.substr(0, nl), nullptr, false);
        buf_.erase(0, nl + 1);
        return j;
      }
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return nullptr;
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return nullptr;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

// Stands in for rtpx-plugins: subscribed to plugin_command, answers by hand.
class FakeHost {
 public:
  explicit FakeHost(DaemonProcess& d) {
    client_.connect(d.socket_path());
    client_.request("events.subscribe", {{"events", {"plugin_command"}}});
  }
  json next_call() {
    auto ev = client_.next_event(milliseconds(5000));
    return ev ? *ev : json();
  }
  client::ControlResult reply(const json& call, bool ok, const json& result) {
    return client_.try_request("plugins.reply", {{"call", call}, {"ok", ok}, {"result", result}});
  }

 private:
  client::ControlClient client_;
};

TEST(PluginCall, ExampleEchoThroughTheSupervisedHost) {
  const std::string cfg = write_config();
  DaemonProcess d{DaemonArgs{.extra = {"--config", cfg}}};
  ASSERT_TRUE(wait_for_plugin(d, "example"));

  const json request = {{"context", "default"}, {"n", 42}, {"list", {1, "two", nullptr}}};
  EXPECT_EQ(
      d.control().request("plugins.call", {{"service", "example.echo"}, {"request", request}}),
      request);
  EXPECT_EQ(d.control().request("plugins.call", {{"service", "example.echo"}}), json::object());

  auto unknown = d.control().try_request("plugins.call", {{"service", "sip.gateways"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), "not_found");
  EXPECT_EQ(unknown.error().field(), "service");
  EXPECT_NE(unknown.error().message().find("'sip.gateways'"), std::string::npos)
      << unknown.error().message();
  auto bad = d.control().try_request("plugins.call", {{"request", json::object()}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "bad_field");
  EXPECT_EQ(bad.error().field(), "service");
  EXPECT_EQ(calls_waiting(d), 0);

  // Clients that leave right after asking: whichever comes first, their departure or the host's
  // answer, nothing stays waiting and the host keeps answering.
  for (int i = 0; i < 20; ++i) {
    RawClient c(d.socket_path());
    c.send({{"id", i}, {"cmd", "plugins.call"}, {"service", "example.echo"}});
  }
  json waiting;
  for (int i = 0; i < 50 && (waiting = calls_waiting(d)) != 0; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(waiting, 0);
  EXPECT_EQ(d.control().request("plugins.call", {{"service", "example.echo"}, {"request", 1}}), 1);

  // The CLI: the generic command prints the JSON result; the sip commands name the service
  // nobody offers here.
  Outcome echo = rtpx(d, "service example.echo '{\"a\": [1, 2]}'");
  EXPECT_EQ(echo.status, 0) << echo.out;
  EXPECT_EQ(json::parse(echo.out, nullptr, false), (json{{"a", {1, 2}}})) << echo.out;
  Outcome gw = rtpx(d, "gateway status");
  EXPECT_EQ(gw.status, 1) << gw.out;
  EXPECT_NE(gw.out.find("rtpx: error: no plugin offers service 'sip.gateways'"), std::string::npos)
      << gw.out;
  EXPECT_NE(gw.out.find("(field: service)"), std::string::npos) << gw.out;
  EXPECT_EQ(d.stop(), 0);
  ::unlink(cfg.c_str());
}

TEST(PluginCall, NeedsAHost) {
  DaemonProcess d{DaemonArgs{}};
  auto r = d.control().try_request("plugins.call", {{"service", "example.echo"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "not_found");
  EXPECT_EQ(r.error().message(), "no plugin host is connected");
  Outcome cli = rtpx(d, "registrations");
  EXPECT_EQ(cli.status, 1);
  EXPECT_NE(cli.out.find("no plugin host is connected"), std::string::npos) << cli.out;
  EXPECT_EQ(d.stop(), 0);
}

TEST(PluginCall, OtherRequestsAreAnsweredWhileTheHostWorks) {
  DaemonProcess d{DaemonArgs{}};
  FakeHost host(d);
  RawClient c(d.socket_path());
  ASSERT_TRUE(c.connected());
  c.send({{"id", 1},
          {"cmd", "plugins.call"},
          {"service", "sip.gateways"},
          {"request", {{"name", "wavix"}}}});
  const json call = host.next_call();
  EXPECT_EQ(call["event"], "plugin_command");
  EXPECT_EQ(call["op"], "call");
  EXPECT_EQ(call["service"], "sip.gateways");
  EXPECT_EQ(call["request"], (json{{"name", "wavix"}}));
  ASSERT_TRUE(call["call"].is_number_unsigned()) << call.dump();

  c.send({{"id", 2}, {"cmd", "stats"}});
  const json stats = c.next();
  EXPECT_EQ(stats["id"], 2) << "the plugins.call must not hold up later requests";
  EXPECT_TRUE(stats.contains("result"));

  const json result = {{"gateways", {{{"name", "wavix"}, {"state", "REGED"}}}}};
  ASSERT_TRUE(host.reply(call["call"], true, result).ok());
  EXPECT_EQ(c.next(), (json{{"id", 1}, {"result", result}}));

  // A plugin's error object reaches the client as it is.
  c.send({{"id", "x"}, {"cmd", "plugins.call"}, {"service", "sip.gateways"}});
  const json call2 = host.next_call();
  const json err = {{"code", "not_found"}, {"field", "name"}, {"message", "no gateway 'x'"}};
  ASSERT_TRUE(host.reply(call2["call"], false, err).ok());
  EXPECT_EQ(c.next(), (json{{"id", "x"}, {"error", err}}));
  EXPECT_EQ(calls_waiting(d), 0);
  EXPECT_EQ(d.stop(), 0);
}

TEST(PluginCall, ClientThatLeavesBeforeTheReplyIsForgotten) {
  DaemonProcess d{DaemonArgs{}};
  FakeHost host(d);
  json call;
  {
    RawClient c(d.socket_path());
    c.send({{"id", 1}, {"cmd", "plugins.call"}, {"service", "dialplan.route"}});
    call = host.next_call();
    ASSERT_TRUE(call["call"].is_number_unsigned()) << call.dump();
    EXPECT_EQ(calls_waiting(d), 1);
  }  // disconnects
  json waiting;
  for (int i = 0; i < 50 && (waiting = calls_waiting(d)) != 0; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(waiting, 0) << "the call left the table with its client";
  auto late = host.reply(call["call"], true, json::object());
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), "not_found");
  EXPECT_EQ(late.error().field(), "call");
  EXPECT_EQ(d.control().request("stats")["sessions"]["current"], 0);  // rtpxd carries on
  EXPECT_EQ(d.stop(), 0);
}

TEST(PluginCall, UnansweredCallTimesOutNamingTheService) {
  DaemonProcess d{DaemonArgs{}};
  FakeHost host(d);  // never answers
  client::ControlClient c;
  c.set_timeout(milliseconds(15000));
  c.connect(d.socket_path());
  const auto t0 = steady_clock::now();
  auto r = c.try_request("plugins.call", {{"service", "sip.registrations"}});
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "timeout");
  EXPECT_NE(r.error().message().find("'sip.registrations'"), std::string::npos)
      << r.error().message();
  EXPECT_GE(took.count(), 9500);
  EXPECT_LT(took.count(), 13000);
  EXPECT_EQ(calls_waiting(d), 0);
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
