// Tests for codecs/t38/udptl encoding and sending: the UDPTLPacket encoding against hand-built
// byte vectors, every decode error, the sender's redundancy / FEC / max-datagram behaviour, and
// interop with Wireshark's T.38 dissector when tshark and text2pcap are installed.

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>

#include "tests/unit/codecs/udptl_test_util.hpp"

namespace rtpx::codecs::t38 {
namespace {

using namespace testing;

// ---- encoding ----------------------------------------------------------------------------------

TEST(UdptlCodec, KnownVectorNoErrorRecovery) {
  const Vec ifp = {0x02};  // t30-indicator cng
  UdptlPacket p;
  p.seq = 0x1234;
  p.primary = ifp;
  // seq 12 34 | primary: length 1, 02 | CHOICE 0 (secondary) + padding | count 0
  EXPECT_EQ(encode(p), (Vec{0x12, 0x34, 0x01, 0x02, 0x00, 0x00}));
  EXPECT_EQ(encoded_size(p), 6u);
}

TEST(UdptlCodec, KnownVectorSecondaries) {
  const Vec primary = {0x04}, s1 = {0x02}, s2 = {0x06, 0x07};
  UdptlPacket p;
  p.seq = 5;
  p.primary = primary;
  p.secondary[0] = s1;  // IFP 4
  p.secondary[1] = s2;  // IFP 3
  p.secondary_count = 2;
  const Vec want = {0x00, 0x05, 0x01, 0x04, 0x00, 0x02, 0x01, 0x02, 0x02, 0x06, 0x07};
  EXPECT_EQ(encode(p), want);

  const Result<UdptlPacket> d = decode(want);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value.seq, 5);
  EXPECT_EQ(vec(d.value.primary), primary);
  EXPECT_EQ(d.value.recovery, Recovery::secondary);
  ASSERT_EQ(d.value.secondaries().size(), 2u);
  EXPECT_EQ(vec(d.value.secondaries()[0]), s1);
  EXPECT_EQ(vec(d.value.secondaries()[1]), s2);
}

TEST(UdptlCodec, KnownVectorFec) {
  const Vec primary = {0x06}, f0 = {0xaa, 0xbb}, f1 = {0xcc};
  UdptlPacket p;
  p.seq = 7;
  p.primary = primary;
  p.recovery = Recovery::fec;
  p.fec_span = 3;
  p.fec[0] = f0;
  p.fec[1] = f1;
  p.fec_count = 2;
  // ... | CHOICE 1 (0x80) | fec-npackets: length 1, value 3 | count 2 | 2: aa bb | 1: cc
  const Vec want = {0x00, 0x07, 0x01, 0x06, 0x80, 0x01, 0x03, 0x02, 0x02, 0xaa, 0xbb, 0x01, 0xcc};
  EXPECT_EQ(encode(p), want);

  const Result<UdptlPacket> d = decode(want);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value.recovery, Recovery::fec);
  EXPECT_EQ(d.value.fec_span, 3);
  ASSERT_EQ(d.value.fec_entries().size(), 2u);
  EXPECT_EQ(vec(d.value.fec_entries()[0]), f0);
  EXPECT_EQ(vec(d.value.fec_entries()[1]), f1);
}

