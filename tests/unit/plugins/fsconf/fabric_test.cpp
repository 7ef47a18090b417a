#include "plugins/fsconf/fabric.hpp"

#include <gtest/gtest.h>

#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::fsconf {
namespace {

using Kind = BridgeTarget::Kind;

struct Fabric : ::testing::Test {
  test::TempConf conf;
  Conf c;
  void SetUp() override {
    conf.link_fixtures();
    conf.write_vars(test::default_vars());
    c = load_conf_dir(conf.dir());
  }
};

TEST_F(Fabric, DirectoryUserAddress) {
  const BridgeTarget t = resolve_fabric(c, parse_target("/private/1000"), "16468097065");
  EXPECT_EQ(t.kind, Kind::user);
  EXPECT_EQ(t.user, "1000");
  EXPECT_EQ(t.domain, "rtpx.test");
  EXPECT_EQ(t.raw, "/private/1000");
}

TEST_F(Fabric, GatewayAddressDialsTheDestination) {
  const BridgeTarget t = resolve_fabric(c, parse_target("/public/wavix_fo"), "12125551234");
  EXPECT_EQ(t.kind, Kind::gateway);
  EXPECT_EQ(t.gateway, "wavix_fo");
  EXPECT_EQ(t.number, "12125551234");
}

TEST_F(Fabric, UnknownAddress) {
  const BridgeTarget t = resolve_fabric(c, parse_target("/private/bob"), "1");
  EXPECT_EQ(t.kind, Kind::error);
  EXPECT_EQ(t.error, "unknown address '/private/bob'");
}

TEST_F(Fabric, OtherTargetsPassThrough) {
  const BridgeTarget in = parse_target("sofia/gateway/nothere/1");
  const BridgeTarget out = resolve_fabric(c, in, "1");
  EXPECT_EQ(out.kind, Kind::gateway);
  EXPECT_EQ(out.gateway, "nothere");
}

TEST_F(Fabric, KeepsLegVariables) {
  const BridgePlan p = parse_bridge("[leg_timeout=5]/private/1000");
  const BridgeTarget t = resolve_fabric(c, p.groups.at(0).at(0), "1");
  EXPECT_EQ(t.kind, Kind::user);
  EXPECT_EQ(t.vars.at("leg_timeout"), "5");
}

}  // namespace
}  // namespace rtpx::fsconf
