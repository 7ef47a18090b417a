// RFC 4733 telephone-events: the event block against hand-assembled bytes (section 2.3 layout),
// the receiver's once-only reporting under loss, retransmission and reordering, and the packets
// the sender builds (section 2.5), long-event segments (2.5.1.3) included.

#include "codecs/dtmf/rfc4733.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "tests/common/counting_new.hpp"

namespace rtpx::codecs::dtmf {
namespace {

using Kind = EventReport::Kind;
using Bytes = std::array<uint8_t, 4>;

Bytes bytes(const Event& e) {
  Bytes b{};
  EXPECT_EQ(write_event(e, b), 4u);
  return b;
}

// ---- event block -----------------------------------------------------------------------------

TEST(Rfc4733Event, ParsesTheSection23Layout) {
  // Event 5, E set, R clear, volume 10 (-10 dBm0), duration 1600 (200 ms at 8 kHz).
  const Bytes wire{0x05, 0x8a, 0x06, 0x40};
  const auto e = parse_event(wire);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 5);
  EXPECT_TRUE(e->end);
  EXPECT_EQ(e->volume, 10);
  EXPECT_EQ(e->duration, 1600);
}

TEST(Rfc4733Event, ParsesAStartPacketAndIgnoresTheReservedBit) {
  // Event 11 ('#'), E clear, R set (must be ignored), volume 63, duration 0xffff.
  const Bytes wire{0x0b, 0x7f, 0xff, 0xff};
  const auto e = parse_event(wire);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, (Event{11, false, 63, 0xffff}));
}

TEST(Rfc4733Event, WritesTheSameBytes) {
  EXPECT_EQ(bytes({5, true, 10, 1600}), (Bytes{0x05, 0x8a, 0x06, 0x40}));
  EXPECT_EQ(bytes({9, false, 7, 160}), (Bytes{0x09, 0x07, 0x00, 0xa0}));
  EXPECT_EQ(bytes({16, false, 0, 0x1234}), (Bytes{0x10, 0x00, 0x12, 0x34}));
}

TEST(Rfc4733Event, WriteClampsTheVolumeAndNeverSetsR) {
  EXPECT_EQ(bytes({1, false, 200, 0}), (Bytes{0x01, 0x3f, 0x00, 0x00}));
  EXPECT_EQ(bytes({1, true, 64, 0}), (Bytes{0x01, 0xbf, 0x00, 0x00}));
}

TEST(Rfc4733Event, RoundTripsEveryCodeAndFlag) {
  for (int code = 0; code < 256; ++code)
    for (bool end : {false, true}) {
      const Event e{static_cast<uint8_t>(code), end, static_cast<uint8_t>(code % 64),
                    static_cast<uint16_t>(code * 257)};
      const Bytes b = bytes(e);
      EXPECT_EQ(parse_event(b), e) << code;
    }
}

TEST(Rfc4733Event, ShortPayloadRejectedAndLongerOneReadsTheFirstBlock) {
  const uint8_t wire[8] = {0x03, 0x0a, 0x01, 0x40, 0x04, 0x8a, 0x03, 0x20};
  for (size_t n = 0; n < 4; ++n) EXPECT_FALSE(parse_event(std::span(wire, n))) << n;
  const auto e = parse_event(wire);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, (Event{3, false, 10, 320}));

  uint8_t small[3] = {0xee, 0xee, 0xee};
  EXPECT_EQ(write_event({1, false, 0, 0}, small), 0u);
  EXPECT_EQ(small[0], 0xee);
}

TEST(Rfc4733Digits, CharsAndCodesMatchTheSection3Table) {
  const char* expect = "0123456789*#ABCD";
  for (uint8_t code = 0; code < 16; ++code) {
    EXPECT_EQ(digit_char(code), expect[code]);
    EXPECT_EQ(digit_code(expect[code]), code);
  }
  EXPECT_EQ(digit_char(16), 0);
  EXPECT_EQ(digit_char(255), 0);
  EXPECT_EQ(digit_code('a'), 12);
  EXPECT_EQ(digit_code('d'), 15);
  EXPECT_FALSE(digit_code('E'));
  EXPECT_FALSE(digit_code('e'));
  EXPECT_FALSE(digit_code(' '));
  EXPECT_FALSE(digit_code('\0'));
}

