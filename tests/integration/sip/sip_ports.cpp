#include "tests/integration/sip/sip_ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace rtpx::test::sip {
namespace {

constexpr int kBlocks = 60;
constexpr int kBlockSize = 32;
constexpr int kFirstPort = 63584;

}  // namespace

bool port_taken(const Endpoint& e, int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  ::inet_pton(AF_INET, e.ip.c_str(), &a.sin_addr);
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  ::close(fd);
  return taken;
}

SipPorts::SipPorts() {
  const int first = static_cast<int>(static_cast<unsigned>(::getpid()) % kBlocks);
  for (int i = 0; i < kBlocks && lock_ < 0; ++i) {
    const int b = (first + i) % kBlocks;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    const std::string name = "rtpx-sip-test-ports-" + std::to_string(b);
    std::memcpy(sun.sun_path + 1, name.data(), name.size());  // abstract: leading NUL
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sun), len) != 0) {
      if (fd >= 0) ::close(fd);
      continue;  // another test process holds this block
    }
    const int base = kFirstPort + b * kBlockSize;
    auto at = [&](const char* ip, int offset) {
      return Endpoint{ip, static_cast<uint16_t>(base + offset)};
    };
    internal = at(kRtpxIp, 0);
    external = at(kRtpxIp, 1);
    internal_tls = at(kRtpxIp, 9);
    wavix = at(kWavixIp, 2);
    wavix_fo = at(kWavixFoIp, 3);
    wavix_ip = at(kWavixIpIp, 4);
    did = at(kWavixIp, 5);
    phone_register = at(kPhoneIp, 6);
    phone_uas = at(kPhoneIp, 7);
    phone_uac = at(kPhoneIp, 8);
    // Media: sipp uses the port and the 3 above it (RTCP, video).
    wavix_media = at(kWavixIp, 12);
    wavix_fo_media = at(kWavixFoIp, 16);
    did_media = at(kWavixIp, 20);
    phone_uas_media = at(kPhoneIp, 24);
    phone_uac_media = at(kPhoneIp, 28);
    probe_media = at(kPhoneIp, 10);
    std::vector<Endpoint> udp = {
        internal,        external,        wavix,      wavix_fo,    wavix_ip,       did,
        phone_register,  phone_uas,       phone_uac,  wavix_media, wavix_fo_media, did_media,
        phone_uas_media, phone_uac_media, probe_media};
    bool free = true;
    for (const Endpoint& e : udp) free = free && !port_taken(e, SOCK_DGRAM);
    // sofia also listens on TCP.
    free = free && !port_taken(internal, SOCK_STREAM) && !port_taken(external, SOCK_STREAM) &&
           !port_taken(internal_tls, SOCK_STREAM);
    if (!free) {
      ::close(fd);
      continue;
    }
    lock_ = fd;
    block = b;
    relay_min = static_cast<uint16_t>(40000 + (b % 10) * 2048);
    relay_max = static_cast<uint16_t>(relay_min + 2047);
  }
  if (lock_ < 0) throw std::runtime_error("no free block of SIP test ports");
}

SipPorts::~SipPorts() {
  if (lock_ >= 0) ::close(lock_);
}

}  // namespace rtpx::test::sip
