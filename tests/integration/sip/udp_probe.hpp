#pragma once
// A UDP socket a SIP test listens on, sends from, or both: where rtpxd sends a phone's media
// (to count what arrives, and from where), the address of a gateway that must receive nothing,
// or the source of datagrams no SIP stack should choke on.

#include <string>
#include <vector>

#include "tests/integration/sip/sip_ports.hpp"
#include "tests/integration/sip/test_process.hpp"

namespace rtpx::test::sip {

struct Datagram {
  std::string from;  // "ip:port"
  std::string data;
  Clock::time_point at;
};

class UdpProbe {
 public:
  // Binds `at`; throws std::runtime_error when it cannot.
  explicit UdpProbe(const Endpoint& at);
  ~UdpProbe() { close(); }
  UdpProbe(const UdpProbe&) = delete;
  UdpProbe& operator=(const UdpProbe&) = delete;

  const Endpoint& at() const { return at_; }
  // Every datagram that arrives within `wait` (0: only what is queued already), appended to out.
  // Returns how many were appended.
  size_t receive(std::vector<Datagram>& out, milliseconds wait);
  // Sends one datagram; false when the kernel refused it (e.g. too long).
  bool send_to(const Endpoint& to, const std::string& data);
  void close();

 private:
  Endpoint at_;
  int fd_ = -1;
};

}  // namespace rtpx::test::sip
