#include "engine/dtls/dtls_connection.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstring>

#include "engine/dtls/dtls_datagram_bio.hpp"
#include "engine/dtls/dtls_openssl_error.hpp"

namespace rtpx::engine::dtls {

static_assert(Connection::kMaxDatagram == DatagramQueue::kSlotBytes);
static_assert(Connection::kMaxQueued == DatagramQueue::kSlots);

namespace {

constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 section 4.2
constexpr int kMinLinkMtu = 256;                          // OpenSSL refuses less
constexpr int kMaxReadsPerDatagram = 8;                   // records after the handshake

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string profile_list(const std::vector<srtp::Suite>& suites) {
  std::string list;
  const auto add = [&](srtp::Suite s) {
    if (!list.empty()) list += ':';
    list += srtp::info(s).openssl_profile;
  };
  if (suites.empty()) {
    for (const srtp::SuiteInfo& s : srtp::all_suites()) add(s.suite);
  } else {
    for (srtp::Suite s : suites) add(s);
  }
  return list;
}

}  // namespace

const char* to_string(State s) noexcept {
  switch (s) {
    case State::idle:
      return "idle";
    case State::connecting:
      return "connecting";
    case State::connected:
      return "connected";
    case State::failed:
      return "failed";
    case State::closed:
      return "closed";
  }
  return "?";
}

struct Connection::Impl {
  std::shared_ptr<const Certificate> cert;
  Options opt;
  std::string peer_algorithm;  // from opt.peer_fingerprint; empty: any certificate
  std::string peer_digest;     // "AB:CD:..."
  SSL* ssl = nullptr;
  DatagramLink link;
  State state = State::idle;
  std::string failure;
  std::optional<Keying> keying;
  int64_t deadline_ns = INT64_MAX;
  int64_t last_now_ns = 0;
  bool fingerprint_mismatch = false;

  ~Impl() { SSL_free(ssl); }

  bool peer_matches(X509* cert) const {
    if (peer_algorithm.empty()) return true;
    const std::string actual = fingerprint_of(cert, peer_algorithm);
    const size_t space = actual.find(' ');
    return space != std::string::npos &&
           iequals(std::string_view(actual).substr(space + 1), peer_digest);
  }

  // Called by OpenSSL for each certificate of the peer's chain; the one at depth 0 is the peer's
  // own and must have the SDP fingerprint. Anything else (self-signed, expired) is accepted.
  static int verify_peer(int /*preverify_ok*/, X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<Impl*>(SSL_get_app_data(ssl)) : nullptr;
    if (!self || X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    if (self->peer_matches(X509_STORE_CTX_get_current_cert(store))) return 1;
    self->fingerprint_mismatch = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }

  void fail(std::string reason) {
    state = State::failed;
    failure = std::move(reason);
    keying.reset();
    deadline_ns = INT64_MAX;
    ERR_clear_error();
  }

  // The handshake completed but its result is unusable: tell the peer (close_notify), then fail.
  void fail_after_handshake(std::string reason) {
    SSL_shutdown(ssl);
    fail(std::move(reason));
  }

  void drive_handshake() {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl);
    if (r == 1) {
      complete();
      return;
    }
    const int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    if (fingerprint_mismatch) {
      fail("peer certificate fingerprint mismatch");
    } else {
      fail("DTLS handshake failed: " + take_openssl_error("unknown error"));
    }
  }

  void complete() {
    if (!peer_matches(SSL_get0_peer_certificate(ssl)) ||
        (!peer_algorithm.empty() && !SSL_get0_peer_certificate(ssl))) {
      fail_after_handshake("peer certificate fingerprint mismatch");
      return;
    }
    const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl);
    if (!profile) {
      fail_after_handshake("no common SRTP protection profile (use_srtp not negotiated)");
      return;
    }
    const std::optional<srtp::Suite> suite =
        srtp::suite_by_dtls_profile(static_cast<uint16_t>(profile->id));
    if (!suite) {
      fail_after_handshake("peer selected an unknown SRTP protection profile");
      return;
    }
    const srtp::SuiteInfo& si = srtp::info(*suite);
    const size_t k = si.key_len;
    const size_t s = si.salt_len;
    // client_key | server_key | client_salt | server_salt (RFC 5764 section 4.2)
    std::array<uint8_t, 2 * (srtp::kMaxKeyLen + srtp::kMaxSaltLen)> material{};
    if (SSL_export_keying_material(ssl, material.data(), 2 * (k + s), kExporterLabel,
                                   sizeof(kExporterLabel) - 1, nullptr, 0, 0) != 1) {
      fail_after_handshake("DTLS-SRTP key export failed: " + take_openssl_error("unknown error"));
      return;
    }
    Keying out{};
    out.suite = *suite;
    const bool client = opt.role == Role::client;
    const auto fill = [&](srtp::MasterKey& mk, bool client_half) {
      mk.suite = *suite;
      std::memcpy(mk.key.data(), material.data() + (client_half ? 0 : k), k);
      std::memcpy(mk.salt.data(), material.data() + 2 * k + (client_half ? 0 : s), s);
    };
    fill(out.local, client);
    fill(out.remote, !client);
    OPENSSL_cleanse(material.data(), material.size());
    keying = out;
    OPENSSL_cleanse(&out, sizeof(out));
    state = State::connected;
    deadline_ns = INT64_MAX;
  }

