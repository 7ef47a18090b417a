#pragma once
// The per-packet relay decision: validate, latch, count, pick the output socket and address.
// Pure function of the endpoint table and the packet; the shard calls it for every packet of a
// burst. noexcept, no allocation, no locks.

#include <cstdint>
#include <optional>

#include "engine/ice/stun.hpp"
#include "engine/io/packet.hpp"
#include "engine/session/endpoint.hpp"

namespace rtpx::engine {

struct EndpointTable {
  Endpoint* slots = nullptr;
  uint32_t size = 0;
};

// Takes the DTLS handshake datagrams (RFC 7983: first byte 20..63) that arrive on endpoints with
// a DTLS association: the shard, which can send the association's answers and install its keys.
class DtlsSink {
 public:
  virtual void on_dtls(Endpoint& e, const io::Packet& p, int64_t now_ns) noexcept = 0;

 protected:
  ~DtlsSink() = default;
};

// Takes the RTP of endpoints whose party's stream is transcoded (EndpointConfig::transcode): the
// shard's transcoding stage, which sends the re-encoded stream from socket `out`.
class TranscodeSink {
 public:
  virtual void on_media(Endpoint& e, io::SocketId out, const io::Packet& p) noexcept = 0;
  // The party's own RTCP (decrypted), absorbed: its sender reports feed rtpx's report blocks.
  virtual void on_rtcp(Endpoint& e, const io::Packet& p) noexcept = 0;

 protected:
  ~TranscodeSink() = default;
};

// Takes what arrives on endpoints that feed a T.38 gateway (EndpointConfig::fax): the RTP of the
// audio leg's party, the UDPTL of the T.38 leg's party (an `opaque` endpoint). The shard's fax
// stage, which sends the gateway's output for the other party from the endpoint's `forward_to`.
class FaxSink {
 public:
  virtual void on_fax(Endpoint& e, const io::Packet& p) noexcept = 0;

 protected:
  ~FaxSink() = default;
};

// Where relay_one hands what it does not relay itself; a null sink drops that kind of packet.
struct RelaySinks {
  StunResponder* stun = nullptr;
  DtlsSink* dtls = nullptr;
  TranscodeSink* transcode = nullptr;
  FaxSink* fax = nullptr;
};

// RFC 7983 section 7: a first byte of 20..63 is DTLS.
inline bool looks_like_dtls(const io::Packet& p) noexcept {
  return p.len >= 13 && p.data[0] >= 20 && p.data[0] <= 63;
}

// Returns nullopt when the packet is rewritten for sending (p->socket and p->addr now name the
// output socket and destination), or the reason it must be dropped. With a STUN responder, ICE
// connectivity checks to endpoints that have credentials are answered: the packet becomes the
// response, sent back from the socket it arrived on. SRTP from a party whose endpoint has keys is
// authenticated and decrypted before anything else looks at it, and what leaves towards a party
// with keys is encrypted; with a DTLS sink, DTLS datagrams go to the endpoint's association
// (then the packet is dropped as `absorbed`, its bytes consumed). RTP of a transcoded stream goes
// to the transcode sink, its RTCP nowhere (both `absorbed`, once counted and latched). On an
// `opaque` endpoint (UDPTL), datagrams are relayed unparsed and latched by address alone. What
// feeds a fax gateway goes to the fax sink (`absorbed`).
std::optional<DropReason> relay_one(EndpointTable table, io::Packet* p, int64_t now_ns,
                                    const RelaySinks& sinks = {}) noexcept;

}  // namespace rtpx::engine
