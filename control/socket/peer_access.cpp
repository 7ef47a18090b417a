#include "control/socket/peer_access.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

namespace rtpx::control {
namespace {

std::optional<unsigned> number(const std::string& s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<PeerAccess> resolve_peer_access(const std::string& user, const std::string& group) {
  PeerAccess a;
  if (!user.empty()) {
    if (auto n = number(user)) {
      a.user = static_cast<uid_t>(*n);
    } else if (const passwd* pw = ::getpwnam(user.c_str())) {
      a.user = pw->pw_uid;
    } else {
      return bad_field("control.allow_user", "no such user '" + user + "'");
    }
  }
  if (!group.empty()) {
    if (auto n = number(group)) {
      a.group = static_cast<gid_t>(*n);
    } else if (const struct group* gr = ::getgrnam(group.c_str())) {
      a.group = gr->gr_gid;
    } else {
      return bad_field("control.allow_group", "no such group '" + group + "'");
    }
  }
  return a;
}

std::optional<PeerCredentials> peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
  PeerCredentials p{cred.pid, cred.uid, cred.gid, {}};
  std::vector<gid_t> groups(64);
  len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0 && errno == ERANGE) {
    groups.resize(len / sizeof(gid_t));
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0) len = 0;
  }
  groups.resize(len / sizeof(gid_t));
  p.groups = std::move(groups);
  return p;
}

bool peer_allowed(const PeerAccess& access, const PeerCredentials& peer) {
  if (peer.uid == 0 || peer.uid == ::geteuid()) return true;
  if (access.user && peer.uid == *access.user) return true;
  if (access.group) {
    if (peer.gid == *access.group) return true;
    if (std::find(peer.groups.begin(), peer.groups.end(), *access.group) != peer.groups.end())
      return true;
  }
  return false;
}

std::string describe_peer(const PeerCredentials& peer) {
  return "uid " + std::to_string(peer.uid) + " (gid " + std::to_string(peer.gid) + ", pid " +
         std::to_string(peer.pid) + ")";
}

}  // namespace rtpx::control

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>

namespace rtpx::control {
namespace {

struct Refused : std::enable_shared_from_this<Refused> {
  explicit Refused(boost::asio::local::stream_protocol::socket s)
      : sock(std::move(s)), timer(sock.get_executor()) {}
  void drain() {
    auto self = shared_from_this();
    sock.async_read_some(boost::asio::buffer(sink), [self](boost::system::error_code ec, size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }
  void close() {
    boost::system::error_code ignored;
    timer.cancel();
    sock.close(ignored);
  }
  boost::asio::local::stream_protocol::socket sock;
  boost::asio::steady_timer timer;
  std::array<char, 4096> sink{};
  std::string reply;
};

}  // namespace

void refuse_peer(boost::asio::local::stream_protocol::socket sock, std::string reply) {
  auto r = std::make_shared<Refused>(std::move(sock));
  r->reply = std::move(reply);
  boost::asio::async_write(r->sock, boost::asio::buffer(r->reply),
                           [r](boost::system::error_code ec, size_t) {
                             if (ec) return r->close();
                             boost::system::error_code ignored;
                             r->sock.shutdown(boost::asio::socket_base::shutdown_send, ignored);
                             r->timer.expires_after(std::chrono::seconds(2));
                             r->timer.async_wait([r](boost::system::error_code tec) {
                               if (!tec) r->close();
                             });
                             r->drain();
                           });
}

}  // namespace rtpx::control
