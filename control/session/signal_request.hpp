#pragma once
// One offer or answer as the session service takes it, whichever protocol carried it. The
// options mirror rtpengine's ng keys and flags so both protocols share one meaning for each.

#include <optional>
#include <string>
#include <string_view>

#include "control/session/codec_side.hpp"
#include "control/session/srtp_side.hpp"
#include "control/session/t38_side.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::control {

// ICE towards the recipient of the rewritten SDP: kDefault presents rtpxd's own ICE when the
// party on the other side spoke ICE; kRemove never; kForce always.
enum class IceMode : uint8_t { kDefault, kRemove, kForce };

// ng `rtcp-mux` list. offer: offer mux to the recipient even when the sender did not; demux: do not
// offer it, and accept the sender's offer; accept: accept the sender's offer whatever the
// recipient says; reject: refuse the sender's offer; require: offer and accept.
struct RtcpMuxPolicy {
  bool offer = false;
  bool demux = false;
  bool accept = false;
  bool reject = false;
  bool require = false;
  bool any() const { return offer || demux || accept || reject || require; }
};

// How the packet path follows a party's source address (ng flags).
enum class Latching : uint8_t {
  kDefault,        // symmetric, relatch per the configured policy
  kAsymmetric,     // never latch: always send to the SDP address
  kPortLatching,   // latch once, never move
  kMediaHandover,  // latch to whoever sends last
};

// How a=rtcp is written: "a=rtcp:PORT", omitted (no-rtcp-attribute), or with the address
// (full-rtcp-attribute).
enum class RtcpAttribute : uint8_t { kPort, kNone, kFull };

struct SignalRequest {
  std::string call_id;
  std::string from_tag;
  std::string to_tag;      // answer only
  std::string via_branch;  // accepted; one dialog per call here
  std::string sdp;

  bool replace_origin = false;
  bool replace_session_connection = false;
  std::optional<bool> strict_source;  // overrides the configured default for this call
  IceMode ice = IceMode::kDefault;
  RtcpMuxPolicy rtcp_mux;
  Latching latching = Latching::kDefault;
  std::string media_address;       // advertise this address in c= instead of the configured one
  std::string transport_protocol;  // m= protocol towards the recipient; empty keeps the sender's
  SrtpOptions srtp;                // SDES / DTLS choices (ng SDES-..., DTLS=...)
  // SIP-source-address: the party's media address is the SIP source (received_from), not the SDP's.
  bool sip_source = false;
  std::optional<std::string> received_from;  // IP address text
  bool loop_protect = false;                 // mark our SDP, pass marked SDP through unchanged
  RtcpAttribute rtcp_attribute = RtcpAttribute::kPort;
  CodecOptions codec;       // ng `codec` dictionary and codec-* flags
  T38Options t38;           // ng `T.38` list and `T.38 version` (offers)
  bool fax_detect = false;  // flag fax-detect: listen to the parties' G.711 for fax tones
  uint32_t ptime = 0;  // ng `ptime`: packet time rtpxd sends the recipient (repacketises); 0: as is
  // ng `address family`: AF_INET or AF_INET6 for the recipient's side, set only when rtpxd has
  // that family. Unset: the sender's family.
  std::optional<int> address_family;
};

// The address families rtpxd relays media on.
struct MediaFamilies {
  bool ip4 = false;
  bool ip6 = false;
};

// The m= protocols rtpxd bridges between (ng transport-protocol).
bool known_transport_protocol(std::string_view p);
// Applies an ng `DTLS` value (off, no, disable, passive, active); false for an unknown one.
bool apply_dtls_value(SrtpOptions& o, std::string_view v);
// Applies an ng `DTLS-fingerprint` value (sha-1, sha-224, sha-256, sha-384, sha-512); false for
// another.
bool apply_fingerprint_hash(SrtpOptions& o, std::string_view hash);
// Applies an ng `SDES` list item (off, no-<suite>, only-<suite>, pad, ...); false when unknown.
bool apply_sdes_value(SrtpOptions& o, std::string_view v);

// The list of CodecOptions an ng `codec` key names (strip, offer, transcode, mask, consume,
// accept, set, except),
// or null for another key.
std::vector<std::string>* codec_list(CodecOptions& o, std::string_view verb);

// Applies one ng-style flag ("strict-source", "ICE=remove", "rtcp-mux-offer", ...) to `r`.
// Returns false for a flag this relay does not know.
bool apply_signal_flag(SignalRequest& r, std::string_view flag);

}  // namespace rtpx::control
