#pragma once
// Control-plane requests to a shard, applied between bursts in the order they were posted.

#include <cstdint>

#include "engine/io/packet.hpp"
#include "engine/session/endpoint.hpp"

namespace rtpx::engine {

struct ShardCommand {
  enum class Op : uint8_t {
    add,     // start receiving on fd (a bound non-blocking UDP socket) as endpoint `id`
    update,  // replace the endpoint's configuration, keeping its latch and counters
    remove,  // stop receiving, close the socket, deactivate the endpoint
    barrier  // nothing: lets the poster wait until everything before it is applied
  };
  Op op = Op::barrier;
  io::SocketId id = io::kNoSocket;
  int fd = -1;
  EndpointConfig cfg;
};

}  // namespace rtpx::engine