TEST(UdptlCodec, TwoOctetLengthDeterminant) {
  const Vec ifp = make_ifp(1, 300);
  UdptlPacket p;
  p.seq = 0xfffe;
  p.primary = ifp;
  const Vec d = encode(p);
  ASSERT_EQ(d.size(), 2 + 2 + 300 + 2u);
  EXPECT_EQ(d[0], 0xff);
  EXPECT_EQ(d[1], 0xfe);
  EXPECT_EQ(d[2], 0x81);  // 0x80 | (300 >> 8)
  EXPECT_EQ(d[3], 0x2c);  // 300 & 0xff
  EXPECT_EQ(d[304], 0x00);
  EXPECT_EQ(d[305], 0x00);
  const Result<UdptlPacket> r = decode(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(vec(r.value.primary), ifp);

  // 127 still fits one octet, 128 does not.
  const Vec a = make_ifp(2, 127), b = make_ifp(3, 128);
  p.primary = a;
  EXPECT_EQ(encode(p)[2], 127);
  p.primary = b;
  EXPECT_EQ(encode(p)[2], 0x80);
  EXPECT_EQ(encode(p)[3], 0x80);
}

TEST(UdptlCodec, EncodeErrors) {
  const Vec one = {0x02}, empty, big = make_ifp(0, kMaxIfp + 1);
  std::array<uint8_t, 4096> out{};
  UdptlPacket p;
  p.primary = empty;
  EXPECT_EQ(encode_udptl(p, out).error, Error::empty_ifp);
  p.primary = big;
  EXPECT_EQ(encode_udptl(p, out).error, Error::ifp_too_long);
  p.primary = one;
  p.secondary_count = 1;
  EXPECT_EQ(encode_udptl(p, out).error, Error::empty_ifp);  // secondary[0] empty
  p.secondary_count = kMaxSecondaries + 1;
  EXPECT_EQ(encode_udptl(p, out).error, Error::too_many_entries);
  p.secondary_count = 0;
  p.recovery = Recovery::fec;
  p.fec_count = kMaxFecEntries + 1;
  EXPECT_EQ(encode_udptl(p, out).error, Error::too_many_entries);
  p.fec_count = 0;
  p.fec_span = kMaxFecSpan + 1;
  EXPECT_EQ(encode_udptl(p, out).error, Error::bad_fec_span);
  p.fec_span = 1;
  const size_t need = encoded_size(p);
  for (size_t n = 0; n < need; ++n)
    EXPECT_EQ(encode_udptl(p, std::span<uint8_t>(out.data(), n)).error, Error::buffer_too_small);
  EXPECT_EQ(encode_udptl(p, std::span<uint8_t>(out.data(), need)).value, need);
}

// ---- decoding errors ---------------------------------------------------------------------------

Error decode_error(const Vec& d) {
  return decode(d).error;
}

TEST(UdptlCodec, DecodeTruncatedAtEveryOctet) {
  const std::vector<Vec> valid = {
      {0x12, 0x34, 0x01, 0x02, 0x00, 0x00},
      {0x00, 0x05, 0x01, 0x04, 0x00, 0x02, 0x01, 0x02, 0x02, 0x06, 0x07},
      {0x00, 0x07, 0x01, 0x06, 0x80, 0x01, 0x03, 0x02, 0x02, 0xaa, 0xbb, 0x01, 0xcc},
  };
  for (const Vec& v : valid) {
    ASSERT_TRUE(decode(v).ok());
    for (size_t n = 0; n < v.size(); ++n)
      EXPECT_EQ(decode_error(Vec(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n))),
                Error::truncated)
          << "prefix " << n;
  }
  EXPECT_EQ(decode_error({0x00, 0x01, 0x81}), Error::truncated);  // two-octet length cut
}

TEST(UdptlCodec, DecodeErrorReasons) {
  EXPECT_EQ(decode_error({0x00, 0x01, 0xc1, 0x02}), Error::fragmented);  // primary length
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x00, 0xc1}), Error::fragmented);  // count
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x01, 0x03, 0xc1}), Error::fragmented);

  Vec many = {0x00, 0x01, 0x01, 0x02, 0x00, kMaxSecondaries + 1};
  for (size_t i = 0; i <= kMaxSecondaries; ++i) many.insert(many.end(), {0x01, 0x02});
  EXPECT_EQ(decode_error(many), Error::too_many_entries);
  Vec many_fec = {0x00, 0x01, 0x01, 0x02, 0x80, 0x01, 0x03, kMaxFecEntries + 1};
  for (size_t i = 0; i <= kMaxFecEntries; ++i) many_fec.insert(many_fec.end(), {0x01, 0x02});
  EXPECT_EQ(decode_error(many_fec), Error::too_many_entries);

  EXPECT_EQ(decode_error({0x00, 0x01, 0x82, 0x01}), Error::ifp_too_long);  // 513
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x00, 0x01, 0x82, 0x01}), Error::ifp_too_long);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x00, 0x00, 0x00}), Error::empty_ifp);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x00, 0x00}), Error::bad_length);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x05, 0, 0, 0, 0, 3, 0}),
            Error::bad_length);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x01, 0xff, 0x00}), Error::bad_fec_span);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x01, kMaxFecSpan + 1, 0x00}),
            Error::bad_fec_span);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00}), Error::trailing_bytes);
  EXPECT_EQ(decode_error({0x00, 0x01, 0x01, 0x02, 0x80, 0x01, 0x00, 0x00, 0x00}),
            Error::trailing_bytes);
  for (Error e :
       {Error::truncated, Error::fragmented, Error::bad_length, Error::too_many_entries,
        Error::ifp_too_long, Error::empty_ifp, Error::bad_fec_span, Error::trailing_bytes})
    EXPECT_STRNE(to_string(e), "unknown");
}

