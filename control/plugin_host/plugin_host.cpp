#include "control/plugin_host/plugin_host.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>

#include <spdlog/spdlog.h>

#include "control/include/rtpx/plugin.h"
#include "control/plugin_host/plugin_loader.hpp"

namespace rtpx::plugins {

namespace asio = boost::asio;
using nlohmann::json;

struct PluginSlot {
  PluginHost* host = nullptr;
  LoadedPlugin plugin;
  std::string name;
  json table;
  void* state = nullptr;
  bool started = false;
  std::map<std::string, std::string> config_cache;  // keeps config_get's buffers alive
  std::map<uint64_t, std::unique_ptr<asio::steady_timer>> timers;
  uint64_t next_timer = 1;
  struct Subscription {
    std::string event;
    rtpx_event_fn fn;
    void* user;
  };
  std::vector<Subscription> subscriptions;
  // Cleared when the plugin is unloaded: replies still in flight must not call into its code.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

namespace {

struct Service {
  PluginSlot* owner;
  rtpx_service_fn fn;
  void* user;
};
std::map<std::string, Service>& services() {
  static std::map<std::string, Service> registry;  // one host per process
  return registry;
}

PluginSlot& slot(rtpx_host* h) {
  return *reinterpret_cast<PluginSlot*>(h);
}
rtpx_host* handle(PluginSlot* s) {
  return reinterpret_cast<rtpx_host*>(s);
}
std::string text(rtpx_str s) {
  return s.ptr ? std::string(s.ptr, s.len) : std::string{};
}

// A reply owed to a plugin, delivered only while that plugin is loaded. Used as the `user` of a
// trampoline reply function when another plugin's service answers (exactly once, maybe later).
struct PendingReply {
  std::weak_ptr<bool> alive;
  rtpx_reply_fn fn;
  void* user;
  static void deliver(void* self, int ok, rtpx_str json) {
    std::unique_ptr<PendingReply> p(static_cast<PendingReply*>(self));
    if (auto a = p->alive.lock(); a && *a) p->fn(p->user, ok, json);
  }
};

}  // namespace

// The table handed to every plugin; each entry finds its plugin from the handle.
struct HostApi {
  static void log(rtpx_host* h, rtpx_log_level level, rtpx_str msg) {
    const auto lvl = level == RTPX_LOG_DEBUG  ? spdlog::level::debug
                     : level == RTPX_LOG_INFO ? spdlog::level::info
                     : level == RTPX_LOG_WARN ? spdlog::level::warn
                                              : spdlog::level::err;
    spdlog::log(lvl, "[{}] {}", slot(h).name, text(msg));
  }

  static rtpx_status config_get(rtpx_host* h, const char* key, rtpx_str* out) {
    PluginSlot& s = slot(h);
    if (key == nullptr || out == nullptr) return RTPX_ERR_INVALID;
    const json* node = &s.table;
    std::string k = key;
    for (size_t at = 0; !k.empty() && at != std::string::npos;) {
      const size_t dot = k.find('.', at);
      const std::string part = k.substr(at, dot == std::string::npos ? dot : dot - at);
      if (!node->is_object() || !node->contains(part)) return RTPX_ERR_NOT_FOUND;
      node = &(*node)[part];
      at = dot == std::string::npos ? dot : dot + 1;
    }
    std::string& kept = s.config_cache[k] = node->dump();
    *out = {kept.data(), kept.size()};
    return RTPX_OK;
  }

  static rtpx_status control_request(rtpx_host* h, const char* cmd, rtpx_str args,
                                     rtpx_reply_fn reply, void* user) {
    if (cmd == nullptr || reply == nullptr) return RTPX_ERR_INVALID;
    json a = nullptr;
    if (args.len != 0) {
      a = json::parse(text(args), nullptr, false);
      if (a.is_discarded()) return RTPX_ERR_INVALID;
    }
    std::weak_ptr<bool> alive = slot(h).alive;
    slot(h).host->link_.request(cmd, std::move(a), [alive, reply, user](bool ok, const json& v) {
      auto a2 = alive.lock();
      if (!a2 || !*a2) return;  // the plugin was unloaded meanwhile
      const std::string body = v.dump();
      reply(user, ok ? 1 : 0, {body.data(), body.size()});
    });
    return RTPX_OK;
  }

  static rtpx_status subscribe(rtpx_host* h, const char* event, rtpx_event_fn fn, void* user) {
    if (event == nullptr || fn == nullptr) return RTPX_ERR_INVALID;
    slot(h).subscriptions.push_back({event, fn, user});
    slot(h).host->link_.subscribe(event);
    return RTPX_OK;
  }

  static uint64_t timer_start(rtpx_host* h, uint32_t ms, int repeat, rtpx_timer_fn fn, void* user) {
    if (fn == nullptr) return 0;
    PluginSlot& s = slot(h);
    const uint64_t id = s.next_timer++;
    auto timer = std::make_unique<asio::steady_timer>(s.host->io_);
    arm(s, *timer, id, ms, repeat != 0, fn, user);
    s.timers.emplace(id, std::move(timer));
    return id;
  }

