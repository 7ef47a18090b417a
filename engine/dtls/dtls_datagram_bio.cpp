#include "engine/dtls/dtls_datagram_bio.hpp"

#include <openssl/bio.h>

#include <algorithm>
#include <cstring>

namespace rtpx::engine::dtls {

bool DatagramQueue::push(std::span<const uint8_t> datagram) noexcept {
  if (count_ == kSlots || datagram.size() > kSlotBytes) {
    ++dropped_;
    return false;
  }
  const size_t slot = (head_ + count_) % kSlots;
  std::memcpy(slots_[slot].data(), datagram.data(), datagram.size());
  lens_[slot] = static_cast<uint32_t>(datagram.size());
  ++count_;
  return true;
}

bool DatagramQueue::pop(std::span<uint8_t> out, uint32_t* len) noexcept {
  if (count_ == 0 || out.size() < lens_[head_]) return false;
  std::memcpy(out.data(), slots_[head_].data(), lens_[head_]);
  *len = lens_[head_];
  head_ = (head_ + 1) % kSlots;
  --count_;
  return true;
}

namespace {

DatagramLink* link_of(BIO* bio) {
  return static_cast<DatagramLink*>(BIO_get_data(bio));
}

int bio_write(BIO* bio, const char* data, int len) {
  BIO_clear_retry_flags(bio);
  DatagramLink* link = link_of(bio);
  if (!link || len < 0) return -1;
  // A full queue drops the datagram as a lossy network would; DTLS retransmits the flight.
  link->outgoing.push({reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len)});
  return len;
}

int bio_read(BIO* bio, char* out, int cap) {
  BIO_clear_retry_flags(bio);
  DatagramLink* link = link_of(bio);
  if (!link || link->incoming.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const size_t n = std::min(link->incoming.size(), static_cast<size_t>(std::max(cap, 0)));
  std::memcpy(out, link->incoming.data(), n);
  link->incoming = {};
  return static_cast<int>(n);
}

long bio_ctrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {
  DatagramLink* link = link_of(bio);
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return link ? link->mtu : 0;
    case BIO_CTRL_PENDING:
      return link ? static_cast<long>(link->incoming.size()) : 0;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:  // the mtu counts the DTLS datagram only
    default:  // SET_NEXT_TIMEOUT, GET_PEER, MTU_EXCEEDED, PUSH, POP, ...: nothing to do
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int bio_destroy(BIO* bio) {
  if (!bio) return 0;
  BIO_set_data(bio, nullptr);
  return 1;
}

BIO_METHOD* make_method() {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtpx dtls datagram");
  if (!m) return nullptr;
  BIO_meth_set_write(m, bio_write);
  BIO_meth_set_read(m, bio_read);
  BIO_meth_set_ctrl(m, bio_ctrl);
  BIO_meth_set_create(m, bio_create);
  BIO_meth_set_destroy(m, bio_destroy);
  return m;
}

}  // namespace

BIO* new_datagram_bio(DatagramLink* link) {
  // Made once, on first use (thread-safe), and kept for the life of the process.
  static BIO_METHOD* const method = make_method();
  if (!method) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio) BIO_set_data(bio, link);
  return bio;
}

}  // namespace rtpx::engine::dtls