TEST(UdptlCodec, DecodeLeniency) {
  // Zero-length secondaries (some senders pad with them) are reported, not rejected.
  Result<UdptlPacket> r = decode({0x00, 0x01, 0x01, 0x02, 0x00, 0x01, 0x00});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.secondaries().size(), 1u);
  EXPECT_TRUE(r.value.secondaries()[0].empty());
  // Padding bits after the CHOICE bit are ignored.
  EXPECT_EQ(decode({0x00, 0x01, 0x01, 0x02, 0x7f, 0x00}).value.recovery, Recovery::secondary);
  EXPECT_EQ(decode({0x00, 0x01, 0x01, 0x02, 0xff, 0x01, 0x00, 0x00}).value.recovery, Recovery::fec);
  // A non-minimal fec-npackets integer is still a valid value.
  r = decode({0x00, 0x01, 0x01, 0x02, 0x80, 0x02, 0x00, 0x03, 0x00});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.fec_span, 3);
  // A non-minimal two-octet length.
  const Vec long_form = {0x00, 0x01, 0x80, 0x01, 0x02, 0x00, 0x00};
  r = decode(long_form);  // spans point into the datagram: keep it alive
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(vec(r.value.primary), Vec{0x02});
}

TEST(UdptlCodec, RandomInputsNeverCrash) {
  std::mt19937 rng(7);
  const Stream s = make_stream(redundancy(3), 20, 0, 40);
  const Stream f = make_stream(fec(3, 3), 20, 0, 40);
  UdptlReceiver rx;
  Collector c;
  size_t ok = 0;
  for (int i = 0; i < 50000; ++i) {
    Vec d;
    if (i % 2 == 0) {
      d.resize(rng() % 48);
      for (uint8_t& b : d) b = static_cast<uint8_t>(rng());
    } else {  // a valid packet, damaged
      d = (i % 4 == 1 ? s : f).datagrams[rng() % 20];
      for (int k = 0; k < 3; ++k) d[rng() % d.size()] = static_cast<uint8_t>(rng());
      d.resize(rng() % (d.size() + 4));
    }
    const Result<UdptlPacket> r = decode(d);
    if (r.ok()) {
      ++ok;
      for (Bytes b : r.value.secondaries()) EXPECT_LE(b.size(), kMaxIfp);
      for (Bytes b : r.value.fec_entries()) EXPECT_LE(b.size(), kMaxIfp);
    }
    EXPECT_EQ(rx.push(d, c), r.error);
  }
  EXPECT_GT(ok, 0u);
  EXPECT_EQ(rx.stats().packets, 50000u);
  EXPECT_EQ(rx.stats().malformed, 50000u - ok);
}

// ---- sender ------------------------------------------------------------------------------------

