// Context creation (session key derivation, cipher set-up) and the small accessors. The packet
// transforms are in srtp_rtp_transform.cpp and srtp_rtcp_transform.cpp.

#include "engine/srtp/srtp_context.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "engine/srtp/srtp_context_impl.hpp"
#include "engine/srtp/srtp_kdf.hpp"

namespace rtpx::engine::srtp {
namespace {

constexpr uint64_t kMaxSrtpPackets = uint64_t{1} << 48;  // RFC 3711 section 9.2
constexpr uint64_t kMaxSrtcpPackets = uint64_t{1} << 31;

void set_error(std::string* error, const char* what) {
  if (error != nullptr) *error = what;
}

// Derives and installs one direction's SRTP or SRTCP session keys.
bool setup_keys(const MasterKey& mk, const SuiteInfo& si, bool rtcp, bool seal, SessionKeys* k) {
  const auto label = [rtcp](KdfLabel l) {
    return rtcp ? static_cast<KdfLabel>(static_cast<uint8_t>(l) + 3) : l;
  };
  const uint8_t* key = mk.key.data();
  const uint8_t* salt = mk.salt.data();
  std::array<uint8_t, kMaxKeyLen> enc{};
  std::array<uint8_t, HmacSha1::kDigestLen> auth{};
  bool ok = derive_session_key(key, si.key_len, salt, si.salt_len, label(KdfLabel::rtp_encryption),
                               enc.data(), si.key_len) &&
            derive_session_key(key, si.key_len, salt, si.salt_len, label(KdfLabel::rtp_salt),
                               k->salt.data(), si.salt_len);
  if (si.aead) {
    ok = ok && k->gcm.init(enc.data(), si.key_len, seal);
  } else {
    ok = ok &&
         derive_session_key(key, si.key_len, salt, si.salt_len, label(KdfLabel::rtp_auth),
                            auth.data(), auth.size()) &&
         k->ctr.init(enc.data(), si.key_len) && k->hmac.init(auth.data(), auth.size());
  }
  k->tag_len = rtcp ? si.rtcp_tag_len : si.rtp_tag_len;
  OPENSSL_cleanse(enc.data(), enc.size());
  OPENSSL_cleanse(auth.data(), auth.size());
  return ok;
}

}  // namespace

const char* to_string(Status s) noexcept {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::malformed:
      return "malformed";
    case Status::auth_failed:
      return "auth_failed";
    case Status::replayed:
      return "replayed";
    case Status::too_old:
      return "too_old";
    case Status::no_room:
      return "no_room";
    case Status::key_expired:
      return "key_expired";
    case Status::bad_mki:
      return "bad_mki";
  }
  return "unknown";
}

std::unique_ptr<Context> Context::create(const MasterKey& key, Direction dir, std::string* error) {
  const SuiteInfo* si = nullptr;
  for (const SuiteInfo& i : all_suites())
    if (i.suite == key.suite) si = &i;
  if (si == nullptr) {
    set_error(error, "srtp: unknown suite");
    return nullptr;
  }
  if (key.mki_len > kMaxMkiLen) {
    set_error(error, "srtp: MKI longer than 8 bytes");
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->info = *si;
  impl->dir = dir;
  impl->mki = key.mki;
  impl->mki_len = key.mki_len;
  const bool seal = dir == Direction::outbound;
  if (!setup_keys(key, *si, false, seal, &impl->rtp) ||
      !setup_keys(key, *si, true, seal, &impl->rtcp)) {
    set_error(error, "srtp: OpenSSL refused the session keys");
    return nullptr;
  }
  impl->rtp_limit = key.lifetime == 0 ? kMaxSrtpPackets : std::min(key.lifetime, kMaxSrtpPackets);
  impl->rtcp_limit =
      key.lifetime == 0 ? kMaxSrtcpPackets : std::min(key.lifetime, kMaxSrtcpPackets);
  return std::unique_ptr<Context>(new Context(std::move(impl)));
}

Context::Context(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Context::~Context() = default;

uint32_t Context::rtp_overhead() const noexcept {
  return uint32_t{impl_->rtp.tag_len} + impl_->mki_len;
}
uint32_t Context::rtcp_overhead() const noexcept {
  return 4 + uint32_t{impl_->rtcp.tag_len} + impl_->mki_len;
}
Suite Context::suite() const noexcept {
  return impl_->info.suite;
}
Context::Direction Context::direction() const noexcept {
  return impl_->dir;
}

}  // namespace rtpx::engine::srtp
