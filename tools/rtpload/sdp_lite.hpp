#pragma once
// The little SDP rtpload needs: write a one-stream PCMU offer/answer and read back where the relay
// wants the audio (connection address and port of the first m=audio). Deliberately independent
// of the project's SDP library so the harness can test it.

#include <cstdint>
#include <optional>
#include <string>

namespace rtpload {

// v=0 ... m=audio <port> RTP/AVP 0 with a=rtpmap:0 PCMU/8000, a=sendrecv, a=ptime:20. With a
// `crypto` value ("TAG SUITE inline:KEY") the profile is RTP/SAVP and it goes into an a=crypto
// line.
std::string make_pcmu_sdp(const std::string& ip, uint16_t port, uint64_t session_id,
                          const std::string& crypto = {});

// The same with one payload type `pt` of encoding `rtpmap` ("opus/48000/2") instead of PCMU.
std::string make_audio_sdp(const std::string& ip, uint16_t port, uint64_t session_id, int pt,
                           const std::string& rtpmap, const std::string& crypto = {});

// The payload type of the first a=rtpmap of the first m=audio whose encoding name is `name`
// (case-insensitive); error text in `error` if none.
std::optional<int> find_rtpmap_pt(const std::string& sdp, const std::string& name,
                                  std::string& error);

struct SdpCrypto {
  int tag = 0;
  std::string key_b64;  // the inline: key (master key + salt), without lifetime/MKI
};

// The a=crypto line of the first m=audio whose suite is `suite`; error text in `error` if none.
std::optional<SdpCrypto> find_audio_crypto(const std::string& sdp, const std::string& suite,
                                           std::string& error);

struct SdpEndpoint {
  std::string ip;  // IPv4 dotted quad
  uint16_t port = 0;
};

// The media-level c= of the first m=audio if present, else the session-level c=; error text in
// `error` when the SDP has no usable audio stream.
std::optional<SdpEndpoint> parse_audio_endpoint(const std::string& sdp, std::string& error);

}  // namespace rtpload
