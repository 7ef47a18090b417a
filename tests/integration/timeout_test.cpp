// Black-box: a call whose media stops is deleted after the media timeout and subscribers hear
// about it.

#include <gtest/gtest.h>

#include "tests/integration/daemon_fixture.hpp"

namespace rtpx::test {
namespace {

TEST(MediaTimeout, SilentCallIsDeletedAndAnEventIsSent) {
  DaemonArgs args;
  args.timeout = 2;
  DaemonProcess d(args);
  Phone alice, bob;
  client::ControlClient events;
  events.connect(d.socket_path());
  auto sub = events.request("events.subscribe", {{"events", {"media_timeout", "session_deleted"}}});
  EXPECT_EQ(sub["subscribed"].size(), 2u);

  auto offer = d.control().request(
      "session.offer", {{"call_id", "quiet"}, {"from_tag", "a"}, {"sdp", audio_sdp(alice.port())}});
  auto answer = d.control().request(
      "session.answer",
      {{"call_id", "quiet"}, {"from_tag", "a"}, {"to_tag", "b"}, {"sdp", audio_sdp(bob.port())}});
  // Media flows for a while: the call must survive past the timeout measured from signaling.
  const net::SockAddr dst = media_address(answer["sdp"]);
  for (uint16_t i = 0; i < 30; ++i) {
    alice.send_to(dst, rtp_packet(1, i));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(d.control().request("session.list")["calls"].size(), 1u);

  auto ev = events.next_event(std::chrono::milliseconds(6000));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ((*ev)["event"], "media_timeout");
  EXPECT_EQ((*ev)["call_id"], "quiet");
  ev = events.next_event(std::chrono::milliseconds(2000));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ((*ev)["event"], "session_deleted");
  EXPECT_EQ((*ev)["reason"], "timeout");

  nlohmann::json stats = d.control().request("stats");
  EXPECT_EQ(stats["sessions"]["current"], 0);
  EXPECT_EQ(stats["sessions"]["timed_out"], 1);
  EXPECT_EQ(stats["ports"]["used"], 0);
  events.close();
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace rtpx::test
