#pragma once
// Backends by name, in preference order. Picking one probes it at start and falls back to
// epoll (the portable baseline) with a logged reason when the preferred one cannot run here.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/io_backend.hpp"

namespace rtpx::io {

struct BackendOptions {
  uint32_t pool_packets = 4096;  // packet buffers per shard
  uint32_t buffer_size = 2048;   // bytes per buffer (largest datagram accepted)
  uint32_t max_sockets = 20480;  // socket ids range over [0, max_sockets)
  uint32_t burst = 32;           // largest rx burst the caller asks for
};

// Returns nullptr and sets *error when the backend cannot run on this machine.
using BackendFactory = std::unique_ptr<IoBackend> (*)(const BackendOptions&, std::string* error);

struct BackendEntry {
  std::string_view name;
  BackendFactory create;
  bool selectable;  // false for test-only backends that carry no real traffic
};

// The explicit list: io_uring, epoll, loopback.
std::span<const BackendEntry> backend_registry();
std::vector<std::string_view> selectable_backend_names();

struct OpenedBackend {
  std::unique_ptr<IoBackend> backend;
  std::string fallback_reason;  // non-empty when another backend than the one asked for runs
};

// Opens `name`; when it cannot run, falls back to epoll and says why. Throws std::runtime_error
// for an unknown name or when no backend can run (start-up time only).
OpenedBackend open_backend(std::string_view name, const BackendOptions& options);

// Factories, one per implementation file.
std::unique_ptr<IoBackend> make_epoll_backend(const BackendOptions&, std::string* error);
std::unique_ptr<IoBackend> make_uring_backend(const BackendOptions&, std::string* error);
std::unique_ptr<IoBackend> make_loopback_backend(const BackendOptions&, std::string* error);

}  // namespace rtpx::io