TEST(UdptlSender, ConfigValidation) {
  UdptlSender tx;
  EXPECT_EQ(tx.configure(redundancy(kMaxRedundancy)), Error::ok);
  EXPECT_EQ(tx.configure(redundancy(kMaxRedundancy + 1)), Error::bad_config);
  EXPECT_EQ(tx.config().redundancy, kMaxRedundancy);  // unchanged
  EXPECT_EQ(tx.configure(fec(0, 3)), Error::bad_config);
  EXPECT_EQ(tx.configure(fec(3, 0)), Error::bad_config);
  EXPECT_EQ(tx.configure(fec(3, kMaxFecEntries + 1)), Error::bad_config);
  EXPECT_EQ(tx.configure(fec(kMaxFecSpan + 1, 1)), Error::bad_config);
  EXPECT_EQ(tx.configure(fec(8, 5)), Error::bad_config);  // 40 > kHistory
  EXPECT_EQ(tx.configure(fec(8, 4)), Error::ok);
  SenderConfig bad;
  bad.mode = static_cast<ErrorCorrection>(9);
  EXPECT_EQ(tx.configure(bad), Error::bad_config);
  SenderConfig none = no_ec();
  none.fec_span = 0;  // not used without FEC
  EXPECT_EQ(tx.configure(none), Error::ok);
}

TEST(UdptlSender, RoundTripNoErrorCorrection) {
  const Stream s = make_stream(no_ec(), 10, 100);
  for (size_t i = 0; i < s.datagrams.size(); ++i) {
    const Result<UdptlPacket> r = decode(s.datagrams[i]);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.seq, 100 + i);
    EXPECT_EQ(vec(r.value.primary), s.ifps[i]);
    EXPECT_EQ(r.value.recovery, Recovery::secondary);
    EXPECT_EQ(r.value.secondary_count, 0);
  }
}

TEST(UdptlSender, RoundTripRedundancy) {
  const Stream s = make_stream(redundancy(3), 10);
  for (size_t i = 0; i < s.datagrams.size(); ++i) {
    const Result<UdptlPacket> r = decode(s.datagrams[i]);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.seq, i);
    EXPECT_EQ(vec(r.value.primary), s.ifps[i]);
    ASSERT_EQ(r.value.secondary_count, std::min<size_t>(i, 3));  // winds up from 0
    for (size_t k = 0; k < r.value.secondary_count; ++k)
      EXPECT_EQ(vec(r.value.secondary[k]), s.ifps[i - 1 - k]);
  }
}

TEST(UdptlSender, RoundTripFec) {
  const size_t span = 3, entries = 2;
  UdptlSender tx(fec(span, entries));
  std::vector<Vec> ifps;
  std::mt19937 rng(3);
  for (size_t i = 0; i < 20; ++i) {
    ifps.push_back(make_ifp(static_cast<uint16_t>(i), 1 + rng() % 30));  // lengths differ
    const Vec d = build(tx, ifps.back());  // decoded spans point into it
    const Result<UdptlPacket> r = decode(d);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(vec(r.value.primary), ifps[i]);
    ASSERT_EQ(r.value.recovery, Recovery::fec);
    const size_t e = std::min(entries, i / span);  // wind-up: only what was sent is covered
    ASSERT_EQ(r.value.fec_count, e) << i;
    EXPECT_EQ(r.value.fec_span, e == 0 ? 0 : span);
    for (size_t m = 0; m < e; ++m) {
      Vec want;
      for (size_t k = 1; k <= span; ++k) {
        const Vec& x = ifps[i + m - k * e];
        if (want.size() < x.size()) want.resize(x.size());
        for (size_t j = 0; j < x.size(); ++j) want[j] ^= x[j];
      }
      EXPECT_EQ(vec(r.value.fec[m]), want) << i << " " << m;
    }
  }
}

TEST(UdptlSender, SeqWrapsAt65535) {
  UdptlSender tx(redundancy(2));
  tx.reset(65534);
  const std::vector<uint16_t> want = {65534, 65535, 0, 1};
  for (uint16_t w : want) {
    const Vec d = build(tx, make_ifp(w, 5));
    const Result<UdptlPacket> r = decode(d);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.seq, w);
    for (size_t k = 0; k < r.value.secondary_count; ++k)
      EXPECT_EQ(vec(r.value.secondary[k]), make_ifp(static_cast<uint16_t>(w - 1 - k), 5));
  }
  EXPECT_EQ(decode(build(tx, make_ifp(2, 5))).value.secondary_count, 2);
  EXPECT_EQ(tx.next_seq(), 3);
}

