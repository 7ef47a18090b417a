#pragma once
// The addresses of one SIP end-to-end test (the topology of the sip plugin's contract, all on
// loopback): rtpx's profiles on 127.0.0.1, trunk wavix at 127.0.0.2, wavix_fo at 127.0.0.3,
// wavix_ip at 127.0.0.4, the phones at 127.0.0.10 (and, for some tests, other senders: kUnknownIp,
// kFlooderIp, kBadInputIp, using the block's port numbers).
//
// Ports come from one of 60 blocks of 32 (63584-65503, above the kernel's ephemeral range and
// the Kamailio test's 61000-63559) so parallel ctest runs do not collide. A block is claimed by
// binding an abstract unix socket named after it (freed by the kernel however the process dies)
// and skipped when any of its ports is taken. rtpxd's media range is 2048 ports in 40000-60479,
// shared with other suites: its allocator skips ports something else holds. sipp's media ports
// are in the block, outside every relay range.

#include <cstdint>
#include <string>

namespace rtpx::test::sip {

inline constexpr const char* kRtpxIp = "127.0.0.1";
inline constexpr const char* kWavixIp = "127.0.0.2";
inline constexpr const char* kWavixFoIp = "127.0.0.3";
inline constexpr const char* kWavixIpIp = "127.0.0.4";
inline constexpr const char* kPhoneIp = "127.0.0.10";
// Senders no gateway is configured for: an unknown caller on the external profile, the source of
// a REGISTER flood, the source of malformed datagrams.
inline constexpr const char* kUnknownIp = "127.0.0.5";
inline constexpr const char* kFlooderIp = "127.0.0.20";
inline constexpr const char* kBadInputIp = "127.0.0.30";

struct Endpoint {
  std::string ip;
  uint16_t port = 0;
  std::string str() const { return ip + ":" + std::to_string(port); }
};

// True when something holds the address (a bind of the same type fails).
bool port_taken(const Endpoint& e, int type /* SOCK_DGRAM or SOCK_STREAM */);

class SipPorts {
 public:
  SipPorts();  // throws when no block is free
  ~SipPorts();
  SipPorts(const SipPorts&) = delete;
  SipPorts& operator=(const SipPorts&) = delete;

  // rtpx (the sip plugin's profiles).
  Endpoint internal, external;
  Endpoint internal_tls;  // the internal profile's TLS port, when a test turns TLS on
  // sipp: trunks (SIP and media), the DID caller on the wavix address, the phones.
  Endpoint wavix, wavix_fo, wavix_ip, did;
  Endpoint wavix_media, wavix_fo_media, did_media;
  Endpoint phone_register, phone_uas, phone_uac;
  Endpoint phone_uas_media, phone_uac_media;
  // A media address of the phones' host that the test itself listens on (UdpProbe): what rtpxd
  // sends a phone, counted by the test.
  Endpoint probe_media;
  uint16_t relay_min = 0, relay_max = 0;
  int block = -1;

 private:
  int lock_ = -1;
};

}  // namespace rtpx::test::sip