  // After the handshake: alerts end the association; application data is not for us.
  void read_after_handshake() {
    std::array<uint8_t, 512> sink;
    for (int i = 0; i < kMaxReadsPerDatagram; ++i) {
      ERR_clear_error();
      const int r = SSL_read(ssl, sink.data(), static_cast<int>(sink.size()));
      if (r > 0) continue;
      const int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_ZERO_RETURN || (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) != 0) {
        state = State::closed;
      }
      // Anything else (a record that does not parse, a stray handshake message) leaves the
      // association as it is: the SRTP keys do not depend on it.
      break;
    }
    ERR_clear_error();
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::create(std::shared_ptr<const Certificate> cert,
                                               const Options& opt, std::string* error) {
  const auto refuse = [&](std::string why) -> std::unique_ptr<Connection> {
    if (error) *error = std::move(why);
    ERR_clear_error();
    return nullptr;
  };
  if (!cert || !cert->ssl_ctx()) return refuse("dtls: no certificate");
  if (opt.mtu < kMinLinkMtu || opt.mtu > kMaxDatagram) {
    return refuse("dtls: mtu " + std::to_string(opt.mtu) + " outside " +
                  std::to_string(kMinLinkMtu) + ".." + std::to_string(kMaxDatagram));
  }
  auto impl = std::make_unique<Impl>();
  impl->cert = std::move(cert);
  impl->opt = opt;
  impl->link.mtu = opt.mtu;
  const std::string_view fp = trim(opt.peer_fingerprint);
  if (!fp.empty()) {
    const size_t space = fp.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return refuse("dtls: peer_fingerprint '" + std::string(fp) + "' has no hash algorithm");
    }
    impl->peer_algorithm = fp.substr(0, space);
    impl->peer_digest = trim(fp.substr(space + 1));
    if (fingerprint_of(impl->cert->x509(), impl->peer_algorithm).empty()) {
      return refuse("dtls: peer_fingerprint hash '" + impl->peer_algorithm + "' is not supported");
    }
  }

  ERR_clear_error();
  impl->ssl = SSL_new(impl->cert->ssl_ctx());
  if (!impl->ssl) return refuse("dtls: SSL_new: " + take_openssl_error("unknown error"));
  SSL_set_app_data(impl->ssl, impl.get());
  SSL_set_verify(impl->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &Impl::verify_peer);
  const std::string profiles = profile_list(opt.suites);
  if (SSL_set_tlsext_use_srtp(impl->ssl, profiles.c_str()) != 0) {  // 0 is success here
    return refuse("dtls: SRTP profiles '" + profiles + "': " + take_openssl_error("refused"));
  }
  BIO* bio = new_datagram_bio(&impl->link);
  if (!bio) return refuse("dtls: datagram BIO: " + take_openssl_error("unknown error"));
  SSL_set_bio(impl->ssl, bio, bio);
  SSL_set_options(impl->ssl, SSL_OP_NO_QUERY_MTU);
  if (DTLS_set_link_mtu(impl->ssl, opt.mtu) != 1) {
    return refuse("dtls: DTLS_set_link_mtu: " + take_openssl_error("refused"));
  }
  if (opt.role == Role::client) {
    SSL_set_connect_state(impl->ssl);
  } else {
    SSL_set_accept_state(impl->ssl);
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

void Connection::start(int64_t now_ns) noexcept {
  Impl& s = *impl_;
  if (s.state != State::idle) return;
  s.last_now_ns = now_ns;
  s.deadline_ns = s.opt.handshake_timeout_ns >= INT64_MAX - now_ns
                      ? INT64_MAX
                      : now_ns + std::max<int64_t>(s.opt.handshake_timeout_ns, 0);
  s.state = State::connecting;
  if (s.opt.role == Role::client) s.drive_handshake();
}

void Connection::receive(std::span<const uint8_t> datagram, int64_t now_ns) noexcept {
  Impl& s = *impl_;
  s.last_now_ns = now_ns;
  if (s.state == State::idle && s.opt.role == Role::server) start(now_ns);
  if (datagram.empty() || (s.state != State::connecting && s.state != State::connected)) return;
  s.link.incoming = datagram;
  if (s.state == State::connecting) {
    s.drive_handshake();
  } else {
    s.read_after_handshake();
  }
  s.link.incoming = {};
}

void Connection::on_timer(int64_t now_ns) noexcept {
  Impl& s = *impl_;
  s.last_now_ns = now_ns;
  if (s.state != State::connecting) return;
  if (now_ns >= s.deadline_ns) {
    s.fail("DTLS handshake timed out after " + seconds_text(s.opt.handshake_timeout_ns) + " s");
    return;
  }
  ERR_clear_error();
  if (DTLSv1_handle_timeout(s.ssl) < 0) {
    s.fail("DTLS retransmission failed: " + take_openssl_error("too many timeouts"));
  }
}

int64_t Connection::next_timer_ns() const noexcept {
  const Impl& s = *impl_;
  if (s.state != State::connecting) return INT64_MAX;
  int64_t next = s.deadline_ns;
  timeval tv{};
  if (DTLSv1_get_timeout(s.ssl, &tv) == 1) {
    const int64_t remaining = int64_t{tv.tv_sec} * 1'000'000'000 + int64_t{tv.tv_usec} * 1'000;
    next = std::min(next, s.last_now_ns + remaining);
  }
  return next;
}

void Connection::close() noexcept {
  Impl& s = *impl_;
  if (s.state == State::connected) {
    ERR_clear_error();
    SSL_shutdown(s.ssl);
    ERR_clear_error();
  }
  if (s.state != State::failed) s.state = State::closed;
  s.deadline_ns = INT64_MAX;
}

bool Connection::pop_datagram(std::span<uint8_t> out, uint32_t* len) noexcept {
  return impl_->link.outgoing.pop(out, len);
}

State Connection::state() const noexcept {
  return impl_->state;
}
const std::string& Connection::failure() const noexcept {
  return impl_->failure;
}
const std::optional<Keying>& Connection::keying() const noexcept {
  return impl_->keying;
}
Role Connection::role() const noexcept {
  return impl_->opt.role;
}

}  // namespace rtpx::engine::dtls
