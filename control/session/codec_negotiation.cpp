#include "control/session/codec_negotiation.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "codecs/codec/ascii.hpp"
#include "codecs/codec/codec_registry.hpp"
#include "control/session/sdp_rewrite.hpp"

namespace rtpx::control {
namespace {

using codecs::iequals_ascii;

template <typename T>
bool parse_number(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && p == s.data() + s.size();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// "96 opus/48000/2" -> encoding/clock/channels into f.
bool parse_rtpmap(std::string_view enc, PayloadFormat* f) {
  const auto parts = split(enc, '/');
  if (parts.size() < 2 || parts[0].empty()) return false;
  f->encoding = std::string(parts[0]);
  if (!parse_number(parts[1], &f->clock)) return false;
  f->channels = 1;
  if (parts.size() > 2) {
    unsigned ch = 0;
    if (!parse_number(parts[2], &ch) || ch == 0 || ch > 8) return false;
    f->channels = static_cast<uint8_t>(ch);
  }
  return true;
}

// An ng codec-list entry: "opus", "opus/48000", "opus/48000/2", "opus/48000/2/32000",
// "opus/48000/2///useinbandfec--1" (name/clock/channels/bitrate/ptime/fmtp; "--" stands for "=").
struct CodecMatch {
  std::string name;
  uint32_t clock = 0;    // 0: any
  uint8_t channels = 0;  // 0: any
  uint32_t bitrate = 0;
  std::string fmtp;
  bool all = false;  // "all" / "full"
};

std::optional<CodecMatch> parse_match(std::string_view s) {
  CodecMatch m;
  const auto parts = split(s, '/');
  if (parts[0].empty()) return std::nullopt;
  m.name = std::string(parts[0]);
  m.all = iequals_ascii(m.name, "all") || iequals_ascii(m.name, "full");
  if (parts.size() > 1 && !parts[1].empty() && !parse_number(parts[1], &m.clock))
    return std::nullopt;
  if (parts.size() > 2 && !parts[2].empty()) {
    unsigned ch = 0;
    if (!parse_number(parts[2], &ch) || ch == 0 || ch > 8) return std::nullopt;
    m.channels = static_cast<uint8_t>(ch);
  }
  if (parts.size() > 3 && !parts[3].empty() && !parse_number(parts[3], &m.bitrate))
    return std::nullopt;
  if (parts.size() > 5) {
    std::string f(s.substr(parts[5].data() - s.data()));
    for (size_t at; (at = f.find("--")) != std::string::npos;) f.replace(at, 2, "=");
    m.fmtp = f;
  }
  return m;
}

bool matches(const CodecMatch& m, const PayloadFormat& f) {
  if (m.all) return true;
  return iequals_ascii(m.name, f.encoding) && (m.clock == 0 || m.clock == f.clock) &&
         (m.channels == 0 || m.channels == f.channels);
}

bool listed(const std::vector<std::string>& list, const PayloadFormat& f, bool allow_all) {
  for (const std::string& s : list) {
    auto m = parse_match(s);
    if (m && (allow_all || !m->all) && matches(*m, f)) return true;
  }
  return false;
}

// Channels are not compared: "opus/48000" (mono, as rtpengine writes it) is opus/48000/2's codec.
const codecs::CodecDescriptor* descriptor(const PayloadFormat& f) {
  return codecs::find_codec(f.encoding, f.clock, 0);
}

// The bitrate the codec strings give `f` (the last matching one), 0 when none does.
uint32_t bitrate_for(const std::vector<std::string>& specs, const PayloadFormat& f) {
  uint32_t rate = 0;
  for (const std::string& spec : specs) {
    auto m = parse_match(spec);
    if (m && !m->all && matches(*m, f) && m->bitrate != 0) rate = m->bitrate;
  }
  return rate;
}

bool supplemental(const PayloadFormat& f) {
  return f.telephone_event() || f.comfort_noise();
}

const PayloadFormat* event_at(const std::vector<PayloadFormat>& list, uint32_t clock) {
  for (const PayloadFormat& f : list)
    if (f.telephone_event() && f.clock == clock) return &f;
  return nullptr;
}

const PayloadFormat* first_audio(const std::vector<PayloadFormat>& list) {
  for (const PayloadFormat& f : list)
    if (!f.telephone_event() && !f.comfort_noise()) return &f;
  return nullptr;
}

// The codec parameters of a format from its fmtp (errors are ignored: a party's odd fmtp must not
// fail the call; the codec's defaults apply).
codecs::CodecParams params_of(const PayloadFormat& f, uint32_t ptime) {
  codecs::CodecParams p;
  p.channels = f.channels;
  p.ptime_ms = ptime;
  std::string ignored;
  (void)codecs::apply_fmtp(f.fmtp, p, &ignored);
  return p;
}

// The packet time of an output towards `to`: what was asked, else its a=ptime, else 20 ms. Opus
// frames are 10, 20, 40 or 60 ms.
uint32_t output_ptime(const CodecSide& to) {
  uint32_t p = to.ptime_wanted != 0 ? to.ptime_wanted : to.ptime.value_or(20);
  if (p == 0) p = 20;
  if (to.sends && iequals_ascii(to.sends->encoding, "opus")) {
    if (p != 10 && p != 20 && p != 40 && p != 60) p = 20;
  }
  return p;
}

}  // namespace

bool PayloadFormat::telephone_event() const {
  return iequals_ascii(encoding, "telephone-event");
}
bool PayloadFormat::comfort_noise() const {
  return iequals_ascii(encoding, "CN");
}
bool PayloadFormat::same_codec(const PayloadFormat& o) const {
  return iequals_ascii(encoding, o.encoding) && clock == o.clock && channels == o.channels;
}
std::string PayloadFormat::rtpmap() const {
  std::string s = encoding + "/" + std::to_string(clock);
  if (channels != 1) s += "/" + std::to_string(channels);
  return s;
}

std::vector<PayloadFormat> payload_formats(const sdp::Media& m) {
  std::vector<PayloadFormat> out;
  for (const std::string& pt : m.formats) {
    PayloadFormat f;
    if (!parse_number(std::string_view(pt), &f.pt) || f.pt < 0 || f.pt > 127) continue;
    bool mapped = false;
    for (const sdp::Attribute* a : m.find_attributes("rtpmap")) {
      if (!a->value) continue;
      std::string_view v = *a->value;
      const size_t sp = v.find(' ');
      if (sp == std::string_view::npos || v.substr(0, sp) != pt) continue;
      mapped = parse_rtpmap(v.substr(sp + 1), &f);
      break;
    }
    if (!mapped) {
      const std::string_view st = static_rtpmap(pt);
      if (st.empty() || !parse_rtpmap(st, &f)) continue;  // unknown dynamic type: not a codec here
    }
    for (const sdp::Attribute* a : m.find_attributes("fmtp")) {
      if (!a->value) continue;
      std::string_view v = *a->value;
      const size_t sp = v.find(' ');
      if (sp != std::string_view::npos && v.substr(0, sp) == pt) {
        f.fmtp = std::string(v.substr(sp + 1));
        break;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

void set_payload_formats(sdp::Media& m, const std::vector<PayloadFormat>& formats) {
  // Per-type lines of the types that go away go too; rtpmap/fmtp are rewritten from `formats`.
  std::set<std::string> keep;
  for (const PayloadFormat& f : formats) keep.insert(std::to_string(f.pt));
  std::erase_if(m.attributes, [&](const sdp::Attribute& a) {
    if (a.name != "rtpmap" && a.name != "fmtp" && a.name != "rtcp-fb") return false;
    if (!a.value) return false;
    const std::string pt = a.value->substr(0, a.value->find(' '));
    if (a.name == "rtcp-fb" && pt == "*") return false;
    return a.name != "rtcp-fb" || keep.count(pt) == 0;
  });
  m.formats.clear();
  for (const PayloadFormat& f : formats) {
    const std::string pt = std::to_string(f.pt);
    m.formats.push_back(pt);
    m.attributes.push_back({"rtpmap", pt + " " + f.rtpmap()});
    if (!f.fmtp.empty()) m.attributes.push_back({"fmtp", pt + " " + f.fmtp});
  }
}

Result<bool> check_codec_options(const CodecOptions& o) {
  auto check = [](const std::vector<std::string>& list, const char* what, bool need_codec,
                  bool allow_all) -> Result<bool> {
    for (const std::string& s : list) {
      auto m = parse_match(s);
      if (!m) return bad_field("codec", std::string("codec ") + what + " '" + s + "' is malformed");
      if (m->all && !allow_all)
        return bad_field("codec", std::string("codec ") + what + " cannot name '" + s + "'");
      if (need_codec && !m->all && codecs::find_codec(m->name, m->clock, 0) == nullptr) {
        return Error{ErrorCode::not_supported, "codec",
                     std::string("codec ") + what + " '" + s + "': rtpxd cannot transcode it"};
      }
    }
    return true;
  };
  for (auto r : {check(o.strip, "strip", false, true), check(o.mask, "mask", false, true),
                 check(o.consume, "consume", false, true), check(o.accept, "accept", false, true),
                 check(o.offer, "offer", false, false), check(o.except, "except", false, false),
                 check(o.transcode, "transcode", true, false), check(o.set, "set", false, false)})
    if (!r) return r;
  return true;
}

Result<bool> codec_offer(const CodecOptions& o, uint32_t ptime_wanted, sdp::Media& m,
                         CodecSide& offerer, CodecSide& recipient) {
  offerer.formats = payload_formats(m);
  offerer.ptime.reset();
  if (auto pt = sdp::find_attribute(m.attributes, "ptime"); pt != nullptr && pt->value) {
    uint32_t v = 0;
    if (parse_number(std::string_view(*pt->value), &v) && v > 0 && v <= 200) offerer.ptime = v;
  }
  recipient.ptime_wanted = ptime_wanted;
  offerer.encoder_specs = o.set;
  recipient.encoder_specs = o.transcode;
  offerer.force_transcode = o.always_transcode || !o.consume.empty() || !o.accept.empty();
  offerer.prefer_specs = o.consume;
  offerer.prefer_specs.insert(offerer.prefer_specs.end(), o.accept.begin(), o.accept.end());
  offerer.codec_handling = offerer.force_transcode || ptime_wanted != 0;
  if (!o.any()) {
    recipient.offered = offerer.formats;
    if (ptime_wanted != 0) m.set_attribute("ptime", std::to_string(ptime_wanted));
    return true;
  }
  // Payload type numbers of the original offer stay taken, whatever is removed.
  std::vector<int> taken;
  for (const std::string& f : m.formats) {
    int pt = -1;
    if (parse_number(std::string_view(f), &pt)) taken.push_back(pt);
  }
  auto free_pt = [&](int static_pt) {
    if (static_pt >= 0 && std::find(taken.begin(), taken.end(), static_pt) == taken.end())
      return static_pt;
    for (int pt = 96; pt <= 127; ++pt)
      if (std::find(taken.begin(), taken.end(), pt) == taken.end()) return pt;
    return -1;
  };

  // 1. strip (except: kept from `all`), consume and mask (both stay available from the offerer).
  std::vector<PayloadFormat> out, removed;
  std::vector<bool> removed_by_all;
  for (const PayloadFormat& f : offerer.formats) {
    const bool kept = listed(o.except, f, false);
    if (!kept &&
        (listed(o.strip, f, true) || listed(o.mask, f, true) || listed(o.consume, f, true))) {
      removed.push_back(f);
      removed_by_all.push_back(!listed(o.strip, f, false) && !listed(o.mask, f, false) &&
                               !listed(o.consume, f, false));
    } else {
      out.push_back(f);
    }
  }
  if (!o.consume.empty()) offerer.codec_handling = true;
  if (!o.mask.empty() && !o.transcode.empty()) offerer.codec_handling = true;
  // 2. offer: stripped codecs of the original come back, in the list's order.
  for (const std::string& s : o.offer) {
    auto match = parse_match(s);
    if (!match) continue;
    for (size_t i = 0; i < removed.size(); ++i) {
      if (!matches(*match, removed[i])) continue;
      out.push_back(removed[i]);
      removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
      removed_by_all.erase(removed_by_all.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  // 3. transcode: codecs the list lacks are added before the first telephone-event / CN (a
  // telephone-event at a new clock rate right after the codec). An original codec that an `all`
  // took away comes back as it was, without transcoding.
  for (const std::string& s : o.transcode) {
    auto match = parse_match(s);
    if (!match) continue;
    if (std::any_of(out.begin(), out.end(),
                    [&](const PayloadFormat& x) { return matches(*match, x); }))
      continue;
    bool restored = false;
    for (size_t i = 0; i < removed.size(); ++i) {
      if (removed_by_all[i] && matches(*match, removed[i])) {
        out.push_back(removed[i]);
        removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
        removed_by_all.erase(removed_by_all.begin() + static_cast<std::ptrdiff_t>(i));
        restored = true;
        break;
      }
    }
    if (restored) continue;
    const codecs::CodecDescriptor* d = codecs::find_codec(match->name, match->clock, 0);
    if (d == nullptr) continue;
    PayloadFormat f;
    f.encoding = std::string(d->name);
    f.clock = d->clock_rate;
    f.channels = match->channels != 0 ? match->channels : d->channels;
    f.fmtp = !match->fmtp.empty() ? match->fmtp : std::string(d->fmtp);
    // A codec stripped by name and transcoded again keeps its number.
    auto old = std::find_if(offerer.formats.begin(), offerer.formats.end(),
                            [&](const PayloadFormat& x) { return x.same_codec(f); });
    f.pt = old != offerer.formats.end() ? old->pt : free_pt(d->static_payload_type);
    if (f.pt < 0) return bad_field("codec", "no free dynamic payload type for " + s);
    if (old == offerer.formats.end()) taken.push_back(f.pt);
    auto at = std::find_if(out.begin(), out.end(), supplemental);
    at = out.insert(at, f) + 1;
    offerer.codec_handling = true;
    const bool has_event = std::any_of(out.begin(), out.end(),
                                       [](const PayloadFormat& x) { return x.telephone_event(); });
    if (has_event && event_at(out, f.clock) == nullptr) {
      PayloadFormat e;
      e.encoding = "telephone-event";
      e.clock = f.clock;
      e.fmtp = "0-15";
      e.pt = free_pt(-1);
      if (e.pt >= 0) {
        taken.push_back(e.pt);
        out.insert(at, e);
      }
    }
  }
  // 4. Nothing left to offer: the original list stands (rtpengine's rule).
  if (first_audio(out) == nullptr) out = offerer.formats;
  recipient.offered = out;
  set_payload_formats(m, out);
  if (ptime_wanted != 0) m.set_attribute("ptime", std::to_string(ptime_wanted));
  return true;
}

Result<bool> codec_answer(sdp::Media& m, CodecSide& offerer, CodecSide& answerer) {
  answerer.formats.clear();
  for (PayloadFormat& f : payload_formats(m)) {
    // Only types rtpxd offered count (a stray number is not something it can map).
    const bool offered = answerer.offered.empty() ||
                         std::any_of(answerer.offered.begin(), answerer.offered.end(),
                                     [&](const PayloadFormat& x) { return x.pt == f.pt; });
    if (offered) answerer.formats.push_back(std::move(f));
  }
  answerer.ptime.reset();
  if (auto pt = sdp::find_attribute(m.attributes, "ptime"); pt != nullptr && pt->value) {
    uint32_t v = 0;
    if (parse_number(std::string_view(*pt->value), &v) && v > 0 && v <= 200) answerer.ptime = v;
  }
  offerer.transcoded = answerer.transcoded = false;
  offerer.sends.reset();
  answerer.sends.reset();
  offerer.event_pt = answerer.event_pt = -1;
  const PayloadFormat* b = first_audio(answerer.formats);
  if (b == nullptr) return true;  // nothing to agree (or a rejected media)
  answerer.sends = *b;
  if (const PayloadFormat* e = event_at(answerer.formats, b->clock)) {
    answerer.event_pt = e->pt;
    answerer.event_clock = e->clock;
  }
  auto offered_by_a = [&](const PayloadFormat& f) -> const PayloadFormat* {
    for (const PayloadFormat& x : offerer.formats)
      if (!supplemental(x) && x.same_codec(f)) return &x;
    return nullptr;
  };
  // The offerer's first codec rtpxd can decode and encode: what it sends when rtpxd transcodes.
  const PayloadFormat* a_transcode = nullptr;
  for (const PayloadFormat& f : offerer.formats)
    if (!supplemental(f) && descriptor(f) != nullptr) {
      a_transcode = &f;
      break;
    }
  // What the offerer is answered, in the answerer's order: its own version of each codec both
  // have, its transcoding codec for one only the answerer has; telephone-event last.
  std::vector<PayloadFormat> to_a;
  auto add = [&](const PayloadFormat& f) {
    if (std::none_of(to_a.begin(), to_a.end(),
                     [&](const PayloadFormat& x) { return x.pt == f.pt; }))
      to_a.push_back(f);
  };
  bool transcoding = false;
  // consume / accept: the offerer keeps the one codec they name, transcoded if need be.
  for (const PayloadFormat& f : offerer.formats) {
    if (!supplemental(f) && descriptor(f) != nullptr && listed(offerer.prefer_specs, f, true)) {
      add(f);
      transcoding = !f.same_codec(*b);
      break;
    }
  }
  for (const PayloadFormat& f : answerer.formats) {
    if (!to_a.empty() && !offerer.prefer_specs.empty()) break;
    if (supplemental(f)) continue;
    if (const PayloadFormat* mine = offered_by_a(f)) {
      add(*mine);
    } else if (offerer.codec_handling && a_transcode != nullptr && descriptor(f) != nullptr) {
      add(*a_transcode);
      if (&f == b) transcoding = true;
    }
  }
  if (to_a.empty()) return true;  // nothing the offerer knows: passed on as answered
  const PayloadFormat& a = to_a.front();
  offerer.sends = a;
  const bool same = a.same_codec(*b);
  transcoding = transcoding || !same || offerer.force_transcode;
  if (!transcoding && !offerer.codec_handling) {
    // Plain passthrough: the answer goes back as the answerer wrote it.
    if (const PayloadFormat* e = event_at(offerer.formats, a.clock);
        e != nullptr && answerer.event_pt >= 0) {
      offerer.event_pt = e->pt;
      offerer.event_clock = e->clock;
    }
    answerer.transcoded = answerer.ptime_wanted != 0;
    return true;
  }
  const bool b_has_event = std::any_of(answerer.formats.begin(), answerer.formats.end(),
                                       [](const PayloadFormat& f) { return f.telephone_event(); });
  if (const PayloadFormat* e = event_at(offerer.formats, a.clock)) {
    // rtpxd converts DTMF when it transcodes, so the offerer keeps its telephone-event even when
    // the answerer has none (it then hears the digits in-band).
    if (b_has_event || transcoding) {
      offerer.event_pt = e->pt;
      offerer.event_clock = e->clock;
      to_a.push_back(*e);
    }
  }
  for (const PayloadFormat& f : answerer.formats)
    if (f.comfort_noise())
      for (const PayloadFormat& x : offerer.formats)
        if (x.same_codec(f)) add(x);
  // What goes to the answerer is re-encoded when the codecs differ or it asked for another packet
  // time; what goes to the offerer when the codecs differ.
  answerer.transcoded = transcoding || answerer.ptime_wanted != 0;
  offerer.transcoded = transcoding;
  set_payload_formats(m, to_a);
  if (offerer.transcoded) m.set_attribute("ptime", std::to_string(output_ptime(offerer)));
  return true;
}

codecs::TranscoderConfig transcoder_config(const CodecSide& from, const CodecSide& to,
                                           int opus_complexity) {
  codecs::TranscoderConfig c;
  // The sender's codecs: the agreed one first, then whatever else it offered that decodes.
  auto add_input = [&](const PayloadFormat& f) {
    const codecs::CodecDescriptor* d = descriptor(f);
    if (d == nullptr) return;
    for (const codecs::TranscodeInput& in : c.inputs)
      if (in.payload_type == f.pt) return;
    c.inputs.push_back({static_cast<uint8_t>(f.pt), d, params_of(f, 20)});
  };
  if (from.sends) add_input(*from.sends);
  for (const PayloadFormat& f : from.formats)
    if (!f.telephone_event() && !f.comfort_noise()) add_input(f);
  c.input_event_pt = from.event_pt;
  c.input_event_clock = from.event_clock;
  if (to.sends) {
    c.output = descriptor(*to.sends);
    c.output_pt = static_cast<uint8_t>(to.sends->pt);
    c.output_params = params_of(*to.sends, output_ptime(to));
    c.output_params.complexity = opus_complexity;
    if (const uint32_t rate = bitrate_for(to.encoder_specs, *to.sends))
      c.output_params.bitrate = rate;
  }
  c.output_event_pt = to.event_pt;
  c.output_event_clock = to.event_clock;
  return c;
}

std::string transcode_key(const CodecSide& from, const CodecSide& to) {
  if (!to.transcoded || !from.sends || !to.sends) return {};
  std::string k = from.sends->rtpmap() + ":" + std::to_string(from.sends->pt) + ";" +
                  from.sends->fmtp + "|" + to.sends->rtpmap() + ":" + std::to_string(to.sends->pt) +
                  ";" + to.sends->fmtp + "|" + std::to_string(output_ptime(to)) + "|" +
                  std::to_string(from.event_pt) + "/" + std::to_string(to.event_pt) + "|" +
                  std::to_string(bitrate_for(to.encoder_specs, *to.sends));
  for (const PayloadFormat& f : from.formats) k += "," + std::to_string(f.pt) + f.rtpmap();
  return k;
}

}  // namespace rtpx::control
