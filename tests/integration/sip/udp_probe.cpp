#include "tests/integration/sip/udp_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rtpx::test::sip {
namespace {

sockaddr_in to_sockaddr(const Endpoint& e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  if (::inet_pton(AF_INET, e.ip.c_str(), &a.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + e.ip);
  return a;
}

}  // namespace

UdpProbe::UdpProbe(const Endpoint& at) : at_(at) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const sockaddr_in a = to_sockaddr(at);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const int err = errno;
    close();
    throw std::runtime_error("bind " + at.str() + ": " + std::strerror(err));
  }
}

size_t UdpProbe::receive(std::vector<Datagram>& out, milliseconds wait) {
  if (fd_ < 0) return 0;
  const size_t before = out.size();
  const auto deadline = Clock::now() + wait;
  std::string buf(65536, '\0');
  for (;;) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n =
        ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n >= 0) {
      char ip[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
      out.push_back({std::string(ip) + ":" + std::to_string(ntohs(from.sin_port)),
                     buf.substr(0, static_cast<size_t>(n)), Clock::now()});
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) continue;  // e.g. ICMP errors reported here
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left));
  }
  return out.size() - before;
}

bool UdpProbe::send_to(const Endpoint& to, const std::string& data) {
  if (fd_ < 0) return false;
  const sockaddr_in a = to_sockaddr(to);
  return ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                  sizeof a) == static_cast<ssize_t>(data.size());
}

void UdpProbe::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace rtpx::test::sip
