#pragma once
// Mono 16-bit PCM waiting to be encoded: decoded frames go in at one frame size, encoder frames
// come out at another (ptime conversion). Fixed capacity, allocated once.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

namespace rtpx::codecs {

class PcmFifo {
 public:
  explicit PcmFifo(size_t capacity) : buf_(std::make_unique<int16_t[]>(capacity)), cap_(capacity) {}

  size_t size() const noexcept { return len_; }
  size_t room() const noexcept { return cap_ - len_; }

  // Appends what fits; returns the samples taken.
  size_t write(std::span<const int16_t> in) noexcept {
    const size_t n = std::min(in.size(), room());
    for (size_t i = 0; i < n; ++i) buf_[(head_ + len_ + i) % cap_] = in[i];
    len_ += n;
    return n;
  }
  // Appends `n` zero samples (what fits).
  void write_silence(size_t n) noexcept {
    n = std::min(n, room());
    for (size_t i = 0; i < n; ++i) buf_[(head_ + len_ + i) % cap_] = 0;
    len_ += n;
  }
  // Moves out.size() samples out; false (nothing moved) when fewer are held.
  bool read(std::span<int16_t> out) noexcept {
    if (out.size() > len_) return false;
    for (size_t i = 0; i < out.size(); ++i) out[i] = buf_[(head_ + i) % cap_];
    head_ = (head_ + out.size()) % cap_;
    len_ -= out.size();
    return true;
  }
  void clear() noexcept { head_ = len_ = 0; }

 private:
  std::unique_ptr<int16_t[]> buf_;
  size_t cap_;
  size_t head_ = 0;
  size_t len_ = 0;
};

}  // namespace rtpx::codecs
