#pragma once
// Helpers shared by the UDPTL tests: recognisable IFPs, a delivery collector, one-call encode /
// decode / build wrappers, and sender configurations.

#include "codecs/t38/udptl.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace rtpx::codecs::t38::testing {

using Vec = std::vector<uint8_t>;

Vec vec(Bytes b) {
  return Vec(b.begin(), b.end());
}

// A recognisable IFP for `seq`; the content only has to differ between packets.
Vec make_ifp(uint16_t seq, size_t len) {
  Vec v(len);
  for (size_t i = 0; i < len; ++i) v[i] = static_cast<uint8_t>(seq * 31 + i * 7 + 1);
  return v;
}

// Records what a receiver delivers.
struct Collector {
  std::vector<std::pair<uint16_t, Vec>> got;
  void operator()(Bytes ifp, uint16_t seq) { got.emplace_back(seq, vec(ifp)); }
  std::vector<uint16_t> seqs() const {
    std::vector<uint16_t> s;
    for (const auto& g : got) s.push_back(g.first);
    return s;
  }
};

Vec build(UdptlSender& tx, const Vec& ifp) {
  std::array<uint8_t, 4096> out{};
  const Result<size_t> r = tx.build(ifp, out);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  return Vec(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.value));
}

Result<UdptlPacket> decode(const Vec& d) {
  return decode_udptl(Bytes(d));
}

Vec encode(const UdptlPacket& p) {
  std::array<uint8_t, 4096> out{};
  const Result<size_t> r = encode_udptl(p, out);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  return Vec(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.value));
}

// A stream of `n` datagrams from a sender with `cfg`, and the IFPs it carried.
struct Stream {
  std::vector<Vec> ifps;
  std::vector<Vec> datagrams;
};

Stream make_stream(const SenderConfig& cfg, size_t n, uint16_t first_seq = 0, size_t len = 20) {
  UdptlSender tx;
  EXPECT_EQ(tx.configure(cfg), Error::ok);
  tx.reset(first_seq);
  Stream s;
  for (size_t i = 0; i < n; ++i) {
    s.ifps.push_back(make_ifp(static_cast<uint16_t>(first_seq + i), len));
    s.datagrams.push_back(build(tx, s.ifps.back()));
  }
  return s;
}

SenderConfig redundancy(uint8_t depth) {
  SenderConfig c;
  c.mode = ErrorCorrection::redundancy;
  c.redundancy = depth;
  return c;
}

SenderConfig fec(uint8_t span, uint8_t entries) {
  SenderConfig c;
  c.mode = ErrorCorrection::fec;
  c.fec_span = span;
  c.fec_entries = entries;
  return c;
}

SenderConfig no_ec() {
  SenderConfig c;
  c.mode = ErrorCorrection::none;
  return c;
}

}  // namespace rtpx::codecs::t38::testing
