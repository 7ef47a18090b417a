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

// Returns nullopt when the packet is rewritten for sending (p->socket and p->addr now name the
// output socket and destination), or the reason it must be dropped. With a STUN responder, ICE
// connectivity checks to endpoints that have credentials are answered: the packet becomes the
// response, sent back from the socket it arrived on.
std::optional<DropReason> relay_one(EndpointTable table, io::Packet* p, int64_t now_ns,
                                    StunResponder* stun = nullptr) noexcept;

}  // namespace rtpx::engine
