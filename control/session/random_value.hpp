#pragma once
// Random SSRCs, sequence numbers and timestamps for the streams rtpxd originates (transcoders,
// fax gateways), from OpenSSL's generator.

#include <openssl/rand.h>

#include <stdexcept>

namespace rtpx::control {

template <typename T>
T random_value() {
  T v{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1)
    throw std::runtime_error("the OpenSSL random generator failed");
  return v;
}

}  // namespace rtpx::control
