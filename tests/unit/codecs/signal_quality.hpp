#pragma once
// Test signals and a delay-aligned SNR for the codec tests: a codec delays its output (filters,
// look-ahead), so the SNR is taken at the lag that maximises it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "codecs/codec/codec.hpp"

namespace rtpx::codecs::test {

inline std::vector<int16_t> tone(size_t n, double hz, uint32_t rate, double amp = 8000) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<int16_t>(std::lround(amp * std::sin(2 * M_PI * hz * double(i) / rate)));
  return v;
}

// Speech-like: a 140 Hz voice whose harmonics (up to 3.4 kHz, so narrowband codecs carry it
// too) are shaped by three formants (700, 1200, 2500 Hz) like an /a/ vowel, so there is little
// energy at the lowest harmonics that codecs' high-pass filters shift in phase; amplitude-modulated
// at a 4 Hz syllable rate between 15 % and 100 %. Peak about `amp`.
inline double formant_gain(double f) {
  const double formants[][3] = {{700, 130, 1.0}, {1200, 150, 0.6}, {2500, 250, 0.3}};
  double g = 0;
  for (const auto& fm : formants) g += fm[2] / (1 + ((f - fm[0]) / fm[1]) * ((f - fm[0]) / fm[1]));
  return g;
}

inline std::vector<int16_t> speech_like(size_t n, uint32_t rate, double amp = 9000) {
  std::vector<int16_t> v(n);
  const double f0 = 140;
  double norm = 0;
  for (int h = 1; h * f0 < 3400; ++h) norm += formant_gain(h * f0);
  for (size_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    double s = 0;
    for (int h = 1; h * f0 < 3400; ++h)
      s += formant_gain(h * f0) * std::sin(2 * M_PI * h * f0 * t + 0.7 * h);
    const double env = 0.575 + 0.425 * std::sin(2 * M_PI * 4 * t);
    v[i] = static_cast<int16_t>(std::lround(amp * env * s / norm));
  }
  return v;
}

struct Snr {
  double db = -1e9;
  int lag = 0;  // out[i + lag] lines up with ref[i]
};

// SNR in dB of `out` against `ref` over ref[skip, skip + len), at the lag in [min_lag, max_lag]
// that maximises it.
inline Snr aligned_snr(std::span<const int16_t> ref, std::span<const int16_t> out, size_t skip,
                       size_t len, int min_lag, int max_lag) {
  Snr best;
  for (int lag = min_lag; lag <= max_lag; ++lag) {
    double sig = 0, err = 0;
    bool inside = true;
    for (size_t i = skip; i < skip + len; ++i) {
      const long j = long(i) + lag;
      if (i >= ref.size() || j < 0 || size_t(j) >= out.size()) {
        inside = false;
        break;
      }
      const double r = ref[i], d = out[size_t(j)] - r;
      sig += r * r;
      err += d * d;
    }
    if (!inside) continue;
    const double db = 10 * std::log10(sig / std::max(err, 1e-9));
    if (db > best.db) best = {db, lag};
  }
  return best;
}

// Encodes `in` frame by frame and decodes every payload; the decoded PCM, concatenated.
inline std::vector<int16_t> round_trip(Encoder& enc, Decoder& dec, std::span<const int16_t> in,
                                       std::vector<size_t>* payload_sizes = nullptr) {
  std::vector<int16_t> out;
  std::vector<uint8_t> payload(8000);
  std::vector<int16_t> pcm(5760);
  const size_t f = enc.frame_samples();
  for (size_t at = 0; at + f <= in.size(); at += f) {
    const int n = enc.encode(in.subspan(at, f), payload);
    if (n < 0) return {};
    if (payload_sizes != nullptr) payload_sizes->push_back(size_t(n));
    if (n == 0) continue;
    const int m = dec.decode({payload.data(), size_t(n)}, pcm);
    if (m < 0) return {};
    out.insert(out.end(), pcm.begin(), pcm.begin() + m);
  }
  return out;
}

}  // namespace rtpx::codecs::test
