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

 private:
  // Per received stream: sliding window over packet indices for order and duplicate checks.
  struct Track {
    static constexpr uint32_t kWindow = 1024;
    bool started = false;
    uint32_t highest = 0;
    uint64_t bits[kWindow / 64] = {};
  };

  void run();
  void handle(size_t sock, const uint8_t* pkt, size_t len, uint64_t now_ns);

  const SessionSet& set_;
  std::vector<StreamWire> wires_;
  std::vector<Track> tracks_;
  std::vector<std::unique_ptr<EpochStats>> stats_;
  Counter unattributed_;
  Counter total_received_;
  Counter datagrams_;
  int epfd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rtpload
