#pragma once
// UDPTL framing for T.38 fax over UDP (ITU-T T.38 clause 9.1; SDP names of RFC 3362 /
// T.38 Annex D: T38FaxUdpEC, T38FaxMaxDatagram). SpanDSP's t38_core produces and consumes IFP
// packets but has no UDPTL layer; this file holds that layer:
//   - encode_udptl() / decode_udptl(): one UDPTLPacket, stateless;
//   - UdptlSender: numbers IFPs and adds redundancy (secondary IFPs) or parity FEC, within the
//     far side's maximum datagram;
//   - UdptlReceiver: turns datagrams back into IFPs, each once and in sequence order, repairing
//     losses from secondaries or FEC, absorbing duplicates and small reordering.
// Errors are values (no exceptions); nothing allocates per packet: IFPs live in fixed-size
// arrays and decoded packets are spans into the datagram.
//
// Wire format (ASN.1 PER aligned, as every implementation sends it):
//   UDPTLPacket ::= SEQUENCE {
//     seq-number          INTEGER (0..65535),                 -- 2 octets, big endian
//     primary-ifp-packet  TYPE-IDENTIFIER.&Type(IFPPacket),   -- open type: length + octets
//     error-recovery      CHOICE {                            -- 1 bit, top of one octet
//       secondary-ifp-packets  SEQUENCE OF open type,         -- 0: count, then IFPs seq-1, seq-2..
//       fec-info SEQUENCE {                                   -- 1 (0x80):
//         fec-npackets INTEGER,                               --   length octet + value
//         fec-data     SEQUENCE OF OCTET STRING } } }         --   count, then length + octets
// Length and count determinants: 0..127 one octet; 128..16383 two octets (0x80 | high, low);
// the fragmented form (first octet 11xxxxxx, 16384 and more) never occurs with bounded IFPs and is
// rejected.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace rtpx::codecs::t38 {

// Bounds. IFPs from t38_core are a few hundred octets at most (an ECM frame of 256 octets plus
// headers); Asterisk caps T38FaxMaxDatagram at 1400.
inline constexpr size_t kMaxIfp = 512;          // longest IFP (and FEC entry) sent or accepted
inline constexpr size_t kMaxSecondaries = 16;   // secondary IFPs accepted in one packet
inline constexpr size_t kMaxRedundancy = 8;     // secondary IFPs the sender repeats at most
inline constexpr size_t kMaxFecEntries = 8;     // fec-data entries, sent or accepted
inline constexpr size_t kMaxFecSpan = 32;       // fec-npackets accepted
inline constexpr size_t kHistory = 32;          // IFPs remembered by sender and receiver;
                                                // the sender needs fec span * entries <= this
inline constexpr size_t kMaxReorderWindow = 8;  // packets the receiver holds back at most

enum class Error : uint8_t {
  ok = 0,
  truncated,             // the datagram ends inside a field
  fragmented,            // a length in the fragmented form (>= 16384 octets): not supported
  bad_length,            // fec-npackets is not a 1..4 octet integer
  too_many_entries,      // more than kMaxSecondaries secondaries or kMaxFecEntries FEC entries
  ifp_too_long,          // an IFP or FEC entry longer than kMaxIfp
  empty_ifp,             // a zero-length primary IFP (or, when encoding, any empty entry)
  bad_fec_span,          // fec-npackets negative or above kMaxFecSpan
  trailing_bytes,        // octets after the error-recovery field
  buffer_too_small,      // encode: the output span cannot hold the packet
  exceeds_max_datagram,  // sender: the primary IFP alone is over the far side's max datagram
  bad_config,            // sender configuration out of bounds
};

// A short fixed name for logs: "truncated", "fragmented", ...
const char* to_string(Error e) noexcept;

template <class T>
struct Result {
  T value{};
  Error error = Error::ok;
  bool ok() const noexcept { return error == Error::ok; }
};

using Bytes = std::span<const uint8_t>;

enum class Recovery : uint8_t { secondary, fec };  // the error-recovery CHOICE

// One UDPTLPacket. Decoded, the spans point into the datagram; to encode, into the caller's IFPs.
// "No error recovery" is the secondary form with no entries.
struct UdptlPacket {
  uint16_t seq = 0;
  Bytes primary;
  Recovery recovery = Recovery::secondary;
  // secondary-ifp-packets, most recent first: secondary[0] is IFP seq-1, secondary[1] seq-2...
  std::array<Bytes, kMaxSecondaries> secondary{};
  uint8_t secondary_count = 0;
  // fec-info: fec[m] is the XOR of the fec_span IFPs seq+m-k*fec_count, k = 1..fec_span
  // (UdptlSender documents the scheme).
  uint8_t fec_span = 0;  // fec-npackets
  std::array<Bytes, kMaxFecEntries> fec{};
  uint8_t fec_count = 0;

  std::span<const Bytes> secondaries() const noexcept {
    return {secondary.data(), secondary_count};
  }
  std::span<const Bytes> fec_entries() const noexcept { return {fec.data(), fec_count}; }
};

