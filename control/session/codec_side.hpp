#pragma once
// Codecs as one party of a media section sees them, and the ng `codec` options that change what
// rtpxd offers. Plain data kept in the call (MediaSide::codec); the rules live in
// codec_negotiation.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtpx::control {

// One payload format of an m= line, with its a=rtpmap / a=fmtp (or the RFC 3551 static meaning).
struct PayloadFormat {
  int pt = -1;
  std::string encoding;  // as written: "PCMU", "opus", "telephone-event"
  uint32_t clock = 0;
  uint8_t channels = 1;
  std::string fmtp;  // a=fmtp value after the payload type

  bool telephone_event() const;
  bool comfort_noise() const;  // CN: passed on as offered, never transcoded
  // Same encoding (case-insensitive), clock and channels.
  bool same_codec(const PayloadFormat& o) const;
  std::string rtpmap() const;  // "opus/48000/2", "PCMU/8000"
};

// ng `codec` dictionary: {strip, offer, transcode, mask, consume, accept, set, except} lists, and
// the `always-transcode` flag. Each entry is a codec as rtpengine writes it,
// "name[/clock[/channels[/bitrate[/ptime[/fmtp]]]]]" ("opus/48000/2/32000",
// "opus/48000/2///useinbandfec--1"), or "all" / "full" for strip, mask and consume.
struct CodecOptions {
  std::vector<std::string> strip;
  std::vector<std::string> offer;
  std::vector<std::string> transcode;
  std::vector<std::string> mask;
  std::vector<std::string> consume;
  std::vector<std::string> accept;
  std::vector<std::string> set;
  std::vector<std::string> except;
  bool always_transcode = false;
  bool any() const {
    return !strip.empty() || !offer.empty() || !transcode.empty() || !mask.empty() ||
           !consume.empty() || !accept.empty() || !set.empty() || !except.empty() ||
           always_transcode;
  }
};

// What rtpxd knows about one party's codecs on one media section.
struct CodecSide {
  std::vector<PayloadFormat> formats;  // the party's own latest offer or answer, in its order
  std::vector<PayloadFormat> offered;  // what rtpxd offered this party (it is the answerer)
  bool codec_handling = false;   // the offer may engage transcoding (a codec was added, masked...)
  bool force_transcode = false;  // transcode even when both parties share a codec (consume,
                                 // accept, always-transcode)
  // Codec strings whose bitrate applies to the encoder sending to this party (ng `set` for the
  // offerer, the `transcode` entries for the recipient).
  std::vector<std::string> encoder_specs;
  std::vector<std::string> prefer_specs;  // consume / accept: codecs the offerer keeps
  std::optional<uint32_t> ptime;          // a=ptime of the party (ms)
  uint32_t ptime_wanted = 0;  // ng ptime asked for what rtpxd sends this party; 0: its own
  // Agreed once the answer is in.
  std::optional<PayloadFormat> sends;  // the codec this party sends and receives
  int event_pt = -1;                   // its telephone-event payload type
  uint32_t event_clock = 8000;
  bool transcoded = false;  // rtpxd re-encodes what goes to this party
};

}  // namespace rtpx::control
