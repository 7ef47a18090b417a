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

  // Deletes calls whose media has been silent for the configured timeout. Call about once a
  // second; returns how many were deleted.
  size_t expire_idle(int64_t now_mono_ns);
  // Deletes every call (shutdown).
  void clear();

  void set_event_sink(std::function<void(const SessionEvent&)> sink) { sink_ = std::move(sink); }
  const config::MediaConfig& media_config() const noexcept { return media_; }
  const PortAllocator& ports() const noexcept { return ports_; }
  const std::string& advertised_address() const noexcept { return advertised_; }

  static double wall_now();
  static int64_t mono_now_ns();

 private:
  Result<Call*> find_or_create(const SignalRequest& req, bool create);
  Result<bool> take_sdp(Call& call, int from_leg, const sdp::Session& s, const SignalRequest& req);
  void negotiate_offer(Call& call, int from, const sdp::Session& s, const SignalRequest& req);
  void negotiate_answer(Call& call, int offerer, const sdp::Session& s, const SignalRequest& req);
  Result<bool> allocate(MediaSide& side);
  void wire(Call& call, size_t media_index);
  void post_stream(Call& call, StreamSlot& s, const engine::EndpointConfig& cfg);
  std::string rewritten_for(const Call& call, int to_leg, sdp::Session s, const SignalRequest& req,
                            bool answer) const;
  CallSnapshot snapshot(const Call& call) const;
  StreamSnapshot stream_snapshot(const StreamSlot& s, const char* component, double wall,
                                 int64_t mono) const;
  void destroy(const std::string& call_id, const char* reason);
  void emit(const char* name, const std::string& call_id, const char* reason = "");

  engine::Engine& engine_;
  config::MediaConfig media_;
  net::SockAddr bind_addr_;
  std::string advertised_;
  std::string loop_id_;  // this instance's a=rtpengine marker (loop-protect)
  // Port pairs of deleted calls whose sockets the shard has not closed yet: binding them again
  // before that would fail, so they go back to the allocator once the removal is applied.
  struct Releasing {
    uint32_t shard;
    uint64_t ticket;
    uint16_t port;
  };
  void reap_released_ports() const;
  mutable PortAllocator ports_;
  mutable std::vector<Releasing> releasing_;
  std::map<std::string, std::unique_ptr<Call>> calls_;
  SessionCounters counters_;
  std::function<void(const SessionEvent&)> sink_;
};

}  // namespace rtpx::control
