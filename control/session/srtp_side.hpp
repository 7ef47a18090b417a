#pragma once
// SRTP with one party of a call, as its SDP and rtpxd's agreed it: which key exchange, the keys
// (SDES) or the DTLS roles and the party's certificate fingerprint. Each party negotiates with
// rtpxd on its own, so a call bridges RTP to SRTP, or SRTP to SRTP with per-leg keys.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/sdp/sdp_crypto.hpp"
#include "engine/dtls/dtls_connection.hpp"
#include "engine/session/endpoint_crypto.hpp"

namespace rtpx::control {

// ng `SDES`/`DTLS` options and flags, shared by both protocols.
struct SrtpOptions {
  bool sdes_off = false;                        // offer no a=crypto
  std::vector<std::string> sdes_no;             // suites not to offer or accept
  std::vector<std::string> sdes_only;           // if set: the only suites to offer or accept
  bool sdes_pad = false;                        // base64 keys with '=' padding
  bool dtls_off = false;                        // offer no DTLS-SRTP, prefer SDES in offers
  std::optional<engine::dtls::Role> dtls_role;  // DTLS=active|passive: rtpxd's role
  std::string fingerprint_hash = "sha-256";     // DTLS-fingerprint=
};

struct SrtpSide {
  bool enabled = false;  // the party's m= protocol is SRTP (RTP/SAVP, RTP/SAVPF, UDP/TLS/...)
  bool agreed = false;   // key exchange settled: the endpoints facing the party can be keyed
  engine::KeyExchange kx = engine::KeyExchange::sdes;
  // SDES. rtpxd's offer to the party (one line per suite), the party's key, rtpxd's key.
  std::vector<sdp::Crypto> offered;
  std::optional<sdp::Crypto> remote;
  std::optional<sdp::Crypto> local;
  bool dtls_offered = false;  // rtpxd offered a=setup:actpass + a=fingerprint
  // DTLS-SRTP.
  std::string remote_fingerprint;  // "sha-256 AB:..."
  engine::dtls::Role role = engine::dtls::Role::server;
  // Bumped whenever what the endpoints need changes (new keys, new role or fingerprint).
  uint64_t generation = 0;
};

}  // namespace rtpx::control
