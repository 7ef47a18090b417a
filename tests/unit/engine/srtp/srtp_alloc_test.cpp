// "Nothing is allocated per packet", enforced for the SRTP transforms: OpenSSL's allocator is
// replaced by a counting one before OpenSSL allocates anything, and every suite protects and
// unprotects RTP and RTCP (including rejected packets) while the count must stay zero.

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "engine/srtp/srtp_context.hpp"
#include "tests/unit/engine/srtp/srtp_test_packets.hpp"

namespace rtpx::engine::srtp {
namespace {

using testing::Bytes;

std::atomic<uint64_t> g_allocs{0};
thread_local bool t_counting = false;

void* counting_malloc(size_t n, const char*, int) {
  if (t_counting) g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, size_t n, const char*, int) {
  if (t_counting) g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) {
  std::free(p);
}

// Runs before main(), so before OpenSSL's first allocation (after which it would be refused).
const bool g_installed = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free);

class SrtpAlloc : public ::testing::TestWithParam<Suite> {};

TEST_P(SrtpAlloc, PacketPathAllocatesNothing) {
  ASSERT_TRUE(g_installed);
  std::mt19937 rng(5);
  const Bytes key = testing::random_key(rng, GetParam());
  const MasterKey mk = testing::master_key(GetParam(), key, {1, 2, 3, 4});
  auto tx = Context::create(mk, Context::Direction::outbound, nullptr);
  auto rx = Context::create(mk, Context::Direction::inbound, nullptr);
  ASSERT_TRUE(tx && rx);
  std::vector<uint8_t> buf(1500 + 64);
  const Bytes payload = testing::random_bytes(rng, 1000);
  uint64_t ok = 0;
  const uint64_t before = g_allocs.load();
  t_counting = true;
  for (uint32_t i = 0; i < 3000; ++i) {
    const uint32_t ssrc = 1 + i % 11;  // more SSRCs than slots: eviction too
    const uint16_t seq = static_cast<uint16_t>(65000 + i);
    uint32_t len = 12 + (i % 1000);
    std::memcpy(buf.data() + 12, payload.data(), len - 12);
    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = static_cast<uint8_t>(seq >> 8);
    buf[3] = static_cast<uint8_t>(seq);
    for (int b = 0; b < 4; ++b) buf[8 + b] = static_cast<uint8_t>(ssrc >> (24 - 8 * b));
    ok += tx->protect_rtp(buf.data(), &len, static_cast<uint32_t>(buf.size())) == Status::ok;
    if (i % 7 == 0) buf[len - 1] ^= 1;  // rejected: auth_failed
    ok += rx->unprotect_rtp(buf.data(), &len) == Status::ok;
    len = 8 + 4 * (i % 50);
    buf[0] = 0x80;
    buf[1] = 200;
    ok += tx->protect_rtcp(buf.data(), &len, static_cast<uint32_t>(buf.size())) == Status::ok;
    ok += rx->unprotect_rtcp(buf.data(), &len) == Status::ok;
  }
  t_counting = false;
  EXPECT_EQ(g_allocs.load() - before, 0u);
  EXPECT_GT(ok, 3000u * 3);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SrtpAlloc,
                         ::testing::Values(Suite::aes_cm_128_hmac_sha1_80,
                                           Suite::aes_cm_128_hmac_sha1_32, Suite::aead_aes_128_gcm,
                                           Suite::aead_aes_256_gcm),
                         [](const ::testing::TestParamInfo<Suite>& i) {
                           return std::string(srtp::info(i.param).name);
                         });

}  // namespace
}  // namespace rtpx::engine::srtp
