#pragma once
// Who may use rtpxd's UNIX sockets (control socket, ng UNIX listener): the peer's credentials
// from the kernel (SO_PEERCRED, SO_PEERGROUPS) against the configured user and group. root and
// rtpxd's own user are always allowed; so is the configured user, and any member of the
// configured group (primary or supplementary). The socket file mode (0660) is the first fence,
// this is the second: it also holds when the file mode is opened up or the directory is shared.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "control/core/result.hpp"

namespace rtpx::control {

struct PeerAccess {
  std::optional<uid_t> user;
  std::optional<gid_t> group;
};

// Names or numbers; empty strings mean "not configured". Errors name the config key.
Result<PeerAccess> resolve_peer_access(const std::string& user, const std::string& group);

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, when the kernel reports them
};

// The credentials of the process at the other end of a connected UNIX socket.
std::optional<PeerCredentials> peer_credentials(int fd);

bool peer_allowed(const PeerAccess& access, const PeerCredentials& peer);

// "uid 1000 (gid 1000, pid 4242)" for logs and error replies.
std::string describe_peer(const PeerCredentials& peer);

}  // namespace rtpx::control

#include <boost/asio/local/stream_protocol.hpp>

namespace rtpx::control {

// Sends `reply` to a refused peer and closes the connection without losing the reply: the
// write side is shut (the peer reads the reply, then EOF) and whatever the peer had already sent
// is read and dropped until it closes (at most 2 s), because closing a UNIX socket with unread
// input resets the connection and the peer may never see the reply.
void refuse_peer(boost::asio::local::stream_protocol::socket sock, std::string reply);

}  // namespace rtpx::control
