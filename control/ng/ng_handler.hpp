#pragma once
// One ng request text in, its reply text out, whatever carried it: "<cookie> <dict>" is decoded
// and dispatched, and the reply is cached per cookie so a client's retransmission gets the same
// reply instead of running the command twice (rtpengine does the same).

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "control/daemon/daemon_context.hpp"

namespace rtpx::ng {

class NgHandler {
 public:
  explicit NgHandler(control::DaemonContext& ctx) : ctx_(ctx) {}

  // The reply ("<cookie> <dict>"), or empty when the message has no cookie to answer to.
  std::string handle(std::string_view message);
  // A bare bencoded dict in, the bare reply dict out (no cookie, so no retransmission cache).
  std::string handle_bare(std::string_view dict);
  uint64_t retransmissions() const noexcept { return retransmissions_; }
  // After a batch of messages: lets the shards apply what the batch changed.
  void flush() { ctx_.sessions.flush(); }

 private:
  void expire_cache();

  control::DaemonContext& ctx_;
  struct Cached {
    std::string reply;
    std::chrono::steady_clock::time_point at;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::deque<std::string> cache_order_;
  size_t cache_bytes_ = 0;  // cookies + replies held
  uint64_t retransmissions_ = 0;
};

}  // namespace rtpx::ng
