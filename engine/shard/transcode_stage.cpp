#include "engine/shard/transcode_stage.hpp"

#include <time.h>

#include <algorithm>

#include "codecs/transcode/transcoder.hpp"
#include "engine/shard/party_sender.hpp"

namespace rtpx::engine {
namespace {
// Room for the transcoder's packet plus the largest SRTP trailer (MKI + 16-byte tag).
constexpr uint32_t kOutCap = codecs::Transcoder::kMaxPacket + 64;
}  // namespace

TranscodeStage::TranscodeStage(io::IoBackend& backend, EndpointTable table)
    : backend_(backend), table_(table) {
  watch_.reserve(4096);
}

int64_t TranscodeStage::clock_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void TranscodeStage::configured(io::SocketId id, const Endpoint& e) noexcept {
  if (e.cfg.transcode == nullptr || e.cfg.component != Component::rtp) return;
  for (const Watch& w : watch_)
    if (w.id == id && w.t == e.cfg.transcode) return;
  const int64_t now = clock_ns();
  if (watch_.empty()) next_tick_ns_ = now + kTickNs;
  // The first report after a randomised part of the interval (RFC 3550 section 6.2).
  const int64_t first = kRtcpIntervalNs / 2 + (id * 7919) % (kRtcpIntervalNs / 2);
  watch_.push_back({id, e.cfg.transcode, now + first});  // reserved: allocates past 4096 only
}

void TranscodeStage::on_media(Endpoint& e, io::SocketId out, const io::Packet& p) noexcept {
  const int64_t now = clock_ns();
  e.cfg.transcode->push({p.data, p.len}, now);
  drain(*e.cfg.transcode, out, now);
}

void TranscodeStage::on_rtcp(Endpoint& e, const io::Packet& p) noexcept {
  if (auto ntp = codecs::find_sender_report_ntp({p.data, p.len}))
    e.cfg.transcode->on_sender_report(*ntp, clock_ns());
}

void TranscodeStage::drain(codecs::Transcoder& t, io::SocketId out, int64_t now) noexcept {
  uint8_t buf[kOutCap];
  for (uint32_t len; (len = static_cast<uint32_t>(t.pull(now, {buf, sizeof buf}))) != 0;)
    send_counted(out, buf, len, sizeof buf, false);
}

void TranscodeStage::send_counted(io::SocketId out, uint8_t* buf, uint32_t len, uint32_t cap,
                                  bool rtcp) noexcept {
  switch (engine::send_to_party(backend_, table_, out, buf, len, cap, rtcp)) {
    case SendOutcome::sent:
      (rtcp ? counters_.rtcp_out : counters_.packets_out).add();
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

// An SR about rtpx's stream towards the other party, with a report block about the stream that
// party sends (the input of the reverse direction's transcoder, when it is transcoded too).
void TranscodeStage::send_report(const Endpoint& e, codecs::Transcoder& t) noexcept {
  if (t.stats().packets_out.load(std::memory_order_relaxed) == 0) return;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  const codecs::SenderInfo info = t.sender_info(int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
  codecs::ReceptionStats block;
  bool have_block = false;
  if (e.cfg.forward_to < table_.size) {
    codecs::Transcoder* reverse = table_.slots[e.cfg.forward_to].cfg.transcode;
    if (reverse != nullptr && reverse->receiving()) {
      block = reverse->reception(clock_ns());
      have_block = true;
    }
  }
  uint8_t buf[codecs::kSenderReportSize + 64];
  const size_t len = codecs::write_sender_report(info, have_block ? &block : nullptr, buf);
  if (len != 0)
    send_counted(e.cfg.rtcp_forward_to, buf, static_cast<uint32_t>(len), sizeof buf, true);
}

void TranscodeStage::run_timers(int64_t now) noexcept {
  if (watch_.empty() || now < next_tick_ns_) return;
  std::erase_if(watch_, [&](Watch& w) {
    if (w.id >= table_.size) return true;
    const Endpoint& e = table_.slots[w.id];
    if (!e.active || e.cfg.transcode != w.t) return true;
    drain(*w.t, e.cfg.forward_to, now);
    if (now >= w.next_rtcp_ns) {
      send_report(e, *w.t);
      w.next_rtcp_ns = now + kRtcpIntervalNs;
    }
    return false;
  });
  next_tick_ns_ = now + kTickNs;
}

}  // namespace rtpx::engine
