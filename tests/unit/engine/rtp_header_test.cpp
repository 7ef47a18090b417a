// RTP (RFC 3550 section 5.1) and RTCP (section 6.4) validity checks and the RFC 5761 section 4
// demultiplexing rule. Packets are built byte by byte so each test names the field it breaks.

#include "engine/rtp/rtp_header.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace rtpx::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

struct RtpSpec {
  uint8_t version = 2;
  uint8_t pt = 0;
  bool marker = false;
  uint16_t seq = 0x1234;
  uint32_t ts = 0xa1b2c3d4;
  uint32_t ssrc = 0xdeadbeef;
  uint8_t csrc_count = 0;
  int ext_words = -1;  // -1: no extension, else the extension length field (32-bit words)
  size_t payload = 160;
  uint8_t pad = 0;  // 0: no padding, else padding bytes (last one holds the count)
};

Bytes build_rtp(const RtpSpec& s) {
  Bytes b;
  b.push_back(static_cast<uint8_t>((s.version << 6) | (s.pad ? 0x20 : 0) |
                                   (s.ext_words >= 0 ? 0x10 : 0) | (s.csrc_count & 0x0f)));
  b.push_back(static_cast<uint8_t>((s.marker ? 0x80 : 0) | (s.pt & 0x7f)));
  put16(b, s.seq);
  put32(b, s.ts);
  put32(b, s.ssrc);
  for (uint8_t i = 0; i < s.csrc_count; ++i) put32(b, 0x1000u + i);
  if (s.ext_words >= 0) {
    put16(b, 0xbede);  // RFC 8285 one-byte header profile
    put16(b, static_cast<uint16_t>(s.ext_words));
    for (int i = 0; i < s.ext_words; ++i) put32(b, 0x10203040);
  }
  for (size_t i = 0; i < s.payload; ++i) b.push_back(static_cast<uint8_t>(0x55 + i));
  for (uint8_t i = 0; i < s.pad; ++i) b.push_back(i + 1 == s.pad ? s.pad : 0);
  return b;
}

bool rtp_ok(const Bytes& b, RtpView* v = nullptr) {
  RtpView local;
  return parse_rtp(b, v ? v : &local);
}

// ---- RTP: valid packets -------------------------------------------------------------------

TEST(ParseRtp, MinimalHeaderWithoutPayload) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.payload = 0}), &v));
  EXPECT_EQ(v.header_len, 12u);
  EXPECT_EQ(v.payload_len, 0u);
}

TEST(ParseRtp, FixedFieldsAreReadBigEndian) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.pt = 96,
                                .marker = true,
                                .seq = 0xfedc,
                                .ts = 0x01020304,
                                .ssrc = 0x89abcdef,
                                .payload = 20}),
                     &v));
  EXPECT_EQ(v.payload_type, 96);
  EXPECT_TRUE(v.marker);
  EXPECT_EQ(v.seq, 0xfedc);
  EXPECT_EQ(v.timestamp, 0x01020304u);
  EXPECT_EQ(v.ssrc, 0x89abcdefu);
  EXPECT_EQ(v.header_len, 12u);
  EXPECT_EQ(v.payload_len, 20u);
}

TEST(ParseRtp, MarkerClearAndPayloadTypeZero) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.pt = 0, .marker = false}), &v));
  EXPECT_EQ(v.payload_type, 0);
  EXPECT_FALSE(v.marker);
  EXPECT_EQ(v.payload_len, 160u);
}

TEST(ParseRtp, CsrcsExtendTheHeader) {
  for (uint8_t cc = 0; cc <= 15; ++cc) {
    RtpView v;
    ASSERT_TRUE(rtp_ok(build_rtp({.csrc_count = cc, .payload = 7}), &v)) << int{cc};
    EXPECT_EQ(v.header_len, 12u + 4u * cc);
    EXPECT_EQ(v.payload_len, 7u);
    EXPECT_EQ(v.ssrc, 0xdeadbeefu);  // the SSRC, not a CSRC
  }
}

TEST(ParseRtp, ExtensionExtendsTheHeader) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.ext_words = 0, .payload = 10}), &v));
  EXPECT_EQ(v.header_len, 16u);
  EXPECT_EQ(v.payload_len, 10u);

  ASSERT_TRUE(rtp_ok(build_rtp({.ext_words = 3, .payload = 10}), &v));
  EXPECT_EQ(v.header_len, 12u + 4u + 12u);
  EXPECT_EQ(v.payload_len, 10u);
}

