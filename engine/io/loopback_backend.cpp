#include "engine/io/loopback_backend.hpp"

#include <unistd.h>

#include <cstring>

namespace rtpx::io {

LoopbackBackend::LoopbackBackend(const BackendOptions& o)
    : opts_(o),
      pool_(o.pool_packets, o.buffer_size),
      open_(new bool[o.max_sockets]()),
      rx_(new Packet*[o.pool_packets]),
      sent_(new Packet*[o.pool_packets]) {}

IoStatus LoopbackBackend::add_socket(SocketId id, int fd) noexcept {
  if (id >= opts_.max_sockets || open_[id]) return IoStatus::unknown_socket;
  if (fd >= 0) ::close(fd);  // no kernel I/O here: the socket only reserved the port
  open_[id] = true;
  return IoStatus::ok;
}

void LoopbackBackend::remove_socket(SocketId id) noexcept {
  if (id < opts_.max_sockets) open_[id] = false;
}

size_t LoopbackBackend::rx_burst(std::span<Packet*> out) noexcept {
  size_t n = 0;
  while (n < out.size() && rx_n_ > 0) {
    Packet* p = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % opts_.pool_packets;
    --rx_n_;
    if (!open_[p->socket]) {  // socket closed while the datagram was queued
      pool_.put(p);
      continue;
    }
    out[n++] = p;
  }
  counters_.rx_packets.add(n);
  return n;
}

size_t LoopbackBackend::tx_burst(std::span<Packet* const> pkts) noexcept {
  size_t ok = 0;
  for (Packet* p : pkts) {
    if (p->socket >= opts_.max_sockets || !open_[p->socket]) {
      counters_.tx_errors.add();
      pool_.put(p);
      continue;
    }
    counters_.tx_bytes.add(p->len);
    sent_[(sent_head_ + sent_n_) % opts_.pool_packets] = p;
    ++sent_n_;
    ++ok;
  }
  counters_.tx_packets.add(ok);
  return ok;
}

IoStatus LoopbackBackend::send_datagram(SocketId id, const net::SockAddr& to,
                                        std::span<const uint8_t> bytes) noexcept {
  if (bytes.size() > opts_.buffer_size) return IoStatus::full;
  Packet* p = pool_.get();
  if (p == nullptr) return IoStatus::no_memory;
  std::memcpy(p->data, bytes.data(), bytes.size());
  p->len = static_cast<uint32_t>(bytes.size());
  p->socket = id;
  p->addr = to;
  return tx_burst({&p, 1}) == 1 ? IoStatus::ok : IoStatus::unknown_socket;
}

void LoopbackBackend::free_burst(std::span<Packet* const> pkts) noexcept {
  for (Packet* p : pkts) pool_.put(p);
}

void LoopbackBackend::wait(int timeout_ms) noexcept {
  if (rx_n_ == 0 && timeout_ms > 0) ::usleep(static_cast<useconds_t>(timeout_ms) * 1000);
}

BackendStats LoopbackBackend::stats() const noexcept {
  return counters_.snapshot();
}

bool LoopbackBackend::inject(SocketId id, const net::SockAddr& from,
                             std::span<const uint8_t> bytes) {
  if (!is_open(id) || bytes.size() > opts_.buffer_size) return false;
  Packet* p = pool_.get();
  if (p == nullptr) return false;
  std::memcpy(p->data, bytes.data(), bytes.size());
  p->len = static_cast<uint32_t>(bytes.size());
  p->socket = id;
  p->addr = from;
  rx_[(rx_head_ + rx_n_) % opts_.pool_packets] = p;
  ++rx_n_;
  return true;
}

void LoopbackBackend::drain_sent(const std::function<void(const Packet&)>& fn) {
  while (sent_n_ > 0) {
    Packet* p = sent_[sent_head_];
    sent_head_ = (sent_head_ + 1) % opts_.pool_packets;
    --sent_n_;
    fn(*p);
    pool_.put(p);
  }
}

std::unique_ptr<IoBackend> make_loopback_backend(const BackendOptions& o, std::string*) {
  return std::make_unique<LoopbackBackend>(o);
}

}  // namespace rtpx::io
