#pragma once
// Sends a packet rtpx made itself (a transcoder's or a fax gateway's output, an RTCP report) to the
// party of one endpoint, from that endpoint's socket: to the latched address, else the signaled
// one, SRTP/SRTCP-protected when the party uses SRTP. Shard thread; no allocation.

#include <cstdint>

#include "engine/io/io_backend.hpp"
#include "engine/session/relay_path.hpp"

namespace rtpx::engine {

enum class SendOutcome : uint8_t { sent, no_destination, srtp_error, tx_error };

// `buf` holds `len` bytes and has room for `cap` (the SRTP trailer is appended in place).
SendOutcome send_to_party(io::IoBackend& backend, EndpointTable table, io::SocketId out,
                          uint8_t* buf, uint32_t len, uint32_t cap, bool rtcp) noexcept;

}  // namespace rtpx::engine
