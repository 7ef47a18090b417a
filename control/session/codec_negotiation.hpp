#pragma once
// Codec negotiation through rtpxd, in the way rtpengine's ng `codec` options define it.
//
// Offer (party A -> B): A's payload formats are recorded; the m= line B receives is A's list
// changed by the options: `strip` removes codecs, `mask` removes them from what B sees but still
// lets A send them (rtpxd transcodes), `offer` keeps only the listed codecs, `except` keeps these
// through a strip/mask of everything, `transcode` adds codecs A did not offer (rtpxd transcodes to
// them; a telephone-event at each added clock rate comes along when A offered one), `set` changes
// a codec's parameters (the fourth field of "opus/48000/2/32000" is its bitrate).
//
// Answer (B -> A): when B picked a codec A offered, media passes through untouched. Otherwise
// rtpxd transcodes: A sends its first codec rtpxd can decode, B its answered codec, and the answer
// A receives names A's codec (and A's telephone-event). Packet times follow each party's a=ptime
// (or the ng `ptime` asked for).

#include <string>

#include "codecs/transcode/transcoder.hpp"
#include "control/core/result.hpp"
#include "control/sdp/sdp.hpp"
#include "control/session/codec_side.hpp"

namespace rtpx::control {

// The payload formats of an m= line, from its a=rtpmap / a=fmtp (static types by RFC 3551).
std::vector<PayloadFormat> payload_formats(const sdp::Media& m);

// Replaces the m= line's payload types and their a=rtpmap / a=fmtp lines with `formats`
// (other per-type lines, a=rtcp-fb, stay for the types that remain).
void set_payload_formats(sdp::Media& m, const std::vector<PayloadFormat>& formats);

// Applies ng codec options (the names must be known: see check_codec_options) to A's offer `m`,
// which is then what B receives.
Result<bool> codec_offer(const CodecOptions& o, uint32_t ptime_wanted, sdp::Media& m,
                         CodecSide& offerer, CodecSide& recipient);

// B's answer `m`: decides passthrough or transcoding for both directions (filling `sends`,
// `event_pt`, `transcoded` of both sides) and rewrites `m` into what A receives.
Result<bool> codec_answer(sdp::Media& m, CodecSide& offerer, CodecSide& answerer);

// The transcoder for media going from party `from` to party `to` (both agreed, to.transcoded).
// ssrc/seq/ts are the output's first values.
codecs::TranscoderConfig transcoder_config(const CodecSide& from, const CodecSide& to,
                                           int opus_complexity);

// Errors (naming the field `codec`) for names rtpxd cannot transcode in `transcode`/`set`, and for
// malformed entries.
Result<bool> check_codec_options(const CodecOptions& o);

// A stable text of what transcoder_config() would build: a changed key means a new transcoder.
std::string transcode_key(const CodecSide& from, const CodecSide& to);

}  // namespace rtpx::control
