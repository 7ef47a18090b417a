#pragma once
// --srtp: the SDES side of rtpload. Side B answers the relay's RTP/SAVP offer with one a=crypto
// line of the chosen suite and decrypts what the relay sends it with libsrtp2 (an implementation
// independent of both relays), using the key the relay offered; then the usual checks apply to
// the plain packet. rtpload never encrypts: in --srtp mode only A->B is sent.

#include <srtp2/srtp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rtpload {

// Master key + salt length of an SDES suite name (a=crypto), 0 when rtpload does not know it.
size_t srtp_key_len(const std::string& suite);
// The suites --srtp accepts.
std::vector<std::string> srtp_suites();

// A fresh random master key + salt for `suite`, base64 without '=' padding (the a=crypto
// inline: value).
std::string random_inline_key(const std::string& suite);
// base64 (padded or not) -> bytes; nullopt when not valid base64 of exactly `len` bytes.
std::optional<std::string> decode_inline_key(const std::string& b64, size_t len);

// Inbound SRTP sessions, one per stream that carries SRTP (empty key: plain). Receiver thread only.
class SrtpInbound {
 public:
  SrtpInbound() = default;
  SrtpInbound(const SrtpInbound&) = delete;
  SrtpInbound& operator=(const SrtpInbound&) = delete;
  ~SrtpInbound();

  // Drops the old sessions and creates one per non-empty key (raw bytes). Returns an error
  // message, empty on success.
  std::string rekey(const std::string& suite, const std::vector<std::string>& keys);
  bool active(size_t stream) const { return stream < sessions_.size() && sessions_[stream]; }
  // In place: authenticates and decrypts, shrinking *len. False when libsrtp rejects the packet.
  bool unprotect(size_t stream, uint8_t* pkt, size_t* len);

 private:
  void clear();
  std::vector<srtp_t> sessions_;
};

}  // namespace rtpload
