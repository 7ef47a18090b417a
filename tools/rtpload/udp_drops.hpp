#pragma once
// Where packets were lost: the kernel's per-socket drop counters (receive queue full) from
// /proc/net/udp, summed over the harness's sockets or over the relay process's sockets. Loss
// that shows up in the harness's own sockets is the harness's fault, not the relay's.

#include <cstdint>
#include <vector>

namespace rtpload {

// Socket inodes of our own descriptors.
std::vector<uint64_t> socket_inodes_of_fds(const std::vector<int>& fds);

// Socket inodes held open by process `pid` (from /proc/<pid>/fd); empty when unreadable.
std::vector<uint64_t> socket_inodes_of_pid(int pid);

// Sum of the "drops" column of /proc/net/udp and /proc/net/udp6 over the sockets in `inodes`.
uint64_t udp_drops(const std::vector<uint64_t>& inodes);

}  // namespace rtpload