// Size of the encoding of `p`, without checking its contents.
size_t encoded_size(const UdptlPacket& p) noexcept;
// Writes `p` into `out`; returns the size written. Every IFP and FEC entry must be 1..kMaxIfp
// octets, counts and fec_span within their bounds.
Result<size_t> encode_udptl(const UdptlPacket& p, std::span<uint8_t> out) noexcept;
// Parses one datagram. Zero-length secondaries and FEC entries are accepted (some senders pad
// with them) and left to the caller to ignore; a zero-length primary is not. The 7 padding bits
// after the CHOICE bit are ignored, the datagram must end right after the last field.
Result<UdptlPacket> decode_udptl(Bytes datagram) noexcept;

// ---- sender ----------------------------------------------------------------------------------

enum class ErrorCorrection : uint8_t { none, redundancy, fec };  // T38FaxUdpEC

struct SenderConfig {
  ErrorCorrection mode = ErrorCorrection::redundancy;
  uint8_t redundancy = 3;     // previous IFPs repeated in each packet, 0..kMaxRedundancy
  uint8_t fec_span = 3;       // IFPs XORed into one FEC entry (fec-npackets), 1..kMaxFecSpan
  uint8_t fec_entries = 3;    // FEC entries per packet, 1..kMaxFecEntries; span*entries<=kHistory
  uint16_t max_datagram = 0;  // far side's T38FaxMaxDatagram; 0: only the output span limits
};

// Builds one datagram per IFP, numbering them from 0 (or reset()'s value), wrapping at 65535.
//
// Redundancy: each packet repeats the `redundancy` previous IFPs (fewer for the first packets of
// the stream), most recent first, dropping the oldest ones that would push the datagram over
// max_datagram (or out.size()).
//
// FEC (the scheme of the Asterisk / SpanDSP / FreeSWITCH UDPTL code, which T.38 leaves implicit):
// with span S and E entries, entry m (0..E-1) of packet seq is the XOR of the S IFPs
// seq+m-E, seq+m-2E, ..., seq+m-S*E, each padded with zeros to the longest. The E entries
// together cover IFPs seq-S*E..seq-1, interleaved, so any E consecutive losses can be repaired.
// While fewer than S*E IFPs were sent, E shrinks to sent/S (and fec-npackets is sent as 0 when no
// entry is left). When the entries do not fit in the datagram, E is lowered until they do.
class UdptlSender {
 public:
  UdptlSender() = default;
  // A `cfg` that configure() refuses leaves the defaults.
  explicit UdptlSender(const SenderConfig& cfg) noexcept { configure(cfg); }

  // Applies `cfg` for the next packets (sequence numbers and history are kept); bad_config and
  // no change when a value is out of bounds.
  Error configure(const SenderConfig& cfg) noexcept;
  // Starts a new stream at `first_seq`, forgetting the history.
  void reset(uint16_t first_seq = 0) noexcept;

  // Encodes `ifp` (1..kMaxIfp octets) as the next packet; returns the datagram size. On error
  // nothing is sent and the sequence number is not used: empty_ifp, ifp_too_long,
  // exceeds_max_datagram (the IFP alone does not fit max_datagram: the IFP size negotiated with
  // the far side is wrong), buffer_too_small (it does not fit `out`).
  Result<size_t> build(Bytes ifp, std::span<uint8_t> out) noexcept;

  uint16_t next_seq() const noexcept { return seq_; }
  const SenderConfig& config() const noexcept { return cfg_; }

 private:
  struct Slot {
    uint16_t len = 0;
    std::array<uint8_t, kMaxIfp> data{};
  };

  Bytes past(size_t back) const noexcept;  // IFP seq_-back (1 <= back <= stored_)
  size_t fec_entry_len(size_t entries, size_t m) const noexcept;
  void fec_entry(size_t entries, size_t m, std::span<uint8_t> out) const noexcept;

  SenderConfig cfg_;
  uint16_t seq_ = 0;
  size_t stored_ = 0;  // IFPs in history_, up to kHistory
  std::array<Slot, kHistory> history_{};
  std::array<std::array<uint8_t, kMaxIfp>, kMaxFecEntries> fec_{};  // FEC entries being sent
};

// ---- receiver --------------------------------------------------------------------------------

// Where the receiver sends IFPs: a non-owning reference to any callable
// void(std::span<const uint8_t> ifp, uint16_t seq). The span is valid during the call only.
class IfpSink {
 public:
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, IfpSink> &&
           std::invocable<std::remove_reference_t<F>&, Bytes, uint16_t>) IfpSink(F&& f)
  noexcept  // NOLINT: implicit, so that a lambda can be passed directly
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        fn_([](void* o, Bytes ifp, uint16_t seq) {
          (*static_cast<std::remove_reference_t<F>*>(o))(ifp, seq);
        }) {}

  void operator()(Bytes ifp, uint16_t seq) const { fn_(obj_, ifp, seq); }

 private:
  void* obj_;
  void (*fn_)(void*, Bytes, uint16_t);
};