TEST(ParseRtp, CsrcsThenExtension) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.csrc_count = 2, .ext_words = 1, .payload = 33}), &v));
  EXPECT_EQ(v.header_len, 12u + 8u + 4u + 4u);
  EXPECT_EQ(v.payload_len, 33u);
}

TEST(ParseRtp, PaddingIsNotPayload) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.payload = 10, .pad = 6}), &v));
  EXPECT_EQ(v.header_len, 12u);
  EXPECT_EQ(v.payload_len, 10u);

  ASSERT_TRUE(rtp_ok(build_rtp({.payload = 10, .pad = 1}), &v));
  EXPECT_EQ(v.payload_len, 10u);
}

TEST(ParseRtp, PaddingMayFillEverythingAfterTheHeader) {
  RtpView v;
  ASSERT_TRUE(rtp_ok(build_rtp({.csrc_count = 1, .ext_words = 1, .payload = 0, .pad = 4}), &v));
  EXPECT_EQ(v.header_len, 24u);
  EXPECT_EQ(v.payload_len, 0u);
}

TEST(ParseRtp, EveryPayloadTypeOutsideTheRtcpRangeIsRtp) {
  for (int pt = 0; pt < 128; ++pt) {
    for (bool m : {false, true}) {
      const int byte1 = (m ? 0x80 : 0) | pt;
      if (byte1 >= 192 && byte1 <= 223) continue;
      RtpView v;
      ASSERT_TRUE(rtp_ok(build_rtp({.pt = static_cast<uint8_t>(pt), .marker = m}), &v)) << byte1;
      EXPECT_EQ(v.payload_type, pt);
      EXPECT_EQ(v.marker, m);
    }
  }
}

// ---- RTP: invalid packets -----------------------------------------------------------------

TEST(ParseRtp, ShorterThanTheFixedHeader) {
  const Bytes full = build_rtp({.payload = 0});
  for (size_t n = 0; n < 12; ++n) {
    Bytes b(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(rtp_ok(b)) << n;
  }
}

TEST(ParseRtp, VersionOtherThanTwo) {
  for (uint8_t ver : {0, 1, 3}) EXPECT_FALSE(rtp_ok(build_rtp({.version = ver}))) << int{ver};
}

TEST(ParseRtp, CsrcCountBeyondThePacket) {
  // 3 CSRCs announced, room for 2.
  Bytes b = build_rtp({.csrc_count = 3, .payload = 0});
  b.resize(12 + 8);
  EXPECT_FALSE(rtp_ok(b));
  // 15 CSRCs announced in a 12-byte + small payload datagram.
  Bytes c = build_rtp({.payload = 40});
  c[0] |= 0x0f;
  EXPECT_FALSE(rtp_ok(c));
  // Exactly enough: valid, empty payload.
  Bytes d = build_rtp({.csrc_count = 3, .payload = 0});
  EXPECT_TRUE(rtp_ok(d));
}

TEST(ParseRtp, ExtensionHeaderMissing) {
  Bytes b = build_rtp({.payload = 0});
  b[0] |= 0x10;  // X set, nothing after the fixed header
  EXPECT_FALSE(rtp_ok(b));
  b.push_back(0xbe);
  b.push_back(0xde);
  b.push_back(0x00);  // 3 of the 4 extension header bytes
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, ExtensionLengthBeyondThePacket) {
  Bytes b = build_rtp({.ext_words = 2, .payload = 0});
  ASSERT_TRUE(rtp_ok(b));
  b[15] = 3;  // claims 12 bytes of extension, 8 present
  EXPECT_FALSE(rtp_ok(b));
  b[14] = 0xff;  // claims ~256 KiB
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, ExtensionLengthEatingThePayloadIsNotBeyond) {
  // 8 payload bytes reinterpreted as 2 more extension words: still inside the datagram.
  Bytes b = build_rtp({.ext_words = 0, .payload = 8});
  b[15] = 2;
  RtpView v;
  ASSERT_TRUE(rtp_ok(b, &v));
  EXPECT_EQ(v.header_len, 24u);
  EXPECT_EQ(v.payload_len, 0u);
}

TEST(ParseRtp, PaddingCountZero) {
  Bytes b = build_rtp({.payload = 10, .pad = 4});
  b.back() = 0;
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, PaddingLargerThanThePayload) {
  Bytes b = build_rtp({.payload = 10, .pad = 4});
  b.back() = 15;  // 14 bytes after the header
  EXPECT_FALSE(rtp_ok(b));
  b.back() = 14;  // exactly what follows the header: allowed
  EXPECT_TRUE(rtp_ok(b));
  b.back() = 255;
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, PaddingCountingIntoTheHeaderExtension) {
  Bytes b = build_rtp({.ext_words = 1, .payload = 2, .pad = 2});
  b.back() = 5;  // would eat an extension byte
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, PaddingBitOnAHeaderOnlyPacket) {
  Bytes b = build_rtp({.payload = 0});
  b[0] |= 0x20;  // the "count" is then the SSRC's last byte (0xef)
  EXPECT_FALSE(rtp_ok(b));
}

TEST(ParseRtp, RtcpRangeSecondByteIsNotRtp) {
  // RFC 5761 section 4: 192..223 are RTCP packet types (SR=200, RR=201, ...), never RTP,
  // whatever the rest of the packet looks like.
  for (int byte1 = 192; byte1 <= 223; ++byte1) {
    Bytes b = build_rtp({});
    b[1] = static_cast<uint8_t>(byte1);
    EXPECT_FALSE(rtp_ok(b)) << byte1;
  }
  Bytes edge = build_rtp({});
  edge[1] = 191;
  EXPECT_TRUE(rtp_ok(edge));
  edge[1] = 224;
  EXPECT_TRUE(rtp_ok(edge));
}

// ---- RTCP ---------------------------------------------------------------------------------

// Sender report: header + sender SSRC + 20 bytes of sender info, no report blocks.
Bytes sr(uint32_t ssrc, uint8_t version = 2) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(version << 6));
  b.push_back(200);
  put16(b, 6);
  put32(b, ssrc);
  for (int i = 0; i < 5; ++i) put32(b, 0x01010101u * static_cast<uint32_t>(i + 1));
  return b;
}

