#pragma once
// Listens to one party's G.711 audio for the tones that start a fax call: CNG (1100 Hz, the
// calling fax machine) and CED (2100 Hz answer tone) or the V.21 preamble of an answering
// machine's DIS. Signaling uses the first one heard to switch the call to T.38 (re-INVITE), as
// FreeSWITCH's fax detection does. SpanDSP's modem_connect_tones detectors do the listening.
//
// Created on the control plane; push_rtp() runs on one shard thread (no allocation, decoded
// frames on the stack) and stops listening once a tone was heard; detected() is read anywhere.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace rtpx::codecs::t38 {

enum class FaxTone : uint8_t { none, cng, ced };
const char* to_string(FaxTone t) noexcept;  // "none", "CNG", "CED"

class FaxToneDetector {
 public:
  static std::unique_ptr<FaxToneDetector> create(std::string* error);
  ~FaxToneDetector();
  FaxToneDetector(const FaxToneDetector&) = delete;
  FaxToneDetector& operator=(const FaxToneDetector&) = delete;

  // One RTP packet from the party (decrypted). PCMU and PCMA payloads are listened to; anything
  // else (other codecs, telephone-event, comfort noise) is ignored.
  void push_rtp(std::span<const uint8_t> rtp) noexcept;
  FaxTone detected() const noexcept { return detected_.load(std::memory_order_acquire); }

  struct Impl;

 private:
  explicit FaxToneDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<FaxTone> detected_{FaxTone::none};
};

}  // namespace rtpx::codecs::t38