// ---- receiver --------------------------------------------------------------------------------

struct Feed {
  EventReceiver rx;
  std::vector<EventReport> reports;  // every non-none report, `previous` first

  EventReceiver::Update packet(uint32_t ts, bool marker, Event e) {
    const Bytes b = bytes(e);
    const EventReceiver::Update u = rx.on_packet(ts, marker, b);
    if (u.previous.kind != Kind::none) reports.push_back(u.previous);
    if (u.current.kind != Kind::none) reports.push_back(u.current);
    return u;
  }
};

TEST(Rfc4733Receiver, ReportsStartOnceAndEndOnceDespiteRetransmittedEnds) {
  Feed f;
  auto u = f.packet(1000, true, {5, false, 10, 160});
  EXPECT_EQ(u.current.kind, Kind::started);
  EXPECT_EQ(u.current.code, 5);
  EXPECT_EQ(u.current.volume, 10);
  EXPECT_EQ(u.current.duration_samples, 160u);
  EXPECT_EQ(u.previous.kind, Kind::none);
  for (uint16_t d = 320; d <= 800; d += 160)
    EXPECT_EQ(f.packet(1000, false, {5, false, 10, d}).current.kind, Kind::none);
  u = f.packet(1000, false, {5, true, 10, 880});
  EXPECT_EQ(u.current.kind, Kind::ended);
  EXPECT_EQ(u.current.code, 5);
  EXPECT_EQ(u.current.duration_samples, 880u);
  EXPECT_FALSE(f.rx.in_event());
  EXPECT_EQ(f.packet(1000, false, {5, true, 10, 880}).current.kind, Kind::none);
  EXPECT_EQ(f.packet(1000, false, {5, true, 10, 880}).current.kind, Kind::none);
  ASSERT_EQ(f.reports.size(), 2u);
  EXPECT_EQ(f.rx.close().kind, Kind::none);
}

TEST(Rfc4733Receiver, LostStartPacketStillReportsTheDigit) {
  Feed f;
  // The first packets (marker) never arrived: the first one seen is mid-event.
  const auto u = f.packet(2000, false, {7, false, 10, 480});
  EXPECT_EQ(u.current.kind, Kind::started);
  EXPECT_EQ(u.current.code, 7);
  EXPECT_EQ(f.packet(2000, false, {7, true, 10, 800}).current.kind, Kind::ended);
  EXPECT_EQ(f.reports.size(), 2u);
}

TEST(Rfc4733Receiver, OnlyEndPacketsSeenGivesStartedAndEnded) {
  Feed f;
  const auto u = f.packet(3000, false, {9, true, 12, 640});
  EXPECT_EQ(u.current.kind, Kind::started_and_ended);
  EXPECT_EQ(u.current.code, 9);
  EXPECT_EQ(u.current.volume, 12);
  EXPECT_EQ(u.current.duration_samples, 640u);
  EXPECT_EQ(f.packet(3000, false, {9, true, 12, 640}).current.kind, Kind::none);
  EXPECT_EQ(f.packet(3000, false, {9, true, 12, 640}).current.kind, Kind::none);
  EXPECT_EQ(f.reports.size(), 1u);
}

