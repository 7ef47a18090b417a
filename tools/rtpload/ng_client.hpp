#pragma once
// A blocking rtpengine ng protocol client over UDP: one request at a time, "<cookie> <bencode>"
// framing, retransmission of the same datagram (same cookie) on timeout as Kamailio does, so the
// relay can answer a retransmission from its reply cache.

#include <cstdint>
#include <string>

#include "control/ng/bencode.hpp"

namespace rtpload {

struct NgReply {
  bool ok = false;       // a reply arrived and its "result" is not "error"
  std::string error;     // transport failure or the relay's "error-reason"
  rtpx::ng::Value dict;  // the decoded reply when one arrived
  int retransmissions = 0;
};

class NgClient {
 public:
  NgClient() = default;
  NgClient(const NgClient&) = delete;
  NgClient& operator=(const NgClient&) = delete;
  ~NgClient();

  // addr is "ipv4:port". Returns an error message, empty on success.
  std::string open(const std::string& addr, int timeout_ms, int retries);

  // Sends one request dict and waits for the reply carrying its cookie.
  NgReply request(const rtpx::ng::Value& dict);

  uint64_t requests() const { return counter_; }
  uint64_t retransmissions() const { return retrans_total_; }

 private:
  int fd_ = -1;
  int timeout_ms_ = 1000;
  int retries_ = 5;
  std::string cookie_prefix_;
  uint64_t counter_ = 0;
  uint64_t retrans_total_ = 0;
};

}  // namespace rtpload
