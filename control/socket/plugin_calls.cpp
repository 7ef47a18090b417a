#include "control/socket/plugin_calls.hpp"

#include <cstdio>
#include <utility>

#include "control/socket/render_json.hpp"

namespace rtpx::control {

namespace asio = boost::asio;
using nlohmann::json;

PluginCalls::PluginCalls(asio::io_context& io, Publish publish, std::chrono::milliseconds timeout)
    : io_(io), publish_(std::move(publish)), timeout_(timeout) {}

PluginCalls::~PluginCalls() {
  for (auto& [call, p] : pending_) p.timer->cancel();
}

Result<uint64_t> PluginCalls::start(const json& request, const void* owner, Done done) {
  auto service = request.find("service");
  if (service == request.end() || !service->is_string() || service->get<std::string>().empty())
    return bad_field("service", "service must be a non-empty string (e.g. \"sip.gateways\")");
  const std::string name = service->get<std::string>();
  json args = json::object();
  if (auto it = request.find("request"); it != request.end() && !it->is_null()) args = *it;

  const uint64_t call = next_call_++;
  const json event = {{"event", "plugin_command"},
                      {"op", "call"},
                      {"call", call},
                      {"service", name},
                      {"request", std::move(args)}};
  if (!publish_ || publish_(event) == 0)
    return Error{ErrorCode::not_found, "", "no plugin host is connected"};

  auto timer = std::make_unique<asio::steady_timer>(io_, timeout_);
  timer->async_wait([this, call](boost::system::error_code ec) {
    if (!ec) expire(call);
  });
  pending_.emplace(call, Pending{owner, name, std::move(done), std::move(timer)});
  return call;
}

void PluginCalls::expire(uint64_t call) {
  auto it = pending_.find(call);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  const auto seconds = std::chrono::duration<double>(timeout_).count();
  char took[32];
  std::snprintf(took, sizeof took, "%g", seconds);
  p.done(false, to_json(Error{ErrorCode::timeout, "service",
                              "the plugin host did not answer the call to service '" + p.service +
                                  "' within " + took + " s"}));
}

Result<json> PluginCalls::complete(const json& reply) {
  auto call = reply.find("call");
  if (call == reply.end() || !call->is_number_unsigned())
    return bad_field("call", "call must be the call number of the plugin_command event");
  auto ok = reply.find("ok");
  if (ok == reply.end() || !ok->is_boolean()) return bad_field("ok", "ok must be true or false");
  auto it = pending_.find(call->get<uint64_t>());
  if (it == pending_.end()) {
    return Error{ErrorCode::not_found, "call",
                 "no call " + std::to_string(call->get<uint64_t>()) +
                     " is waiting (it timed out, or its client left)"};
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  json result = reply.value("result", json());
  if (ok->get<bool>()) {
    p.done(true, result.is_null() ? json::object() : std::move(result));
  } else if (result.is_object() && result.contains("code")) {
    p.done(false, std::move(result));
  } else {
    p.done(false, to_json(Error{ErrorCode::internal, "",
                                "service '" + p.service + "' failed: " + result.dump()}));
  }
  return json::object();
}

void PluginCalls::forget(const void* owner) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.owner != owner) {
      ++it;
      continue;
    }
    it->second.timer->cancel();
    it = pending_.erase(it);
  }
}

}  // namespace rtpx::control
