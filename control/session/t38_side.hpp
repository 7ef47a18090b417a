#pragma once
// T.38 fax with one party of a call: the ng `T.38` options that engaged a gateway, the T.38
// session parameters of the party's SDP, and the gateway itself. With a gateway, one party speaks
// G.711 audio (its role is `audio`) and the other T.38 over UDPTL (`t38`); rtpxd rewrites each
// party's SDP into what the other speaks (m=audio <-> m=image udptl t38).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codecs/t38/fax_gateway.hpp"
#include "codecs/t38/fax_tone_detector.hpp"

namespace rtpx::control {

// ng `T.38` list and `T.38 version` (offers only, as in rtpengine).
struct T38Options {
  bool decode = false;  // the offer's m=image udptl t38 becomes audio for the recipient
  bool force = false;   // the offer's audio becomes m=image udptl t38 for the recipient
  bool stop = false;    // back to passthrough
  bool no_ecm = false;
  bool no_v17 = false;
  bool no_v27ter = false;
  bool no_v29 = false;
  bool no_v34 = false;
  bool no_iaf = false;
  bool fec = false;  // offer t38UDPFEC instead of t38UDPRedundancy
  std::optional<int> version;
};

// Applies one item of the ng `T.38` list; false for one rtpengine does not know either.
bool apply_t38_flag(T38Options& o, std::string_view flag);

// The T.38 session parameters of an image/udptl media section (RFC 3362, T.38 Annex D).
struct T38Params {
  enum class Ec : uint8_t { none, redundancy, fec };
  int version = 0;
  uint32_t max_bitrate = 14400;
  bool local_tcf = false;  // T38FaxRateManagement:localTCF
  uint32_t max_buffer = 1800;
  uint32_t max_datagram = 512;
  Ec ec = Ec::redundancy;
  bool fill_bit_removal = false;
  bool transcoding_mmr = false;
  bool transcoding_jbig = false;
};

enum class FaxRole : uint8_t { none, audio, t38 };

struct FaxSide {
  FaxRole role = FaxRole::none;
  T38Options options;  // of the offer that engaged the gateway
  T38Params remote;    // role t38: what the party's SDP declared
  bool remote_known = false;
  std::string audio_pt;   // role audio: "0" (PCMU) or "8" (PCMA), the party's G.711
  bool rejected = false;  // the party answered the converted media with port 0
  // Role audio: the gateway between this party and the other (freed once the shard moved on).
  std::unique_ptr<codecs::t38::FaxGateway> gateway;
  codecs::t38::FaxProgress reported;  // role audio: what the last fax event said
  // Fax tone detection on what this party sends (call asked for it, no gateway engaged).
  std::unique_ptr<codecs::t38::FaxToneDetector> detector;
  bool tone_reported = false;
};

}  // namespace rtpx::control
