// UDPTL framing for T.38 (see udptl.hpp): the PER encoding of UDPTLPacket, the sender that adds
// redundancy or parity FEC, and the receiver that puts IFPs back in order and repairs losses.

#include "codecs/t38/udptl.hpp"

#include <algorithm>

namespace rtpx::codecs::t38 {

namespace {

// How far `a` is after `b` in 16-bit sequence space (0xFFFF: `a` is just before `b`).
constexpr uint16_t ahead(uint16_t a, uint16_t b) {
  return static_cast<uint16_t>(a - b);
}

// PER length determinant (X.691 10.9, aligned): 0..127 in one octet, 128..16383 in two octets
// with the top bits 10. Every length written here is at most kMaxIfp.
constexpr size_t length_size(size_t n) {
  return n < 0x80 ? 1 : 2;
}

// fec-npackets is an unconstrained INTEGER: a length octet, then the value in the fewest
// two's-complement octets; with the span bounded, always one.
static_assert(kMaxFecSpan < 0x80);

Error check_entry(Bytes b) {
  if (b.empty()) return Error::empty_ifp;
  if (b.size() > kMaxIfp) return Error::ifp_too_long;
  return Error::ok;
}

struct Writer {
  std::span<uint8_t> out;
  size_t pos = 0;

  void byte(size_t b) { out[pos++] = static_cast<uint8_t>(b); }
  void length(size_t n) {
    if (n >= 0x80) byte(0x80 | (n >> 8));
    byte(n & 0xff);
  }
  void open_type(Bytes b) {
    length(b.size());
    std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += b.size();
  }
};

struct Reader {
  Bytes in;
  size_t pos = 0;

  size_t left() const { return in.size() - pos; }

  Error length(size_t& n) {
    if (left() < 1) return Error::truncated;
    const uint8_t b = in[pos];
    if ((b & 0x80) == 0) {
      n = b;
      pos += 1;
      return Error::ok;
    }
    if ((b & 0x40) != 0) return Error::fragmented;  // 11xxxxxx: a 16K-multiple fragment follows
    if (left() < 2) return Error::truncated;
    n = static_cast<size_t>(((b & 0x3f) << 8) | in[pos + 1]);
    pos += 2;
    return Error::ok;
  }

