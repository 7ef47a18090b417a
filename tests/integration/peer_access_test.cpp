// Access control on rtpxd's UNIX sockets: a process of another user that can reach the socket
// file (mode opened up on purpose) is still refused by its kernel-reported credentials, unless
// control.allow_user / control.allow_group name it. Needs root (to become another user).

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

constexpr uid_t kNobody = 65534;

// In a child running as uid/gid 65534: connects to `path`, sends `request`, returns everything
// read until EOF or 3 s.
std::string exchange_as_nobody(const std::string& path, const std::string& request) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return "<pipe failed>";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    std::string out;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      out = "<setuid failed>";
    } else {
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un sun{};
      sun.sun_family = AF_UNIX;
      std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
        out = "<connect failed>";
      } else {
        (void)!::write(fd, request.data(), request.size());
        timeval tv{3, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
          out.append(buf, static_cast<size_t>(n));
          // An allowed client gets its reply and the connection stays open: stop at its end.
          if (request[0] == '{' && out.find('\n') != std::string::npos) break;
          if (request[0] == 'd' && out.back() == 'e') break;
        }
      }
    }
    (void)!::write(pipefd[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;)
    got.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return got;
}

class PeerAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  }
  // A daemon whose sockets any local user can reach, with the given extra config lines.
  std::unique_ptr<DaemonProcess> start(const std::string& config_lines) {
    cfg_ = "/tmp/rtpx-peer-" + std::to_string(::getpid()) + ".toml";
    std::ofstream(cfg_) << "[control]\nsocket_mode = \"0666\"\n" << config_lines;
    ng_sock_ = "/tmp/rtpx-peer-ng-" + std::to_string(::getpid()) + ".sock";
    auto d = std::make_unique<DaemonProcess>(
        DaemonArgs{.extra = {"--config", cfg_, "--ng-listen-unix", ng_sock_}});
    ::chmod(std::filesystem::path(d->socket_path()).parent_path().c_str(), 0755);
    return d;
  }
  void TearDown() override {
    if (!cfg_.empty()) ::unlink(cfg_.c_str());
  }
  std::string cfg_, ng_sock_;
};

TEST_F(PeerAccessTest, AnotherUserIsRefusedOnBothSockets) {
  auto d = start("");
  const std::string got = exchange_as_nobody(d->socket_path(), "{\"cmd\":\"stats\"}\n");
  EXPECT_NE(got.find("\"forbidden\""), std::string::npos) << got;
  EXPECT_NE(got.find("uid 65534"), std::string::npos) << got;
  EXPECT_EQ(got.find("\"result\""), std::string::npos) << "no command ran: " << got;
  const std::string ng = exchange_as_nobody(ng_sock_, "d7:command4:pinge");
  EXPECT_EQ(ng.rfind("d6:result5:error", 0), 0u) << ng;
  EXPECT_EQ(ng.find("pong"), std::string::npos) << ng;
  // rtpxd itself carries on; root is always allowed.
  EXPECT_EQ(d->control().request("stats")["sessions"]["current"], 0);
  EXPECT_EQ(d->stop(), 0);
}

TEST_F(PeerAccessTest, ConfiguredUserOrGroupIsAllowed) {
  for (const std::string line : {"allow_user = \"65534\"\n", "allow_group = \"65534\"\n"}) {
    auto d = start(line);
    const std::string got = exchange_as_nobody(d->socket_path(), "{\"cmd\":\"stats\"}\n");
    EXPECT_NE(got.find("\"result\""), std::string::npos) << line << got;
    const std::string ng = exchange_as_nobody(ng_sock_, "d7:command4:pinge");
    EXPECT_EQ(ng, "d6:result4:ponge") << line;
    EXPECT_EQ(d->stop(), 0);
  }
}

TEST_F(PeerAccessTest, UnknownUserFailsStartupNamingTheKey) {
  cfg_ = "/tmp/rtpx-peer-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(cfg_) << "[control]\nallow_user = \"no-such-user-xyz\"\n";
  const std::string cmd = std::string(RTPXD_PATH) + " --check-config --config " + cfg_ + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("allow_user"), std::string::npos) << out;
  EXPECT_NE(out.find("no-such-user-xyz"), std::string::npos) << out;
}

}  // namespace
}  // namespace rtpx::test
