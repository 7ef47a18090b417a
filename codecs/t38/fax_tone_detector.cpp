#include "codecs/t38/fax_tone_detector.hpp"

#include <spandsp.h>

#include <algorithm>
#include <array>

#include "codecs/g711/g711.hpp"
#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs::t38 {

const char* to_string(FaxTone t) noexcept {
  switch (t) {
    case FaxTone::none:
      return "none";
    case FaxTone::cng:
      return "CNG";
    case FaxTone::ced:
      return "CED";
  }
  return "unknown";
}

struct FaxToneDetector::Impl {
  modem_connect_tones_rx_state_t* cng = nullptr;
  modem_connect_tones_rx_state_t* ced = nullptr;
  ~Impl() {
    if (cng != nullptr) modem_connect_tones_rx_free(cng);
    if (ced != nullptr) modem_connect_tones_rx_free(ced);
  }
};

std::unique_ptr<FaxToneDetector> FaxToneDetector::create(std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->cng = modem_connect_tones_rx_init(nullptr, MODEM_CONNECT_TONES_FAX_CNG, nullptr, nullptr);
  impl->ced = modem_connect_tones_rx_init(nullptr, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, nullptr,
                                          nullptr);
  if (impl->cng == nullptr || impl->ced == nullptr) {
    if (error != nullptr) *error = "SpanDSP could not create the fax tone detectors";
    return nullptr;
  }
  return std::unique_ptr<FaxToneDetector>(new FaxToneDetector(std::move(impl)));
}

FaxToneDetector::FaxToneDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaxToneDetector::~FaxToneDetector() = default;

void FaxToneDetector::push_rtp(std::span<const uint8_t> rtp) noexcept {
  if (detected() != FaxTone::none) return;
  RtpFrame f;
  if (!read_rtp(rtp, &f) || (f.payload_type != 0 && f.payload_type != 8)) return;
  std::array<int16_t, 480> pcm;
  const size_t n = std::min(f.payload.size(), pcm.size());
  if (f.payload_type == 8)
    decode_alaw(f.payload.first(n), pcm);
  else
    decode_ulaw(f.payload.first(n), pcm);
  modem_connect_tones_rx(impl_->cng, pcm.data(), static_cast<int>(n));
  modem_connect_tones_rx(impl_->ced, pcm.data(), static_cast<int>(n));
  if (modem_connect_tones_rx_get(impl_->cng) != MODEM_CONNECT_TONES_NONE)
    detected_.store(FaxTone::cng, std::memory_order_release);
  else if (modem_connect_tones_rx_get(impl_->ced) != MODEM_CONNECT_TONES_NONE)
    detected_.store(FaxTone::ced, std::memory_order_release);
}

}  // namespace rtpx::codecs::t38
