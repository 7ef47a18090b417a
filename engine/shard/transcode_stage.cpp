#include "engine/shard/transcode_stage.hpp"

#include <time.h>

#include <algorithm>

#include "codecs/transcode/transcoder.hpp"

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
  if (watch_.empty()) next_tick_ns_ = clock_ns() + kTickNs;
  watch_.push_back({id, e.cfg.transcode});  // reserved: allocates only past 4096 streams
}

void TranscodeStage::on_media(Endpoint& e, io::SocketId out, const io::Packet& p) noexcept {
  const int64_t now = clock_ns();
  e.cfg.transcode->push({p.data, p.len}, now);
  drain(*e.cfg.transcode, out, now);
}

void TranscodeStage::drain(codecs::Transcoder& t, io::SocketId out, int64_t now) noexcept {
  uint8_t buf[kOutCap];
  for (uint32_t len; (len = static_cast<uint32_t>(t.pull(now, {buf, sizeof buf}))) != 0;) {
    if (out >= table_.size || !table_.slots[out].active) {
      counters_.no_destination.add();
      continue;
    }
    const Endpoint& f = table_.slots[out];
    if (!f.latched && !f.signaled_usable) {
      counters_.no_destination.add();
      continue;
    }
    if (f.cfg.crypto != nullptr) {
      if (f.cfg.crypto->outbound == nullptr ||
          f.cfg.crypto->outbound->protect_rtp(buf, &len, sizeof buf) != srtp::Status::ok) {
        counters_.srtp_errors.add();
        continue;
      }
    }
    const net::SockAddr& to = f.latched ? f.latched_addr : f.cfg.signaled;
    if (backend_.send_datagram(out, to, {buf, len}) == io::IoStatus::ok) {
      counters_.packets_out.add();
    } else {
      counters_.tx_errors.add();
    }
  }
}

void TranscodeStage::run_timers(int64_t now) noexcept {
  if (watch_.empty() || now < next_tick_ns_) return;
  std::erase_if(watch_, [&](const Watch& w) {
    if (w.id >= table_.size) return true;
    const Endpoint& e = table_.slots[w.id];
    if (!e.active || e.cfg.transcode != w.t) return true;
    drain(*w.t, e.cfg.forward_to, now);
    return false;
  });
  next_tick_ns_ = now + kTickNs;
}

}  // namespace rtpx::engine
