#include "codecs/t38/fax_gateway.hpp"

#include <spandsp.h>

#include <algorithm>
#include <array>

#include "codecs/g711/g711.hpp"
#include "codecs/t38/datagram_ring.hpp"
#include "codecs/t38/fax_audio_input.hpp"
#include "codecs/transcode/rtp_frame.hpp"

namespace rtpx::codecs::t38 {

namespace {

constexpr uint8_t kPcmu = 0;
constexpr uint8_t kPcma = 8;
// t38_core asks for an IFP to be sent up to this many times (indicators are repeated); more
// copies than this only add load.
constexpr int kMaxRepeat = 3;

// T.30 FCF without its X bit (the lowest bit in SpanDSP's bit order).
constexpr uint8_t fcf_base(uint8_t fcf) {
  return fcf & 0xFE;
}

bool ends_page(uint8_t post_page) {
  switch (post_page) {
    case T30_MPS:
    case T30_EOP:
    case T30_EOM:
    case T30_PRI_MPS:
    case T30_PRI_EOP:
    case T30_PRI_EOM:
      return true;
    default:
      return false;
  }
}

bool ends_fax(uint8_t post_page) {
  return post_page == T30_EOP || post_page == T30_PRI_EOP;
}

}  // namespace

const char* to_string(FaxPhase p) noexcept {
  switch (p) {
    case FaxPhase::idle:
      return "idle";
    case FaxPhase::negotiating:
      return "negotiating";
    case FaxPhase::sending:
      return "sending";
    case FaxPhase::done:
      return "done";
    case FaxPhase::failed:
      return "failed";
  }
  return "unknown";
}

struct FaxGateway::Impl final : FaxAudioSink {
  FaxGatewayConfig cfg;
  t38_gateway_state_t* gw = nullptr;
  t38_core_state_t* core = nullptr;
  FaxGatewayStats stats;

  FaxAudioInput audio_in;
  UdptlSender udptl_tx;
  UdptlReceiver udptl_rx;
  DatagramRing<8, kFrameSamples + kRtpHeaderSize> rtp_out;
  DatagramRing<48, kMaxPacket> udptl_out;

  bool clock_started = false;
  int64_t next_frame_ns = 0;
  uint16_t seq = 0;
  uint32_t ts = 0;
  bool marker = true;
  int64_t last_udptl_ns = 0;
  bool udptl_waiting = false;  // datagrams arrived since the last flush

  // T.30 progress (written by the shard thread, read anywhere).
  std::atomic<FaxPhase> phase{FaxPhase::idle};
  std::atomic<uint32_t> pages{0}, bit_rate{0};
  std::atomic<bool> ecm{false};
  uint8_t post_page = 0;   // the last post-page message (MPS, EOP, EOM...)
  bool confirmed = false;  // ... and the receiver confirmed its page (MCF)

  explicit Impl(const FaxGatewayConfig& c)
      : cfg(c),
        audio_in(c.audio_hold_ms),
        udptl_tx(c.udptl),
        udptl_rx(c.udptl_rx),
        seq(c.first_seq),
        ts(c.first_ts) {}

  ~Impl() {
    if (gw != nullptr) t38_gateway_free(gw);
  }

  // ---- audio towards the modems ----
  void on_samples(std::span<const int16_t> pcm) noexcept override {
    std::array<int16_t, FaxAudioInput::kMaxFrame> buf;
    std::copy(pcm.begin(), pcm.end(), buf.begin());
    t38_gateway_rx(gw, buf.data(), static_cast<int>(pcm.size()));
  }
  void on_gap(uint32_t samples) noexcept override {
    stats.audio_gap_samples.fetch_add(samples, std::memory_order_relaxed);
    t38_gateway_rx_fillin(gw, static_cast<int>(samples));
  }

  void sync_audio_stats() noexcept {
    stats.audio_late.store(audio_in.stats().late, std::memory_order_relaxed);
  }

  // ---- IFPs towards the T.38 party ----
  static int on_ifp_out(t38_core_state_t*, void* user, const uint8_t* buf, int len,
                        int count) noexcept {
    auto* self = static_cast<Impl*>(user);
    std::array<uint8_t, kMaxPacket> pkt;
    const Result<size_t> r =
        self->udptl_tx.build({buf, static_cast<size_t>(std::max(len, 0))}, pkt);
    if (!r.ok()) {
      self->stats.ifp_errors.fetch_add(1, std::memory_order_relaxed);
      return -1;
    }
    for (int i = 0; i < std::clamp(count, 1, kMaxRepeat); ++i) {
      if (!self->udptl_out.push({pkt.data(), r.value}))
        self->stats.out_overflow.fetch_add(1, std::memory_order_relaxed);
    }
    return 0;
  }

  void deliver_ifp(Bytes ifp, uint16_t s) noexcept {
    if (t38_core_rx_ifp_packet(core, ifp.data(), static_cast<int>(ifp.size()), s) < 0)
      stats.ifp_errors.fetch_add(1, std::memory_order_relaxed);
  }

