#pragma once
// A real rtpengine (userspace only, no kernel table) on a per-process port range, with an ng
// client. The child gets PR_SET_PDEATHSIG so it dies with the test even on a crash.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "control/ng/bencode.hpp"

namespace rtpx::test {

class RtpengineProcess {
 public:
  // The binary: $RTPENGINE if set, else the first `rtpengine` on PATH; nullopt when absent.
  static std::optional<std::string> find_binary();
  // `--version` output, first line (for the report).
  static std::string version(const std::string& binary);

  // Starts rtpengine with one --interface per entry and waits until it answers ping.
  // Throws std::runtime_error (with the tail of its log) when it cannot be started.
  RtpengineProcess(const std::string& binary, const std::vector<std::string>& interfaces);
  ~RtpengineProcess();
  RtpengineProcess(const RtpengineProcess&) = delete;
  RtpengineProcess& operator=(const RtpengineProcess&) = delete;

  // One request/reply; throws std::runtime_error on timeout or an undecodable reply.
  ng::Value ng(const ng::Value& request, int timeout_ms = 2000);
  void stop();
  bool alive();
  std::string log_tail(size_t max_bytes = 2000) const;
  uint16_t port_min() const { return port_min_; }
  uint16_t ng_port() const { return ng_port_; }  // on 127.0.0.1

 private:
  bool start(const std::string& binary, const std::vector<std::string>& interfaces, int attempt);
  std::optional<std::string> exchange(const std::string& datagram, int timeout_ms);

  pid_t pid_ = -1;
  int fd_ = -1;
  uint16_t port_min_ = 0;
  uint16_t ng_port_ = 0;
  int cookie_ = 0;
  std::string log_;
};

}  // namespace rtpx::test
