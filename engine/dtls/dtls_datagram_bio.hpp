#pragma once
// The BIO between OpenSSL's DTLS state machine and the shard: no socket behind it. Every write
// OpenSSL makes is one datagram, queued in storage allocated with the connection; every read
// hands over the one datagram the shard is feeding, then says "retry" until the next one.

#include <array>
#include <cstdint>
#include <span>

typedef struct bio_st BIO;

namespace rtpx::engine::dtls {

class DatagramQueue {
 public:
  static constexpr size_t kSlots = 16;
  static constexpr size_t kSlotBytes = 1500;

  // False (and counted in dropped()) when the queue is full or the datagram too large.
  bool push(std::span<const uint8_t> datagram) noexcept;
  // Copies the oldest datagram into `out` (kSlotBytes at least) and removes it.
  bool pop(std::span<uint8_t> out, uint32_t* len) noexcept;
  size_t size() const noexcept { return count_; }
  uint64_t dropped() const noexcept { return dropped_; }

 private:
  std::array<std::array<uint8_t, kSlotBytes>, kSlots> slots_{};
  std::array<uint32_t, kSlots> lens_{};
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t dropped_ = 0;
};

// What the BIO reads from and writes to; owned by the connection, outlives the BIO's use.
struct DatagramLink {
  std::span<const uint8_t> incoming;  // the datagram being fed; emptied by the read that takes it
  uint16_t mtu = 1200;                // what the BIO reports when OpenSSL asks
  DatagramQueue outgoing;
};

// A new BIO over `link` (one reference, for SSL_set_bio); nullptr when OpenSSL fails.
BIO* new_datagram_bio(DatagramLink* link);

}  // namespace rtpx::engine::dtls
