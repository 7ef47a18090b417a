#pragma once
// --transcode: what the two sides of a session send when the relay transcodes between them. Side
// A offers PCMU and sends one second of a speech-like signal as PCMU; side B answers with the
// other codec only and sends the same second in that codec, encoded once at start-up. Both sides
// send 20 ms packets, so a transcoding relay sends one packet for each one it receives.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rtpload {

struct MediaLoop {
  std::string rtpmap;                        // "PCMU/8000", "opus/48000/2"
  std::vector<std::vector<uint8_t>> frames;  // 20 ms payloads, sent in turn
  uint32_t ts_step = 0;                      // RTP timestamp units per frame
};

// The codecs --transcode accepts (side B's).
const std::vector<std::string>& transcode_codecs();

// Side A's loop: PCMU (G.711 mu-law through SpanDSP).
MediaLoop pcmu_loop();

// Side B's loop in `codec` (one of transcode_codecs()): opus is libopus at 48 kHz mono, 32 kbit/s.
std::optional<MediaLoop> codec_loop(const std::string& codec, std::string& error);

}  // namespace rtpload
