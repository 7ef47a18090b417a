#include "tools/rtpload/receiver.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/rtpload/sender.hpp"

namespace rtpload {

namespace {
constexpr unsigned kBatch = 64;
constexpr size_t kBufLen = 2048;  // room to see oversized (corrupted) packets
}  // namespace

Receiver::Receiver(const SessionSet& set) : set_(set) {
  for (const auto& s : set.streams()) wires_.push_back(s.wire);
  tracks_.resize(wires_.size());
  media_received_ = std::make_unique<Counter[]>(wires_.size());
  for (int e = 0; e < kMaxEpochs; ++e) stats_.push_back(std::make_unique<EpochStats>());
}

Receiver::~Receiver() {
  stop();
  if (epfd_ >= 0) ::close(epfd_);
}

std::string Receiver::start() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
  const auto& fds = set_.fds();
  for (size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fds[i], &ev) != 0)
      return std::string("epoll_ctl: ") + std::strerror(errno);
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void Receiver::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void Receiver::run() {
  static thread_local uint8_t bufs[kBatch][kBufLen];
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  for (unsigned i = 0; i < kBatch; ++i) {
    iov[i] = {bufs[i], kBufLen};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  epoll_event events[256];
  const auto& fds = set_.fds();
  const bool srtp = !set_.srtp_suite().empty();
  while (!stop_.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epfd_, events, 256, 50);
    for (int e = 0; e < n; ++e) {
      const size_t sock = events[e].data.u64;
      // Level-triggered: drain what is there now; a full batch means there may be more.
      for (;;) {
        const int got = ::recvmmsg(fds[sock], msgs, kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const uint64_t now = monotonic_ns();
        if (srtp) check_srtp_keys();
        datagrams_.add(static_cast<uint64_t>(got));
        for (int i = 0; i < got; ++i) handle(sock, bufs[i], msgs[i].msg_len, now);
        if (static_cast<unsigned>(got) < kBatch) break;
      }
    }
  }
}

// New calls (new keys) are set up between steps, while no packets are in flight.
void Receiver::check_srtp_keys() {
  const uint64_t gen = set_.srtp_key_generation();
  if (gen == srtp_gen_) return;
  srtp_gen_ = gen;
  if (auto err = srtp_.rekey(set_.srtp_suite(), set_.srtp_keys()); !err.empty()) srtp_error_ = err;
}

void Receiver::handle(size_t sock, uint8_t* pkt, size_t len, uint64_t now_ns) {
  // --srtp: what arrives for an SRTP stream is decrypted first (the RTP header is in clear, but
  // the payload with the stream id, index, epoch and send time is not); a packet libsrtp2
  // rejects cannot be attributed to a step.
  if (!set_.transcode().empty()) {
    handle_media(sock, pkt, len);
    return;
  }
  if (srtp_.active(sock ^ 1) && !srtp_.unprotect(sock ^ 1, pkt, &len)) {
    srtp_failures_.add(1);
    unattributed_.add(1);
    return;
  }
  if (len < kPacketLen) {  // too short to trust even the epoch byte
    unattributed_.add(1);
    return;
  }
  const PacketFields f = read_fields(pkt);
  if (f.epoch >= kMaxEpochs) {
    unattributed_.add(1);
    return;
  }
  EpochStats& st = *stats_[f.epoch];
  if (f.stream_id >= wires_.size() || !packet_intact(wires_[f.stream_id], f, pkt, len)) {
    st.corrupted.add(1);
    return;
  }
  if (f.stream_id != (sock ^ 1)) {
    st.misrouted.add(1);
    return;
  }
  if (!tracks_[f.stream_id].admit(f.index, st)) return;
  st.received.add(1);
  total_received_.add(1);
  st.latency.record(now_ns > f.send_ns ? now_ns - f.send_ns : 0);
}

bool Receiver::Track::admit(uint32_t idx, EpochStats& st) {
  auto word = [this](uint32_t i) -> uint64_t& { return bits[(i / 64) % (kWindow / 64)]; };
  auto bit = [](uint32_t i) { return uint64_t{1} << (i % 64); };
  if (!started || idx > highest) {
    // Indices between the old highest and idx become unseen slots of the window.
    if (!started || idx - highest >= kWindow) {
      std::memset(bits, 0, sizeof bits);
    } else {
      for (uint32_t i = highest + 1; i != idx; ++i) word(i) &= ~bit(i);
    }
    started = true;
    highest = idx;
    word(idx) |= bit(idx);
    return true;
  }
  if (highest - idx < kWindow) {  // older ones are too old to tell late from duplicate
    if (word(idx) & bit(idx)) {
      st.duplicates.add(1);
      return false;
    }
    word(idx) |= bit(idx);
  }
  st.out_of_order.add(1);
  return true;
}

// --transcode: the relay wrote this packet (its own SSRC, sequence and timestamps, re-encoded
// payload). It must be RTP with the payload type the socket's side negotiated, a whole 20 ms PCMU
// frame for side A, a non-empty payload for side B; order and duplicates follow its sequence.
void Receiver::handle_media(size_t sock, const uint8_t* pkt, size_t len) {
  const int epoch = media_epoch_.load(std::memory_order_acquire);
  EpochStats& st = *stats_[static_cast<size_t>(epoch)];
  const uint8_t pt = set_.expected_pt(sock);
  const bool pcmu = sock % 2 == 0;
  if (len <= kRtpHeaderLen || (pkt[0] & 0xc0) != 0x80 || (pkt[1] & 0x7f) != pt ||
      (pcmu && len != kRtpHeaderLen + 160)) {
    st.corrupted.add(1);
    return;
  }
  Track& t = tracks_[sock ^ 1];
  if (t.epoch != epoch) t = Track{.epoch = epoch};
  // Extend the 16-bit sequence around the highest one seen; the first starts mid-range so a
  // reordered predecessor still has a smaller index.
  const auto seq = static_cast<uint16_t>(pkt[2] << 8 | pkt[3]);
  const uint32_t idx =
      t.started ? t.highest + static_cast<int16_t>(seq - uint16_t(t.highest)) : (1u << 30) + seq;
  if (!t.admit(idx, st)) return;
  st.received.add(1);
  total_received_.add(1);
  media_received_[sock ^ 1].add(1);
}

}  // namespace rtpload
