// dtls_srtp_peer: a DTLS-SRTP endpoint for interop tests, built on OpenSSL and libsrtp2 only (no
// rtpx code), so rtpx's own DTLS and SRTP are checked against an independent implementation.
//
//   dtls_srtp_peer --bind IP:PORT --role active|passive [--remote IP:PORT]
//                  [--expect-fingerprint "sha-256 AB:.."] [--fingerprint-out FILE]
//                  [--profiles SRTP_AEAD_AES_256_GCM:...] [--send N] [--expect N]
//                  [--ptime-ms 20] [--payload-size 160] [--pt 0] [--ssrc X] [--timeout-s 10]
//                  [--linger-ms 1000] [--wrong-key]
//
// Protocol, one line each, '\n'-terminated:
//   1. stdout: "READY <ip:port bound> <own fingerprint>", e.g.
//      "READY 127.0.0.1:40012 sha-256 AB:CD:...". PORT 0 in --bind picks a free port. The
//      fingerprint also goes to --fingerprint-out FILE when given.
//   2. stdin, only when --remote is not given: "REMOTE <ip:port> [<fingerprint>]", e.g.
//      "REMOTE 127.0.0.1:30000 sha-256 AB:CD:..."; no fingerprint (or "-") accepts any peer
//      certificate. --expect-fingerprint, when given, wins over the line's.
//   3. DTLS handshake on the bound socket (active = client, passive = server, no cookie
//      exchange), then N SRTP packets every --ptime-ms (payload byte i = (seq + i) & 0xff) while
//      receiving the peer's. Stops when --expect packets (default --send) arrived and all were
//      sent, --linger-ms after the last packet in either direction, or at --timeout-s.
//   4. stdout, last line: {"handshake":"ok","profile":"SRTP_AES128_CM_SHA1_80","sent":N,
//      "received":M,"intact":K,"auth_failed":F}, or {"handshake":"failed","error":"...",...}.
//      "received" counts SRTP (not SRTCP) packets; "intact" those that unprotect and carry the
//      pattern with --payload-size bytes. Exit code 0 only when the handshake succeeded.
// --wrong-key protects with a corrupted key: every packet fails authentication at the peer.
// Diagnostics go to stderr.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <srtp2/srtp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string bind = "127.0.0.1:0";
  std::string remote;
  bool active = false;
  std::string expect_fingerprint;
  std::string fingerprint_out;
  std::string profiles =
      "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
  int send = 0;
  int expect = -1;
  int ptime_ms = 20;
  int payload_size = 160;
  int pt = 0;
  uint32_t ssrc = 0;
  int timeout_s = 10;
  int linger_ms = 1000;
  bool wrong_key = false;
};

struct Result {
  bool handshake_ok = false;
  std::string error;
  std::string profile;
  int sent = 0;
  int received = 0;
  int intact = 0;
  int auth_failed = 0;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "dtls_srtp_peer: %s (see the comment at the top of the source)\n", why);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  bool role_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "--bind") {
      a.bind = value();
    } else if (k == "--remote") {
      a.remote = value();
    } else if (k == "--role") {
      const std::string r = value();
      if (r != "active" && r != "passive") usage("--role is active or passive");
      a.active = r == "active";
      role_given = true;
    } else if (k == "--expect-fingerprint") {
      a.expect_fingerprint = value();
    } else if (k == "--fingerprint-out") {
      a.fingerprint_out = value();
    } else if (k == "--profiles") {
      a.profiles = value();
    } else if (k == "--send") {
      a.send = std::atoi(value().c_str());
    } else if (k == "--expect") {
      a.expect = std::atoi(value().c_str());
    } else if (k == "--ptime-ms") {
      a.ptime_ms = std::max(1, std::atoi(value().c_str()));
    } else if (k == "--payload-size") {
      a.payload_size = std::clamp(std::atoi(value().c_str()), 1, 1200);
    } else if (k == "--pt") {
      a.pt = std::atoi(value().c_str()) & 0x7f;
    } else if (k == "--ssrc") {
      a.ssrc = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 0));
    } else if (k == "--timeout-s") {
      a.timeout_s = std::max(1, std::atoi(value().c_str()));
    } else if (k == "--linger-ms") {
      a.linger_ms = std::max(0, std::atoi(value().c_str()));
    } else if (k == "--wrong-key") {
      a.wrong_key = true;
    } else {
      usage(("unknown option " + k).c_str());
    }
  }
  if (!role_given) usage("--role is required");
  if (a.expect < 0) a.expect = a.send;
  return a;
}

