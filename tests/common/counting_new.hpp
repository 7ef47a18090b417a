#pragma once
// Counts the test executable's heap allocations, to prove that code meant for the packet path
// allocates nothing. Include it in exactly one translation unit of a test executable: it
// replaces the global operator new and delete (which cannot be inline). Only the thread inside a
// CountedRegion counts, so gtest's own bookkeeping on other threads does not.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace rtpx::test {

inline std::atomic<uint64_t> g_news{0};
inline thread_local bool t_counting = false;

inline void* counted_new(size_t n, std::align_val_t al = std::align_val_t{0}) noexcept {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  const size_t a = static_cast<size_t>(al);
  if (a <= alignof(std::max_align_t)) return std::malloc(n == 0 ? 1 : n);
  void* p = nullptr;
  return ::posix_memalign(&p, a, n == 0 ? 1 : n) == 0 ? p : nullptr;
}
inline void* counted_new_or_throw(size_t n, std::align_val_t al = std::align_val_t{0}) {
  void* p = counted_new(n, al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Counts allocations made by this thread while alive.
class CountedRegion {
 public:
  CountedRegion() : news0_(g_news.load()) { t_counting = true; }
  ~CountedRegion() { t_counting = false; }
  CountedRegion(const CountedRegion&) = delete;
  CountedRegion& operator=(const CountedRegion&) = delete;
  uint64_t news() const { return g_news.load() - news0_; }

 private:
  uint64_t news0_;
};

}  // namespace rtpx::test

void* operator new(size_t n) {
  return rtpx::test::counted_new_or_throw(n);
}
void* operator new[](size_t n) {
  return rtpx::test::counted_new_or_throw(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return rtpx::test::counted_new(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return rtpx::test::counted_new(n);
}
void* operator new(size_t n, std::align_val_t a) {
  return rtpx::test::counted_new_or_throw(n, a);
}
void* operator new[](size_t n, std::align_val_t a) {
  return rtpx::test::counted_new_or_throw(n, a);
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return rtpx::test::counted_new(n, a);
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return rtpx::test::counted_new(n, a);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
