#pragma once
// The N sessions of a run: two local UDP sockets per session (side A and side B), the calls set
// up on the relay with offer/answer, and the two RTP streams per session that go through it.
// The sockets and streams live for the whole run; the calls are set up and deleted per round.
//
// Indexing: socket 2s is side A of session s, 2s+1 side B. Stream 2s goes A->B (sent from socket
// 2s, arrives on socket 2s+1), stream 2s+1 goes B->A. So socket x receives stream x ^ 1.

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tools/rtpload/media_loop.hpp"
#include "tools/rtpload/ng_client.hpp"
#include "tools/rtpload/options.hpp"
#include "tools/rtpload/rtp_wire.hpp"

namespace rtpload {

struct Stream {
  StreamWire wire;
  int send_fd = -1;
  sockaddr_in dst{};        // the relay's port for the sending side
  uint32_t next_index = 0;  // sender thread only
  // --transcode: the payloads this stream sends and its payload type; null: rtpload's own
  // self-checking packets (build_packet).
  const MediaLoop* media = nullptr;
  uint8_t pt = 0;
};

class SessionSet {
 public:
  SessionSet() = default;
  SessionSet(const SessionSet&) = delete;
  SessionSet& operator=(const SessionSet&) = delete;
  ~SessionSet();

  // Binds 2 * sessions sockets on 127.0.0.1: A at base + 4s, B at base + 4s + 2 (even RTP ports,
  // RTCP ports left free). Returns an error message, empty on success.
  std::string open_sockets(const Options& o);

  // offer + answer for every session; fills the streams' destinations from the relay's SDPs.
  // Each round uses new call-ids, so a relay's per-call state never carries over between rounds.
  std::string establish(NgClient& ng, int round, bool quiet);

  // delete for every call that was offered. Returns the number of failed deletes; the first
  // error message goes to `error`.
  int teardown(NgClient& ng, std::string& error);

  size_t sessions() const { return fds_.size() / 2; }
  // --srtp: the suite (empty: plain RTP), and the streams the sender sends: every stream, or
  // with --one-way / --srtp only the A->B ones (0, 2, 4, ...).
  const std::string& srtp_suite() const { return srtp_suite_; }
  size_t send_stride() const { return one_way_ ? 2 : 1; }
  // The keys the relay offered for what it sends to side B, per stream (raw master key + salt,
  // empty for plain streams), and a counter bumped each time establish() replaced them. The
  // receiver thread reads them under the lock when the counter moved.
  uint64_t srtp_key_generation() const { return key_gen_.load(std::memory_order_acquire); }
  std::vector<std::string> srtp_keys() const {
    std::lock_guard lock(keys_mu_);
    return rx_keys_;
  }
  // --transcode: the codec (empty: none), and the payload type the relay must send to socket x
  // (PCMU 0 to side A, the relay's offered payload type of the codec to side B). Set by
  // establish(), read by the receiver thread.
  const std::string& transcode() const { return transcode_; }
  uint8_t expected_pt(size_t sock) const { return rx_pt_[sock].load(std::memory_order_acquire); }
  const std::vector<int>& fds() const { return fds_; }
  std::vector<Stream>& streams() { return streams_; }
  const std::vector<Stream>& streams() const { return streams_; }

 private:
  std::string call_id(size_t s) const;

  std::vector<int> fds_;
  std::vector<uint16_t> ports_;
  std::vector<Stream> streams_;
  std::string run_id_;
  int round_ = 0;
  size_t offered_ = 0;  // sessions 0..offered_-1 exist on the relay
  std::string srtp_suite_;
  bool one_way_ = false;
  mutable std::mutex keys_mu_;
  std::vector<std::string> rx_keys_;  // guarded by keys_mu_
  std::atomic<uint64_t> key_gen_{0};
  std::string transcode_;
  MediaLoop loop_a_, loop_b_;                      // --transcode: A's PCMU, B's codec
  std::unique_ptr<std::atomic<uint8_t>[]> rx_pt_;  // per socket, see expected_pt()
};

}  // namespace rtpload