  static void arm(PluginSlot& s, asio::steady_timer& t, uint64_t id, uint32_t ms, bool repeat,
                  rtpx_timer_fn fn, void* user) {
    t.expires_after(std::chrono::milliseconds(ms));
    t.async_wait([&s, &t, id, ms, repeat, fn, user](boost::system::error_code ec) {
      if (ec) return;
      if (repeat) arm(s, t, id, ms, repeat, fn, user);
      fn(user);
      if (!repeat) s.timers.erase(id);  // after the call: the timer object is `t`
    });
  }

  static rtpx_status timer_cancel(rtpx_host* h, uint64_t id) {
    auto& timers = slot(h).timers;
    auto it = timers.find(id);
    if (it == timers.end()) return RTPX_ERR_NOT_FOUND;
    it->second->cancel();
    timers.erase(it);
    return RTPX_OK;
  }

  static rtpx_status service_register(rtpx_host* h, const char* name, rtpx_service_fn fn,
                                      void* user) {
    if (name == nullptr || fn == nullptr) return RTPX_ERR_INVALID;
    return services().emplace(name, Service{&slot(h), fn, user}).second ? RTPX_OK : RTPX_ERR_EXISTS;
  }

  static rtpx_status service_call(rtpx_host* h, const char* name, rtpx_str request,
                                  rtpx_reply_fn reply, void* user) {
    if (name == nullptr || reply == nullptr) return RTPX_ERR_INVALID;
    auto it = services().find(name);
    if (it == services().end()) return RTPX_ERR_NOT_FOUND;
    auto* pending = new PendingReply{slot(h).alive, reply, user};
    it->second.fn(it->second.user, request, &PendingReply::deliver, pending);
    return RTPX_OK;
  }

  // Any thread: the slot's alive token is only read here, and only the loop clears it.
  static rtpx_status post(rtpx_host* h, rtpx_timer_fn fn, void* user) {
    if (fn == nullptr) return RTPX_ERR_INVALID;
    std::weak_ptr<bool> alive = slot(h).alive;
    asio::post(slot(h).host->io_, [alive, fn, user] {
      if (auto a = alive.lock(); a && *a) fn(user);
    });
    return RTPX_OK;
  }

