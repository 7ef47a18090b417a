#include "engine/shard/shard.hpp"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

namespace rtpx::engine {

Shard::Shard(uint32_t id, std::unique_ptr<io::IoBackend> backend, EndpointTable table,
             uint32_t burst)
    : id_(id),
      backend_(std::move(backend)),
      table_(table),
      transcode_(*backend_, table),
      fax_(*backend_, table),
      sinks_{&stun_, this, &transcode_, &fax_},
      burst_(burst < 1 ? 1 : (burst > kMaxBurst ? kMaxBurst : burst)),
      commands_(4096) {
  dtls_watch_.reserve(1024);
}

Shard::~Shard() {
  stop();
  draining_ = true;
  apply_commands();  // sockets still queued (never-started shard) go to the backend, which closes
                     // them
}

void Shard::start() {
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
  std::string name = "rtpx-shard" + std::to_string(id_);
  pthread_setname_np(thread_.native_handle(), name.c_str());
}

void Shard::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  backend_->wake();
  thread_.join();
}

uint64_t Shard::queue(const ShardCommand& cmd) {
  while (!commands_.try_push(cmd)) {
    backend_->wake();  // full: let the shard drain it
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return ++posted_;
}

uint64_t Shard::post(const ShardCommand& cmd) {
  const uint64_t ticket = queue(cmd);
  backend_->wake();
  return ticket;
}

bool Shard::wait_applied(uint64_t ticket, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!applied(ticket)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

int64_t Shard::now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void Shard::apply_commands() noexcept {
  ShardCommand c;
  uint64_t n = 0;
  while (commands_.try_pop(&c)) {
    ++n;
    if (c.id >= table_.size) {
      if (c.fd >= 0) ::close(c.fd);
      continue;
    }
    Endpoint& e = table_.slots[c.id];
    switch (c.op) {
      case ShardCommand::Op::add:
        if (backend_->add_socket(c.id, c.fd) == io::IoStatus::ok) {
          e.reset(c.cfg);
          counters_.sockets.add();
          if (e.cfg.crypto != nullptr) crypto_configured(c.id, e, now_ns());
          media_configured(c.id, e);
        } else {
          ::close(c.fd);
        }
        break;
      case ShardCommand::Op::update: {
        // The party moved (re-INVITE with a new address): latch afresh.
        if (!(c.cfg.signaled == e.cfg.signaled)) e.unlatch();
        const EndpointCrypto* before = e.cfg.crypto;
        e.configure(c.cfg);
        if (e.cfg.crypto != nullptr && e.cfg.crypto != before) {
          crypto_configured(c.id, e, now_ns());
          // The replaced state lives until this command is applied: hand on a ClientHello it kept.
          if (before != nullptr && before->early_dtls_len != 0 && !draining_)
            replay_early_dtls(c.id, e, *before, now_ns());
        }
        media_configured(c.id, e);
        break;
      }
      case ShardCommand::Op::remove:
        if (e.active) {
          backend_->remove_socket(c.id);
          e.active = false;
          e.cfg.crypto = nullptr;  // the control plane frees these once this is applied
          e.cfg.transcode = nullptr;
          e.cfg.fax = nullptr;
          e.cfg.fax_detect = nullptr;
          counters_.sockets.set(counters_.sockets.get() - 1);
        }
        break;
      case ShardCommand::Op::barrier:
        break;
    }
  }
  if (n) applied_.store(applied_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

// An endpoint's transcoder (if any) joins the transcoding stage; while the shard is being torn
// down, the state it names may be gone already.
void Shard::media_configured(io::SocketId id, Endpoint& e) noexcept {
  if (draining_) {
    e.cfg.transcode = nullptr;
    e.cfg.fax = nullptr;
    e.cfg.fax_detect = nullptr;
    return;
  }
  transcode_.configured(id, e);
  fax_.configured(id, e);
}

size_t Shard::poll_once(int wait_ms) noexcept {
  apply_commands();
  counters_.loops.add();
  if (transcode_.next_due_ns() != INT64_MAX || fax_.next_due_ns() != INT64_MAX) {
    const int64_t t = TranscodeStage::clock_ns();
    transcode_.run_timers(t);
    fax_.run_timers(t);
    // Sleep no longer than the next transcoding or fax tick.
    const int64_t due = std::min(transcode_.next_due_ns(), fax_.next_due_ns());
    if (due != INT64_MAX && wait_ms > 0) {
      const int64_t ms = (due - t) / 1'000'000 + 1;
      if (ms < wait_ms) wait_ms = static_cast<int>(ms < 1 ? 1 : ms);
    }
  }
  if (dtls_next_ns_ != INT64_MAX) {
    const int64_t t = now_ns();
    if (t >= dtls_next_ns_) run_dtls_timers(t);
    // Sleep no longer than the next DTLS retransmission.
    if (dtls_next_ns_ != INT64_MAX && wait_ms > 0) {
      const int64_t ms = (dtls_next_ns_ - t) / 1'000'000 + 1;
      if (ms < wait_ms) wait_ms = static_cast<int>(ms < 1 ? 1 : ms);
    }
  }
  size_t n = backend_->rx_burst({rx_, burst_});
  if (n == 0) {
    if (wait_ms > 0) backend_->wait(wait_ms);
    return 0;
  }
  counters_.busy_loops.add();
  const int64_t now = now_ns();
  size_t ntx = 0, ndrop = 0;
  for (size_t i = 0; i < n; ++i) {
    io::Packet* p = rx_[i];
    if (auto reason = relay_one(table_, p, now, sinks_)) {
      counters_.drops[static_cast<size_t>(*reason)].add();
      drop_[ndrop++] = p;
    } else {
      tx_[ntx++] = p;
    }
  }
  if (ndrop) backend_->free_burst({drop_, ndrop});
  if (ntx) {
    size_t sent = backend_->tx_burst({tx_, ntx});
    counters_.relayed_packets.add(sent);
    if (sent < ntx) counters_.drops[static_cast<size_t>(DropReason::tx_error)].add(ntx - sent);
  }
  return n;
}

// An endpoint got a new EndpointCrypto. A DTLS client starts its handshake now (towards the
// party's address, once known); any association under way is watched for its timers.
void Shard::crypto_configured(io::SocketId id, Endpoint& e, int64_t now) noexcept {
  if (draining_) {
    e.cfg.crypto = nullptr;
    return;
  }
  dtls::Connection* d = e.cfg.crypto->dtls.get();
  if (d == nullptr) return;
  if (d->state() == dtls::State::idle) {
    d->start(now);  // a client queues its ClientHello, a server arms its handshake timeout
    send_dtls(id, e);
  }
  dtls_progress(e);
  if (d->state() == dtls::State::connecting) {
    dtls_watch_.push_back({id, e.cfg.crypto});  // reserved: allocates only past 1024 handshakes
    dtls_next_ns_ = std::min(dtls_next_ns_, d->next_timer_ns());
  }
}

// Sends what the association queued, to the party's latched (else signaled) address. Without
// either, the datagrams wait in OpenSSL for the next retransmission.
void Shard::send_dtls(io::SocketId id, Endpoint& e) noexcept {
  dtls::Connection& d = *e.cfg.crypto->dtls;
  const bool known = e.latched || e.signaled_usable;
  const net::SockAddr& to = e.latched ? e.latched_addr : e.cfg.signaled;
  uint8_t buf[dtls::Connection::kMaxDatagram];
  uint32_t len = 0;
  while (d.pop_datagram(buf, &len)) {
    if (known) (void)backend_->send_datagram(id, to, {buf, len});
  }
}

// After the association moved: install the keys it produced, publish its state.
void Shard::dtls_progress(Endpoint& e) noexcept {
  EndpointCrypto& c = *e.cfg.crypto;
  dtls::Connection& d = *c.dtls;
  const dtls::State s = d.state();
  if (s == dtls::State::connected && !c.has_keys() && d.keying()) {
    if (!c.install(*d.keying())) {
      c.publish(dtls::State::failed, "the negotiated SRTP keys could not be set up");
      return;
    }
  }
  // Published once per change: the control plane may be reading the failure text.
  if (s != c.dtls_state.load(std::memory_order_relaxed))
    c.publish(s, s == dtls::State::failed ? d.failure().c_str() : nullptr);
}

void Shard::replay_early_dtls(io::SocketId id, Endpoint& e, const EndpointCrypto& before,
                              int64_t now) noexcept {
  dtls::Connection* d = e.cfg.crypto->dtls.get();
  if (d == nullptr || d->role() != dtls::Role::server) return;
  io::Packet p;
  p.data = const_cast<uint8_t*>(before.early_dtls);
  p.len = before.early_dtls_len;
  p.socket = id;
  p.addr = e.latched ? e.latched_addr : e.cfg.signaled;
  on_dtls(e, p, now);
}

void Shard::on_dtls(Endpoint& e, const io::Packet& p, int64_t now) noexcept {
  EndpointCrypto& c = *e.cfg.crypto;
  if (c.dtls == nullptr) {  // offered, not answered yet: keep the latest ClientHello
    if (c.await_dtls && p.len <= sizeof c.early_dtls) {
      std::memcpy(c.early_dtls, p.data, p.len);
      c.early_dtls_len = static_cast<uint16_t>(p.len);
    }
    return;
  }
  // Started (and watched) when it was configured: crypto_configured().
  dtls::Connection& d = *c.dtls;
  d.receive({p.data, p.len}, now);
  send_dtls(p.socket, e);
  dtls_progress(e);
  dtls_next_ns_ = std::min(dtls_next_ns_, d.next_timer_ns());
}

void Shard::run_dtls_timers(int64_t now) noexcept {
  int64_t next = INT64_MAX;
  std::erase_if(dtls_watch_, [&](const DtlsWatch& w) {
    if (w.id >= table_.size) return true;
    Endpoint& e = table_.slots[w.id];
    if (!e.active || e.cfg.crypto != w.crypto || e.cfg.crypto->dtls == nullptr) return true;
    dtls::Connection& d = *e.cfg.crypto->dtls;
    if (d.next_timer_ns() <= now) {
      d.on_timer(now);
      send_dtls(w.id, e);
      dtls_progress(e);
    }
    if (d.state() != dtls::State::connecting) return true;
    next = std::min(next, d.next_timer_ns());
    return false;
  });
  dtls_next_ns_ = next;
}

void Shard::run() noexcept {
  const timespec pause{0, static_cast<long>(coalesce_us_) * 1000};
  while (!stop_.load(std::memory_order_relaxed)) {
    const size_t n = poll_once(100);
    if (coalesce_us_ != 0 && n != 0 && n < burst_)
      clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
  }
  apply_commands();
}

}  // namespace rtpx::engine
