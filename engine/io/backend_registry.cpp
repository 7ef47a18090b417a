#include "engine/io/backend_registry.hpp"

#include <array>
#include <stdexcept>

namespace rtpx::io {

namespace {
constexpr std::array<BackendEntry, 3> kBackends{{
    {"io_uring", &make_uring_backend, true},
    {"epoll", &make_epoll_backend, true},
    {"loopback", &make_loopback_backend, false},
}};
}  // namespace

std::span<const BackendEntry> backend_registry() {
  return kBackends;
}

std::vector<std::string_view> selectable_backend_names() {
  std::vector<std::string_view> names;
  for (const auto& e : kBackends)
    if (e.selectable) names.push_back(e.name);
  return names;
}

OpenedBackend open_backend(std::string_view name, const BackendOptions& options) {
  const BackendEntry* entry = nullptr;
  for (const auto& e : kBackends)
    if (e.name == name) entry = &e;
  if (entry == nullptr) throw std::runtime_error("unknown I/O backend '" + std::string(name) + "'");

  std::string error;
  if (auto b = entry->create(options, &error)) return {std::move(b), {}};
  if (name == "epoll") throw std::runtime_error("epoll backend failed: " + error);

  OpenedBackend opened;
  opened.fallback_reason =
      std::string(name) + " not available: " + error + "; falling back to epoll";
  std::string epoll_error;
  opened.backend = make_epoll_backend(options, &epoll_error);
  if (!opened.backend) throw std::runtime_error(opened.fallback_reason + " failed: " + epoll_error);
  return opened;
}

}  // namespace rtpx::io
