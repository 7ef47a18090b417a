#pragma once
// Calls, legs and media: offer/answer/delete/query/list over the engine. One instance, used
// only from the control thread; both the control socket and the ng listener call into it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/core/result.hpp"
#include "control/sdp/sdp.hpp"
#include "control/session/call.hpp"
#include "control/session/call_snapshot.hpp"
#include "control/session/port_allocator.hpp"
#include "control/session/signal_request.hpp"
#include "engine/engine.hpp"

namespace rtpx::control {

class SessionService {
 public:
  SessionService(engine::Engine& engine, const config::MediaConfig& media);
  ~SessionService();
  SessionService(const SessionService&) = delete;
  SessionService& operator=(const SessionService&) = delete;

  // The SDP to forward to the answerer, pointing at rtpxd.
  Result<std::string> offer(const SignalRequest& req);
  // The SDP to return to the offerer, pointing at rtpxd.
  Result<std::string> answer(const SignalRequest& req);
  // Deletes the call (from_tag is accepted for protocol compatibility: a call is one dialog here)
  // and returns its final state.
  Result<CallSnapshot> remove(const std::string& call_id, const std::string& from_tag = {});
  Result<CallSnapshot> query(const std::string& call_id) const;
  std::vector<CallSummary> list(size_t limit = SIZE_MAX) const;
  SessionCounters counters() const;

  // Deletes calls whose media has been silent for the configured timeout, and announces DTLS
  // handshakes that failed since the last call (event dtls_failed). Call about once a second;
  // returns how many calls were deleted.
  size_t expire_idle(int64_t now_mono_ns);
  // Announces the DTMF digits transcoding stages saw since the last call (event dtmf). Cheap:
  // call it often (every 100 ms) so digits reach subscribers without delay.
  void poll_events() {
    report_dtmf();
    report_fax();
  }
  // Deletes every call (shutdown).
  void clear();

  // Endpoint changes are queued to the shards without waking them; the front end calls flush()
  // after each batch of requests, so a burst of signaling costs one shard wake-up instead of one
  // per request (on a shared core each wake-up is a context switch).
  void flush();

  void set_event_sink(std::function<void(const SessionEvent&)> sink) { sink_ = std::move(sink); }
  const config::MediaConfig& media_config() const noexcept { return media_; }
  // The allocator of the first family (media.interface's).
  const PortAllocator& ports() const noexcept { return primary().ports; }
  MediaFamilies families() const noexcept { return {v4_.has_value(), v6_.has_value()}; }
  // What SDP names for sockets of family `af` (the first family's address for an absent one).
  const std::string& advertised_address(int af) const noexcept { return family(af).advertised; }

  // Endpoint ids a SessionService over `media` uses: one per port of the range and family.
  static uint32_t endpoint_slots(const config::MediaConfig& media);

  static double wall_now();
  static int64_t mono_now_ns();

