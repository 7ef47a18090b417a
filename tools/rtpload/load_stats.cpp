#include "tools/rtpload/load_stats.hpp"

#include <bit>

namespace rtpload {

int LatencyHistogram::index(uint64_t ns) {
  if (ns < 128) return static_cast<int>(ns);
  int msb = 63 - std::countl_zero(ns);
  if (msb > kMaxMsb) return kBuckets - 1;
  const int shift = msb - kSubBits;
  const int sub = static_cast<int>((ns >> shift) & 63);
  return 128 + (msb - 7) * 64 + sub;
}

uint64_t LatencyHistogram::bucket_low(int idx) {
  if (idx < 128) return static_cast<uint64_t>(idx);
  const int msb = (idx - 128) / 64 + 7;
  const int sub = (idx - 128) % 64;
  return (uint64_t{64} + static_cast<uint64_t>(sub)) << (msb - kSubBits);
}

uint64_t LatencyHistogram::bucket_high(int idx) {
  if (idx < 128) return static_cast<uint64_t>(idx) + 1;
  const int msb = (idx - 128) / 64 + 7;
  return bucket_low(idx) + (uint64_t{1} << (msb - kSubBits));
}

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) n += b.get();
  return n;
}

uint64_t LatencyHistogram::quantile_ns(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  // Rank of the sample at quantile q (1-based, nearest-rank method).
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(n) + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].get();
    if (seen >= rank) {
      const uint64_t mid = (bucket_low(i) + bucket_high(i) - 1) / 2;
      return mid < max_ns() ? mid : max_ns();
    }
  }
  return max_ns();
}

}  // namespace rtpload
