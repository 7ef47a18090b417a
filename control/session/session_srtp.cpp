// SessionService's SRTP side: the per-socket SRTP state the shards use, made when what it depends
// on changes, freed once the shard has moved on; DTLS failures announced as events.

#include "control/session/session_service.hpp"
#include "control/session/srtp_negotiation.hpp"

namespace rtpx::control {

// The SRTP state the socket of `side` needs (null for plain RTP), made anew only when what it
// depends on changed. The one it replaces goes to `old`, to be freed once the shard moved on.
Result<engine::EndpointCrypto*> SessionService::crypto_for(
    const MediaSide& side, StreamSlot& slot, bool rtcp,
    std::unique_ptr<engine::EndpointCrypto>* old) {
  if (!side.srtp.enabled) {
    *old = std::move(slot.crypto);
    slot.crypto_key.clear();
    return nullptr;
  }
  // An RTCP socket that mux leaves idle gets no DTLS association of its own.
  const bool with_dtls = !rtcp || !(side.rtcp_mux || side.mux_offered);
  const std::string key = std::to_string(side.srtp.generation) + (side.srtp.agreed ? "+" : "-") +
                          (with_dtls ? "d" : "");
  if (slot.crypto && slot.crypto_key == key) return slot.crypto.get();
  auto made = make_endpoint_crypto(side.srtp, with_dtls, certificate_);
  if (!made) return made.error();
  *old = std::move(slot.crypto);
  slot.crypto = std::move(*made);
  slot.crypto_key = key;
  slot.failure_reported = false;
  return slot.crypto.get();
}

void SessionService::retire(uint32_t shard, uint64_t ticket,
                            std::unique_ptr<engine::EndpointCrypto> crypto,
                            std::unique_ptr<codecs::Transcoder> transcode,
                            std::unique_ptr<codecs::t38::FaxGateway> fax,
                            std::unique_ptr<codecs::t38::FaxToneDetector> tone) {
  if (crypto || transcode || fax || tone)
    retired_.push_back(
        {shard, ticket, std::move(crypto), std::move(transcode), std::move(fax), std::move(tone)});
}

void SessionService::report_dtls_failures() {
  for (auto& [id, call] : calls_) {
    for (Leg& leg : call->legs) {
      for (MediaSide& side : leg.media) {
        for (StreamSlot* s : {&side.rtp, &side.rtcp}) {
          if (!s->crypto || s->failure_reported) continue;
          if (s->crypto->dtls_state.load(std::memory_order_acquire) != engine::dtls::State::failed)
            continue;
          s->failure_reported = true;
          emit("dtls_failed", id, s->crypto->failure);
        }
      }
    }
  }
}

}  // namespace rtpx::control