 private:
  Result<Call*> find_or_create(const SignalRequest& req, bool create);
  Result<bool> take_sdp(Call& call, int from_leg, const sdp::Session& s, const SignalRequest& req);
  Result<bool> negotiate_offer(Call& call, int from, sdp::Session& s, const SignalRequest& req);
  Result<bool> negotiate_answer(Call& call, int offerer, sdp::Session& s, const SignalRequest& req);
  Result<bool> allocate(MediaSide& side, int af);
  Result<bool> wire(Call& call, size_t media_index);
  uint64_t post_stream(Call& call, StreamSlot& s, const engine::EndpointConfig& cfg);
  Result<engine::EndpointCrypto*> crypto_for(const MediaSide& side, StreamSlot& slot, bool rtcp,
                                             std::unique_ptr<engine::EndpointCrypto>* old);
  Result<codecs::Transcoder*> transcoder_for(MediaSide& from, const MediaSide& to,
                                             std::unique_ptr<codecs::Transcoder>* old);
  void retire(uint32_t shard, uint64_t ticket, std::unique_ptr<engine::EndpointCrypto> crypto,
              std::unique_ptr<codecs::Transcoder> transcode = nullptr,
              std::unique_ptr<codecs::t38::FaxGateway> fax = nullptr,
              std::unique_ptr<codecs::t38::FaxToneDetector> tone = nullptr);
  // The fax tone detector for what `x`'s party sends (null when not listening); a detector no
  // longer wanted goes to `old`.
  Result<codecs::t38::FaxToneDetector*> fax_detector(
      const Call& call, MediaSide& x, std::unique_ptr<codecs::t38::FaxToneDetector>* old);
  // T.38 gateway (session_fax.cpp). fax_offer / fax_answer: true when the media is converted
  // (no codec negotiation for it).
  Result<bool> fax_offer(MediaSide& a, MediaSide& b, const sdp::Media& m, const SignalRequest& req);
  Result<bool> fax_answer(MediaSide& a, MediaSide& b, const sdp::Media& m);
  static void fax_convert(const MediaSide& recipient, sdp::Media& m, bool answer);
  static codecs::t38::FaxGateway* fax_gateway(const MediaSide& x, const MediaSide& y);
  void fax_snapshot(const MediaSide& side, const MediaSide& other, MediaSnapshot& out) const;
  std::string rewritten_for(const Call& call, int to_leg, sdp::Session s, const SignalRequest& req,
                            bool answer) const;
  CallSnapshot snapshot(const Call& call) const;
  StreamSnapshot stream_snapshot(const StreamSlot& s, int af, const char* component, double wall,
                                 int64_t mono) const;
  void destroy(const std::string& call_id, const char* reason);
  void emit(const char* name, const std::string& call_id, const char* reason = "");
  void report_dtls_failures();
  void report_dtmf();
  void report_fax();
  void transcode_snapshot(const MediaSide& side, StreamSnapshot& out) const;

  // One address family media is relayed on: what SDP names, the ports, the endpoint ids.
  struct Family {
    int af;              // AF_INET / AF_INET6
    net::SockAddr bind;  // the interface (port 0)
    std::string advertised;
    mutable PortAllocator ports;
    io::SocketId slot_base;  // endpoint id of a socket: slot_base + (port - port_min)
  };
  const Family& primary() const noexcept { return v4_ ? *v4_ : *v6_; }
  // `af`'s family, else the other one.
  const Family& family(int af) const noexcept {
    if (af == AF_INET6 && v6_) return *v6_;
    if (af == AF_INET && v4_) return *v4_;
    return primary();
  }

  engine::Engine& engine_;
  config::MediaConfig media_;
  std::optional<Family> v4_;
  std::optional<Family> v6_;
  std::string loop_id_;  // this instance's a=rtpengine marker (loop-protect)
  // Port pairs of deleted calls whose sockets the shard has not closed yet: binding them again
  // before that would fail, so they go back to the allocator once the removal is applied.
  struct Releasing {
    uint32_t shard;
    uint64_t ticket;
    uint16_t port;
    int family;
  };
  void reap_released_ports() const;
  void mark_for_wake(uint32_t shard);
  std::vector<bool> wake_;  // shards with queued, unannounced commands
  mutable std::vector<Releasing> releasing_;
  // SRTP and transcoding state the shards may still be using: freed once they applied `ticket`.
  struct Retired {
    uint32_t shard;
    uint64_t ticket;
    std::unique_ptr<engine::EndpointCrypto> crypto;
    std::unique_ptr<codecs::Transcoder> transcode;
    std::unique_ptr<codecs::t38::FaxGateway> fax;
    std::unique_ptr<codecs::t38::FaxToneDetector> tone;
  };
  mutable std::vector<Retired> retired_;
  std::shared_ptr<const engine::dtls::Certificate> certificate_;  // DTLS-SRTP identity
  std::map<std::string, std::unique_ptr<Call>> calls_;
  SessionCounters counters_;
  std::function<void(const SessionEvent&)> sink_;
};

}  // namespace rtpx::control