struct ReceiverConfig {
  // Packets held back behind a missing IFP, waiting for it to arrive late (reordering), before it
  // is given up; 0..kMaxReorderWindow. 0 delivers at once and drops reordered packets as late.
  uint8_t reorder_window = 2;
};

struct ReceiverStats {
  uint64_t packets = 0;     // datagrams pushed
  uint64_t malformed = 0;   // datagrams decode_udptl() rejected
  uint64_t duplicates = 0;  // datagrams whose primary IFP was already delivered or held
  uint64_t late = 0;        // datagrams whose IFP had been given up as lost, or too old to tell
  uint64_t recovered = 0;   // IFPs rebuilt from secondaries or FEC
  uint64_t lost = 0;        // IFPs given up (skipped: never delivered)
  uint64_t resyncs = 0;     // sequence restarts followed
  uint64_t strays = 0;      // lone datagrams far off the sequence, dropped
};

// Delivers the IFPs of one UDPTL stream, each once, in sequence order.
//
// - Packets are placed by seq-number relative to the next IFP to deliver (`next_seq()`):
//   up to kMaxMisorder behind is a duplicate or a late packet and is dropped; up to kMaxDropout
//   ahead is the stream going on, the IFPs in between missing; anything else is a jump.
// - A missing IFP is taken from the secondaries of a later packet, or rebuilt from its FEC
//   entries (an entry repairs the one IFP of its group that is missing; entries are used when
//   their packet arrives and are not kept). An FEC-rebuilt IFP has the length of the FEC entry,
//   i.e. of the longest IFP of its group: a shorter IFP comes back with zero octets appended,
//   since the FEC scheme carries no lengths.
// - An IFP still missing is waited for while at most `reorder_window` later packets are held;
//   one more and it is given up: counted in `lost` and skipped, so the callback sees a gap in
//   seq, which is how t38_core learns of missing IFPs (t38_core_rx_ifp_packet takes seq_no).
//   flush() gives up all missing IFPs and delivers what is held: call it when the stream pauses
//   (no datagram for ~100 ms) so held IFPs do not wait for a packet that may not come.
// - A jump is taken as the far side restarting its numbering only when the next datagram
//   follows it (seq + 1), as RFC 3550 A.1 does for RTP; then what is held is delivered and the
//   stream restarts at the jump (`resyncs`). A lone jump is dropped (`strays`).
// - The first datagram starts the stream at the oldest of its leading non-empty secondaries, so
//   IFPs lost before it are still delivered.
// - Zero-length secondaries and FEC entries are ignored.
// The callback must not call back into the receiver.
class UdptlReceiver {
 public:
  static constexpr uint16_t kMaxDropout = 1000;
  static constexpr uint16_t kMaxMisorder = 100;

  explicit UdptlReceiver(const ReceiverConfig& cfg = {}) noexcept;

  // Decodes and processes one datagram, delivering the IFPs it makes ready; returns the decode
  // error of a malformed datagram (counted, state unchanged), else Error::ok.
  Error push(Bytes datagram, IfpSink on_ifp);
  // Delivers everything held, giving up the IFPs still missing before them.
  void flush(IfpSink on_ifp);
  // Forgets the stream (the next datagram starts a new one); stats are kept.
  void reset() noexcept;

  bool started() const noexcept { return started_; }
  uint16_t next_seq() const noexcept { return next_; }
  const ReceiverStats& stats() const noexcept { return stats_; }

 private:
  enum class State : uint8_t { empty, held, delivered };
  struct Slot {
    uint16_t seq = 0;
    uint16_t len = 0;
    State state = State::empty;
    std::array<uint8_t, kMaxIfp> data{};
  };

  Slot& slot(uint16_t seq) noexcept { return ring_[seq % kHistory]; }
  const Slot* find(uint16_t seq) const noexcept;  // the held or delivered IFP `seq`, if kept
  Slot& store(uint16_t seq, Bytes ifp) noexcept;
  void step(const IfpSink& sink);     // delivers or gives up next_, then advances
  void release(const IfpSink& sink);  // delivers what is ready, within the window
  void repair_from_fec(const UdptlPacket& p) noexcept;
  bool classify(const UdptlPacket& p, const IfpSink& sink);  // false: drop the datagram

  uint8_t window_;
  bool started_ = false;
  uint16_t next_ = 0;     // next IFP to deliver
  uint16_t highest_ = 0;  // newest IFP held or delivered (next_ - 1 when nothing is held)
  bool probing_ = false;  // a jump datagram is stashed, waiting for seq + 1
  uint16_t probe_seq_ = 0;
  uint16_t probe_len_ = 0;
  std::array<uint8_t, kMaxIfp> probe_{};
  ReceiverStats stats_;
  std::array<Slot, kHistory> ring_{};
};

}  // namespace rtpx::codecs::t38
