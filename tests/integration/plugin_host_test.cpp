// rtpx-plugins end to end: it loads the example plugin from a config file, the plugin reads its
// config table, asks rtpxd for engine.info over the control socket, and sees rtpxd's session
// events; a plugin built for another ABI is refused with the reason while the others run.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class HostProcess {
 public:
  HostProcess(const std::string& config, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(RTPX_PLUGINS_PATH, RTPX_PLUGINS_PATH, "--config", config.c_str(), "--plugin-path",
              PLUGIN_DIR, "--plugin-path", TEST_PLUGIN_DIR, nullptr);
      ::_exit(127);
    }
  }
  ~HostProcess() { stop(); }
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    return status_;
  }
  // Waits up to 10 s for `text` in the log.
  bool wait_for(const std::string& text, size_t count = 1) const {
    for (int i = 0; i < 200; ++i) {
      const std::string log = slurp(log_);
      size_t n = 0;
      for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string log() const { return slurp(log_); }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

TEST(PluginHost, ExamplePluginTalksToRtpxdAndIncompatibleOnesAreRefused) {
  DaemonProcess d{DaemonArgs{}};
  const std::string dir = "/tmp/rtpx-host-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string cfg = dir + "/rtpx.toml";
  std::ofstream(cfg) << "[control]\nsocket = \"" << d.socket_path() << "\"\n\n"
                     << "[plugins]\nload = [\"test_plugin_abi_major_2\", \"example\"]\n\n"
                     << "[plugins.example]\ngreeting = \"hello from rtpx.toml\"\n";
  HostProcess host(cfg, dir + "/host.log");

  EXPECT_TRUE(host.wait_for("this host speaks 1.1: rebuild it")) << host.log();
  ASSERT_TRUE(host.wait_for("[example] \"hello from rtpx.toml\"")) << host.log();
  // control_request: engine.info's reply, logged by the plugin.
  ASSERT_TRUE(host.wait_for("\"backend\"")) << host.log();
  // Events: a call created and deleted in rtpxd reaches the plugin.
  d.control().request("session.offer",
                      {{"call_id", "plug-1"}, {"from_tag", "a"}, {"sdp", audio_sdp(4000)}});
  d.control().request("session.delete", {{"call_id", "plug-1"}});
  EXPECT_TRUE(host.wait_for("\"event\":\"session_created\"")) << host.log();
  EXPECT_TRUE(host.wait_for("\"event\":\"session_deleted\"")) << host.log();
  EXPECT_NE(host.log().find("plug-1"), std::string::npos);

  EXPECT_EQ(host.stop(), 0) << host.log();
  EXPECT_NE(host.log().find("[example] example plugin stopping"), std::string::npos);
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
