#pragma once
// The packet core: the endpoint table and one shard per worker thread, each with its own
// backend instance. Created once at start-up (throws on failure); the control plane reaches
// shards only through Shard::post.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/backend_registry.hpp"
#include "engine/session/endpoint.hpp"
#include "engine/shard/shard.hpp"

namespace rtpx::engine {

struct EngineOptions {
  std::string backend = "io_uring";
  uint32_t threads = 1;
  uint32_t coalesce_us = 0;         // see Shard::set_coalesce
  uint32_t endpoint_slots = 10002;  // endpoint ids range over [0, endpoint_slots)
  io::BackendOptions io;            // io.max_sockets is set from endpoint_slots
};

class Engine {
 public:
  explicit Engine(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  void stop();

  uint32_t shard_count() const noexcept { return static_cast<uint32_t>(shards_.size()); }
  Shard& shard(uint32_t i) { return *shards_[i]; }
  const Shard& shard(uint32_t i) const { return *shards_[i]; }
  const Endpoint& endpoint(io::SocketId id) const { return slots_[id]; }
  uint32_t endpoint_slots() const noexcept { return table_.size; }

  const std::string& backend_requested() const noexcept { return requested_; }
  std::string_view backend_name() const noexcept { return shards_.front()->backend().name(); }
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }

 private:
  std::string requested_;
  std::string fallback_reason_;
  std::unique_ptr<Endpoint[]> slots_;
  EndpointTable table_;
  std::vector<std::unique_ptr<Shard>> shards_;
  bool started_ = false;
};

}  // namespace rtpx::engine