TEST(Rfc4733Receiver, NewEventWithoutEndClosesThePreviousOne) {
  Feed f;
  f.packet(4000, true, {1, false, 10, 160});
  f.packet(4000, false, {1, false, 10, 320});
  // All end packets of '1' lost; '2' starts.
  const auto u = f.packet(5000, true, {2, false, 10, 160});
  EXPECT_EQ(u.previous.kind, Kind::ended);
  EXPECT_EQ(u.previous.code, 1);
  EXPECT_EQ(u.previous.duration_samples, 320u);
  EXPECT_EQ(u.current.kind, Kind::started);
  EXPECT_EQ(u.current.code, 2);
  // A late end of '1' (reordered) changes nothing.
  const auto late = f.packet(4000, false, {1, true, 10, 400});
  EXPECT_EQ(late.previous.kind, Kind::none);
  EXPECT_EQ(late.current.kind, Kind::none);
  EXPECT_EQ(f.packet(5000, false, {2, true, 10, 400}).current.kind, Kind::ended);
  ASSERT_EQ(f.reports.size(), 4u);
}

TEST(Rfc4733Receiver, SameDigitTwiceIsTwoEvents) {
  Feed f;
  f.packet(100, true, {3, false, 10, 160});
  f.packet(100, false, {3, true, 10, 800});
  const auto u = f.packet(2100, true, {3, false, 10, 160});
  EXPECT_EQ(u.previous.kind, Kind::none);
  EXPECT_EQ(u.current.kind, Kind::started);
  f.packet(2100, false, {3, true, 10, 800});
  EXPECT_EQ(f.reports.size(), 4u);
}

TEST(Rfc4733Receiver, ReorderedPacketsDoNotShortenTheDuration) {
  Feed f;
  f.packet(100, true, {4, false, 10, 160});
  f.packet(100, false, {4, false, 10, 480});
  f.packet(100, false, {4, false, 10, 320});  // arrived after 480
  EXPECT_EQ(f.rx.close().duration_samples, 480u);
}

TEST(Rfc4733Receiver, TimestampWrapIsANewEventNotALateOne) {
  Feed f;
  f.packet(0xffffff00u, true, {6, false, 10, 160});
  f.packet(0xffffff00u, false, {6, true, 10, 800});
  const auto u = f.packet(0x00000200u, true, {8, false, 10, 160});
  EXPECT_EQ(u.current.kind, Kind::started);
  EXPECT_EQ(u.current.code, 8);
}

TEST(Rfc4733Receiver, CloseEndsAnOpenEventOnce) {
  Feed f;
  f.packet(100, true, {0, false, 10, 160});
  f.packet(100, false, {0, false, 10, 320});
  const EventReport r = f.rx.close();
  EXPECT_EQ(r.kind, Kind::ended);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.duration_samples, 320u);
  EXPECT_EQ(f.rx.close().kind, Kind::none);
  // Its end packets arriving after the close are ignored.
  EXPECT_EQ(f.packet(100, false, {0, true, 10, 400}).current.kind, Kind::none);
}

TEST(Rfc4733Receiver, MalformedPayloadsAreCountedAndChangeNothing) {
  EventReceiver rx;
  const uint8_t start[4] = {5, 0x0a, 0, 160};
  EXPECT_EQ(rx.on_packet(100, true, start).current.kind, Kind::started);
  const uint8_t shorty[3] = {6, 0x8a, 0};
  const auto u = rx.on_packet(900, false, shorty);
  EXPECT_EQ(u.current.kind, Kind::none);
  EXPECT_EQ(u.previous.kind, Kind::none);
  EXPECT_EQ(rx.malformed(), 1u);
  EXPECT_TRUE(rx.in_event());
}

// ---- sender ----------------------------------------------------------------------------------

struct Sent {
  Event event;
  bool marker;
  uint32_t ts;
};

Sent send(EventSender& s, int64_t elapsed) {
  std::array<uint8_t, 16> buf{};
  Sent p{};
  const size_t n = s.next(elapsed, buf, &p.marker);
  EXPECT_EQ(n, 4u);
  p.event = *parse_event(buf);
  p.ts = s.timestamp();
  return p;
}