TEST(UdptlSender, MaxDatagramLimitsRedundancy) {
  SenderConfig cfg = redundancy(4);
  cfg.max_datagram = 320;
  UdptlSender tx(cfg);
  // 100-octet IFPs: 2 + 1 + 100 + 2 = 105 bare, each secondary 101: two fit (307), three don't.
  for (size_t i = 0; i < 6; ++i) {
    const Vec d = build(tx, make_ifp(static_cast<uint16_t>(i), 100));
    EXPECT_LE(d.size(), 320u);
    EXPECT_EQ(decode(d).value.secondary_count, std::min<size_t>(i, 2));
  }
  // An IFP that cannot fit at all is refused without using a sequence number.
  std::array<uint8_t, 1024> out{};
  EXPECT_EQ(tx.build(make_ifp(0, 400), out).error, Error::exceeds_max_datagram);
  EXPECT_EQ(tx.next_seq(), 6);
  EXPECT_EQ(tx.build(Vec{}, out).error, Error::empty_ifp);
  EXPECT_EQ(tx.build(make_ifp(0, kMaxIfp + 1), out).error, Error::ifp_too_long);
  EXPECT_EQ(tx.build(make_ifp(0, 100), std::span<uint8_t>(out.data(), 50)).error,
            Error::buffer_too_small);
  EXPECT_EQ(tx.next_seq(), 6);
  // A small output span limits redundancy the same way.
  const Result<size_t> r = tx.build(make_ifp(6, 100), std::span<uint8_t>(out.data(), 210));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(decode(Vec(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.value)))
                .value.secondary_count,
            1);
}

TEST(UdptlSender, MaxDatagramKeepsMostRecentSecondaries) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    SenderConfig cfg = redundancy(static_cast<uint8_t>(1 + rng() % kMaxRedundancy));
    cfg.max_datagram = static_cast<uint16_t>(150 + rng() % 400);
    UdptlSender tx(cfg);
    std::vector<Vec> ifps;
    for (size_t i = 0; i < 40; ++i) {
      ifps.push_back(make_ifp(static_cast<uint16_t>(i), 1 + rng() % 120));
      const Vec d = build(tx, ifps.back());
      ASSERT_LE(d.size(), cfg.max_datagram);
      const UdptlPacket p = decode(d).value;
      for (size_t k = 0; k < p.secondary_count; ++k)
        EXPECT_EQ(vec(p.secondary[k]), ifps[i - 1 - k]);
      // Maximal: one more secondary would not have fitted (or none was left to add).
      const size_t more = p.secondary_count;
      if (more < std::min<size_t>(i, cfg.redundancy)) {
        const size_t extra = ifps[i - 1 - more].size();
        EXPECT_GT(d.size() + extra + (extra < 128 ? 1 : 2), cfg.max_datagram);
      }
    }
  }
}

TEST(UdptlSender, MaxDatagramLowersFecEntries) {
  SenderConfig cfg = fec(2, 4);
  cfg.max_datagram = 200;
  UdptlSender tx(cfg);
  // 50-octet IFPs: bare 2 + 1 + 50 + 4 = 57, each entry 51: two fit (159), three don't (210).
  for (size_t i = 0; i < 12; ++i) {
    const Vec d = build(tx, make_ifp(static_cast<uint16_t>(i), 50));
    EXPECT_LE(d.size(), 200u);
    EXPECT_EQ(decode(d).value.fec_count, std::min<size_t>(i / 2, 2));
  }
  // The primary alone with the FEC header: 2 + 2 + 192 + 4 = 200 fits, one octet more does not.
  std::array<uint8_t, 512> out{};
  EXPECT_EQ(tx.build(make_ifp(0, 193), out).error, Error::exceeds_max_datagram);
  const Result<size_t> r = tx.build(make_ifp(0, 192), out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 200u);
  EXPECT_EQ(decode(Vec(out.begin(), out.begin() + 200)).value.fec_count, 0);
}

// ---- Wireshark interop -------------------------------------------------------------------------

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

bool have_tool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

