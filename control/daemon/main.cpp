// rtpxd: the rtpx media relay daemon.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "control/daemon/daemon.hpp"
#include "control/daemon/demo_call.hpp"
#include "control/daemon/options.hpp"

namespace {

using rtpx::daemon::Daemon;
using rtpx::daemon::DaemonOptions;

// The demo runs the embedded default config on private listeners so it never collides with an
// installed rtpxd (or rtpengine on 2223).
int run_demo(DaemonOptions opts) {
  auto dir = std::filesystem::temp_directory_path() / ("rtpx-demo-" + std::to_string(::getpid()));
  opts.config.control.socket = (dir / "control.sock").string();
  opts.config.control.ng_listen = "127.0.0.1:0";
  spdlog::set_level(spdlog::level::warn);
  Daemon daemon(opts.config);
  std::thread server([&] { daemon.run(false); });
  rtpx::daemon::DemoResult r;
  try {
    r = rtpx::daemon::run_demo_call(daemon.control_path(), opts.demo_seconds, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "rtpxd demo: " << e.what() << "\n";
  }
  daemon.stop();
  server.join();
  std::filesystem::remove_all(dir);
  return r.ok ? 0 : 1;
}

int serve(DaemonOptions opts) {
  spdlog::set_level(spdlog::level::from_str(opts.config.log.level));
  if (opts.demo) return run_demo(opts);
  // Paths given relative to where rtpxd was started stay valid after daemon() moves to "/" (the
  // config file is read again by the plugin host it starts, and on restarts).
  if (opts.config.source != "<embedded>" && !opts.config.source.empty())
    opts.config.source = std::filesystem::absolute(opts.config.source).lexically_normal().string();
  if (!opts.pid_file.empty()) opts.pid_file = std::filesystem::absolute(opts.pid_file).string();
  if (!opts.foreground) {
    // Supervisors (systemd, runit) keep the process in the foreground; daemonize for the rest.
    if (::daemon(0, 1) != 0) {
      std::perror("rtpxd: daemon");
      return 1;
    }
  }
  if (!opts.pid_file.empty()) std::ofstream(opts.pid_file) << ::getpid() << "\n";
  Daemon daemon(opts.config);
  int rc = daemon.run(true);
  if (!opts.pid_file.empty()) std::filesystem::remove(opts.pid_file);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  return rtpx::daemon::run_with_options(argc, argv, [](const DaemonOptions& opts) {
    try {
      return serve(opts);
    } catch (const std::exception& e) {
      std::cerr << "rtpxd: " << e.what() << "\n";
      return 1;
    }
  });
}
