#pragma once
// The SIP stack's own thread: a sofia su_root that runs until stopped. Everything SIP (nua
// handles, calls, registrations) lives on this thread; other threads hand it work with post().

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class SipLoop {
 public:
  SipLoop();
  ~SipLoop();
  SipLoop(const SipLoop&) = delete;
  SipLoop& operator=(const SipLoop&) = delete;

  // Starts the thread; `init` runs on it first (throws: start() rethrows here).
  void start(std::function<void()> init);
  // Any thread: runs fn on the loop thread, in order.
  void post(std::function<void()> fn);
  // From the loop thread: leave su_root_run once the current callback returns.
  void quit();
  // Waits for the thread to end (after quit()).
  void join();

  su_root_t* root() const { return root_; }
  bool on_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  static int on_wake(SipLoop* self, su_wait_t* w, void* arg);
  void drain();

  std::thread thread_;
  su_root_t* root_ = nullptr;
  int wake_fd_ = -1;
  su_wait_t wait_{};
  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
};

}  // namespace rtpx::sip
