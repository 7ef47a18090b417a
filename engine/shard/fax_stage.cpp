#include "engine/shard/fax_stage.hpp"

#include <algorithm>

#include "codecs/t38/fax_gateway.hpp"
#include "engine/shard/party_sender.hpp"
#include "engine/shard/transcode_stage.hpp"

namespace rtpx::engine {
namespace {
// Room for a gateway's datagram plus the largest SRTP trailer (MKI + 16-byte tag).
constexpr uint32_t kOutCap = codecs::t38::FaxGateway::kMaxPacket + 64;
}  // namespace

FaxStage::FaxStage(io::IoBackend& backend, EndpointTable table) : backend_(backend), table_(table) {
  watch_.reserve(1024);
}

void FaxStage::configured(io::SocketId id, const Endpoint& e) noexcept {
  if (e.cfg.fax == nullptr || e.cfg.component != Component::rtp) return;
  for (const Watch& w : watch_)
    if (w.id == id && w.gw == e.cfg.fax) return;
  if (watch_.empty()) next_tick_ns_ = TranscodeStage::clock_ns() + kTickNs;
  watch_.push_back({id, e.cfg.fax});  // reserved: allocates past 1024 only
}

void FaxStage::on_fax(Endpoint& e, const io::Packet& p) noexcept {
  const int64_t now = TranscodeStage::clock_ns();
  if (e.cfg.opaque)
    e.cfg.fax->push_udptl({p.data, p.len}, now);
  else
    e.cfg.fax->push_rtp({p.data, p.len}, now);
  drain(e);  // the IFPs demodulated from this audio go out at once
}

// The audio leg's party gets the gateway's RTP from the endpoint the T.38 party's UDPTL arrives
// on and vice versa: both leave from the arriving endpoint's forward_to.
void FaxStage::drain(const Endpoint& e) noexcept {
  codecs::t38::FaxGateway& gw = *e.cfg.fax;
  const bool to_audio_party = e.cfg.opaque;
  uint8_t buf[kOutCap];
  for (;;) {
    const size_t n = to_audio_party ? gw.pull_rtp({buf, codecs::t38::FaxGateway::kMaxPacket})
                                    : gw.pull_udptl({buf, codecs::t38::FaxGateway::kMaxPacket});
    if (n == 0) break;
    switch (send_to_party(backend_, table_, e.cfg.forward_to, buf, static_cast<uint32_t>(n),
                          sizeof buf, false)) {
      case SendOutcome::sent:
        (to_audio_party ? counters_.rtp_out : counters_.udptl_out).add();
        break;
      case SendOutcome::no_destination:
        counters_.no_destination.add();
        break;
      case SendOutcome::srtp_error:
        counters_.srtp_errors.add();
        break;
      case SendOutcome::tx_error:
        counters_.tx_errors.add();
        break;
    }
  }
}

void FaxStage::run_timers(int64_t now) noexcept {
  if (watch_.empty() || now < next_tick_ns_) return;
  std::erase_if(watch_, [&](const Watch& w) {
    if (w.id >= table_.size) return true;
    const Endpoint& e = table_.slots[w.id];
    return !e.active || e.cfg.fax != w.gw;
  });
  // Each gateway's clock runs once, from its audio leg's endpoint; then every endpoint sends
  // what its gateway produced, so the audio of this tick leaves in this tick.
  for (const Watch& w : watch_)
    if (!table_.slots[w.id].cfg.opaque) w.gw->tick(now);
  for (const Watch& w : watch_) drain(table_.slots[w.id]);
  next_tick_ns_ = now + kTickNs;
}

}  // namespace rtpx::engine
