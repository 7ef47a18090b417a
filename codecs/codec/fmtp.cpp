// apply_fmtp (declared in codec_registry.hpp): the a=fmtp parameters rtpx's codecs understand.

#include <charconv>

#include "codecs/codec/ascii.hpp"
#include "codecs/codec/codec_registry.hpp"

namespace rtpx::codecs {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool parse_uint(std::string_view s, uint32_t* v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Numeric parameter within [lo, hi].
struct RangeKey {
  std::string_view key;
  uint32_t lo, hi;
  uint32_t CodecParams::*field;
};
constexpr RangeKey kRanges[] = {
    {"maxaveragebitrate", 6000, 510000, &CodecParams::bitrate},
    {"maxplaybackrate", 8000, 48000, &CodecParams::max_playback_rate},
};

// Boolean parameter written 0 or 1.
struct FlagKey {
  std::string_view key;
  bool CodecParams::*field;
};
constexpr FlagKey kFlags[] = {
    {"useinbandfec", &CodecParams::fec},
    {"usedtx", &CodecParams::dtx},
    {"stereo", &CodecParams::stereo},
};

// Applies one "key=value"; false with `error` set when the key is known and the value is not valid.
bool apply_one(std::string_view key, std::string_view value, CodecParams& p, std::string* error) {
  uint32_t v = 0;
  for (const RangeKey& k : kRanges) {
    if (!iequals_ascii(key, k.key)) continue;
    if (parse_uint(value, &v) && v >= k.lo && v <= k.hi) {
      p.*k.field = v;
      return true;
    }
    *error = "fmtp " + std::string(k.key) + "=" + std::string(value) + ": not a number within " +
             std::to_string(k.lo) + ".." + std::to_string(k.hi);
    return false;
  }
  for (const FlagKey& k : kFlags) {
    if (!iequals_ascii(key, k.key)) continue;
    if (value == "0" || value == "1") {
      p.*k.field = value == "1";
      return true;
    }
    *error = "fmtp " + std::string(k.key) + "=" + std::string(value) + ": not 0 or 1";
    return false;
  }
  return true;  // not a parameter rtpx uses
}

}  // namespace

// Every valid parameter is applied even when another one is invalid; the first invalid one is
// reported.
bool apply_fmtp(std::string_view fmtp, CodecParams& p, std::string* error) {
  bool ok = true;
  while (!fmtp.empty()) {
    const size_t semi = fmtp.find(';');
    const std::string_view item = trim(fmtp.substr(0, semi));
    fmtp.remove_prefix(semi == std::string_view::npos ? fmtp.size() : semi + 1);
    const size_t eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos) continue;
    std::string first_error;
    if (!apply_one(trim(item.substr(0, eq)), trim(item.substr(eq + 1)), p, &first_error) && ok) {
      ok = false;
      if (error != nullptr) *error = std::move(first_error);
    }
  }
  return ok;
}

}  // namespace rtpx::codecs
