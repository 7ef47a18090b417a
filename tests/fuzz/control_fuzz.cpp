// Fuzz target for both control front ends over a real session service (loopback backend): a
// JSON request line or an ng bencode body, whatever its content, gets a reply and leaves the
// service consistent.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "control/ng/bencode.hpp"
#include "control/ng/ng_commands.hpp"
#include "control/socket/json_commands.hpp"

using namespace rtpx;

namespace {

struct World {
  config::Config cfg;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<control::SessionService> sessions;
  std::unique_ptr<control::DaemonContext> ctx;
  World() {
    cfg.media.port_min = 47000;
    cfg.media.port_max = 47199;
    engine::EngineOptions o;
    o.backend = "loopback";
    o.endpoint_slots = 200;
    o.io.pool_packets = 64;
    engine = std::make_unique<engine::Engine>(o);
    sessions = std::make_unique<control::SessionService>(*engine, cfg.media);
    ctx.reset(
        new control::DaemonContext{cfg, *engine, *sessions, 0, {}, {}, {}, {}, {}, {}, {}, {}, {}});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  static unsigned runs = 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in.front() == '{') {
    nlohmann::json req = nlohmann::json::parse(in, nullptr, false);
    if (!req.is_discarded() && req.is_object()) {
      nlohmann::json reply = control::dispatch_json(*w.ctx, req);
      if (!reply.contains("result") && !reply.contains("error")) std::abort();
      (void)reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  } else {
    ng::DecodeResult d = ng::decode(in);
    if (d.value) {
      ng::Value reply = ng::dispatch_ng(*w.ctx, *d.value);
      if (reply.find("result") == nullptr) std::abort();
      (void)ng::encode(reply);
    }
  }
  // Keep state bounded: forget every call now and then (exercises delete on odd states too).
  if (++runs % 64 == 0) w.sessions->clear();
  return 0;
}