// T.38 IFPs Wireshark decodes cleanly with its default (pre-corrigendum) ASN.1: indicators, and
// t4-non-ecm-data at v17-14400 long enough for a two-octet length determinant.
Vec indicator(uint8_t ind) {
  return {static_cast<uint8_t>(ind << 1)};
}
Vec non_ecm(size_t len, uint8_t seed) {
  Vec v = {0xd0, 0x01, 0xe0, static_cast<uint8_t>((len - 1) >> 8),
           static_cast<uint8_t>((len - 1) & 0xff)};
  for (size_t i = 0; i < len; ++i) v.push_back(static_cast<uint8_t>(seed + i * 13));
  return v;
}

TEST(UdptlInterop, WiresharkDecodesOurPackets) {
  if (!have_tool("tshark") || !have_tool("text2pcap")) GTEST_SKIP() << "tshark not installed";
  char dir_template[] = "/tmp/udptl_tshark_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  ASSERT_NE(dir, nullptr);
  const std::string txt = std::string(dir) + "/in.txt", pcap = std::string(dir) + "/in.pcap";

  const std::vector<Vec> ifps = {indicator(1),    indicator(2), indicator(3),   non_ecm(150, 1),
                                 non_ecm(200, 2), indicator(0), non_ecm(20, 3), indicator(1)};
  std::vector<Vec> dgs;
  SenderConfig small = redundancy(4);
  small.max_datagram = 300;  // cuts redundancy around the long IFPs
  for (const SenderConfig& cfg : {no_ec(), redundancy(2), small, fec(2, 2)}) {
    UdptlSender tx(cfg);
    tx.reset(static_cast<uint16_t>(65533 + dgs.size()));  // the wrap, too
    for (const Vec& ifp : ifps) dgs.push_back(build(tx, ifp));
  }
  {
    std::ostringstream hex;
    for (const Vec& d : dgs)
      for (size_t i = 0; i < d.size(); ++i) {
        if (i % 16 == 0)
          hex << (i ? "\n" : "") << std::hex << std::setw(4) << std::setfill('0') << i;
        hex << ' ' << std::hex << std::setw(2) << std::setfill('0') << int(d[i]);
        if (i + 1 == d.size()) hex << '\n';
      }
    FILE* f = fopen(txt.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(hex.str().c_str(), f);
    fclose(f);
  }
  run("text2pcap -q -u 4000,5000 " + txt + " " + pcap + " 2>&1");
  const std::string out = run(
      "tshark -r " + pcap +
      " -d udp.port==5000,t38 -T fields -E separator=/t -E occurrence=f"
      " -e t38.seq_number -e t38.error_recovery -e t38.secondary_ifp_packets"
      " -e t38.fec_npackets -e t38.fec_data -e _ws.malformed -e _ws.expert.severity 2>/dev/null");
  std::remove(txt.c_str());
  std::remove(pcap.c_str());
  rmdir(dir);

  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || !isdigit(static_cast<unsigned char>(line[0]))) continue;
    std::vector<std::string> cols;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) cols.push_back(cell);
    cols.resize(7);
    rows.push_back(cols);
  }
  ASSERT_EQ(rows.size(), dgs.size()) << out;
  for (size_t i = 0; i < dgs.size(); ++i) {
    const UdptlPacket p = decode(dgs[i]).value;
    const auto& r = rows[i];
    EXPECT_EQ(r[0], std::to_string(p.seq)) << i;
    if (p.recovery == Recovery::secondary) {
      EXPECT_EQ(r[1], "0") << i;
      EXPECT_EQ(r[2], std::to_string(p.secondary_count)) << i;
    } else {
      EXPECT_EQ(r[1], "1") << i;
      EXPECT_EQ(r[3], std::to_string(p.fec_span)) << i;
      EXPECT_EQ(r[4], std::to_string(p.fec_count)) << i;
    }
    EXPECT_EQ(r[5], "") << "malformed " << i;
    EXPECT_EQ(r[6], "") << "expert info " << i;
  }
}

}  // namespace
}  // namespace rtpx::codecs::t38
