#pragma once
// Runs tests/integration/srtp/dtls_srtp_peer as a child process and speaks its stdin/stdout
// protocol (see the comment at the top of dtls_srtp_peer.cpp): start it, read where it listens
// and its fingerprint, tell it the remote, then collect its JSON result.

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rtpx::test {

class DtlsSrtpPeerProcess {
 public:
  // Starts `peer_path` with `args` (e.g. {"--role", "passive", "--send", "50"}; --bind defaults
  // to 127.0.0.1:0) and waits for its READY line. Check ready() afterwards.
  DtlsSrtpPeerProcess(const std::string& peer_path, std::vector<std::string> args);
  ~DtlsSrtpPeerProcess();  // kills the child if it still runs
  DtlsSrtpPeerProcess(const DtlsSrtpPeerProcess&) = delete;
  DtlsSrtpPeerProcess& operator=(const DtlsSrtpPeerProcess&) = delete;

  bool ready() const { return !address_.empty(); }
  const std::string& address() const { return address_; }          // "127.0.0.1:40012"
  const std::string& fingerprint() const { return fingerprint_; }  // "sha-256 AB:..."

  // Sends "REMOTE <address> <fingerprint>" (an empty fingerprint accepts any certificate).
  void set_remote(const std::string& address, const std::string& fingerprint);
  // Waits for the JSON line and the exit; null JSON when none came before `timeout_ms`.
  nlohmann::json wait_result(int timeout_ms);
  int exit_code() const { return exit_code_; }  // -1 until wait_result() saw the exit

 private:
  bool read_line(std::string* line, int timeout_ms);
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffered_;
  std::string address_;
  std::string fingerprint_;
  int exit_code_ = -1;
};

}  // namespace rtpx::test