// "1.2.3.4:5" or "[::1]:5".
std::optional<sockaddr_storage> parse_addr(const std::string& s) {
  sockaddr_storage ss{};
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = s.substr(0, colon);
  const int port = std::atoi(s.c_str() + colon + 1);
  if (port < 0 || port > 65535) return std::nullopt;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6->sin6_addr) != 1) {
      return std::nullopt;
    }
    return ss;
  }
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
  a4->sin_family = AF_INET;
  a4->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) != 1) return std::nullopt;
  return ss;
}

socklen_t addr_len(const sockaddr_storage& ss) {
  return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

std::string addr_text(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a6->sin6_port));
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(a4->sin_port));
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "sha-256 AB:CD:..." of `cert` for `algorithm` (sha-1 ... sha-512), empty when unknown.
std::string fingerprint(X509* cert, const std::string& algorithm) {
  std::string name = lower(algorithm);
  name.erase(std::remove(name.begin(), name.end(), '-'), name.end());  // "sha256"
  if (name.rfind("sha", 0) != 0) return {};
  const EVP_MD* md = EVP_get_digestbyname(name.c_str());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || X509_digest(cert, md, digest, &len) != 1) return {};
  std::string out = lower(algorithm) + " ";
  char hex[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof(hex), i ? ":%02X" : "%02X", digest[i]);
    out += hex;
  }
  return out;
}

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

Identity make_identity() {
  Identity id;
  id.key = EVP_EC_gen("P-256");
  id.cert = X509_new();
  if (!id.key || !id.cert) return {};
  X509_set_version(id.cert, X509_VERSION_3);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(id.cert));
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(id.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("dtls_srtp_peer"), -1, -1, 0);
  X509_set_issuer_name(id.cert, name);
  X509_gmtime_adj(X509_getm_notBefore(id.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 7 * 24 * 3600);
  X509_set_pubkey(id.cert, id.key);
  if (X509_sign(id.cert, id.key, EVP_sha256()) == 0) return {};
  return id;
}

std::string g_expected_fingerprint;  // "sha-256 AB:..."; empty: any certificate
bool g_fingerprint_mismatch = false;

bool fingerprint_matches(X509* cert) {
  if (g_expected_fingerprint.empty()) return true;
  const size_t sp = g_expected_fingerprint.find(' ');
  if (sp == std::string::npos || !cert) return false;
  return lower(fingerprint(cert, g_expected_fingerprint.substr(0, sp))) ==
         lower(g_expected_fingerprint);
}

int verify_cb(int /*preverify_ok*/, X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  if (fingerprint_matches(X509_STORE_CTX_get_current_cert(store))) return 1;
  g_fingerprint_mismatch = true;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

int finish(const Result& r) {
  std::printf(
      "{\"handshake\":\"%s\",%s\"profile\":\"%s\",\"sent\":%d,\"received\":%d,\"intact\":%d,"
      "\"auth_failed\":%d}\n",
      r.handshake_ok ? "ok" : "failed",
      r.error.empty() ? "" : ("\"error\":\"" + json_escape(r.error) + "\",").c_str(),
      r.profile.c_str(), r.sent, r.received, r.intact, r.auth_failed);
  std::fflush(stdout);
  return r.handshake_ok ? 0 : 1;
}

// Reads "REMOTE ip:port [fingerprint]" from stdin, giving up at `deadline_ms`.
std::optional<std::string> read_line(int64_t deadline_ms) {
  std::string line;
  char c;
  while (now_ms() < deadline_ms) {
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::max<int64_t>(deadline_ms - now_ms(), 0))) <= 0) continue;
    const ssize_t n = read(0, &c, 1);
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
  return std::nullopt;
}

// The SRTP side once the handshake is done: libsrtp2 sessions from the exported keys.
struct Media {
  srtp_t tx = nullptr;
  srtp_t rx = nullptr;
  ~Media() {
    if (tx) srtp_dealloc(tx);
    if (rx) srtp_dealloc(rx);
  }
};

