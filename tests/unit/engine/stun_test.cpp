// ICE-lite STUN responder: the RFC 5769 sample request is accepted with its credentials and
// refused without them; the response is checked with independent HMAC/CRC computations; the
// relay path answers checks in place and latches the nominated pair.

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/ice/stun.hpp"
#include "engine/session/relay_path.hpp"

namespace rtpx::engine {
namespace {

// RFC 5769 section 2.1 (SOFTWARE "STUN test client"): username "evtj:h6vY", password
// "VOkJxbRl1RmTxUk/WvJxBt".
const std::vector<uint8_t> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

StunCredentials creds(const char* ufrag, const char* pwd) {
  StunCredentials c;
  c.set(ufrag, pwd);
  return c;
}

uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

net::SockAddr addr(const char* ip, uint16_t port) {
  return *net::SockAddr::from_ip(ip, port);
}

TEST(Stun, Rfc5769SampleRequestIsAnsweredWithAVerifiableResponse) {
  std::vector<uint8_t> buf = kSampleRequest;
  buf.resize(256);
  StunResponder stun;
  uint32_t out = 0;
  const StunResult r =
      stun.answer(creds("evtj", "VOkJxbRl1RmTxUk/WvJxBt"), buf.data(),
                  static_cast<uint32_t>(kSampleRequest.size()), static_cast<uint32_t>(buf.size()),
                  addr("192.0.2.1", 32853), &out);
  ASSERT_EQ(r.outcome, StunOutcome::answered);
  EXPECT_FALSE(r.use_candidate);
  ASSERT_EQ(out, 20u + 12 + 24 + 8);
  EXPECT_EQ(rd16(buf.data()), 0x0101);
  EXPECT_EQ(rd16(buf.data() + 2), out - 20);
  EXPECT_EQ(0, std::memcmp(buf.data() + 4, kSampleRequest.data() + 4, 16)) << "cookie + txid";
  // XOR-MAPPED-ADDRESS: the RFC 5769 section 2.2 values for 192.0.2.1:32853.
  const uint8_t xma[] = {0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
  EXPECT_EQ(0, std::memcmp(buf.data() + 20, xma, sizeof xma));
  // MESSAGE-INTEGRITY computed independently, over the message up to it.
  const uint32_t mi = 32;
  ASSERT_EQ(rd16(buf.data() + mi), 0x0008);
  std::vector<uint8_t> covered(buf.begin(), buf.begin() + mi);
  covered[2] = 0;
  covered[3] = static_cast<uint8_t>(mi + 24 - 20);
  uint8_t mac[20];
  unsigned mac_len = 0;
  const char* pwd = "VOkJxbRl1RmTxUk/WvJxBt";
  HMAC(EVP_sha1(), pwd, static_cast<int>(std::strlen(pwd)), covered.data(), covered.size(), mac,
       &mac_len);
  EXPECT_EQ(0, std::memcmp(buf.data() + mi + 4, mac, 20));
  // FINGERPRINT.
  const uint32_t fp = mi + 24;
  ASSERT_EQ(rd16(buf.data() + fp), 0x8028);
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, buf.data(), fp)) ^ 0x5354554e;
  uint32_t got;
  std::memcpy(&got, buf.data() + fp + 4, 4);
  EXPECT_EQ(ntohl(got), crc);
}

TEST(Stun, WrongCredentialsTamperingAndJunkAreRefused) {
  StunResponder stun;
  uint32_t out = 0;
  auto try_with = [&](std::vector<uint8_t> b, const StunCredentials& c) {
    const auto len = static_cast<uint32_t>(b.size());
    b.resize(256);
    return stun.answer(c, b.data(), len, 256, addr("192.0.2.1", 1), &out).outcome;
  };
  EXPECT_EQ(try_with(kSampleRequest, creds("evtj", "wrong-password-000000")),
            StunOutcome::bad_auth);
  EXPECT_EQ(try_with(kSampleRequest, creds("abcd", "VOkJxbRl1RmTxUk/WvJxBt")),
            StunOutcome::bad_auth);
  EXPECT_EQ(try_with(kSampleRequest, StunCredentials{}), StunOutcome::bad_auth);
  std::vector<uint8_t> tampered = kSampleRequest;
  tampered[47] ^= 1;  // inside PRIORITY: the fingerprint no longer matches
  EXPECT_EQ(try_with(tampered, creds("evtj", "VOkJxbRl1RmTxUk/WvJxBt")), StunOutcome::malformed);
  std::vector<uint8_t> truncated(kSampleRequest.begin(), kSampleRequest.begin() + 60);
  EXPECT_EQ(try_with(truncated, creds("evtj", "VOkJxbRl1RmTxUk/WvJxBt")), StunOutcome::malformed);
  std::vector<uint8_t> indication = kSampleRequest;
  indication[1] = 0x11;  // Binding indication: nothing to answer
  EXPECT_EQ(try_with(indication, creds("evtj", "VOkJxbRl1RmTxUk/WvJxBt")), StunOutcome::ignored);
}

TEST(Stun, RelayPathAnswersChecksInPlaceAndLatchesTheSource) {
  Endpoint slots[2];
  EndpointConfig cfg;
  cfg.signaled = addr("10.0.0.1", 4000);
  cfg.forward_to = 1;
  cfg.stun = creds("evtj", "VOkJxbRl1RmTxUk/WvJxBt");
  slots[0].reset(cfg);
  EndpointTable table{slots, 2};
  StunResponder stun;

  std::vector<uint8_t> buf = kSampleRequest;
  buf.resize(512);
  io::Packet p;
  p.data = buf.data();
  p.len = static_cast<uint32_t>(kSampleRequest.size());
  p.cap = 512;
  p.socket = 0;
  p.addr = addr("192.0.2.1", 32853);
  auto verdict = relay_one(table, &p, 1, {.stun = &stun});
  ASSERT_FALSE(verdict.has_value());
  EXPECT_EQ(p.socket, 0u) << "the response leaves from the socket the check came to";
  EXPECT_EQ(p.addr.to_string(), "192.0.2.1:32853");
  EXPECT_EQ(rd16(p.data), 0x0101);
  EXPECT_TRUE(slots[0].latched) << "the first authenticated check latches";
  EXPECT_EQ(slots[0].packets.get(), 0u) << "checks are not media";

  // Without a responder (or without credentials) STUN is not RTP: malformed.
  std::memcpy(buf.data(), kSampleRequest.data(), kSampleRequest.size());
  p.len = static_cast<uint32_t>(kSampleRequest.size());
  EXPECT_EQ(relay_one(table, &p, 1), DropReason::malformed);
  // A check with the wrong password is dropped and counted.
  cfg.stun = creds("evtj", "not-the-password-000000");
  slots[0].configure(cfg);
  std::memcpy(buf.data(), kSampleRequest.data(), kSampleRequest.size());
  p.len = static_cast<uint32_t>(kSampleRequest.size());
  EXPECT_EQ(relay_one(table, &p, 1, {.stun = &stun}), DropReason::bad_auth);
}

}  // namespace
}  // namespace rtpx::engine
