#include "engine/engine.hpp"

namespace rtpx::engine {

Engine::Engine(const EngineOptions& options)
    : requested_(options.backend), slots_(new Endpoint[options.endpoint_slots]) {
  table_ = {slots_.get(), options.endpoint_slots};
  io::BackendOptions io = options.io;
  io.max_sockets = options.endpoint_slots;
  const uint32_t threads = options.threads == 0 ? 1 : options.threads;
  for (uint32_t i = 0; i < threads; ++i) {
    io::OpenedBackend opened = io::open_backend(options.backend, io);
    if (i == 0) fallback_reason_ = opened.fallback_reason;
    shards_.push_back(std::make_unique<Shard>(i, std::move(opened.backend), table_, io.burst));
    shards_.back()->set_coalesce(options.coalesce_us);
  }
}

Engine::~Engine() {
  stop();
}

void Engine::start() {
  if (started_) return;
  for (auto& s : shards_) s->start();
  started_ = true;
}

void Engine::stop() {
  if (!started_) return;
  for (auto& s : shards_) s->stop();
  started_ = false;
}

}  // namespace rtpx::engine