TEST(Rfc4733Sender, MarkerOnFirstPacketDurationsGrowThreeIdenticalEnds) {
  EventSender s;
  EXPECT_FALSE(s.active());
  s.start(5, 10, 48000);
  EXPECT_TRUE(s.active());
  std::vector<Sent> sent;
  for (int64_t t = 160; t <= 800; t += 160) sent.push_back(send(s, t));
  s.finish(880);
  EXPECT_TRUE(s.ending());
  for (int i = 0; i < 3; ++i) sent.push_back(send(s, 0));
  EXPECT_FALSE(s.active());
  std::array<uint8_t, 4> buf{};
  bool marker = true;
  EXPECT_EQ(s.next(960, buf, &marker), 0u);
  EXPECT_FALSE(marker);

  ASSERT_EQ(sent.size(), 8u);
  EXPECT_TRUE(sent[0].marker);
  for (size_t i = 1; i < sent.size(); ++i) EXPECT_FALSE(sent[i].marker) << i;
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(sent[i].event, (Event{5, false, 10, static_cast<uint16_t>(160 * (i + 1))})) << i;
    EXPECT_EQ(sent[i].ts, 48000u);
  }
  for (size_t i = 5; i < 8; ++i) {
    EXPECT_EQ(sent[i].event, (Event{5, true, 10, 880})) << i;
    EXPECT_EQ(sent[i].ts, 48000u);
  }
}

TEST(Rfc4733Sender, ShortEventEndsOnItsFirstPacketWithMarker) {
  EventSender s;
  s.start(11, 80, 7);  // volume clamped to 63
  s.finish(400);
  const Sent a = send(s, 0), b = send(s, 0), c = send(s, 0);
  EXPECT_TRUE(a.marker);
  EXPECT_FALSE(b.marker);
  EXPECT_FALSE(c.marker);
  for (const Sent& p : {a, b, c}) EXPECT_EQ(p.event, (Event{11, true, 63, 400}));
  EXPECT_FALSE(s.active());
}

TEST(Rfc4733Sender, TooSmallPayloadOrIdleWritesNothing) {
  EventSender s;
  std::array<uint8_t, 4> buf{};
  EXPECT_EQ(s.next(160, buf, nullptr), 0u);
  s.start(1, 10, 0);
  std::array<uint8_t, 3> small{};
  EXPECT_EQ(s.next(160, small, nullptr), 0u);
  EXPECT_EQ(s.next(160, buf, nullptr), 4u);  // marker out-parameter is optional
  s.finish(320);
  s.finish(9999);  // a second finish changes nothing
  EXPECT_EQ(s.next(0, buf, nullptr), 4u);
  EXPECT_EQ(parse_event(buf)->duration, 320);
}

TEST(Rfc4733Sender, LongEventIsSplitIntoSegments) {
  // 70000 samples: one segment of 0xffff, then one of 70000 - 65535 = 4465.
  EventSender s;
  const uint32_t ts0 = 0xfffff000u;  // the second segment's timestamp wraps
  s.start(0, 10, ts0);
  std::vector<Sent> sent;
  for (int64_t t = 160; t <= 69920; t += 160) sent.push_back(send(s, t));
  s.finish(70000);
  while (s.active()) sent.push_back(send(s, 0));

  // Packets up to 65440, then the max-duration packet at the step that crossed 65535.
  size_t i = 0;
  for (; sent[i].event.duration != 0xffff; ++i) {
    ASSERT_LT(i, sent.size());
    EXPECT_EQ(sent[i].ts, ts0);
    EXPECT_FALSE(sent[i].event.end);
    EXPECT_EQ(sent[i].event.duration, 160 * (i + 1));
  }
  EXPECT_EQ(i, 409u);  // 409 * 160 = 65440 < 65535 < 65600
  EXPECT_EQ(sent[i].ts, ts0);
  EXPECT_FALSE(sent[i].event.end);
  EXPECT_FALSE(sent[i].marker);

  // The next packet opens the second segment 0xffff later, no marker, duration from there.
  const uint32_t ts1 = ts0 + 0xffff;
  ++i;
  EXPECT_EQ(sent[i].ts, ts1);
  EXPECT_FALSE(sent[i].marker);
  EXPECT_EQ(sent[i].event.duration, 65760 - 65535);
  for (; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].ts, ts1);
    EXPECT_FALSE(sent[i].marker);
  }
  for (size_t k = sent.size() - 3; k < sent.size(); ++k)
    EXPECT_EQ(sent[k].event, (Event{0, true, 10, 70000 - 65535}));
  EXPECT_FALSE(sent[sent.size() - 4].event.end);
  EXPECT_TRUE(sent[0].marker);

  // The receiver turns the segments back into one digit of 70000 samples.
  Feed f;
  for (const Sent& p : sent) f.packet(p.ts, p.marker, p.event);
  ASSERT_EQ(f.reports.size(), 2u);
  EXPECT_EQ(f.reports[0].kind, Kind::started);
  EXPECT_EQ(f.reports[1].kind, Kind::ended);
  EXPECT_EQ(f.reports[1].code, 0);
  EXPECT_EQ(f.reports[1].duration_samples, 70000u);
}