  // An open type or OCTET STRING: length, then that many octets (at most kMaxIfp).
  Error open_type(Bytes& b) {
    size_t n = 0;
    if (Error e = length(n); e != Error::ok) return e;
    if (n > kMaxIfp) return Error::ifp_too_long;
    if (left() < n) return Error::truncated;
    b = in.subspan(pos, n);
    pos += n;
    return Error::ok;
  }
};

}  // namespace

const char* to_string(Error e) noexcept {
  switch (e) {
    case Error::ok:
      return "ok";
    case Error::truncated:
      return "truncated";
    case Error::fragmented:
      return "fragmented";
    case Error::bad_length:
      return "bad_length";
    case Error::too_many_entries:
      return "too_many_entries";
    case Error::ifp_too_long:
      return "ifp_too_long";
    case Error::empty_ifp:
      return "empty_ifp";
    case Error::bad_fec_span:
      return "bad_fec_span";
    case Error::trailing_bytes:
      return "trailing_bytes";
    case Error::buffer_too_small:
      return "buffer_too_small";
    case Error::exceeds_max_datagram:
      return "exceeds_max_datagram";
    case Error::bad_config:
      return "bad_config";
  }
  return "unknown";
}

// ---- packet ----------------------------------------------------------------------------------

size_t encoded_size(const UdptlPacket& p) noexcept {
  size_t n = 2 + length_size(p.primary.size()) + p.primary.size() + 1;  // seq, primary, CHOICE
  const auto entries = p.recovery == Recovery::fec ? p.fec_entries() : p.secondaries();
  if (p.recovery == Recovery::fec) n += 2;  // fec-npackets
  n += length_size(entries.size());
  for (Bytes b : entries) n += length_size(b.size()) + b.size();
  return n;
}

Result<size_t> encode_udptl(const UdptlPacket& p, std::span<uint8_t> out) noexcept {
  Result<size_t> r;
  const bool fec = p.recovery == Recovery::fec;
  if (fec ? p.fec_count > kMaxFecEntries : p.secondary_count > kMaxSecondaries) {
    r.error = Error::too_many_entries;
    return r;
  }
  if (fec && p.fec_span > kMaxFecSpan) {
    r.error = Error::bad_fec_span;
    return r;
  }
  const auto entries = fec ? p.fec_entries() : p.secondaries();
  r.error = check_entry(p.primary);
  for (size_t i = 0; i < entries.size() && r.ok(); ++i) r.error = check_entry(entries[i]);
  if (!r.ok()) return r;
  const size_t size = encoded_size(p);
  if (size > out.size()) {
    r.error = Error::buffer_too_small;
    return r;
  }

  Writer w{out};
  w.byte(p.seq >> 8);
  w.byte(p.seq & 0xff);
  w.open_type(p.primary);
  // The CHOICE index is one bit; the rest of the octet is padding, since the length determinant
  // that follows is octet-aligned.
  w.byte(fec ? 0x80 : 0x00);
  if (fec) {
    w.byte(1);
    w.byte(p.fec_span);
  }
  w.length(entries.size());
  for (Bytes b : entries) w.open_type(b);
  r.value = w.pos;
  return r;
}

Result<UdptlPacket> decode_udptl(Bytes datagram) noexcept {
  Result<UdptlPacket> r;
  UdptlPacket& p = r.value;
  Reader rd{datagram};
  const auto fail = [&r](Error e) {
    r.error = e;
    return r;
  };

  if (rd.left() < 2) return fail(Error::truncated);
  p.seq = static_cast<uint16_t>((datagram[0] << 8) | datagram[1]);
  rd.pos = 2;
  if (Error e = rd.open_type(p.primary); e != Error::ok) return fail(e);
  if (p.primary.empty()) return fail(Error::empty_ifp);
  if (rd.left() < 1) return fail(Error::truncated);
  // Only the top bit is the CHOICE; the padding bits are not checked (X.691 lets decoders
  // ignore them).
  p.recovery = (datagram[rd.pos++] & 0x80) ? Recovery::fec : Recovery::secondary;

  size_t count = 0;
  if (p.recovery == Recovery::secondary) {
    if (Error e = rd.length(count); e != Error::ok) return fail(e);
    if (count > kMaxSecondaries) return fail(Error::too_many_entries);
    p.secondary_count = static_cast<uint8_t>(count);
    for (size_t i = 0; i < count; ++i)
      if (Error e = rd.open_type(p.secondary[i]); e != Error::ok) return fail(e);
  } else {
    size_t octets = 0;
    if (Error e = rd.length(octets); e != Error::ok) return fail(e);
    if (octets == 0 || octets > 4) return fail(Error::bad_length);
    if (rd.left() < octets) return fail(Error::truncated);
    int64_t span = static_cast<int8_t>(datagram[rd.pos++]);  // sign of the first octet
    for (size_t i = 1; i < octets; ++i) span = span * 256 + datagram[rd.pos++];
    if (span < 0 || span > static_cast<int64_t>(kMaxFecSpan)) return fail(Error::bad_fec_span);
    p.fec_span = static_cast<uint8_t>(span);
    if (Error e = rd.length(count); e != Error::ok) return fail(e);
    if (count > kMaxFecEntries) return fail(Error::too_many_entries);
    p.fec_count = static_cast<uint8_t>(count);
    for (size_t i = 0; i < count; ++i)
      if (Error e = rd.open_type(p.fec[i]); e != Error::ok) return fail(e);
  }
  if (rd.left() != 0) return fail(Error::trailing_bytes);
  return r;
}

// ---- sender ----------------------------------------------------------------------------------

Error UdptlSender::configure(const SenderConfig& cfg) noexcept {
  switch (cfg.mode) {
    case ErrorCorrection::none:
      break;
    case ErrorCorrection::redundancy:
      if (cfg.redundancy > kMaxRedundancy) return Error::bad_config;
      break;
    case ErrorCorrection::fec:
      if (cfg.fec_span < 1 || cfg.fec_span > kMaxFecSpan) return Error::bad_config;
      if (cfg.fec_entries < 1 || cfg.fec_entries > kMaxFecEntries) return Error::bad_config;
      if (size_t{cfg.fec_span} * cfg.fec_entries > kHistory) return Error::bad_config;
      break;
    default:
      return Error::bad_config;
  }
  cfg_ = cfg;
  return Error::ok;
}

void UdptlSender::reset(uint16_t first_seq) noexcept {
  seq_ = first_seq;
  stored_ = 0;
}

Bytes UdptlSender::past(size_t back) const noexcept {
  // 65536 is a multiple of kHistory, so the ring index follows the 16-bit wrap.
  const Slot& s = history_[static_cast<uint16_t>(seq_ - back) % kHistory];
  return {s.data.data(), s.len};
}

// Entry m of `entries` covers the IFPs seq+m-k*entries, k = 1..span: `back` = k*entries - m.
size_t UdptlSender::fec_entry_len(size_t entries, size_t m) const noexcept {
  size_t len = 0;
  for (size_t k = 1; k <= cfg_.fec_span; ++k) len = std::max(len, past(k * entries - m).size());
  return len;
}

void UdptlSender::fec_entry(size_t entries, size_t m, std::span<uint8_t> out) const noexcept {
  std::fill(out.begin(), out.end(), uint8_t{0});
  for (size_t k = 1; k <= cfg_.fec_span; ++k) {
    const Bytes ifp = past(k * entries - m);
    for (size_t j = 0; j < ifp.size(); ++j) out[j] ^= ifp[j];  // shorter IFPs: zero padded
  }
}

Result<size_t> UdptlSender::build(Bytes ifp, std::span<uint8_t> out) noexcept {
  Result<size_t> r;
  r.error = check_entry(ifp);
  if (!r.ok()) return r;

  UdptlPacket p;
  p.seq = seq_;
  p.primary = ifp;
  if (cfg_.mode == ErrorCorrection::fec) p.recovery = Recovery::fec;  // fec-npackets 0, no entry
  const size_t bare = encoded_size(p);  // the packet without any error recovery entry
  if (cfg_.max_datagram != 0 && bare > cfg_.max_datagram) {
    r.error = Error::exceeds_max_datagram;
    return r;
  }
  const size_t limit =
      cfg_.max_datagram != 0 ? std::min<size_t>(cfg_.max_datagram, out.size()) : out.size();

  if (cfg_.mode == ErrorCorrection::redundancy) {
    p.secondary_count = static_cast<uint8_t>(std::min<size_t>(cfg_.redundancy, stored_));
    for (size_t i = 0; i < p.secondary_count; ++i) p.secondary[i] = past(i + 1);
    // Secondaries are positional (the i-th is seq-1-i), so only the oldest can be left out.
    while (p.secondary_count > 0 && encoded_size(p) > limit) --p.secondary_count;
  } else if (cfg_.mode == ErrorCorrection::fec) {
    size_t entries = std::min<size_t>(cfg_.fec_entries, stored_ / cfg_.fec_span);
    for (; entries > 0; --entries) {
      // Fewer entries change the interleaving, so the lengths are recomputed for each try.
      p.fec_span = cfg_.fec_span;
      p.fec_count = static_cast<uint8_t>(entries);
      for (size_t m = 0; m < entries; ++m) p.fec[m] = {fec_[m].data(), fec_entry_len(entries, m)};
      if (encoded_size(p) <= limit) break;
    }
    if (entries == 0) {
      p.fec_span = 0;
      p.fec_count = 0;
    }
    for (size_t m = 0; m < entries; ++m) fec_entry(entries, m, {fec_[m].data(), p.fec[m].size()});
  }

  r = encode_udptl(p, out);
  if (!r.ok()) return r;  // buffer_too_small: the bare packet does not fit `out`
  Slot& s = history_[seq_ % kHistory];
  s.len = static_cast<uint16_t>(ifp.size());
  std::copy(ifp.begin(), ifp.end(), s.data.begin());
  stored_ = std::min(stored_ + 1, kHistory);
  ++seq_;
  return r;
}

// ---- receiver --------------------------------------------------------------------------------

// The ring must hold the packets waiting behind a gap plus the secondaries' reach, all with
// distinct slots.
static_assert(kMaxReorderWindow + kMaxSecondaries < kHistory);
static_assert(65536 % kHistory == 0);

UdptlReceiver::UdptlReceiver(const ReceiverConfig& cfg) noexcept
    : window_(static_cast<uint8_t>(std::min<size_t>(cfg.reorder_window, kMaxReorderWindow))) {}

void UdptlReceiver::reset() noexcept {
  started_ = false;
  probing_ = false;
  for (Slot& s : ring_) s.state = State::empty;
}

const UdptlReceiver::Slot* UdptlReceiver::find(uint16_t seq) const noexcept {
  const Slot& s = ring_[seq % kHistory];
  return s.state != State::empty && s.seq == seq ? &s : nullptr;
}

UdptlReceiver::Slot& UdptlReceiver::store(uint16_t seq, Bytes ifp) noexcept {
  Slot& s = slot(seq);
  s.seq = seq;
  s.len = static_cast<uint16_t>(ifp.size());
  std::copy(ifp.begin(), ifp.end(), s.data.begin());
  s.state = State::held;
  return s;
}

void UdptlReceiver::step(const IfpSink& sink) {
  Slot& s = slot(next_);
  const uint16_t seq = next_++;
  if (s.state == State::held && s.seq == seq) {
    s.state = State::delivered;  // kept: later FEC entries may need it
    sink(Bytes(s.data.data(), s.len), seq);
  } else {
    ++stats_.lost;
  }
}

void UdptlReceiver::release(const IfpSink& sink) {
  for (;;) {
    const Slot* s = find(next_);
    const uint16_t held_after = ahead(highest_, next_);  // >= 0x8000: nothing held
    if (s != nullptr && s->state == State::held) {
      step(sink);
    } else if (held_after < 0x8000 && held_after > window_) {
      step(sink);  // waited long enough for next_: give it up
    } else {
      break;
    }
  }
}

void UdptlReceiver::flush(IfpSink on_ifp) {
  while (started_ && ahead(highest_, next_) < 0x8000) step(on_ifp);
}

// Places the datagram in the stream; false when it brings nothing new (duplicate, late, stray).
bool UdptlReceiver::classify(const UdptlPacket& p, const IfpSink& sink) {
  const uint16_t s = p.seq;
  if (!started_) {
    started_ = true;
    size_t k = 0;
    while (k < p.secondary_count && !p.secondary[k].empty()) ++k;
    next_ = static_cast<uint16_t>(s - k);
    highest_ = static_cast<uint16_t>(next_ - 1);
    return true;
  }
  const uint16_t d = ahead(s, next_);
  if (d < kMaxDropout) {
    if (probing_) {
      probing_ = false;
      ++stats_.strays;
    }
    if (find(s) != nullptr) {  // held already (from a secondary, FEC, or a first copy)
      ++stats_.duplicates;
      return false;
    }
    return true;
  }
  if (d > 0xFFFF - kMaxMisorder) {  // behind next_: delivered, or given up
    ++(find(s) != nullptr ? stats_.duplicates : stats_.late);
    return false;
  }
  if (probing_ && s == static_cast<uint16_t>(probe_seq_ + 1)) {
    // Two consecutive datagrams far from the old numbering: the far side restarted it.
    flush(sink);
    for (Slot& sl : ring_) sl.state = State::empty;
    ++stats_.resyncs;
    next_ = probe_seq_;
    highest_ = probe_seq_;
    store(probe_seq_, {probe_.data(), probe_len_});
    probing_ = false;
    return true;
  }
  if (probing_) ++stats_.strays;
  probing_ = true;
  probe_seq_ = s;
  probe_len_ = static_cast<uint16_t>(p.primary.size());
  std::copy(p.primary.begin(), p.primary.end(), probe_.begin());
  return false;
}

// Entry m of a packet with E entries and span S is the XOR of the IFPs seq+m-k*E, k = 1..S
// (zero padded to the longest). When exactly one of them is missing and still wanted, the XOR
// of the entry with the others is that IFP, with the entry's length.
void UdptlReceiver::repair_from_fec(const UdptlPacket& p) noexcept {
  const size_t entries = p.fec_count;
  const size_t span = p.fec_span;
  // Beyond kHistory the group cannot be complete here, and slots could alias.
  if (entries == 0 || span == 0 || span * entries > kHistory) return;
  const auto member = [&](size_t m, size_t k) {
    return static_cast<uint16_t>(p.seq + m - k * entries);
  };
  for (size_t m = 0; m < entries; ++m) {
    const Bytes fec = p.fec[m];
    if (fec.empty()) continue;
    size_t unknown = 0;
    uint16_t missing = 0;
    bool consistent = true;
    for (size_t k = 1; k <= span; ++k) {
      const Slot* s = find(member(m, k));
      if (s == nullptr) {
        ++unknown;
        missing = member(m, k);
      } else if (s->len > fec.size()) {
        consistent = false;  // the entry cannot be the XOR of this group
      }
    }
    if (!consistent || unknown != 1) continue;
    if (ahead(missing, next_) >= ahead(p.seq, next_)) continue;  // given up already
    Slot& out = store(missing, fec);
    for (size_t k = 1; k <= span; ++k) {
      if (member(m, k) == missing) continue;
      const Slot* s = find(member(m, k));
      for (size_t j = 0; j < s->len; ++j) out.data[j] ^= s->data[j];
    }
    ++stats_.recovered;
  }
}

Error UdptlReceiver::push(Bytes datagram, IfpSink on_ifp) {
  ++stats_.packets;
  const Result<UdptlPacket> r = decode_udptl(datagram);
  if (!r.ok()) {
    ++stats_.malformed;
    return r.error;
  }
  const UdptlPacket& p = r.value;
  if (!classify(p, on_ifp)) return Error::ok;

  const uint16_t s = p.seq;
  // Far ahead: what is older than the ring can hold is delivered or given up first, so that
  // next_..s map to distinct slots.
  while (ahead(s, next_) >= kHistory) step(on_ifp);
  if (ahead(highest_, next_) >= 0x8000) highest_ = static_cast<uint16_t>(next_ - 1);
  if (ahead(s, highest_) < 0x8000) highest_ = s;
  store(s, p.primary);

  // Secondaries fill the IFPs next_..s-1 that are missing; older ones are not wanted any more.
  const size_t wanted = ahead(s, next_);
  for (size_t i = 0; i < p.secondary_count && i < wanted; ++i) {
    const auto t = static_cast<uint16_t>(s - 1 - i);
    if (p.secondary[i].empty() || find(t) != nullptr) continue;
    store(t, p.secondary[i]);
    ++stats_.recovered;
  }
  if (p.recovery == Recovery::fec) repair_from_fec(p);
  release(on_ifp);
  return Error::ok;
}

}  // namespace rtpx::codecs::t38
