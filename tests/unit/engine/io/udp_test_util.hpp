#pragma once
// Plain UDP sockets on 127.0.0.1 for backend tests, and a helper that drives a backend's
// wait()/rx_burst() until it has collected some packets.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/io_backend.hpp"

namespace rtpx::io::test {

// A kernel sockaddr_in as the engine's address type.
inline net::SockAddr to_sock_addr(const sockaddr_in& a) {
  net::SockAddr s;
  std::memcpy(&s.u.v4, &a, sizeof a);
  return s;
}

// A UDP socket bound to 127.0.0.1 on a kernel-chosen port.
class UdpSocket {
 public:
  explicit UdpSocket(bool nonblocking = false) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);  // every later call then fails visibly
      fd_ = -1;
    }
    if (!nonblocking) {
      timeval tv{2, 0};  // a lost datagram fails the test instead of hanging it
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    int big = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  ~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  // Hands the descriptor to a backend.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  sockaddr_in addr() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return a;
  }
  uint16_t port() const { return ntohs(addr().sin_port); }

  bool send_to(const sockaddr_in& to, std::string_view bytes) const {
    return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                    sizeof to) == static_cast<ssize_t>(bytes.size());
  }
  // One datagram, or an empty string after the receive timeout. *from gets the source.
  std::string recv(sockaddr_in* from = nullptr) const {
    char buf[65536];
    sockaddr_in src{};
    socklen_t len = sizeof src;
    ssize_t n;
    do {
      n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &len);
    } while (n < 0 && errno == EINTR);  // an io_uring torn down on this thread interrupts once
    if (from != nullptr) *from = src;
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_ = -1;
};

inline std::string_view payload(const Packet& p) {
  return {reinterpret_cast<const char*>(p.data), p.len};
}

// Receives until `want` packets are held or `timeout` passes. Packets stay with the caller.
inline std::vector<Packet*> collect(IoBackend& b, size_t want,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  std::vector<Packet*> got;
  std::vector<Packet*> out(want);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    size_t n = b.rx_burst(std::span<Packet*>(out.data(), want - got.size()));
    got.insert(got.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(n));
    if (n == 0) b.wait(20);
  }
  return got;
}

}  // namespace rtpx::io::test
