#pragma once
// Plain-data pictures of calls and counters, rendered by both protocols (JSON and bencode).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

struct StreamStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
  uint64_t dropped = 0;
  std::optional<double> last_seen;  // wall clock seconds
};

// SRTP on one socket: how it is keyed and what it rejected.
struct SrtpSnapshot {
  std::string key_exchange;  // "sdes" / "dtls"
  std::string suite;         // once keyed
  std::string dtls_state;    // DTLS-SRTP: idle, connecting, connected, failed, closed
  std::string dtls_role;     // "active" (client) / "passive" (server)
  std::string failure;       // why the DTLS handshake failed
  uint64_t auth_failures = 0;
  uint64_t replays = 0;
};

struct StreamSnapshot {
  std::string component;  // "rtp" / "rtcp"
  net::SockAddr local;
  net::SockAddr signaled;
  net::SockAddr peer;  // latched source, else signaled
  bool latched = false;
  StreamStats stats;
  std::optional<SrtpSnapshot> srtp;  // SRTP towards this party
};

struct MediaSnapshot {
  int index = 0;  // 1-based, like rtpengine
  std::string type;
  std::string protocol;
  bool rtcp_mux = false;
  std::vector<StreamSnapshot> streams;
};

struct LegSnapshot {
  std::string tag;
  double created = 0;
  std::vector<MediaSnapshot> media;
};

struct CallSnapshot {
  std::string call_id;
  double created = 0;
  double last_signal = 0;
  uint32_t shard = 0;
  std::vector<LegSnapshot> legs;
  StreamStats rtp_totals;   // over every leg's RTP streams
  StreamStats rtcp_totals;  // over every leg's RTCP sockets (muxed RTCP counts as RTP)
};

struct CallSummary {
  std::string call_id;
  double created = 0;
  int legs = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct SessionCounters {
  uint64_t current = 0;
  uint64_t total = 0;
  uint64_t timed_out = 0;
  uint64_t deleted = 0;
  uint32_t port_pairs_used = 0;
  uint32_t port_pairs_total = 0;
};

struct SessionEvent {
  std::string name;  // session_created, session_deleted, media_timeout, dtls_failed
  std::string call_id;
  std::string reason;  // session_deleted: request, timeout, shutdown; dtls_failed: why
  double time = 0;
};

}  // namespace rtpx::control
