#pragma once
// Starts a real rtpxd process on private listeners (temp control socket, ng on an ephemeral
// loopback port) and gives tests a control client, an ng client and UDP "phones".

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "control/client/control_client.hpp"
#include "control/ng/bencode.hpp"
#include "engine/net/sock_addr.hpp"

namespace rtpx::test {

struct DaemonArgs {
  std::string backend = "epoll";
  int threads = 1;
  int timeout = 60;
  std::vector<std::string> extra;  // more flags
  uint16_t port_min = 0;           // 0: a per-process range of port_count ports
  uint16_t port_count = 40;
};

class DaemonProcess {
 public:
  explicit DaemonProcess(const DaemonArgs& args);
  ~DaemonProcess();

  // SIGTERM and wait; returns the exit status (0 for a clean exit). Idempotent.
  int stop();
  bool alive();

  client::ControlClient& control() { return control_; }
  const std::string& socket_path() const { return socket_; }
  const std::string& ng_address() const { return ng_; }
  uint16_t port_min() const { return port_min_; }

  // One ng request/reply over UDP with a fresh cookie (or the given one).
  ng::Value ng(const ng::Value& request, const std::string& cookie = {});
  // Raw datagram exchange; empty string on timeout.
  std::string ng_raw(const std::string& datagram, int timeout_ms = 2000);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string dir_;
  std::string socket_;
  std::string ng_;
  uint16_t port_min_ = 0;
  int ng_fd_ = -1;
  int cookie_ = 0;
  client::ControlClient control_;
};

// A UDP endpoint standing in for a phone, on 127.0.0.1 or another local address ("::1").
class Phone {
 public:
  explicit Phone(const std::string& ip = "127.0.0.1");
  ~Phone();
  Phone(const Phone&) = delete;
  Phone& operator=(const Phone&) = delete;

  uint16_t port() const { return local_.port(); }
  const net::SockAddr& local() const { return local_; }
  void send_to(const net::SockAddr& to, const std::vector<uint8_t>& bytes) const;
  // Waits up to timeout_ms for one datagram; empty on timeout. *from gets the source.
  std::vector<uint8_t> recv(int timeout_ms, net::SockAddr* from = nullptr) const;
  // Drains whatever arrives within timeout_ms.
  std::vector<std::vector<uint8_t>> recv_all(int timeout_ms) const;

 private:
  int fd_ = -1;
  net::SockAddr local_;
};

// A string field of an ng reply, or "<missing KEY>" (so a failed expectation says what was absent).
std::string ng_str(const ng::Value& v, const char* key);

// A 172-byte PCMU RTP packet with a payload derived from seq (so corruption shows).
std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t seq, uint8_t pt = 0);
// A minimal RTCP receiver report (8 bytes).
std::vector<uint8_t> rtcp_rr(uint32_t ssrc);
// An audio offer for a phone at 127.0.0.1:port.
std::string audio_sdp(uint16_t port, bool rtcp_mux = false,
                      const std::string& origin_ip = "127.0.0.1");
// An audio offer for `phone`, IPv4 or IPv6 (o= and c= name its address).
std::string audio_sdp_for(const Phone& phone);
// The address rtpxd wants the recipient of `sdp` to send media to (first m= line), and a=rtcp.
net::SockAddr media_address(const std::string& sdp, size_t media_index = 0);
net::SockAddr rtcp_address(const std::string& sdp, size_t media_index = 0);

}  // namespace rtpx::test
