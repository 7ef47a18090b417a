// dtls_srtp_peer against itself: the reference the rtpxd DTLS-SRTP interop tests rely on.

#include <gtest/gtest.h>

#include "tests/integration/srtp/dtls_srtp_peer_process.hpp"

namespace rtpx::test {
namespace {

constexpr int kPackets = 50;

struct PairResult {
  nlohmann::json passive;
  nlohmann::json active;
  int passive_exit = -1;
  int active_exit = -1;
};

// Two peers on loopback exchanging kPackets each way, 5 ms apart.
PairResult run_pair(std::vector<std::string> passive_extra, std::vector<std::string> active_extra,
                    bool wrong_fingerprint = false) {
  std::vector<std::string> common = {
      "--send", std::to_string(kPackets), "--ptime-ms", "5", "--timeout-s", "5", "--linger-ms",
      "500"};
  passive_extra.insert(passive_extra.begin(), common.begin(), common.end());
  active_extra.insert(active_extra.begin(), common.begin(), common.end());
  passive_extra.insert(passive_extra.begin(), {"--role", "passive"});
  active_extra.insert(active_extra.begin(), {"--role", "active"});
  DtlsSrtpPeerProcess passive(DTLS_SRTP_PEER_PATH, passive_extra);
  DtlsSrtpPeerProcess active(DTLS_SRTP_PEER_PATH, active_extra);
  EXPECT_TRUE(passive.ready());
  EXPECT_TRUE(active.ready());
  PairResult run;
  if (!passive.ready() || !active.ready()) return run;
  EXPECT_EQ(passive.fingerprint().size(), 8u + 95u);
  passive.set_remote(active.address(),
                     wrong_fingerprint ? passive.fingerprint() : active.fingerprint());
  active.set_remote(passive.address(), passive.fingerprint());
  run.passive = passive.wait_result(10'000);
  run.active = active.wait_result(10'000);
  run.passive_exit = passive.exit_code();
  run.active_exit = active.exit_code();
  return run;
}

void expect_all_intact(const nlohmann::json& r, const std::string& profile) {
  ASSERT_TRUE(r.is_object()) << r.dump();
  EXPECT_EQ(r.value("handshake", ""), "ok") << r.dump();
  EXPECT_EQ(r.value("profile", ""), profile) << r.dump();
  EXPECT_EQ(r.value("sent", -1), kPackets) << r.dump();
  EXPECT_EQ(r.value("received", -1), kPackets) << r.dump();
  EXPECT_EQ(r.value("intact", -1), kPackets) << r.dump();
  EXPECT_EQ(r.value("auth_failed", -1), 0) << r.dump();
}

TEST(DtlsSrtpPeer, FiftyPacketsEachWayIntact) {
  const PairResult run = run_pair({}, {});
  expect_all_intact(run.passive, "SRTP_AEAD_AES_256_GCM");
  expect_all_intact(run.active, "SRTP_AEAD_AES_256_GCM");
  EXPECT_EQ(run.passive_exit, 0);
  EXPECT_EQ(run.active_exit, 0);
}

TEST(DtlsSrtpPeer, EachProfile) {
  for (const char* profile :
       {"SRTP_AES128_CM_SHA1_80", "SRTP_AES128_CM_SHA1_32", "SRTP_AEAD_AES_128_GCM"}) {
    SCOPED_TRACE(profile);
    const PairResult run = run_pair(
        {"--profiles", profile}, {"--profiles", std::string("SRTP_AEAD_AES_256_GCM:") + profile});
    expect_all_intact(run.passive, profile);
    expect_all_intact(run.active, profile);
  }
}

TEST(DtlsSrtpPeer, WrongKeyFailsAuthentication) {
  const PairResult run = run_pair({"--wrong-key"}, {});
  expect_all_intact(run.passive, "SRTP_AEAD_AES_256_GCM");  // it receives good packets
  ASSERT_TRUE(run.active.is_object());
  EXPECT_EQ(run.active.value("received", -1), kPackets) << run.active.dump();
  EXPECT_EQ(run.active.value("auth_failed", -1), kPackets) << run.active.dump();
  EXPECT_EQ(run.active.value("intact", -1), 0) << run.active.dump();
}

TEST(DtlsSrtpPeer, FingerprintMismatchFailsBothHandshakes) {
  const PairResult run = run_pair({}, {}, /*wrong_fingerprint=*/true);
  ASSERT_TRUE(run.passive.is_object());
  ASSERT_TRUE(run.active.is_object());
  EXPECT_EQ(run.passive.value("handshake", ""), "failed");
  EXPECT_EQ(run.passive.value("error", ""), "peer certificate fingerprint mismatch");
  EXPECT_EQ(run.active.value("handshake", ""), "failed") << run.active.dump();
  EXPECT_NE(run.passive_exit, 0);
  EXPECT_NE(run.active_exit, 0);
}

}  // namespace
}  // namespace rtpx::test
