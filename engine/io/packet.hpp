#pragma once
// One UDP datagram in flight through a shard. Packets live in a backend-owned pool:
// rx_burst hands them out, tx_burst or free_burst gives them back.

#include <cstdint>

#include "engine/net/sock_addr.hpp"

namespace rtpx::io {

// Identifies a socket inside one backend. The engine uses the endpoint slot number.
using SocketId = uint32_t;
inline constexpr SocketId kNoSocket = UINT32_MAX;

struct Packet {
  uint8_t* data = nullptr;      // first byte of the datagram
  uint32_t len = 0;             // bytes valid at data
  uint32_t cap = 0;             // bytes usable at data
  SocketId socket = kNoSocket;  // rx: socket it arrived on; tx: socket to send it from
  net::SockAddr addr;           // rx: source address; tx: destination address
  uint32_t buf_id = 0;          // backend-private buffer index
};

}  // namespace rtpx::io
