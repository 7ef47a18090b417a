#include "plugins/sip/sip_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <exception>
#include <future>
#include <stdexcept>

namespace rtpx::sip {

SipLoop::SipLoop() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("sip: eventfd failed");
}

SipLoop::~SipLoop() {
  join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void SipLoop::start(std::function<void()> init) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, init = std::move(init), &ready] {
    su_init();
    root_ = su_root_create(this);
    if (root_ == nullptr) {
      su_deinit();
      ready.set_exception(
          std::make_exception_ptr(std::runtime_error("sip: su_root_create failed")));
      return;
    }
    su_root_threading(root_, 0);  // nua runs in this thread, no stack thread of its own
    su_wait_create(&wait_, wake_fd_, SU_WAIT_IN);
    su_root_register(root_, &wait_, &SipLoop::on_wake, nullptr, 0);
    try {
      init();
    } catch (...) {
      su_root_destroy(root_);
      root_ = nullptr;
      su_deinit();
      ready.set_exception(std::current_exception());
      return;
    }
    ready.set_value();
    su_root_run(root_);
    drain();  // work posted during shutdown still runs (it may free things)
    su_root_unregister(root_, &wait_, &SipLoop::on_wake, nullptr);
    su_root_destroy(root_);
    root_ = nullptr;
    su_deinit();
  });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

void SipLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
  }
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

int SipLoop::on_wake(SipLoop* self, su_wait_t*, void*) {
  uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(self->wake_fd_, &count, sizeof count);
  self->drain();
  return 0;
}

void SipLoop::drain() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(mutex_);
    work.swap(queue_);
  }
  for (auto& fn : work) fn();
}

void SipLoop::quit() {
  if (root_) su_root_break(root_);
}

void SipLoop::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace rtpx::sip
