#pragma once
// The control plane's view of a call: call-id -> legs (one per SIP tag) -> media -> the local
// RTP/RTCP sockets facing that leg's party. The packet path sees only the endpoints these name.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codecs/transcode/transcoder.hpp"
#include "control/session/codec_side.hpp"
#include "control/session/signal_request.hpp"
#include "control/session/srtp_side.hpp"
#include "control/session/t38_side.hpp"
#include "engine/io/packet.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

// One local socket and what the party signaled for it.
struct StreamSlot {
  uint16_t port = 0;                  // local port (0: not allocated)
  io::SocketId slot = io::kNoSocket;  // endpoint id in the engine
  net::SockAddr signaled;             // where the party said it receives
  int fd = -1;                        // bound socket not yet handed to the shard
  bool posted = false;                // added to the shard
  // SRTP for this socket (null: plain RTP). The shard uses it; it is freed only after the shard
  // applied the command that stopped using it.
  std::unique_ptr<engine::EndpointCrypto> crypto;
  std::string crypto_key;         // what `crypto` was made from (generation, agreed, DTLS)
  bool failure_reported = false;  // a DTLS failure was announced as an event
  // Transcoding of what this socket's party sends (RTP socket only; its RTCP socket names the
  // same one). Freed like `crypto`.
  std::unique_ptr<codecs::Transcoder> transcode;
  std::string transcode_key;  // what `transcode` was made from
  std::string transcode_to;   // the codec it encodes ("opus/48000/2")
  uint32_t transcode_ptime = 0;
};

// ICE short-term credentials rtpxd presents to one party (RFC 8445 section 5.3).
struct IceCredentials {
  std::string ufrag;
  std::string pwd;
  bool empty() const { return ufrag.empty(); }
};

// One m= section as seen by one leg's party.
struct MediaSide {
  std::string type;          // audio, video, ...
  std::string protocol;      // RTP/AVP, ...
  bool rtcp_mux = false;     // agreed with this party: its RTCP shares the RTP port
  bool mux_offered = false;  // a=rtcp-mux was offered (by this party, or by rtpxd to it)
  bool disabled = false;     // port 0 in the SDP
  bool ice_remote = false;   // this party's SDP carried ICE
  IceCredentials ice_local;  // what rtpxd presents to this party; empty: no ICE towards it
  std::string ptime;         // this party's a=ptime, for the other side's answer
  std::string mid;           // this party's a=mid
  SrtpSide srtp;             // SRTP with this party
  CodecSide codec;           // codecs this party offered/answered, what it sends
  FaxSide fax;               // T.38 gateway role of this party
  int family = AF_UNSPEC;    // AF_INET/AF_INET6 of the sockets facing this party (once allocated)
  StreamSlot rtp;
  StreamSlot rtcp;
};

struct Leg {
  std::string tag;
  double created = 0;            // wall clock seconds
  std::vector<MediaSide> media;  // indexed like the m= lines
};

struct Call {
  std::string call_id;
  double created = 0;            // wall clock seconds
  double last_signal = 0;        // wall clock seconds of the last offer/answer
  int64_t last_signal_mono = 0;  // CLOCK_MONOTONIC ns
  uint32_t shard = 0;
  bool strict_source = false;
  Latching latching = Latching::kDefault;
  bool fax_detect = false;   // listen for fax tones on the G.711 streams (sticky once asked for)
  RtcpMuxPolicy mux_policy;  // the pending offer's rtcp-mux flags, applied at the answer
  Leg legs[2];  // [0] the first offerer, [1] the other party (tag empty until it answers)

  // Index of the leg with `tag`, or -1.
  int leg_index(const std::string& tag) const {
    for (int i = 0; i < 2; ++i)
      if (!legs[i].tag.empty() && legs[i].tag == tag) return i;
    return -1;
  }
};

}  // namespace rtpx::control
