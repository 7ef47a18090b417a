#pragma once
// The SRTP side of one endpoint (one local socket facing one party): the context that unprotects
// what the party sends, the one that protects what rtpx sends it, and, for DTLS-SRTP, the DTLS
// association whose handshake produces both. The control plane creates it (SDES: with both
// contexts; DTLS: with the association only) and owns it; once handed to the shard through an
// endpoint configuration, only the shard touches the contexts and the association. The control
// plane reads the published fields.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "engine/dtls/dtls_connection.hpp"
#include "engine/srtp/srtp_context.hpp"

namespace rtpx::engine {

enum class KeyExchange : uint8_t { sdes, dtls };

struct EndpointCrypto {
  KeyExchange kx = KeyExchange::sdes;
  std::unique_ptr<srtp::Context> inbound;   // the party's packets; null until keyed
  std::unique_ptr<srtp::Context> outbound;  // rtpx's packets to the party; null until keyed
  std::unique_ptr<dtls::Connection> dtls;   // DTLS-SRTP only

  // DTLS-SRTP offered, answer not yet in: a ClientHello that arrives now (the answerer starts its
  // handshake before its answer reaches rtpxd) is kept, and fed to the association that the
  // answer brings, instead of costing the client a retransmission timeout. Shard-owned.
  bool await_dtls = false;
  uint16_t early_dtls_len = 0;
  uint8_t early_dtls[dtls::Connection::kMaxDatagram];

  // Published by the shard for the control plane.
  std::atomic<dtls::State> dtls_state{dtls::State::idle};
  std::atomic<bool> keyed{false};  // both contexts present
  std::atomic<int> suite{-1};      // srtp::Suite once keyed
  char failure[160] = {};          // written before dtls_state becomes failed (release)

  bool has_keys() const noexcept { return inbound != nullptr && outbound != nullptr; }

  // Shard: installs the contexts the DTLS handshake keyed; false when OpenSSL refused them.
  bool install(const dtls::Keying& k) noexcept {
    std::string error;
    try {
      inbound = srtp::Context::create(k.remote, srtp::Context::Direction::inbound, &error);
      outbound = srtp::Context::create(k.local, srtp::Context::Direction::outbound, &error);
    } catch (...) {
      inbound.reset();
      outbound.reset();
    }
    if (!has_keys()) return false;
    suite.store(static_cast<int>(k.suite), std::memory_order_relaxed);
    keyed.store(true, std::memory_order_release);
    return true;
  }

  // Shard: publishes a DTLS state change (and the reason, for a failure).
  void publish(dtls::State s, const char* reason = nullptr) noexcept {
    if (reason != nullptr) {
      std::strncpy(failure, reason, sizeof failure - 1);
      failure[sizeof failure - 1] = '\0';
    }
    dtls_state.store(s, std::memory_order_release);
  }
};

}  // namespace rtpx::engine
