#pragma once
// One local media socket of a call and everything the packet path needs to relay what arrives on
// it. The owning shard is the only writer of the hot fields; the control plane changes the
// configuration through the shard's command queue and reads counters and the latched address.

#include <atomic>
#include <cstdint>
#include <iterator>

#include "engine/core/relaxed_counter.hpp"
#include "engine/core/seqlock.hpp"
#include "engine/ice/stun.hpp"
#include "engine/io/packet.hpp"
#include "engine/net/sock_addr.hpp"
#include "engine/session/endpoint_crypto.hpp"

namespace rtpx::codecs {
class Transcoder;
namespace t38 {
class FaxGateway;
class FaxToneDetector;
}  // namespace t38
}  // namespace rtpx::codecs

namespace rtpx::engine {

enum class Component : uint8_t { rtp, rtcp };

// After latching, who may take the stream over (NAT rebinding vs. RTP bleed).
enum class Relatch : uint8_t { never, same_ssrc, any };

enum class DropReason : uint8_t {
  malformed,          // not RTP/RTCP where that is expected
  unexpected_source,  // not from the latched / signaled party
  no_destination,     // the other side's address is not known yet
  tx_error,           // the kernel refused the send
  inactive,           // stream removed or not configured
  bad_auth,           // failed authentication (ICE connectivity check)
  absorbed,           // a control message that needs no answer (STUN indication or response), a
                      // DTLS handshake datagram (handed to the endpoint's DTLS association), or
                      // media of a transcoded stream or of a fax gateway's leg (taken by the
                      // transcoding or fax stage, which sends packets of its own; RTCP about it
                      // ends here)
  srtp_auth,          // SRTP/SRTCP authentication failed (or the MKI is not the key's)
  srtp_replay,        // SRTP/SRTCP index already seen or behind the replay window
  srtp_not_keyed,     // SRTP expected but the DTLS handshake has not produced keys yet
  srtp_error,         // SRTP could not protect or unprotect (no room, key lifetime used up)
  count
};
inline constexpr const char* kDropReasonNames[] = {
    "malformed", "unexpected_source", "no_destination", "tx_error",       "inactive",  "bad_auth",
    "absorbed",  "srtp_auth",         "srtp_replay",    "srtp_not_keyed", "srtp_error"};
static_assert(std::size(kDropReasonNames) == static_cast<size_t>(DropReason::count));

// Decided by the control plane when a stream is set up or changed; the hot loop only reads it.
struct EndpointConfig {
  net::SockAddr signaled;                   // where the party receives (from SDP); any = unknown
  io::SocketId forward_to = io::kNoSocket;  // local socket that sends what arrives here
  io::SocketId rtcp_forward_to = io::kNoSocket;  // with rtcp-mux: where muxed RTCP leaves
  Component component = Component::rtp;
  bool rtcp_mux = false;       // RTP and RTCP share this socket (RFC 5761)
  bool strict_source = false;  // accept only the signaled address
  bool symmetric = true;       // latch to the source; false: always send to `signaled`
  Relatch relatch = Relatch::same_ssrc;
  StunCredentials stun;  // answer ICE connectivity checks with these (ICE-lite)
  // SRTP towards this endpoint's party (owned by the control plane, used by the shard); null for
  // plain RTP.
  EndpointCrypto* crypto = nullptr;
  // Transcoding of what the party sends (owned by the control plane, used by the shard): its RTP
  // goes through this stage, which sends the re-encoded stream from `forward_to`; its RTCP, about
  // a stream that does not leave rtpx, is counted and not forwarded. Null: relayed as it is.
  codecs::Transcoder* transcode = nullptr;
  // Not RTP (UDPTL, for T.38): datagrams are relayed as they are, latched by address alone.
  bool opaque = false;
  // A T.38 gateway between the legs (owned by the control plane, used by the shard): what the
  // party sends goes into it (RTP on the audio leg; UDPTL on the T.38 leg, which is `opaque`) and
  // the gateway's output for the other party leaves from `forward_to`. Null: no gateway.
  codecs::t38::FaxGateway* fax = nullptr;
  // Listens to the party's RTP (as relayed, unchanged) for the tones of a fax call (CNG, CED),
  // so that signaling can switch the call to T.38. Owned by the control plane; null: not listening.
  codecs::t38::FaxToneDetector* fax_detect = nullptr;
};

struct alignas(64) Endpoint {
  // Shard-owned state.
  EndpointConfig cfg;
  bool active = false;
  bool signaled_usable = false;  // cfg.signaled can be sent to (decided when cfg changes)
  bool latched = false;
  uint32_t latched_ssrc = 0;
  net::SockAddr latched_addr;

  // Readable from the control plane.
  SeqLocked<net::SockAddr> published_peer;  // latched address, once latched
  std::atomic<bool> published_latched{false};
  RelaxedCounter packets, bytes, errors, dropped;
  RelaxedCounter srtp_auth_failures, srtp_replays;  // included in dropped
  std::atomic<int64_t> last_seen_ns{0};             // CLOCK_MONOTONIC, 0 = never

  void configure(const EndpointConfig& c) noexcept {
    cfg = c;
    signaled_usable = c.signaled.valid() && !c.signaled.is_any() && c.signaled.port() != 0;
  }

  void unlatch() noexcept {
    latched = false;
    latched_ssrc = 0;
    latched_addr = {};
    published_latched.store(false, std::memory_order_relaxed);
    published_peer.store({});
  }

  void reset(const EndpointConfig& c) noexcept {
    configure(c);
    active = true;
    unlatch();
    packets.set(0);
    bytes.set(0);
    errors.set(0);
    dropped.set(0);
    srtp_auth_failures.set(0);
    srtp_replays.set(0);
    last_seen_ns.store(0, std::memory_order_relaxed);
  }
};

}  // namespace rtpx::engine
