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

// Transcoding of what one party sends, towards the other party.
struct TranscodeSnapshot {
  std::string from_codec;  // "PCMU/8000" (what the party sends)
  std::string to_codec;    // "opus/48000/2" (what the other party receives)
  uint32_t to_ptime = 0;
  uint64_t packets_in = 0, packets_out = 0;
  uint64_t lost = 0, fec = 0, concealed = 0, repeated = 0, late = 0, duplicates = 0;
  uint64_t decode_errors = 0, unknown_payload_type = 0, dtmf_events = 0;
  uint32_t jitter_delay_ms = 0;
};

// A T.38 gateway between the parties of a media, seen from one party.
struct FaxSnapshot {
  std::string role;   // "audio" (G.711 fax) / "t38" (UDPTL)
  std::string phase;  // pending, rejected, idle, negotiating, sending, done, failed
  uint32_t pages = 0;
  uint32_t bit_rate = 0;
  bool ecm = false;
  uint64_t rtp_in = 0, rtp_out = 0, udptl_in = 0, udptl_out = 0;
  uint64_t ifp_recovered = 0, ifp_lost = 0, malformed = 0;
};

struct StreamSnapshot {
  std::string component;  // "rtp" / "rtcp"
  net::SockAddr local;
  net::SockAddr signaled;
  net::SockAddr peer;  // latched source, else signaled
  bool latched = false;
  StreamStats stats;
  std::optional<SrtpSnapshot> srtp;  // SRTP towards this party
  std::string codec;                 // rtp: what this party sends ("PCMU/8000"), once agreed
  std::optional<TranscodeSnapshot> transcode;  // rtp: this party's media is transcoded
};

struct MediaSnapshot {
  int index = 0;  // 1-based, like rtpengine
  std::string type;
  std::string protocol;
  bool rtcp_mux = false;
  std::vector<StreamSnapshot> streams;
  std::optional<FaxSnapshot> fax;
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

// A DTMF digit one party sent (event dtmf).
struct DtmfEvent {
  std::string digit;  // "0"-"9", "*", "#", "A"-"D"
  uint32_t duration_ms = 0;
  uint32_t volume = 0;   // RFC 4733 volume (-dBm0); 0 when detected in-band
  std::string source;    // "rfc4733" (telephone-event) or "inband" (tones in the audio)
  std::string from_tag;  // the party that sent it
};

// A T.38 gateway's fax moved on (event fax): a new phase or one more page.
struct FaxEvent {
  std::string phase;  // negotiating, sending, done, failed
  uint32_t pages = 0;
  uint32_t bit_rate = 0;
  bool ecm = false;
  std::string audio_tag;  // the party on the G.711 side
  std::string t38_tag;    // the party on the T.38 side
  // fax_tone: the tone one party sent ("CNG" calling, "CED" answering) and that party.
  std::string tone;
  std::string from_tag;
};

struct SessionEvent {
  // session_created, session_deleted, media_timeout, dtls_failed, dtmf, fax, fax_tone
  std::string name;
  std::string call_id;
  std::string reason;  // session_deleted: request, timeout, shutdown; dtls_failed: why
  double time = 0;
  std::optional<DtmfEvent> dtmf;  // dtmf
  std::optional<FaxEvent> fax;    // fax
};

}  // namespace rtpx::control