bool setup_srtp(SSL* ssl, bool active, bool wrong_key, Media* m, Result* r) {
  const SRTP_PROTECTION_PROFILE* p = SSL_get_selected_srtp_profile(ssl);
  if (!p) {
    r->error = "no SRTP protection profile negotiated";
    return false;
  }
  r->profile = p->name;
  size_t key_len = 0;
  size_t salt_len = 0;
  switch (p->id) {
    case SRTP_AES128_CM_SHA1_80:
    case SRTP_AES128_CM_SHA1_32:
      key_len = 16, salt_len = 14;
      break;
    case SRTP_AEAD_AES_128_GCM:
      key_len = 16, salt_len = 12;
      break;
    case SRTP_AEAD_AES_256_GCM:
      key_len = 32, salt_len = 12;
      break;
    default:
      r->error = std::string("unsupported SRTP profile ") + p->name;
      return false;
  }
  unsigned char km[2 * (32 + 14)];
  static const char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl, km, 2 * (key_len + salt_len), kLabel, sizeof(kLabel) - 1,
                                 nullptr, 0, 0) != 1) {
    r->error = "SSL_export_keying_material: " + openssl_error();
    return false;
  }
  // client_key | server_key | client_salt | server_salt; libsrtp2 wants key then salt.
  unsigned char client[32 + 14];
  unsigned char server[32 + 14];
  std::memcpy(client, km, key_len);
  std::memcpy(client + key_len, km + 2 * key_len, salt_len);
  std::memcpy(server, km + key_len, key_len);
  std::memcpy(server + key_len, km + 2 * key_len + salt_len, salt_len);
  unsigned char* local = active ? client : server;
  unsigned char* remote = active ? server : client;
  if (wrong_key) local[0] ^= 0x01;

  const auto make = [&](unsigned char* key, bool outbound, srtp_t* out) {
    srtp_policy_t pol;
    std::memset(&pol, 0, sizeof(pol));
    const auto profile = static_cast<srtp_profile_t>(p->id);
    if (srtp_crypto_policy_set_from_profile_for_rtp(&pol.rtp, profile) != srtp_err_status_ok ||
        srtp_crypto_policy_set_from_profile_for_rtcp(&pol.rtcp, profile) != srtp_err_status_ok) {
      return false;
    }
    pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    pol.key = key;
    pol.window_size = 128;
    return srtp_create(out, &pol) == srtp_err_status_ok;
  };
  const bool ok = make(local, true, &m->tx) && make(remote, false, &m->rx);
  OPENSSL_cleanse(km, sizeof(km));
  OPENSSL_cleanse(client, sizeof(client));
  OPENSSL_cleanse(server, sizeof(server));
  if (!ok) r->error = "libsrtp2 srtp_create failed";
  return ok;
}