TEST(Rfc4733Sender, FinishPastASegmentBoundarySendsTheMaxPacketFirst) {
  EventSender s;
  s.start(2, 10, 1000);
  send(s, 65440);
  s.finish(65800);
  const Sent max = send(s, 0);
  EXPECT_EQ(max.event, (Event{2, false, 10, 0xffff}));
  EXPECT_EQ(max.ts, 1000u);
  for (int k = 0; k < 3; ++k) {
    const Sent end = send(s, 0);
    EXPECT_EQ(end.event, (Event{2, true, 10, 65800 - 65535}));
    EXPECT_EQ(end.ts, 1000u + 0xffff);
  }
  EXPECT_FALSE(s.active());
}

TEST(Rfc4733Sender, VeryLongEventCrossesSeveralSegments) {
  EventSender s;
  s.start(4, 10, 0);
  std::vector<Sent> sent;
  for (int64_t t = 1000; t <= 200000; t += 1000) sent.push_back(send(s, t));
  s.finish(200500);
  while (s.active()) sent.push_back(send(s, 0));
  Feed f;
  for (const Sent& p : sent) f.packet(p.ts, p.marker, p.event);
  ASSERT_EQ(f.reports.size(), 2u);
  EXPECT_EQ(f.reports[1].duration_samples, 200500u);
  EXPECT_EQ(sent.back().ts, 3u * 0xffff);
  EXPECT_EQ(sent.back().event.duration, 200500 - 3 * 0xffff);
}

TEST(Rfc4733Sender, RestartAfterFinishIsANewEvent) {
  EventSender s;
  s.start(1, 10, 100);
  send(s, 160);
  s.finish(320);
  for (int k = 0; k < 3; ++k) send(s, 0);
  s.start(2, 10, 2000);
  const Sent p = send(s, 160);
  EXPECT_TRUE(p.marker);
  EXPECT_EQ(p.ts, 2000u);
  EXPECT_EQ(p.event, (Event{2, false, 10, 160}));
}

TEST(Rfc4733, PerPacketCallsDoNotAllocate) {
  EventSender s;
  EventReceiver rx;
  std::array<uint8_t, 4> buf{};
  bool marker = false;
  uint64_t allocations = 0;
  {
    const test::CountedRegion region;
    for (int digit = 0; digit < 16; ++digit) {
      const auto ts = static_cast<uint32_t>(digit * 100000);
      s.start(static_cast<uint8_t>(digit), 10, ts);
      for (int64_t t = 160; t <= 70000; t += 160)
        if (s.next(t, buf, &marker) > 0) (void)rx.on_packet(s.timestamp(), marker, buf);
      s.finish(70080);
      while (s.next(0, buf, &marker) > 0) (void)rx.on_packet(s.timestamp(), marker, buf);
    }
    (void)rx.close();
    allocations = region.news();
  }
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace rtpx::codecs::dtmf
