// The suite table: one row per suite, in offer preference order (strongest first).

#include "engine/srtp/srtp_suite.hpp"

#include <array>

namespace rtpx::engine::srtp {
namespace {

constexpr std::array<SuiteInfo, 4> kSuites{{
    {Suite::aead_aes_256_gcm, "AEAD_AES_256_GCM", "SRTP_AEAD_AES_256_GCM", 0x0008, 32, 12, 16, 16,
     true},
    {Suite::aead_aes_128_gcm, "AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12, 16, 16,
     true},
    {Suite::aes_cm_128_hmac_sha1_80, "AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_SHA1_80", 0x0001,
     16, 14, 10, 10, false},
    {Suite::aes_cm_128_hmac_sha1_32, "AES_CM_128_HMAC_SHA1_32", "SRTP_AES128_CM_SHA1_32", 0x0002,
     16, 14, 4, 10, false},
}};

// Every enumerator has exactly one row (checked at compile time).
constexpr bool table_complete() {
  for (uint8_t s = 0; s < kSuites.size(); ++s) {
    int rows = 0;
    for (const SuiteInfo& i : kSuites) rows += static_cast<uint8_t>(i.suite) == s ? 1 : 0;
    if (rows != 1) return false;
  }
  return true;
}
static_assert(table_complete());

}  // namespace

std::span<const SuiteInfo> all_suites() noexcept {
  return kSuites;
}

const SuiteInfo& info(Suite s) noexcept {
  for (const SuiteInfo& i : kSuites)
    if (i.suite == s) return i;
  return kSuites[2];  // unreachable: every enumerator has a row
}

std::optional<Suite> suite_by_name(std::string_view name) noexcept {
  for (const SuiteInfo& i : kSuites)
    if (i.name == name) return i.suite;
  return std::nullopt;
}

std::optional<Suite> suite_by_dtls_profile(uint16_t profile) noexcept {
  for (const SuiteInfo& i : kSuites)
    if (i.dtls_profile == profile) return i.suite;
  return std::nullopt;
}

}  // namespace rtpx::engine::srtp