void send_rtp(int fd, const sockaddr_storage& to, srtp_t tx, const Args& a, uint16_t seq,
              uint32_t ts, uint32_t ssrc, Result* r) {
  std::vector<uint8_t> pkt(12 + a.payload_size + SRTP_MAX_TRAILER_LEN);
  pkt[0] = 0x80;
  pkt[1] = static_cast<uint8_t>(a.pt | (r->sent == 0 ? 0x80 : 0));
  pkt[2] = static_cast<uint8_t>(seq >> 8), pkt[3] = static_cast<uint8_t>(seq);
  for (int i = 0; i < 4; ++i) {
    pkt[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
    pkt[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  for (int i = 0; i < a.payload_size; ++i) pkt[12 + i] = static_cast<uint8_t>((seq + i) & 0xff);
  int len = 12 + a.payload_size;
  if (srtp_protect(tx, pkt.data(), &len) != srtp_err_status_ok) {
    std::fprintf(stderr, "dtls_srtp_peer: srtp_protect failed\n");
    return;
  }
  if (sendto(fd, pkt.data(), len, 0, reinterpret_cast<const sockaddr*>(&to), addr_len(to)) == len) {
    ++r->sent;
  }
}

void receive_srtp(uint8_t* pkt, int len, srtp_t rx, const Args& a, Result* r) {
  if (len < 12) return;
  if (pkt[1] >= 192 && pkt[1] <= 223) {  // SRTCP (RFC 5761): not counted
    (void)srtp_unprotect_rtcp(rx, pkt, &len);
    return;
  }
  ++r->received;
  const srtp_err_status_t st = srtp_unprotect(rx, pkt, &len);
  if (st == srtp_err_status_auth_fail) ++r->auth_failed;
  if (st != srtp_err_status_ok) return;
  size_t off = 12 + 4 * size_t(pkt[0] & 0x0f);
  if ((pkt[0] & 0x10) && size_t(len) >= off + 4) {
    off += 4 + 4 * ((size_t(pkt[off + 2]) << 8) | pkt[off + 3]);
  }
  if (size_t(len) < off || len - off != size_t(a.payload_size)) return;
  const uint16_t seq = static_cast<uint16_t>((pkt[2] << 8) | pkt[3]);
  for (size_t i = 0; i < size_t(a.payload_size); ++i) {
    if (pkt[off + i] != static_cast<uint8_t>((seq + i) & 0xff)) return;
  }
  ++r->intact;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  const int64_t started = now_ms();
  const int64_t deadline = started + int64_t{a.timeout_s} * 1000;
  Result r;

  const std::optional<sockaddr_storage> bind_addr = parse_addr(a.bind);
  if (!bind_addr) usage("--bind wants IP:PORT");
  const int fd = socket(bind_addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_storage bound = *bind_addr;
  socklen_t bound_len = sizeof(bound);
  if (fd < 0 ||
      bind(fd, reinterpret_cast<const sockaddr*>(&*bind_addr), addr_len(*bind_addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    r.error = "cannot bind " + a.bind + ": " + std::strerror(errno);
    return finish(r);
  }

  const Identity id = make_identity();
  if (!id.cert) {
    r.error = "certificate: " + openssl_error();
    return finish(r);
  }
  const std::string own_fp = fingerprint(id.cert, "sha-256");
  std::printf("READY %s %s\n", addr_text(bound).c_str(), own_fp.c_str());
  std::fflush(stdout);
  if (!a.fingerprint_out.empty()) std::ofstream(a.fingerprint_out) << own_fp << "\n";

  std::string remote_text = a.remote;
  g_expected_fingerprint = a.expect_fingerprint;
  if (remote_text.empty()) {
    const std::optional<std::string> line = read_line(deadline);
    if (!line || line->rfind("REMOTE ", 0) != 0) {
      r.error = "expected a line 'REMOTE ip:port [fingerprint]' on stdin";
      return finish(r);
    }
    std::string rest = line->substr(7);
    const size_t sp = rest.find(' ');
    remote_text = rest.substr(0, sp);
    if (sp != std::string::npos && g_expected_fingerprint.empty()) {
      g_expected_fingerprint = rest.substr(sp + 1);
      while (!g_expected_fingerprint.empty() &&
             std::isspace(static_cast<unsigned char>(g_expected_fingerprint.back()))) {
        g_expected_fingerprint.pop_back();
      }
      if (g_expected_fingerprint == "-") g_expected_fingerprint.clear();
    }
  }
  const std::optional<sockaddr_storage> remote = parse_addr(remote_text);
  if (!remote) {
    r.error = "bad remote address '" + remote_text + "'";
    return finish(r);
  }

  // DTLS: reads come from a memory BIO we fill one datagram at a time (so SRTP on the same socket
  // never reaches OpenSSL); writes go straight to the socket.
  SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
  SSL_CTX_set_min_proto_version(ctx, DTLS1_VERSION);
  SSL_CTX_use_certificate(ctx, id.cert);
  SSL_CTX_use_PrivateKey(ctx, id.key);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
  SSL_CTX_set_read_ahead(ctx, 1);
  if (SSL_CTX_set_tlsext_use_srtp(ctx, a.profiles.c_str()) != 0) {
    r.error = "--profiles '" + a.profiles + "': " + openssl_error();
    return finish(r);
  }
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio, -1);
  BIO* wbio = BIO_new_dgram(fd, BIO_NOCLOSE);
  BIO_ADDR* peer = BIO_ADDR_new();
  if (remote->ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&*remote);
    BIO_ADDR_rawmake(peer, AF_INET6, &a6->sin6_addr, sizeof(a6->sin6_addr), a6->sin6_port);
  } else {
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(&*remote);
    BIO_ADDR_rawmake(peer, AF_INET, &a4->sin_addr, sizeof(a4->sin_addr), a4->sin_port);
  }
  BIO_dgram_set_peer(wbio, peer);
  BIO_ADDR_free(peer);
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu(ssl, 1200);
  if (a.active) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }

  Media media;
  srtp_init();
  bool handshaking = true;
  bool failed = false;
  const auto drive = [&] {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
      handshaking = false;
      if (!fingerprint_matches(SSL_get0_peer_certificate(ssl))) {
        r.error = "peer certificate fingerprint mismatch";
        failed = true;
      } else if (!setup_srtp(ssl, a.active, a.wrong_key, &media, &r)) {
        failed = true;
      } else {
        r.handshake_ok = true;
        std::fprintf(stderr, "dtls_srtp_peer: handshake done after %lld ms, %s\n",
                     static_cast<long long>(now_ms() - started), r.profile.c_str());
      }
      return;
    }
    const int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    r.error = g_fingerprint_mismatch ? "peer certificate fingerprint mismatch"
                                     : "DTLS handshake: " + openssl_error();
    failed = true;
  };
  if (a.active) drive();

  uint32_t ssrc = a.ssrc;
  uint16_t seq = 0;
  uint32_t ts = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&seq), sizeof(seq));
  RAND_bytes(reinterpret_cast<unsigned char*>(&ts), sizeof(ts));
  if (ssrc == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&ssrc), sizeof(ssrc));
  int64_t next_send = 0;
  int64_t last_activity = now_ms();
  std::vector<uint8_t> buf(65536);

  while (!failed && now_ms() < deadline) {
    const int64_t now = now_ms();
    if (!handshaking) {
      const bool sending = r.sent < a.send;
      if (!sending && r.received >= a.expect) break;
      if (!sending && now - last_activity >= a.linger_ms) break;
      while (r.sent < a.send && now >= next_send) {
        send_rtp(fd, *remote, media.tx, a, seq, ts, ssrc, &r);
        ++seq;
        ts += static_cast<uint32_t>(8 * a.ptime_ms);
        next_send = (next_send == 0 ? now : next_send) + a.ptime_ms;
        last_activity = now;
      }
    }
    int64_t wake = deadline;
    if (handshaking) {
      timeval tv{};
      if (DTLSv1_get_timeout(ssl, &tv) == 1)
        wake = std::min(wake, now + tv.tv_sec * 1000 + tv.tv_usec / 1000);
    } else if (r.sent < a.send) {
      wake = std::min(wake, next_send);
    } else {
      wake = std::min(wake, last_activity + a.linger_ms);
    }
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::clamp<int64_t>(wake - now, 0, 1000)));
    for (;;) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof(from);
      const ssize_t n =
          recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n <= 0) break;
      const uint8_t b0 = buf[0];
      if (b0 >= 20 && b0 <= 63) {  // DTLS (RFC 7983)
        BIO_write(rbio, buf.data(), static_cast<int>(n));
        if (handshaking) {
          drive();
        } else {
          // After the handshake: a retransmitted flight is answered, close_notify noted.
          unsigned char sink[2048];
          ERR_clear_error();
          while (SSL_read(ssl, sink, sizeof(sink)) > 0) {
          }
          ERR_clear_error();
          (void)BIO_reset(rbio);
        }
        if (failed) break;
      } else if (b0 >= 128 && b0 <= 191 && !handshaking) {
        last_activity = now_ms();
        receive_srtp(buf.data(), static_cast<int>(n), media.rx, a, &r);
      }
    }
    if (handshaking && !failed) {
      ERR_clear_error();
      if (DTLSv1_handle_timeout(ssl) < 0) {
        r.error = "DTLS retransmission: " + openssl_error();
        failed = true;
      }
    }
  }
  if (handshaking && !failed) r.error = "DTLS handshake timed out";
  if (failed) r.handshake_ok = false;
  if (r.handshake_ok) SSL_shutdown(ssl);  // close_notify
  std::fprintf(stderr, "dtls_srtp_peer: done after %lld ms\n",
               static_cast<long long>(now_ms() - started));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  X509_free(id.cert);
  EVP_PKEY_free(id.key);
  close(fd);
  return finish(r);
}
