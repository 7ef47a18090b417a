#pragma once
// Per-SSRC state of a context: the SRTP packet index (ROC and highest sequence number) with its
// replay window, and the SRTCP index, in a fixed table of Context::kMaxStreams slots with
// least-recently-used replacement. Plain data; nothing here allocates.

#include <array>
#include <cstdint>

#include "engine/srtp/srtp_context.hpp"
#include "engine/srtp/srtp_replay.hpp"

namespace rtpx::engine::srtp {

inline constexpr uint64_t kMaxSrtpIndex = (uint64_t{1} << 48) - 1;
inline constexpr uint32_t kMaxSrtcpIndex = 0x7fff'ffff;

// RFC 3711 Appendix A: the 48-bit index of sequence number `seq` given the highest index seen.
// While the highest index is at most 2^15 the ROC is taken as 0, as libsrtp does: a stream's first
// packets never guess a ROC of -1. The result can exceed kMaxSrtpIndex only when the ROC wraps.
inline uint64_t estimate_index(uint64_t highest, uint16_t seq) noexcept {
  if (highest <= 0x8000) return seq;
  const uint64_t roc = highest >> 16;
  const uint16_t local = static_cast<uint16_t>(highest);
  if (local < 0x8000) {
    // roc >= 1 here: highest > 2^15 with a low half below 2^15.
    if (seq > local && seq - local > 0x8000) return ((roc - 1) << 16) | seq;
  } else if (local - 0x8000 > seq) {
    return ((roc + 1) << 16) | seq;
  }
  return (roc << 16) | seq;
}

struct Stream {
  uint32_t ssrc = 0;
  bool in_use = false;
  bool rtp_started = false;   // rtp window holds this SSRC's SRTP index
  bool rtcp_started = false;  // rtcp window (inbound) / rtcp_sent (outbound) is valid
  uint64_t last_use = 0;
  ReplayWindow rtp;
  ReplayWindow rtcp;       // inbound SRTCP indices
  uint32_t rtcp_sent = 0;  // outbound: the last SRTCP index used
};

class StreamTable {
 public:
  Stream* find(uint32_t ssrc) noexcept {
    Stream& last = slots_[last_hit_];
    if (last.in_use && last.ssrc == ssrc) return &last;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].in_use && slots_[i].ssrc == ssrc) {
        last_hit_ = i;
        return &slots_[i];
      }
    }
    return nullptr;
  }

  // A fresh slot for `ssrc`: a free one, else the least recently used one.
  Stream* claim(uint32_t ssrc) noexcept {
    size_t victim = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!slots_[i].in_use) {
        victim = i;
        break;
      }
      if (slots_[i].last_use < slots_[victim].last_use) victim = i;
    }
    Stream& s = slots_[victim];
    if (s.in_use) {
      // An evicted sender that comes back must not reuse an index it already used with this key
      // (the keystream would repeat): outbound, new slots start past what evicted slots reached.
      if (s.rtp_started && (s.rtp.highest() >> 16) > evicted_roc_) {
        evicted_roc_ = static_cast<uint32_t>(s.rtp.highest() >> 16);
      }
      if (s.rtcp_started && s.rtcp_sent > evicted_rtcp_) evicted_rtcp_ = s.rtcp_sent;
    }
    s = Stream{};
    s.ssrc = ssrc;
    s.in_use = true;
    last_hit_ = victim;
    return &s;
  }

  void touch(Stream* s) noexcept { s->last_use = ++clock_; }

  // Outbound only: the lowest ROC and SRTCP index a new slot may use (0 until a slot that had
  // wrapped or sent SRTCP was evicted).
  uint32_t evicted_roc() const noexcept { return evicted_roc_; }
  uint32_t evicted_rtcp() const noexcept { return evicted_rtcp_; }

 private:
  std::array<Stream, Context::kMaxStreams> slots_{};
  size_t last_hit_ = 0;
  uint64_t clock_ = 0;
  uint32_t evicted_roc_ = 0;
  uint32_t evicted_rtcp_ = 0;
};

}  // namespace rtpx::engine::srtp
