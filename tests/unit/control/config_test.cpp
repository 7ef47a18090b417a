#include "control/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "control/daemon/options.hpp"

namespace rtpx {
namespace {

using config::Config;
using config::ConfigError;
using config::Relatch;
using daemon::DaemonOptions;

// A scratch directory per test, removed afterwards.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rtpx-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Loads `text` from a file named t.toml and returns the error message ("" when it loads).
  std::string error_of(const std::string& text) {
    std::string path = write("t.toml", text);
    try {
      config::load_config_file(path);
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ":", 0), 0u) << msg;
      return msg.substr(dir_.string().size() + 1);  // "t.toml:3: ..."
    }
    return "";
  }

  std::filesystem::path dir_;
};

// Runs parse_daemon_options on "rtpxd" + args.
DaemonOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), "rtpxd");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  return daemon::parse_daemon_options(static_cast<int>(argv.size()), argv.data());
}

std::string flag_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

struct RunResult {
  int code = -1;
  bool ran = false;
  std::string out;
  std::string err;
};

RunResult run(std::vector<std::string> args) {
  args.insert(args.begin(), "rtpxd");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  RunResult r;
  std::ostringstream out;
  std::ostringstream err;
  r.code = daemon::run_with_options(
      static_cast<int>(argv.size()), argv.data(),
      [&](const DaemonOptions&) {
        r.ran = true;
        return 0;
      },
      out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(Config, EmbeddedDefaultEqualsStructDefaults) {
  Config parsed = config::parse_config(config::default_config_toml(), "<embedded>");
  EXPECT_TRUE(parsed == Config{});
  EXPECT_TRUE(config::validate(Config{}).empty());
}

TEST(Config, EmptyTextIsAllDefaults) {
  Config c = config::parse_config("", "empty.toml");
  EXPECT_EQ(c.source, "empty.toml");
  c.source = Config{}.source;
  EXPECT_TRUE(c == Config{});
}

TEST_F(ConfigFiles, FullValidFile) {
  std::string path = write("full.toml", R"(
[engine]
backend = "epoll"
threads = 4
pool_packets = 8192
burst = 64
[media]
interface = "::1"
advertised = "203.0.113.7"
port_min = 20000
port_max = 20999
timeout = 0
strict_source = true
relatch = "never"
[control]
socket = "/tmp/rtpx.sock"
socket_mode = 0o600
ng_listen = "[::1]:22222"
[log]
level = "debug"
)");
  Config c = config::load_config_file(path);
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.engine.backend, "epoll");
  EXPECT_EQ(c.engine.threads, 4u);
  EXPECT_EQ(c.engine.pool_packets, 8192u);
  EXPECT_EQ(c.engine.burst, 64u);
  EXPECT_EQ(c.media.interface, "::1");
  EXPECT_EQ(c.media.advertised, "203.0.113.7");
  EXPECT_EQ(c.media.port_min, 20000);
  EXPECT_EQ(c.media.port_max, 20999);
  EXPECT_EQ(c.media.timeout, 0u);
  EXPECT_TRUE(c.media.strict_source);
  EXPECT_EQ(c.media.relatch, Relatch::never);
  EXPECT_EQ(c.control.socket, "/tmp/rtpx.sock");
  EXPECT_EQ(c.control.socket_mode, 0600u);
  EXPECT_EQ(c.control.ng_listen, "[::1]:22222");
  EXPECT_EQ(c.log.level, "debug");
}

TEST(Config, OtherValidForms) {
  auto parse_text = [](const std::string& t) { return config::parse_config(t, "x.toml"); };
  EXPECT_EQ(parse_text("control.socket_mode = \"0640\"").control.socket_mode, 0640u);
  EXPECT_EQ(parse_text("control.socket_mode = 432").control.socket_mode, 0660u);
  EXPECT_EQ(parse_text("control.ng_listen = \"\"").control.ng_listen, "");
  EXPECT_EQ(parse_text("control.ng_listen = \"0.0.0.0:0\"").control.ng_listen, "0.0.0.0:0");
  EXPECT_EQ(parse_text("media = { relatch = \"any\" }").media.relatch, Relatch::any);
  Config wild = parse_text("[media]\ninterface = \"0.0.0.0\"\nadvertised = \"192.0.2.1\"");
  EXPECT_EQ(wild.media.interface, "0.0.0.0");
  EXPECT_EQ(config::to_string(Relatch::same_ssrc), "same-ssrc");
}

TEST_F(ConfigFiles, UnknownKeysAndTables) {
  EXPECT_EQ(error_of("[media]\nport_min = 30000\nprot_min = 30000\n"),
            "t.toml:3: unknown key 'media.prot_min' (did you mean 'port_min'?)");
  EXPECT_EQ(error_of("# c\n[medai]\nport_min = 30000\n"),
            "t.toml:2: unknown table 'medai' (did you mean 'media'?)");
  EXPECT_EQ(error_of("\nport_min = 30000\n"),
            "t.toml:2: unknown key 'port_min' (did you mean 'media.port_min'?)");
  EXPECT_EQ(error_of("[engine]\ntimeout = 5\n"),
            "t.toml:2: unknown key 'engine.timeout' (did you mean 'media.timeout'?)");
  EXPECT_EQ(error_of("[log]\nfile = \"/var/log/rtpx\"\n"), "t.toml:2: unknown key 'log.file'");
  EXPECT_EQ(error_of("media = 5\n"), "t.toml:1: 'media' must be a table");
}

TEST_F(ConfigFiles, EarliestErrorIsReported) {
  EXPECT_EQ(error_of("[media]\nzzz = 1\nport_min = \"x\"\n"), "t.toml:2: unknown key 'media.zzz'");
}

TEST_F(ConfigFiles, WrongTypes) {
  EXPECT_EQ(error_of("[media]\n\nport_min = \"30000\"\n"),
            "t.toml:3: 'media.port_min' must be an integer");
  EXPECT_EQ(error_of("[media]\nport_min = 30000.0\n"),
            "t.toml:2: 'media.port_min' must be an integer");
  EXPECT_EQ(error_of("[engine]\nbackend = 1\n"), "t.toml:2: 'engine.backend' must be a string");
  EXPECT_EQ(error_of("[media]\nstrict_source = \"yes\"\n"),
            "t.toml:2: 'media.strict_source' must be true or false");
  EXPECT_EQ(error_of("[control]\nsocket_mode = [1]\n"),
            "t.toml:2: 'control.socket_mode' must be an octal string like \"0660\" or an integer");
}

TEST_F(ConfigFiles, BadValues) {
  EXPECT_EQ(error_of("[engine]\nbackend = \"dpdk\"\n"),
            "t.toml:2: 'engine.backend' must be one of \"io_uring\", \"epoll\"");
  EXPECT_EQ(error_of("[engine]\nthreads = 257\n"),
            "t.toml:2: 'engine.threads' must be between 0 and 256");
  EXPECT_EQ(error_of("[engine]\nthreads = -1\n"),
            "t.toml:2: 'engine.threads' must be between 0 and 256");
  EXPECT_EQ(error_of("[engine]\nburst = 0\n"),
            "t.toml:2: 'engine.burst' must be between 1 and 256");
  EXPECT_EQ(error_of("[engine]\npool_packets = 63\n"),
            "t.toml:2: 'engine.pool_packets' must be between 64 and 1048576");
  EXPECT_EQ(error_of("[media]\ntimeout = 86401\n"),
            "t.toml:2: 'media.timeout' must be between 0 and 86400");
  EXPECT_EQ(error_of("[media]\nrelatch = \"sometimes\"\n"),
            "t.toml:2: 'media.relatch' must be one of \"never\", \"same-ssrc\", \"any\"");
  EXPECT_EQ(error_of("[control]\nsocket_mode = \"0999\"\n"),
            "t.toml:2: 'control.socket_mode' must be an octal string like \"0660\" or an integer");
  EXPECT_EQ(error_of("[control]\nsocket_mode = 0o1000\n"),
            "t.toml:2: 'control.socket_mode' must be between 0 and 0777");
  EXPECT_EQ(error_of("[control]\nsocket = \"\"\n"), "t.toml:2: 'control.socket' must not be empty");
  EXPECT_EQ(error_of("[log]\nlevel = \"verbose\"\n"),
            "t.toml:2: 'log.level' must be one of \"trace\", \"debug\", \"info\", \"warn\", "
            "\"error\", \"critical\", \"off\"");
}

TEST_F(ConfigFiles, Addresses) {
  EXPECT_EQ(error_of("[media]\ninterface = \"eth0\"\n"),
            "t.toml:2: 'media.interface' must be an IPv4 or IPv6 address, not \"eth0\"");
  EXPECT_EQ(error_of("[media]\nadvertised = \"1.2.3\"\n"),
            "t.toml:2: 'media.advertised' must be an IPv4 or IPv6 address, not \"1.2.3\"");
  EXPECT_EQ(error_of("[media]\ninterface = \"0.0.0.0\"\n"),
            "t.toml:2: 'media.interface' must be a specific address unless media.advertised is "
            "set, not 0.0.0.0");
  EXPECT_EQ(error_of("[media]\ninterface6 = \"127.0.0.1\"\n"),
            "t.toml:2: 'media.interface6' must be empty or an IPv6 address, not \"127.0.0.1\"");
  EXPECT_EQ(error_of("[media]\ninterface6 = \"::1\"\nadvertised6 = \"192.0.2.1\"\n"),
            "t.toml:3: 'media.advertised6' must be empty or an IPv6 address, not \"192.0.2.1\"");
  EXPECT_EQ(error_of("[media]\ninterface = \"::1\"\ninterface6 = \"::1\"\n"),
            "t.toml:3: 'media.interface6' must be empty when media.interface is already IPv6 "
            "(::1)");
  EXPECT_EQ(error_of("[media]\nadvertised6 = \"2001:db8::1\"\n"),
            "t.toml:2: 'media.advertised6' needs media.interface6 to be set");
  EXPECT_EQ(error_of("[media]\ninterface6 = \"::\"\n"),
            "t.toml:2: 'media.interface6' must be a specific address unless media.advertised6 is "
            "set, not ::");
  EXPECT_EQ(
      config::parse_config("[media]\ninterface6 = \"::1\"\nadvertised6 = \"2001:db8::1\"", "t.toml")
          .media.advertised6,
      "2001:db8::1");
  EXPECT_EQ(error_of("[control]\nng_listen = \"::1:2223\"\n"),
            "t.toml:2: 'control.ng_listen' must write an IPv6 address in brackets, like "
            "\"[::1]:2223\"");
  EXPECT_EQ(error_of("[control]\nng_listen = \"127.0.0.1\"\n"),
            "t.toml:2: 'control.ng_listen' must be empty, \"ip:port\" or \"[ipv6]:port\", not "
            "\"127.0.0.1\"");
  EXPECT_EQ(error_of("[control]\nng_listen = \"localhost:2223\"\n"),
            "t.toml:2: 'control.ng_listen' must be empty, \"ip:port\" or \"[ipv6]:port\", not "
            "\"localhost:2223\"");
  EXPECT_EQ(error_of("[control]\nng_listen = \"[::1]\"\n"),
            "t.toml:2: 'control.ng_listen' must be empty, \"ip:port\" or \"[ipv6]:port\", not "
            "\"[::1]\"");
  EXPECT_EQ(error_of("[control]\nng_listen = \"[1.2.3.4]:5\"\n"),
            "t.toml:2: 'control.ng_listen' must be empty, \"ip:port\" or \"[ipv6]:port\", not "
            "\"[1.2.3.4]:5\"");
  EXPECT_EQ(error_of("[control]\nng_listen = \"[::1]:65536\"\n"),
            "t.toml:2: 'control.ng_listen' must end in a port number 0..65535, not \"65536\"");
}

TEST_F(ConfigFiles, PortRange) {
  EXPECT_EQ(error_of("[media]\nport_min = 30001\n"), "t.toml:2: 'media.port_min' must be even");
  EXPECT_EQ(error_of("[media]\nport_min = 1000\n"),
            "t.toml:2: 'media.port_min' must be between 1024 and 65535");
  EXPECT_EQ(error_of("[media]\nport_max = 65536\n"),
            "t.toml:2: 'media.port_max' must be between 1024 and 65535");
  // Only one key set: the rule blames it, with the default of the other in the reason.
  EXPECT_EQ(error_of("[media]\nport_min = 40000\n"),
            "t.toml:2: 'media.port_min' must be less than media.port_max (40000)");
  EXPECT_EQ(error_of("[media]\nport_max = 20000\n"),
            "t.toml:2: 'media.port_max' must be greater than media.port_min (30000)");
  EXPECT_EQ(error_of("[media]\nport_min = 30000\nport_max = 30002\n"),
            "t.toml:2: 'media.port_min' must be at most media.port_max - 3 (29999) so the range "
            "holds at least 4 ports");
  EXPECT_EQ(error_of("[media]\nport_min = 30000\nport_max = 30003\n"), "");
}

TEST_F(ConfigFiles, SyntaxErrorHasLineAndColumn) {
  std::string msg = error_of("[media]\nport_min = = 3\n");
  EXPECT_EQ(msg.rfind("t.toml:2:12: ", 0), 0u) << msg;
}

TEST_F(ConfigFiles, UnreadableFile) {
  std::string path = (dir_ / "missing.toml").string();
  try {
    config::load_config_file(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot read: No such file or directory");
  }
  EXPECT_THROW(config::load_config_file(dir_.string()), ConfigError);  // a directory
}

TEST_F(ConfigFiles, FlagsOverrideTheFile) {
  std::string path = write("f.toml",
                           "[media]\nport_min = 20000\nport_max = 21000\n"
                           "[engine]\nbackend = \"io_uring\"\n");
  DaemonOptions o = parse({"--config",
                           path,
                           "--port-min",
                           "20500",
                           "--backend",
                           "epoll",
                           "--threads",
                           "2",
                           "--interface",
                           "10.0.0.1",
                           "--advertised-address",
                           "192.0.2.9",
                           "--timeout",
                           "30",
                           "--ng-listen",
                           "",
                           "--control",
                           "/tmp/c.sock",
                           "--log-level",
                           "warn",
                           "--strict-source",
                           "-f",
                           "--pid-file",
                           "/tmp/rtpxd.pid"});
  const Config& c = o.config;
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.media.port_min, 20500);
  EXPECT_EQ(c.media.port_max, 21000);  // from the file
  EXPECT_EQ(c.engine.backend, "epoll");
  EXPECT_EQ(c.engine.threads, 2u);
  EXPECT_EQ(c.media.interface, "10.0.0.1");
  EXPECT_EQ(c.media.advertised, "192.0.2.9");
  EXPECT_EQ(c.media.timeout, 30u);
  EXPECT_EQ(c.control.ng_listen, "");
  EXPECT_EQ(c.control.socket, "/tmp/c.sock");
  EXPECT_EQ(c.log.level, "warn");
  EXPECT_TRUE(c.media.strict_source);
  EXPECT_TRUE(o.foreground);
  EXPECT_EQ(o.pid_file, "/tmp/rtpxd.pid");
  EXPECT_FALSE(o.demo);

  std::string strict = write("s.toml", "media.strict_source = true\n");
  EXPECT_FALSE(parse({"--config", strict, "--no-strict-source"}).config.media.strict_source);
}

TEST_F(ConfigFiles, DemoFlag) {
  std::string path = write("d.toml", "");
  DaemonOptions bare = parse({"--config", path, "--demo"});
  EXPECT_TRUE(bare.demo);
  EXPECT_EQ(bare.demo_seconds, 3);
  EXPECT_EQ(parse({"--config", path, "--demo", "1.5", "-f"}).demo_seconds, 1.5);
  EXPECT_EQ(flag_error({"--config", path, "--demo", "-1"}),
            "--demo: must be a number of seconds above 0 and at most 86400, not \"-1\"");
}

TEST_F(ConfigFiles, FlagValidationErrors) {
  std::string path = write("v.toml", "[media]\nport_min = 20000\nport_max = 21000\n");
  EXPECT_EQ(flag_error({"--config", path, "--port-min", "20001"}), "--port-min: must be even");
  EXPECT_EQ(flag_error({"--config", path, "--port-min", "abc"}), "--port-min: must be an integer");
  EXPECT_EQ(flag_error({"--config", path, "--port-max", "70000"}),
            "--port-max: must be between 1024 and 65535");
  // The file's port_min is fine alone; the flag breaks the pair, so the flag is blamed.
  EXPECT_EQ(flag_error({"--config", path, "--port-max", "19000"}),
            "--port-max: must be greater than media.port_min (20000)");
  EXPECT_EQ(flag_error({"--config", path, "--port-min", "22000"}),
            "--port-min: must be less than media.port_max (21000)");
  EXPECT_EQ(flag_error({"--config", path, "--threads", "999"}),
            "--threads: must be between 0 and 256");
  EXPECT_EQ(flag_error({"--config", path, "--backend", "dpdk"}),
            "--backend: must be one of \"io_uring\", \"epoll\"");
  EXPECT_EQ(flag_error({"--config", path, "--interface", "eth0"}),
            "--interface: must be an IPv4 or IPv6 address, not \"eth0\"");
  EXPECT_EQ(flag_error({"--config", path, "--interface", "0.0.0.0"}),
            "--interface: must be a specific address unless media.advertised is set, not 0.0.0.0");
  EXPECT_EQ(flag_error({"--config", path, "--interface6", "10.0.0.1"}),
            "--interface6: must be empty or an IPv6 address, not \"10.0.0.1\"");
  EXPECT_EQ(flag_error({"--config", path, "--advertised-address6", "2001:db8::1"}),
            "--advertised-address6: needs media.interface6 to be set");
  EXPECT_EQ(flag_error({"--config", path, "--ng-listen", "2223"}),
            "--ng-listen: must be empty, \"ip:port\" or \"[ipv6]:port\", not \"2223\"");
  EXPECT_EQ(flag_error({"--config", path, "--log-level", "loud"}).rfind("--log-level: ", 0), 0u);
  EXPECT_EQ(flag_error({"--config", path, "--strict-source", "--no-strict-source"}),
            "--strict-source: cannot be combined with --no-strict-source");
}

TEST_F(ConfigFiles, CheckConfig) {
  std::string good = write("good.toml", "[engine]\nbackend = \"epoll\"\n");
  RunResult ok = run({"--config", good, "--check-config"});
  EXPECT_EQ(ok.code, 0);
  EXPECT_FALSE(ok.ran);
  EXPECT_EQ(ok.out, good + ": OK\n");

  std::string bad = write("bad.toml", "[engine]\n\nbackend = \"dpdk\"\n");
  RunResult fail = run({"--config", bad, "--check-config"});
  EXPECT_EQ(fail.code, 2);
  EXPECT_FALSE(fail.ran);
  EXPECT_EQ(fail.err.rfind(bad + ":3: 'engine.backend'", 0), 0u) << fail.err;

  RunResult flag = run({"--config", good, "--check-config", "--port-min", "3"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err, "--port-min: must be between 1024 and 65535\n");
}

TEST_F(ConfigFiles, ExplicitMissingConfigIsAnError) {
  std::string path = (dir_ / "nope.toml").string();
  RunResult r = run({"--config", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(r.ran);
  EXPECT_EQ(r.err, path + ": cannot read: No such file or directory\n");
}

TEST_F(ConfigFiles, RunsWithValidOptions) {
  std::string path = write("r.toml", "");
  RunResult r = run({"--config", path, "-f"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.err, "");
}

TEST(DaemonOptions, UnknownFlagIsAnError) {
  EXPECT_ANY_THROW(parse({"--bogus"}));
  RunResult r = run({"--bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(r.ran);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  EXPECT_EQ(run({"--port-min"}).code, 2);  // missing value
  EXPECT_EQ(run({"stray"}).code, 2);
}

TEST(DaemonOptions, HelpVersionAndDefaultConfig) {
  RunResult help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_FALSE(help.ran);
  for (const char* s : {"--config", "--port-min", "--ng-listen", "--demo", "Media", "Running"}) {
    EXPECT_NE(help.out.find(s), std::string::npos) << s << " missing from:\n" << help.out;
  }
  RunResult version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, std::string("rtpxd ") + RTPX_VERSION + "\n");

  // Works even next to a broken or missing config file: nothing is loaded.
  RunResult dflt = run({"--print-default-config", "--config", "/nonexistent/rtpx.toml"});
  EXPECT_EQ(dflt.code, 0);
  EXPECT_EQ(dflt.out, std::string(config::default_config_toml()));
}

TEST(DaemonOptions, DefaultConfigWithoutFile) {
  if (std::filesystem::exists(daemon::kDefaultConfigPath)) {
    GTEST_SKIP() << "host has a config";
  }
  DaemonOptions o = parse({});
  EXPECT_EQ(o.config.source, "<embedded>");
  EXPECT_TRUE(o.config == Config{});
}

}  // namespace
}  // namespace rtpx
