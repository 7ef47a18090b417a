#pragma once
// One DTLS-SRTP association (RFC 5764) over one media socket: OpenSSL's DTLS state machine behind
// a datagram BIO of our own, so the shard feeds it received datagrams and sends what it queues.
// The peer's certificate is checked against the a=fingerprint of its SDP (RFC 5763 section 5);
// when the handshake completes the SRTP master keys for both directions are exported.
//
// Used by one thread (the shard's). Handshake packets take the slow path: OpenSSL allocates, and
// a handshake costs about a millisecond of CPU. RTP packets never touch this object.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/dtls/dtls_certificate.hpp"
#include "engine/srtp/srtp_context.hpp"

namespace rtpx::engine::dtls {

// a=setup (RFC 4145 / RFC 5763): active = DTLS client, passive = DTLS server.
enum class Role : uint8_t { client, server };

enum class State : uint8_t { idle, connecting, connected, failed, closed };
const char* to_string(State s) noexcept;

// What the handshake agreed: the suite, the key rtpx protects with (its own write key) and the
// key it unprotects the peer's packets with.
struct Keying {
  srtp::Suite suite;
  srtp::MasterKey local;
  srtp::MasterKey remote;
};

struct Options {
  Role role = Role::server;
  // The peer's a=fingerprint value ("sha-256 AB:CD:..."); a certificate that does not match fails
  // the handshake. Empty: any certificate (only for tests and for peers that send none).
  std::string peer_fingerprint;
  // Suites offered (client) or accepted (server), in order of preference. Empty: all of them.
  std::vector<srtp::Suite> suites;
  // Give up when the handshake has not completed after this long.
  int64_t handshake_timeout_ns = int64_t{30} * 1'000'000'000;
  uint16_t mtu = 1200;  // largest datagram queued
};

class Connection {
 public:
  static constexpr size_t kMaxDatagram = 1500;
  static constexpr size_t kMaxQueued = 16;  // datagrams waiting for the shard to send them

  // Control plane. nullptr with `error` set when OpenSSL refuses the setup.
  static std::unique_ptr<Connection> create(std::shared_ptr<const Certificate> cert,
                                            const Options& opt, std::string* error);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Client: queues the first flight (ClientHello). Server: only arms the handshake timeout.
  void start(int64_t now_ns) noexcept;
  // One datagram from the peer (RFC 7983: first byte 20..63). May queue datagrams to send back
  // and change state(). Data after the handshake (alerts, close_notify) is handled too.
  void receive(std::span<const uint8_t> datagram, int64_t now_ns) noexcept;
  // Retransmits a lost flight when due and fails the handshake when it has taken too long.
  void on_timer(int64_t now_ns) noexcept;
  // When on_timer() next has work; INT64_MAX when none (connected, failed, idle server).
  int64_t next_timer_ns() const noexcept;

  // Ends the association (the media stopped): queues close_notify when connected; closed
  // afterwards (a failed connection stays failed). keying() stays readable.
  void close() noexcept;

  // Takes the next queued datagram; false when none. `out` must hold kMaxDatagram bytes.
  bool pop_datagram(std::span<uint8_t> out, uint32_t* len) noexcept;

  State state() const noexcept;
  // Why the handshake failed ("peer certificate fingerprint mismatch", "handshake timed out",
  // OpenSSL's reason); empty otherwise. Never contains key material.
  const std::string& failure() const noexcept;
  // Set once state() is connected.
  const std::optional<Keying>& keying() const noexcept;
  Role role() const noexcept;

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::engine::dtls