  static const rtpx_host_api& table() {
    static const rtpx_host_api api = {sizeof(rtpx_host_api),
                                      RTPX_PLUGIN_ABI_MAJOR,
                                      RTPX_PLUGIN_ABI_MINOR,
                                      &log,
                                      &config_get,
                                      &control_request,
                                      &subscribe,
                                      &timer_start,
                                      &timer_cancel,
                                      &service_register,
                                      &service_call,
                                      &post};
    return api;
  }
};

PluginHost::PluginHost(asio::io_context& io, ControlLink& link, std::vector<std::string> path)
    : io_(io), link_(link), search_path_(std::move(path)) {
  link_.subscribe("plugin_command");
  link_.on_connect([this] { report(); });
  link_.on_event([this](const json& ev) {
    const std::string name = ev.value("event", "");
    if (name == "plugin_command") return command(ev);
    const std::string body = ev.dump();
    for (auto& s : slots_)
      for (const auto& sub : s->subscriptions)
        if (sub.event == name)
          sub.fn(sub.user, {name.data(), name.size()}, {body.data(), body.size()});
  });
}

PluginHost::~PluginHost() {
  stop();
}

size_t PluginHost::load(const std::vector<PluginSpec>& specs) {
  for (const PluginSpec& spec : specs) {
    const std::string file = find_plugin(spec.name, search_path_);
    if (file.empty()) {
      spdlog::error("plugin {}: not found on the search path", spec.name);
      continue;
    }
    auto loaded = load_plugin(file);
    if (!loaded) {
      spdlog::error("{}", loaded.error().message);
      continue;
    }
    auto s = std::make_unique<PluginSlot>();
    s->host = this;
    s->name = loaded->descriptor->name;
    s->plugin = std::move(*loaded);
    s->table = spec.table.is_object() ? spec.table : json::object();
    const rtpx_status st =
        s->plugin.descriptor->init(handle(s.get()), &HostApi::table(), &s->state);
    if (st != RTPX_OK) {
      spdlog::error("plugin {}: init failed ({})", s->name, static_cast<int>(st));
      std::erase_if(services(), [&](const auto& kv) { return kv.second.owner == s.get(); });
      continue;
    }
    spdlog::info("plugin {} {} loaded from {}", s->name, s->plugin.descriptor->version, file);
    slots_.push_back(std::move(s));
  }
  return slots_.size();
}

void PluginHost::start() {
  for (auto& s : slots_) {
    if (s->started) continue;
    if (s->plugin.descriptor->start(s->state) != RTPX_OK) {
      spdlog::error("plugin {}: start failed", s->name);
      continue;
    }
    s->started = true;
  }
}

void PluginHost::destroy(std::unique_ptr<PluginSlot> s) {
  *s->alive = false;
  if (s->started) s->plugin.descriptor->stop(s->state);
  for (auto& [id, t] : s->timers) t->cancel();
  s->timers.clear();
  std::erase_if(services(), [&](const auto& kv) { return kv.second.owner == s.get(); });
  s->plugin.descriptor->destroy(s->state);
  spdlog::info("plugin {} unloaded", s->name);
}

void PluginHost::stop() {
  while (!slots_.empty()) {
    std::unique_ptr<PluginSlot> s = std::move(slots_.back());
    slots_.pop_back();
    destroy(std::move(s));
  }
}

bool PluginHost::unload(const std::string& name) {
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if ((*it)->name != name) continue;
    std::unique_ptr<PluginSlot> s = std::move(*it);
    slots_.erase(it);
    destroy(std::move(s));
    return true;
  }
  return false;
}

void PluginHost::command(const json& ev) {
  const std::string op = ev.value("op", "");
  if (op == "call") return answer_call(ev);
  const std::string name = ev.value("name", "");
  spdlog::info("rtpxd asks to {} plugin {}", op, name);
  if (op == "unload" || op == "reload") {
    if (!unload(name)) spdlog::warn("plugin {} is not loaded", name);
  }
  if (op == "load" || op == "reload") {
    bool present = false;
    for (const auto& s : slots_) present = present || s->name == name;
    if (present) {
      spdlog::warn("plugin {} is already loaded", name);
    } else {
      load({spec_for_ ? spec_for_(name) : PluginSpec{name, json::object()}});
      start();
    }
  }
  report();
}

namespace {

// rtpxd's call in flight: freed when the service answers (exactly once, maybe later).
struct PendingCall {
  PluginHost::ServiceReply reply;
  std::string service;
  static void deliver(void* self, int ok, rtpx_str answer) {
    std::unique_ptr<PendingCall> p(static_cast<PendingCall*>(self));
    json value = answer.len == 0 ? json() : json::parse(text(answer), nullptr, false);
    if (value.is_discarded()) {
      ok = 0;
      value = {{"code", "internal"},
               {"message", "service '" + p->service + "' answered with invalid JSON"}};
    }
    p->reply(ok != 0, value);
  }
};

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

void PluginHost::call(const std::string& service, const json& request, ServiceReply reply) {
  auto it = services().find(service);
  if (it == services().end()) {
    std::string known;
    for (const auto& [name, s] : services()) known += (known.empty() ? "" : ", ") + name;
    reply(false, {{"code", "not_found"},
                  {"field", "service"},
                  {"message", "no plugin offers service '" + service +
                                  "' (services: " + (known.empty() ? "none" : known) + ")"}});
    return;
  }
  const std::string body = request.is_null() ? "{}" : request.dump();
  auto* pending = new PendingCall{std::move(reply), service};
  it->second.fn(it->second.user, {body.data(), body.size()}, &PendingCall::deliver, pending);
}

// rtpxd's plugins.call: the answer goes back as plugins.reply {"call", "ok", "result"}.
void PluginHost::answer_call(const json& ev) {
  const json call = ev.value("call", json());
  const std::string service = string_field(ev, "service");
  spdlog::debug("rtpxd calls service {} (call {})", service, call.dump());
  this->call(service, ev.value("request", json::object()), [this, call](bool ok, const json& v) {
    link_.request("plugins.reply", json{{"call", call}, {"ok", ok}, {"result", v}},
                  [call](bool sent, const json& e) {
                    if (sent) return;
                    // not_found: the asker left or gave up meanwhile, which is no fault.
                    const bool gone = e.is_object() && e.value("code", json()) == "not_found";
                    spdlog::log(gone ? spdlog::level::debug : spdlog::level::warn,
                                "rtpxd took no reply to call {}: {}", call.dump(), e.dump());
                  });
  });
}

void PluginHost::report() {
  json list = json::array();
  for (const auto& s : slots_) {
    list.push_back({{"name", s->name},
                    {"version", s->plugin.descriptor->version},
                    {"description",
                     s->plugin.descriptor->description ? s->plugin.descriptor->description : ""},
                    {"file", s->plugin.path},
                    {"state", s->started ? "running" : "initialised"}});
  }
  link_.request("plugins.report", json{{"plugins", std::move(list)}}, [](bool ok, const json& v) {
    if (!ok) spdlog::warn("rtpxd refused the plugin report: {}", v.dump());
  });
}

std::vector<std::string> PluginHost::loaded() const {
  std::vector<std::string> out;
  for (const auto& s : slots_) out.push_back(s->name);
  return out;
}

}  // namespace rtpx::plugins
