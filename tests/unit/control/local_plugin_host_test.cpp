// The CLI's in-process plugin host (rtpx dialplan test --conf, rtpx service --plugin): the example
// plugin loads through plugin_loader's checks, its service answers, unknown services and
// incompatible plugins are errors that say why, and the search path has the documented order.

#include "control/cli/local_plugin_host.hpp"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

namespace rtpx::cli {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(LocalPluginHost, ExampleEchoRoundTrip) {
  LocalPluginHost host(json{{"greeting", "hi"}});
  host.load(EXAMPLE_PLUGIN);
  const json request = {{"context", "default"}, {"list", {1, "two", nullptr}}};
  auto answer = host.call("example.echo", request, 2000ms);
  EXPECT_TRUE(answer.ok) << answer.value.dump();
  EXPECT_EQ(answer.value, request);
  // null sends {}.
  answer = host.call("example.echo", nullptr, 2000ms);
  EXPECT_TRUE(answer.ok);
  EXPECT_EQ(answer.value, json::object());
}

TEST(LocalPluginHost, UnknownServiceIsNotFound) {
  LocalPluginHost host(json::object());
  host.load(EXAMPLE_PLUGIN);
  auto answer = host.call("dialplan.route", json::object(), 2000ms);
  EXPECT_FALSE(answer.ok);
  EXPECT_EQ(answer.value["code"], "not_found");
  EXPECT_EQ(answer.value["field"], "service");
  EXPECT_NE(answer.value["message"].get<std::string>().find("dialplan.route"), std::string::npos);
}

TEST(LocalPluginHost, IncompatiblePluginIsRefusedWithTheReason) {
  LocalPluginHost host(json::object());
  try {
    host.load(std::string(TEST_PLUGIN_DIR) + "/test_plugin_abi_major_2.so");
    FAIL() << "loaded a plugin built for ABI 2";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("built for plugin ABI 2."), std::string::npos) << e.what();
  }
  try {
    host.load("/nonexistent/dialplan.so");
    FAIL() << "loaded a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dialplan.so"), std::string::npos);
  }
}

TEST(LocalPluginHost, SearchPathOrder) {
  ::setenv("RTPX_PLUGIN_PATH", "/env/one:/env/two", 1);
  const auto dirs = plugin_search_path("dialplan", {"/given"});
  ::unsetenv("RTPX_PLUGIN_PATH");
  ASSERT_GE(dirs.size(), 6u);
  EXPECT_EQ(dirs[0], "/given");
  EXPECT_EQ(dirs[1], "/env/one");
  EXPECT_EQ(dirs[2], "/env/two");
  // Then next to this executable: the build tree's plugins/dialplan, and the installed layout.
  const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  EXPECT_EQ(dirs[3], (exe_dir / "../../plugins/dialplan").lexically_normal().string());
  EXPECT_EQ(dirs.back(), (exe_dir / "../lib/rtpx/plugins").lexically_normal().string());
}

}  // namespace
}  // namespace rtpx::cli
