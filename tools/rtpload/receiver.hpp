#pragma once
// The receiver thread: epoll over every harness socket, recvmmsg bursts, and per packet a check
// that it is intact, on the right socket, in order and new, plus its one-way latency. Results go
// to the EpochStats block named by the packet's epoch byte.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "tools/rtpload/load_stats.hpp"
#include "tools/rtpload/session_set.hpp"
#include "tools/rtpload/srtp_keys.hpp"

namespace rtpload {

class Receiver {
 public:
  explicit Receiver(const SessionSet& set);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Returns an error message, empty on success.
  std::string start();
  void stop();

  const EpochStats& epoch(int e) const { return *stats_[static_cast<size_t>(e)]; }
  // Packets too short or with an impossible epoch byte: corrupted, but not attributable to a
  // measurement.
  uint64_t unattributed() const { return unattributed_.get(); }
  // Intact first copies of any epoch (for rates over a time window) and every datagram read.
  uint64_t total_received() const { return total_received_.get(); }
  uint64_t datagrams() const { return datagrams_.get(); }
  // --srtp: packets libsrtp2 rejected (authentication, replay); also counted in unattributed().
  uint64_t srtp_failures() const { return srtp_failures_.get(); }
  // --srtp: the error of the last key change, empty when fine. Valid after stop().
  const std::string& srtp_error() const { return srtp_error_; }
  // --transcode: what arrives cannot name its epoch (the relay re-encodes the payload), so it is
  // counted in this one, which the step runner sets before it sends the step's first packet.
  // A new epoch also restarts each stream's sequence tracking (new calls, new relay SSRCs).
  void set_media_epoch(int e) { media_epoch_.store(e, std::memory_order_release); }
  // --transcode: packets received of stream s so far, all epochs (a step takes the difference).
  uint64_t media_received(size_t stream) const { return media_received_[stream].get(); }

 private:
  // Per received stream: sliding window over packet indices for order and duplicate checks.
  struct Track {
    static constexpr uint32_t kWindow = 1024;
    bool started = false;
    uint32_t highest = 0;
    uint64_t bits[kWindow / 64] = {};
    int epoch = -1;  // --transcode: the epoch the track's sequence belongs to
    // Marks packet index `idx` seen and counts it out of order when a later one came first;
    // false (and counted) for a duplicate.
    bool admit(uint32_t idx, EpochStats& st);
  };

  void run();
  void handle(size_t sock, uint8_t* pkt, size_t len, uint64_t now_ns);
  void handle_media(size_t sock, const uint8_t* pkt, size_t len);
  void check_srtp_keys();

  const SessionSet& set_;
  std::vector<StreamWire> wires_;
  std::vector<Track> tracks_;
  std::vector<std::unique_ptr<EpochStats>> stats_;
  Counter unattributed_;
  Counter total_received_;
  Counter datagrams_;
  Counter srtp_failures_;
  SrtpInbound srtp_;  // --srtp: receiver thread only
  uint64_t srtp_gen_ = 0;
  std::string srtp_error_;
  int epfd_ = -1;
  std::atomic<int> media_epoch_{0};
  std::unique_ptr<Counter[]> media_received_;  // per stream
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rtpload
