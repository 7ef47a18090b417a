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

struct StreamSnapshot {
  std::string component;  // "rtp" / "rtcp"
  net::SockAddr local;
  net::SockAddr signaled;
  net::SockAddr peer;  // latched source, else signaled
  bool latched = false;
  StreamStats stats;
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
  std::string name;  // session_created, session_deleted, media_timeout
  std::string call_id;
  std::string reason;  // for session_deleted: request, timeout, shutdown
  double time = 0;
};

}  // namespace rtpx::control