  void sync_udptl_stats() noexcept {
    stats.ifp_recovered.store(udptl_rx.stats().recovered, std::memory_order_relaxed);
    stats.ifp_lost.store(udptl_rx.stats().lost, std::memory_order_relaxed);
  }

  // ---- T.30 monitoring ----
  static void on_t30_frame(t38_gateway_state_t*, void* user, int, const uint8_t* msg,
                           int len) noexcept {
    auto* self = static_cast<Impl*>(user);
    // HDLC frames as they cross: address 0xFF, control 0x03/0x13, then the FCF.
    if (len < 3 || msg[0] != 0xFF) return;
    self->on_fcf(fcf_base(msg[2]), len >= 4 ? fcf_base(msg[3]) : 0);
  }

  void on_fcf(uint8_t fcf, uint8_t fcf2) noexcept {
    switch (fcf) {
      case T30_DIS:
      case T30_DCS: {
        if (phase.load(std::memory_order_relaxed) == FaxPhase::idle)
          phase.store(FaxPhase::negotiating, std::memory_order_relaxed);
        if (fcf == T30_DCS) {
          t38_stats_t st;
          t38_gateway_get_transfer_statistics(gw, &st);
          bit_rate.store(static_cast<uint32_t>(st.bit_rate), std::memory_order_relaxed);
          ecm.store(st.error_correcting_mode != 0, std::memory_order_relaxed);
        }
        break;
      }
      case T30_CFR:
        phase.store(FaxPhase::sending, std::memory_order_relaxed);
        // A page follows. Its post-page message is not always reported to this handler (SpanDSP
        // passes some ECM frames straight through), so the confirmation counts either way.
        post_page = T30_MPS;
        confirmed = false;
        break;
      case T30_PPS:  // ECM: the post-page message is the second FCF (PPS-NULL ends a block)
        post_page = ends_page(fcf2) ? fcf2 : 0;
        confirmed = false;
        break;
      case T30_MCF:
        if (ends_page(post_page) && !confirmed) {
          confirmed = true;
          pages.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      case T30_DCN: {
        const bool ok = ends_fax(post_page) && confirmed;
        phase.store(ok ? FaxPhase::done : FaxPhase::failed, std::memory_order_relaxed);
        break;
      }
      default:
        if (ends_page(fcf)) {
          post_page = fcf;
          confirmed = false;
        }
        break;
    }
  }

  // ---- the audio clock ----
  void produce_frame() noexcept {
    std::array<int16_t, kFrameSamples> pcm{};
    const int n = t38_gateway_tx(gw, pcm.data(), static_cast<int>(pcm.size()));
    std::fill(pcm.begin() + std::clamp(n, 0, static_cast<int>(kFrameSamples)), pcm.end(), 0);
    std::array<uint8_t, kRtpHeaderSize + kFrameSamples> pkt;
    write_rtp_header(pkt, cfg.audio_pt, marker, seq, ts, cfg.ssrc);
    const std::span<uint8_t> payload = std::span(pkt).subspan(kRtpHeaderSize);
    if (cfg.audio_pt == kPcma)
      encode_alaw(pcm, payload);
    else
      encode_ulaw(pcm, payload);
    marker = false;
    ++seq;
    ts += kFrameSamples;
    if (!rtp_out.push(pkt)) stats.out_overflow.fetch_add(1, std::memory_order_relaxed);
  }
};

std::unique_ptr<FaxGateway> FaxGateway::create(const FaxGatewayConfig& c, std::string* error) {
  const auto fail = [error](const char* why) {
    if (error != nullptr) *error = why;
    return nullptr;
  };
  if (c.audio_pt != kPcmu && c.audio_pt != kPcma)
    return fail("the audio leg must be PCMU (0) or PCMA (8)");
  if (c.t38_version > 3) return fail("T38FaxVersion must be 0..3");
  if ((c.modems & (kModemV27ter | kModemV29 | kModemV17)) == 0)
    return fail("no fax modem left: V.27ter, V.29 or V.17 is needed");
  if (c.max_bitrate < 2400) return fail("T38MaxBitRate below 2400");
  if (c.audio_hold_ms > 500) return fail("audio hold time above 500 ms");

  auto impl = std::make_unique<Impl>(c);
  if (impl->udptl_tx.configure(c.udptl) != Error::ok)
    return fail("UDPTL error correction settings out of range");
  impl->gw = t38_gateway_init(nullptr, &Impl::on_ifp_out, impl.get());
  if (impl->gw == nullptr) return fail("SpanDSP could not create a T.38 gateway");
  impl->core = t38_gateway_get_t38_core_state(impl->gw);

  t38_gateway_set_ecm_capability(impl->gw, c.ecm);
  t38_gateway_set_transmit_on_idle(impl->gw, true);
  int modems = 0;
  if (c.modems & kModemV27ter) modems |= T30_SUPPORT_V27TER;
  if (c.modems & kModemV29) modems |= T30_SUPPORT_V29;
  if (c.modems & kModemV17) modems |= T30_SUPPORT_V17;
  if (c.modems & kModemIaf) modems |= T30_SUPPORT_IAF;
  t38_gateway_set_supported_modems(impl->gw, modems);
  t38_gateway_set_real_time_frame_handler(impl->gw, &Impl::on_t30_frame, impl.get());

  t38_core_state_t* core = impl->core;
  t38_set_t38_version(core, c.t38_version);
  t38_set_data_rate_management_method(core, c.local_tcf ? T38_DATA_RATE_MANAGEMENT_LOCAL_TCF
                                                        : T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
  t38_set_fill_bit_removal(core, c.fill_bit_removal);
  t38_set_mmr_transcoding(core, c.transcoding_mmr);
  t38_set_jbig_transcoding(core, c.transcoding_jbig);
  t38_set_fastest_image_data_rate(core, static_cast<int>(std::min<uint32_t>(c.max_bitrate, 14400)));
  // IFPs must fit the far side's datagram with the UDPTL header around them (sequence number,
  // lengths, error-recovery field): 8 octets leave room for the longest header of a bare packet.
  if (c.udptl.max_datagram != 0 && c.udptl.max_datagram < 72)
    return fail("T38FaxMaxDatagram below 72 octets");
  size_t max_ifp = kMaxIfp;
  if (c.udptl.max_datagram != 0) max_ifp = std::min<size_t>(max_ifp, c.udptl.max_datagram - 8u);
  t38_set_max_datagram_size(core, static_cast<int>(max_ifp));
  return std::unique_ptr<FaxGateway>(new FaxGateway(std::move(impl)));
}

FaxGateway::FaxGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaxGateway::~FaxGateway() = default;

void FaxGateway::push_rtp(std::span<const uint8_t> rtp, int64_t now_ns) noexcept {
  Impl& m = *impl_;
  RtpFrame f;
  if (!read_rtp(rtp, &f) || (f.payload_type != kPcmu && f.payload_type != kPcma) ||
      f.payload.empty() || f.payload.size() > FaxAudioInput::kMaxFrame) {
    m.stats.rtp_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  m.stats.rtp_in.fetch_add(1, std::memory_order_relaxed);
  std::array<int16_t, FaxAudioInput::kMaxFrame> pcm;
  const std::span<int16_t> out(pcm.data(), f.payload.size());
  if (f.payload_type == kPcma)
    decode_alaw(f.payload, out);
  else
    decode_ulaw(f.payload, out);
  m.audio_in.push(f.timestamp, out, now_ns, m);
  m.sync_audio_stats();
}

void FaxGateway::push_udptl(std::span<const uint8_t> datagram, int64_t now_ns) noexcept {
  Impl& m = *impl_;
  m.stats.udptl_in.fetch_add(1, std::memory_order_relaxed);
  const auto sink = [&m](Bytes ifp, uint16_t s) { m.deliver_ifp(ifp, s); };
  if (m.udptl_rx.push(datagram, sink) != Error::ok) {
    m.stats.udptl_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  m.last_udptl_ns = now_ns;
  m.udptl_waiting = true;
  m.sync_udptl_stats();
}

void FaxGateway::tick(int64_t now_ns) noexcept {
  Impl& m = *impl_;
  m.audio_in.poll(now_ns, m);
  m.sync_audio_stats();
  if (m.udptl_waiting && now_ns - m.last_udptl_ns >= m.cfg.udptl_flush_ms * 1'000'000) {
    m.udptl_waiting = false;
    m.udptl_rx.flush([&m](Bytes ifp, uint16_t s) { m.deliver_ifp(ifp, s); });
    m.sync_udptl_stats();
  }
  if (!m.clock_started) {
    m.clock_started = true;
    m.next_frame_ns = now_ns;
  }
  // After a stall (the shard was busy for longer than 10 frames) the clock jumps rather than
  // bursting the backlog at the fax machine.
  for (int frames = 0; now_ns >= m.next_frame_ns; ++frames) {
    if (frames == 10) {
      m.next_frame_ns = now_ns + kFrameNs;
      break;
    }
    m.produce_frame();
    m.next_frame_ns += kFrameNs;
  }
}

int64_t FaxGateway::next_due_ns() const noexcept {
  const Impl& m = *impl_;
  return m.clock_started ? m.next_frame_ns : 0;
}

size_t FaxGateway::pull_rtp(std::span<uint8_t> out) noexcept {
  const size_t n = impl_->rtp_out.pop(out);
  if (n != 0) impl_->stats.rtp_out.fetch_add(1, std::memory_order_relaxed);
  return n;
}

size_t FaxGateway::pull_udptl(std::span<uint8_t> out) noexcept {
  const size_t n = impl_->udptl_out.pop(out);
  if (n != 0) impl_->stats.udptl_out.fetch_add(1, std::memory_order_relaxed);
  return n;
}

const FaxGatewayStats& FaxGateway::stats() const noexcept {
  return impl_->stats;
}

FaxProgress FaxGateway::progress() const noexcept {
  const Impl& m = *impl_;
  FaxProgress p;
  p.phase = m.phase.load(std::memory_order_relaxed);
  p.pages = m.pages.load(std::memory_order_relaxed);
  p.bit_rate = m.bit_rate.load(std::memory_order_relaxed);
  p.ecm = m.ecm.load(std::memory_order_relaxed);
  return p;
}

}  // namespace rtpx::codecs::t38
