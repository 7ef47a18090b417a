#include "control/daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <thread>

#include "control/daemon/plugin_supervisor.hpp"
#include "control/ng/ng_handler.hpp"
#include "control/ng/ng_server.hpp"
#include "control/ng/ng_stream_server.hpp"
#include "control/socket/control_server.hpp"

namespace rtpx::daemon {

namespace asio = boost::asio;

namespace {

engine::EngineOptions engine_options(const config::Config& c) {
  engine::EngineOptions o;
  o.backend = c.engine.backend;
  o.threads =
      c.engine.threads != 0 ? c.engine.threads : std::max(1u, std::thread::hardware_concurrency());
  o.endpoint_slots = control::SessionService::endpoint_slots(c.media);
  o.io.pool_packets = c.engine.pool_packets;
  o.io.burst = c.engine.burst;
  o.coalesce_us = c.engine.coalesce_us;
  return o;
}

}  // namespace

Daemon::Daemon(const config::Config& config) : config_(config), tick_(io_) {
  engine_ = std::make_unique<engine::Engine>(engine_options(config_));
  if (!engine_->fallback_reason().empty()) spdlog::warn("{}", engine_->fallback_reason());
  sessions_ = std::make_unique<control::SessionService>(*engine_, config_.media);
  ctx_.reset(new control::DaemonContext{
      config_, *engine_, *sessions_, 0, {}, {}, {}, {}, {}, {}, {}, {}, {}});
  ctx_->started = control::SessionService::wall_now();
  ctx_->control_socket = config_.control.socket;
  auto access =
      control::resolve_peer_access(config_.control.allow_user, config_.control.allow_group);
  if (!access) throw std::runtime_error(access.error().field + ": " + access.error().message);
  control_ = std::make_unique<control::ControlServer>(io_, *ctx_, config_.control.socket,
                                                      config_.control.socket_mode, *access);
  ng_handler_ = std::make_unique<ng::NgHandler>(*ctx_);
  if (!config_.control.ng_listen.empty()) {
    ng_ = std::make_unique<ng::NgServer>(io_, *ng_handler_, config_.control.ng_listen);
    ctx_->ng_listen = ng_->local_address();
  }
  if (!config_.control.ng_listen_tcp.empty()) {
    ng_tcp_ =
        std::make_unique<ng::NgStreamServer>(io_, *ng_handler_, config_.control.ng_listen_tcp);
    ctx_->ng_listen_tcp = ng_tcp_->local_address();
  }
  if (!config_.control.ng_listen_unix.empty()) {
    ng_unix_ = std::make_unique<ng::NgUnixServer>(io_, *ng_handler_, config_.control.ng_listen_unix,
                                                  config_.control.socket_mode, *access);
    ctx_->ng_listen_unix = config_.control.ng_listen_unix;
  }
  if (config_.plugins.supervise) {
    if (config_.source == "<embedded>") {
      throw std::runtime_error(
          "plugins.supervise needs a config file: the plugin host reads its [plugins] table");
    }
    plugins_ = std::make_unique<PluginSupervisor>(io_, config_.plugins.host_binary, config_.source,
                                                  ctx_->control_socket);
    ctx_->plugin_host = [this] { return plugins_->state(); };
  }
  ctx_->publish = [this](const nlohmann::json& ev) { return control_->publish(ev); };
  sessions_->set_event_sink([this](const control::SessionEvent& ev) {
    if (ev.name == "media_timeout") spdlog::info("call {}: media timeout", ev.call_id);
    if (ev.name == "dtls_failed")
      spdlog::warn("call {}: DTLS-SRTP handshake failed: {}", ev.call_id, ev.reason);
    control_->publish(ev);
  });
  engine_->start();
  spdlog::info(
      "rtpxd {} ready: backend {} ({} shard{}), media {}{} ports {}-{}, control {}, ng {}{}",
      RTPX_VERSION, engine_->backend_name(), engine_->shard_count(),
      engine_->shard_count() == 1 ? "" : "s", config_.media.interface,
      config_.media.interface6.empty() ? "" : " and " + config_.media.interface6,
      config_.media.port_min, config_.media.port_max, ctx_->control_socket,
      ctx_->ng_listen.empty() ? "off" : ctx_->ng_listen,
      ctx_->ng_listen_tcp.empty() ? "" : " (tcp " + ctx_->ng_listen_tcp + ")");
  if (plugins_) plugins_->start();  // after the control socket exists
  schedule_tick();
}

Daemon::~Daemon() {
  // Calls first (they post removals to the shards), then the listeners, then the shards.
  plugins_.reset();  // the host first: it is a client of what follows
  sessions_->set_event_sink({});
  sessions_->clear();
  ng_unix_.reset();
  ng_tcp_.reset();
  ng_.reset();
  ng_handler_.reset();
  control_.reset();
  engine_->stop();
}

// Every 100 ms: events the shards produced (DTMF); every second also timeouts and DTLS failures.
void Daemon::schedule_tick() {
  tick_.expires_after(std::chrono::milliseconds(100));
  tick_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    sessions_->poll_events();
    if (++ticks_ % 10 == 0) {
      sessions_->expire_idle(control::SessionService::mono_now_ns());
      sessions_->flush();
    }
    schedule_tick();
  });
}

int Daemon::run(bool handle_signals) {
  asio::signal_set signals(io_);
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("signal {}: shutting down", sig);
      stop();
    });
  }
  io_.run();
  return 0;
}

void Daemon::stop() {
  asio::post(io_, [this] {
    tick_.cancel();
    io_.stop();
  });
}

}  // namespace rtpx::daemon
