// Black-box: the rtpx CLI against a running rtpxd, and rtpxd's start-up refusals.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

struct Outcome {
  int status = -1;
  std::string out;  // stdout and stderr together
};

Outcome run(const std::string& cmd) {
  Outcome r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto offer = d_.control().request(
        "session.offer",
        {{"call_id", "cli-call"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice_.port())}});
    auto answer = d_.control().request("session.answer", {{"call_id", "cli-call"},
                                                          {"from_tag", "a"},
                                                          {"to_tag", "b"},
                                                          {"sdp", audio_sdp(bob_.port())}});
    for (uint16_t i = 0; i < 5; ++i) alice_.send_to(media_address(answer["sdp"]), rtp_packet(3, i));
    bob_.recv_all(500);
  }
  void TearDown() override { EXPECT_EQ(d_.stop(), 0); }
  std::string rtpx(const std::string& args) {
    return std::string(RTPX_CLI_PATH) + " --socket " + d_.socket_path() + " " + args;
  }

  DaemonProcess d_{DaemonArgs{}};
  Phone alice_, bob_;
};

TEST_F(CliTest, ListShowStatsInfoDelete) {
  Outcome list = run(rtpx("list"));
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("CALL-ID"), std::string::npos);
  EXPECT_NE(list.out.find("cli-call"), std::string::npos);

  Outcome show = run(rtpx("show cli-call"));
  EXPECT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find(alice_.local().to_string()), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("LATCHED"), std::string::npos);

  Outcome json = run(rtpx("--json show cli-call"));
  ASSERT_EQ(json.status, 0) << json.out;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["legs"][0]["media"][0]["streams"][0]["stats"]["packets"], 5);

  Outcome stats = run(rtpx("stats"));
  EXPECT_EQ(stats.status, 0);
  EXPECT_NE(stats.out.find("relayed"), std::string::npos) << stats.out;

  Outcome info = run(rtpx("info"));
  EXPECT_EQ(info.status, 0);
  EXPECT_NE(info.out.find("epoll"), std::string::npos) << info.out;

  Outcome del = run(rtpx("delete cli-call"));
  EXPECT_EQ(del.status, 0) << del.out;
  Outcome missing = run(rtpx("show cli-call"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("rtpx: error:"), std::string::npos) << missing.out;
}

TEST(CliNoDaemon, ConnectionFailureIsExplained) {
  Outcome r = run(std::string(RTPX_CLI_PATH) + " --socket /nonexistent/rtpx.sock stats");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("/nonexistent/rtpx.sock"), std::string::npos) << r.out;
}

TEST(DaemonStartup, BadConfigFailsWithFileAndLine) {
  const std::string path = ::testing::TempDir() + "rtpx-bad.toml";
  std::ofstream(path) << "[media]\nport_min = 30000\nprot_max = 40000\n";
  Outcome r = run(std::string(RTPXD_PATH) + " --foreground --config " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(path + ":3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prot_max"), std::string::npos);
}

TEST(DaemonStartup, UnusableListenerFailsStartUp) {
  // 192.0.2.1 (TEST-NET-1) is not an address of this machine, so binding it must fail.
  Outcome r = run(std::string(RTPXD_PATH) + " --foreground --ng-listen 192.0.2.1:2223 --control " +
                  ::testing::TempDir() + "rtpx-y.sock --backend epoll");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("ng listener 192.0.2.1:2223"), std::string::npos) << r.out;
}

TEST(DaemonStartup, DemoRelaysACallEndToEnd) {
  Outcome r = run(std::string(RTPXD_PATH) + " --demo 1 --backend epoll");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("demo OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alice -> bob: sent 50, received 50, intact 50"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace rtpx::test