// Receiver report with one report block.
Bytes rr(uint32_t ssrc) {
  Bytes b;
  b.push_back(0x81);
  b.push_back(201);
  put16(b, 7);
  put32(b, ssrc);
  for (int i = 0; i < 6; ++i) put32(b, 0x11111111);
  return b;
}

// SDES with one chunk: CNAME "abc", end item, padded to 32 bits.
Bytes sdes(uint32_t ssrc) {
  Bytes b;
  b.push_back(0x81);
  b.push_back(202);
  put16(b, 3);
  put32(b, ssrc);
  for (uint8_t c : Bytes{1, 3, 'a', 'b', 'c', 0, 0, 0}) b.push_back(c);
  return b;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool rtcp_ok(const Bytes& b, RtcpView* v = nullptr) {
  RtcpView local;
  return parse_rtcp(b, v ? v : &local);
}

TEST(ParseRtcp, BuildersMatchTheirLengthFields) {
  EXPECT_EQ(sr(1).size(), 28u);
  EXPECT_EQ(rr(1).size(), 32u);
  EXPECT_EQ(sdes(1).size(), 16u);
}

TEST(ParseRtcp, SenderReportAlone) {
  RtcpView v;
  ASSERT_TRUE(rtcp_ok(sr(0x01020304), &v));
  EXPECT_EQ(v.packet_type, 200);
  EXPECT_EQ(v.ssrc, 0x01020304u);
}

TEST(ParseRtcp, CompoundSenderReportAndSdes) {
  RtcpView v;
  ASSERT_TRUE(rtcp_ok(cat(sr(0xcafef00d), sdes(0xcafef00d)), &v));
  EXPECT_EQ(v.packet_type, 200);
  EXPECT_EQ(v.ssrc, 0xcafef00du);
}

TEST(ParseRtcp, CompoundReceiverReportSdesBye) {
  Bytes bye{0x81, 203, 0, 1, 0, 0, 0, 9};
  RtcpView v;
  ASSERT_TRUE(rtcp_ok(cat(cat(rr(0x0badcafe), sdes(0x0badcafe)), bye), &v));
  EXPECT_EQ(v.packet_type, 201);
  EXPECT_EQ(v.ssrc, 0x0badcafeu);
}

TEST(ParseRtcp, TooShortForAnSsrc) {
  for (size_t n = 0; n < 8; ++n) {
    Bytes b = sr(1);
    b.resize(n);
    EXPECT_FALSE(rtcp_ok(b)) << n;
  }
}

TEST(ParseRtcp, TruncatedCompound) {
  const Bytes full = cat(sr(1), sdes(1));
  for (size_t n = 8; n < full.size(); ++n) {
    Bytes b(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
    if (n == sr(1).size()) {
      EXPECT_TRUE(rtcp_ok(b));  // the SR alone is a whole packet
      continue;
    }
    EXPECT_FALSE(rtcp_ok(b)) << n;
  }
}

TEST(ParseRtcp, LengthFieldLongerThanTheDatagram) {
  Bytes b = sr(1);
  b[3] = 7;
  EXPECT_FALSE(rtcp_ok(b));
  Bytes c = cat(sr(1), sdes(1));
  c[28 + 3] = 4;  // SDES claims one more word
  EXPECT_FALSE(rtcp_ok(c));
}

TEST(ParseRtcp, LengthFieldShorterThanTheDatagram) {
  Bytes b = sr(1);
  b[3] = 5;  // 4 trailing bytes then look like a header with version 0
  EXPECT_FALSE(rtcp_ok(b));
  Bytes c = sr(1);
  c.push_back(0);  // 1..3 stray bytes after the last packet
  EXPECT_FALSE(rtcp_ok(c));
  c.push_back(0);
  c.push_back(0);
  EXPECT_FALSE(rtcp_ok(c));
}

TEST(ParseRtcp, WrongVersion) {
  for (uint8_t ver : {0, 1, 3}) EXPECT_FALSE(rtcp_ok(sr(1, ver))) << int{ver};
  // A later packet of the compound with a bad version spoils the whole compound.
  Bytes c = cat(sr(1), sdes(1));
  c[28] = 0x41;
  EXPECT_FALSE(rtcp_ok(c));
}

TEST(ParseRtcp, PacketTypeOutsideTheRtcpRange) {
  for (int pt : {0, 72, 96, 127, 128, 191, 224, 255}) {
    Bytes b = sr(1);
    b[1] = static_cast<uint8_t>(pt);
    EXPECT_FALSE(rtcp_ok(b)) << pt;
    Bytes c = cat(sr(1), sdes(1));
    c[28 + 1] = static_cast<uint8_t>(pt);
    EXPECT_FALSE(rtcp_ok(c)) << "second packet " << pt;
  }
  for (int pt = 192; pt <= 223; ++pt) {
    Bytes b = sr(1);
    b[1] = static_cast<uint8_t>(pt);
    RtcpView v;
    EXPECT_TRUE(rtcp_ok(b, &v)) << pt;
    EXPECT_EQ(v.packet_type, pt);
  }
}

TEST(ParseRtcp, RtpIsNotRtcp) {
  EXPECT_FALSE(rtcp_ok(build_rtp({.pt = 0, .payload = 160})));
}

// ---- RFC 5761 demultiplexing ----------------------------------------------------------------

TEST(ClassifyMuxed, SecondByteDecides) {
  for (int byte1 = 0; byte1 < 256; ++byte1) {
    const uint8_t b[2] = {0x80, static_cast<uint8_t>(byte1)};
    const Kind want = (byte1 >= 192 && byte1 <= 223) ? Kind::rtcp : Kind::rtp;
    EXPECT_EQ(classify_muxed(b), want) << byte1;
  }
}

TEST(ClassifyMuxed, RealPackets) {
  EXPECT_EQ(classify_muxed(build_rtp({.pt = 0})), Kind::rtp);
  EXPECT_EQ(classify_muxed(build_rtp({.pt = 111, .marker = true})), Kind::rtp);
  EXPECT_EQ(classify_muxed(cat(sr(1), sdes(1))), Kind::rtcp);
  EXPECT_EQ(classify_muxed(rr(1)), Kind::rtcp);
}

TEST(ClassifyMuxed, TooShortOrWrongVersionIsInvalid) {
  const uint8_t none[1] = {0x80};
  EXPECT_EQ(classify_muxed(std::span<const uint8_t>(none, size_t{0})), Kind::invalid);
  EXPECT_EQ(classify_muxed(none), Kind::invalid);
  for (uint8_t b0 : {0x00, 0x40, 0xc0}) {
    const uint8_t rtcp_like[2] = {b0, 200};
    const uint8_t rtp_like[2] = {b0, 0};
    EXPECT_EQ(classify_muxed(rtcp_like), Kind::invalid) << int{b0};
    EXPECT_EQ(classify_muxed(rtp_like), Kind::invalid) << int{b0};
  }
}

}  // namespace
}  // namespace rtpx::rtp
