// rtpload --transcode, the harness of the transcoding load benchmark, against both relays: A
// sends PCMU, B opus, and every packet must come out of the relay in the other side's codec (its
// payload type and, for PCMU, a whole 20 ms frame), once, in order, none lost (rtpengine keeps
// the last frame of each stream in its encoder; rtpxd keeps none). A relay that did not transcode
// would deliver PCMU to B and opus to A: every packet would count as corrupted.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/daemon_fixture.hpp"
#include "tests/integration/rtpengine_process.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;

constexpr int kSessions = 8;  // rtpengine's test slot has 38 media ports, 4 per session

// Harness ports 12000..17999 by pid: below the relays' ranges and the kernel's ephemeral ones.
int harness_port_base(int which) {
  return 12000 + static_cast<int>((::getpid() * 2 + which) % 150) * 40;
}

json rtpload(const std::string& ng, int port_base, const std::string& tag) {
  const std::string out =
      "/tmp/rtpx-rtpload-transcode-" + std::to_string(::getpid()) + "-" + tag + ".json";
  const std::string cmd = std::string(RTPLOAD_PATH) + " --ng " + ng + " --transcode opus" +
                          " --sessions " + std::to_string(kSessions) +
                          " --pps-per-stream 50 --warmup 0.5 --duration 2 --local-port-base " +
                          std::to_string(port_base) + " --json " + out + " -q --max-loss 0";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(out);
  json report = json::parse(f, nullptr, false);
  if (report.is_discarded()) report = json::object();
  report["exit"] = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::remove(out.c_str());
  return report;
}

void expect_every_packet_transcoded(const json& r) {
  ASSERT_TRUE(r.contains("result") && r["result"].is_object()) << r.dump(2);
  const json& res = r["result"];
  EXPECT_EQ(r["transcode"], "opus");
  // 2.5 s at 50 pps, 2 streams per session; the pacer may skip a few after a stall.
  EXPECT_GE(res["sent"].get<int>() + res["skipped"].get<int>(), kSessions * 2 * 125 - 2);
  EXPECT_EQ(res["loss_pct"], 0) << r.dump(2);
  // A relay may keep one frame per stream in its encoder when the senders stop, no more.
  EXPECT_LE(res["held"].get<int>(), kSessions * 2);
  EXPECT_LE(res["sent"].get<int>() - res["received"].get<int>(), kSessions * 2);
  EXPECT_EQ(res["corrupted"], 0);
  EXPECT_EQ(res["duplicates"], 0);
  EXPECT_EQ(res["misrouted"], 0);
  EXPECT_TRUE(res["latency_us"]["p50"].is_null()) << "no latency is measured when transcoding";
  EXPECT_EQ(r["exit"], 0) << r.dump(2);
}

TEST(RtploadTranscode, ThroughRtpxd) {
  DaemonArgs a;
  a.port_count = 4 * kSessions + 8;
  DaemonProcess d{a};
  const json r = rtpload(d.ng_address(), harness_port_base(0), "rtpxd");
  expect_every_packet_transcoded(r);
  // rtpxd keeps no frame back: every packet sent arrives.
  EXPECT_EQ(r["result"]["received"], r["result"]["sent"]) << r.dump(2);
  EXPECT_EQ(r["result"]["held"], 0);
  // rtpxd's own count: each packet that reached a side went through a transcoding stage.
  const json stats = d.control().request("stats");
  EXPECT_GE(stats["transcoding"]["rtp_sent"].get<uint64_t>(),
            r["result"]["received"].get<uint64_t>())
      << stats.dump(2);
}

TEST(RtploadTranscode, ThroughRtpengine) {
  const auto bin = RtpengineProcess::find_binary();
  if (!bin) GTEST_SKIP() << "rtpengine is not installed";
  RtpengineProcess rtpengine(*bin, {"127.0.0.1"});
  const json r = rtpload("127.0.0.1:" + std::to_string(rtpengine.ng_port()), harness_port_base(1),
                         "rtpengine");
  expect_every_packet_transcoded(r);
}

}  // namespace
}  // namespace rtpx::test
