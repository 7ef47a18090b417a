// `rtpx dialplan test --conf DIR`: no daemon; the CLI loads dialplan.so itself (found with
// --plugin-dir, or next to the rtpx binary in the build tree) over a FreeSWITCH conf dir made from
// the verbatim fixtures plus a vars.xml, and prints where a call goes.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace rtpx::test {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

Outcome run(const std::string& args) {
  const std::string err_file = ::testing::TempDir() + "rtpx-dp-" + std::to_string(::getpid());
  Outcome r;
  FILE* p = ::popen((std::string(RTPX_CLI_PATH) + " " + args + " 2>" + err_file).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream f(err_file);
  r.err.assign(std::istreambuf_iterator<char>(f), {});
  ::unlink(err_file.c_str());
  return r;
}

class DialplanCli : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = fs::path(::testing::TempDir()) / ("rtpx-dp-conf-" + std::to_string(::getpid()));
    fs::remove_all(conf_);
    fs::copy(fs::path(FIXTURE_DIR) / "freeswitch", conf_, fs::copy_options::recursive);
    std::ofstream(conf_ / "vars.xml")
        << "<include>\n"
           "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=rtpx.test\"/>\n"
           "  <X-PRE-PROCESS cmd=\"set\" data=\"unroll_loops=true\"/>\n"
           "</include>\n";
  }
  void TearDown() override { fs::remove_all(conf_); }
  std::string conf() const { return " --conf " + conf_.string() + " "; }

  fs::path conf_;
};

TEST_F(DialplanCli, InboundNumberGoesToTheUser) {
  const Outcome r =
      run("dialplan test --plugin-dir " + std::string(DIALPLAN_DIR) + conf() + "wavix 16468097065");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "context:      wavix\n"
            "destination:  16468097065\n"
            "extension:    in-wavix (dialplan/wavix.xml:10)\n"
            "actions:\n"
            "  1. bridge user/1000@rtpx.test (dialplan/wavix.xml:12)\n"
            "     failover order:\n"
            "       group 1:\n"
            "         user  user/1000@rtpx.test  domain=rtpx.test user=1000\n"
            "  2. hangup (dialplan/wavix.xml:13)\n");
}

TEST_F(DialplanCli, OutboundNumberBridgesToTheGatewaysInTurn) {
  // No --plugin-dir: found next to the rtpx binary in the build tree. Variables from var=val.
  const Outcome r = run("dialplan test" + conf() + "wavix 6468097065 sip_looped_call=false");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("extension:    out-wavix (dialplan/wavix.xml:16)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  1. bridge sofia/gateway/wavix/6468097065 (dialplan/wavix.xml:18)\n"
                       "     failover order:\n"
                       "       group 1:\n"
                       "         gateway  sofia/gateway/wavix/6468097065  gateway=wavix "
                       "number=6468097065\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  4. bridge sofia/gateway/wavix_fo/6468097065 (dialplan/wavix.xml:21)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(DialplanCli, NoMatchAndUnknownContextAreErrors) {
  Outcome r = run("dialplan test" + conf() + "wavix 99");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("rtpx: error: no extension in context 'wavix' matches '99' (field: "
                       "destination_number)"),
            std::string::npos)
      << r.err;
  r = run("dialplan test" + conf() + "nowhere 1000");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("(field: context)"), std::string::npos) << r.err;
  // The generic command runs the same plugin in-process and prints its JSON.
  r = run("service --plugin dialplan" + conf() +
          "dialplan.route '{\"context\": \"wavix\", \"destination_number\": \"1000\"}'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_EQ(j["extensions"][0]["name"], "local") << r.out;
}

TEST(DialplanCliNoPlugin, MissingPluginSaysWhereItLooked) {
  const Outcome r = run("service --plugin no_such_plugin --plugin-dir /nonexistent x.y");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("plugin no_such_plugin not found (searched /nonexistent"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace rtpx::test
