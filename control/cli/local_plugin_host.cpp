#include "control/cli/local_plugin_host.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace rtpx::cli {

using nlohmann::json;

namespace {

LocalPluginHost& host_of(rtpx_host* h) {
  return *reinterpret_cast<LocalPluginHost*>(h);
}
std::string str(rtpx_str s) {
  return s.ptr ? std::string(s.ptr, s.len) : std::string{};
}

// The answer of one call(); shared with the reply trampoline, which may come after a timeout.
struct Awaited {
  bool done = false;
  LocalPluginHost::Answer answer;
};
struct AwaitedRef {
  std::shared_ptr<Awaited> awaited;
  static void deliver(void* self, int ok, rtpx_str body) {
    std::unique_ptr<AwaitedRef> r(static_cast<AwaitedRef*>(self));
    json value = body.len == 0 ? json::object() : json::parse(str(body), nullptr, false);
    if (value.is_discarded()) {
      ok = 0;
      value = {{"code", "internal"}, {"message", "the service answered invalid JSON"}};
    }
    r->awaited->answer = {ok != 0, std::move(value)};
    r->awaited->done = true;
  }
};

}  // namespace

struct LocalHostApi {
  static void log(rtpx_host* h, rtpx_log_level level, rtpx_str msg) {
    LocalPluginHost& host = host_of(h);
    if (level < RTPX_LOG_WARN && !host.verbose_) return;
    static constexpr const char* kLevels[] = {"debug", "info", "warning", "error"};
    const char* lvl = level >= RTPX_LOG_DEBUG && level <= RTPX_LOG_ERROR ? kLevels[level] : "log";
    std::fprintf(stderr, "rtpx: [%s] %s: %s\n", host.name_.c_str(), lvl, str(msg).c_str());
  }

  static rtpx_status config_get(rtpx_host* h, const char* key, rtpx_str* out) {
    if (key == nullptr || out == nullptr) return RTPX_ERR_INVALID;
    LocalPluginHost& host = host_of(h);
    const json* node = &host.table_;
    const std::string k = key;
    for (size_t at = 0; !k.empty() && at != std::string::npos;) {
      const size_t dot = k.find('.', at);
      const std::string part = k.substr(at, dot == std::string::npos ? dot : dot - at);
      if (!node->is_object() || !node->contains(part)) return RTPX_ERR_NOT_FOUND;
      node = &(*node)[part];
      at = dot == std::string::npos ? dot : dot + 1;
    }
    std::string& kept = host.config_cache_[k] = node->dump();
    *out = {kept.data(), kept.size()};
    return RTPX_OK;
  }

  static rtpx_status control_request(rtpx_host*, const char*, rtpx_str, rtpx_reply_fn, void*) {
    return RTPX_ERR_NOT_SUPPORTED;  // no rtpxd here
  }

  static rtpx_status subscribe(rtpx_host*, const char* event, rtpx_event_fn fn, void*) {
    return event == nullptr || fn == nullptr ? RTPX_ERR_INVALID : RTPX_OK;  // none ever come
  }

  static uint64_t timer_start(rtpx_host* h, uint32_t ms, int repeat, rtpx_timer_fn fn, void* user) {
    if (fn == nullptr) return 0;
    LocalPluginHost& host = host_of(h);
    const uint64_t id = host.next_timer_++;
    host.timers_[id] = {LocalPluginHost::Clock::now() + std::chrono::milliseconds(ms), ms,
                        repeat != 0, fn, user};
    return id;
  }

  static rtpx_status timer_cancel(rtpx_host* h, uint64_t id) {
    return host_of(h).timers_.erase(id) != 0 ? RTPX_OK : RTPX_ERR_NOT_FOUND;
  }

  static rtpx_status service_register(rtpx_host* h, const char* name, rtpx_service_fn fn,
                                      void* user) {
    if (name == nullptr || fn == nullptr) return RTPX_ERR_INVALID;
    return host_of(h).services_.emplace(name, LocalPluginHost::Service{fn, user}).second
               ? RTPX_OK
               : RTPX_ERR_EXISTS;
  }

  static rtpx_status service_call(rtpx_host* h, const char* name, rtpx_str request,
                                  rtpx_reply_fn reply, void* user) {
    if (name == nullptr || reply == nullptr) return RTPX_ERR_INVALID;
    auto it = host_of(h).services_.find(name);
    if (it == host_of(h).services_.end()) return RTPX_ERR_NOT_FOUND;
    it->second.fn(it->second.user, request, reply, user);
    return RTPX_OK;
  }

  static rtpx_status post(rtpx_host* h, rtpx_timer_fn fn, void* user) {
    if (fn == nullptr) return RTPX_ERR_INVALID;
    LocalPluginHost& host = host_of(h);
    {
      std::lock_guard<std::mutex> lock(host.mutex_);
      host.posted_.push_back({fn, user});
    }
    host.wake_.notify_one();
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

LocalPluginHost::LocalPluginHost(json table, bool verbose)
    : table_(table.is_object() ? std::move(table) : json::object()), verbose_(verbose) {}

LocalPluginHost::~LocalPluginHost() {
  if (!initialised_) return;
  if (started_) plugin_.descriptor->stop(state_);
  timers_.clear();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.clear();  // the plugin's threads are joined in stop(): nothing posts any more
  }
  plugin_.descriptor->destroy(state_);
}

void LocalPluginHost::load(const std::string& path) {
  if (initialised_) throw std::runtime_error("a plugin is loaded already");
  auto loaded = plugins::load_plugin(path);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  plugin_ = std::move(*loaded);
  name_ = plugin_.descriptor->name;
  const rtpx_status st =
      plugin_.descriptor->init(reinterpret_cast<rtpx_host*>(this), &LocalHostApi::table(), &state_);
  if (st != RTPX_OK) {
    services_.clear();
    throw std::runtime_error("plugin " + name_ + " (" + path + "): init failed (status " +
                             std::to_string(static_cast<int>(st)) + ", see its messages above)");
  }
  initialised_ = true;
  if (plugin_.descriptor->start(state_) != RTPX_OK)
    throw std::runtime_error("plugin " + name_ + " (" + path + "): start failed");
  started_ = true;
}

void LocalPluginHost::run_once(Clock::time_point until) {
  std::deque<Posted> work;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    Clock::time_point wake = until;
    for (const auto& [id, t] : timers_) wake = std::min(wake, t.due);
    wake_.wait_until(lock, wake, [&] { return !posted_.empty(); });
    work.swap(posted_);
  }
  for (const Posted& p : work) p.fn(p.user);
  const auto now = Clock::now();
  std::vector<uint64_t> due;
  for (const auto& [id, t] : timers_)
    if (t.due <= now) due.push_back(id);
  for (uint64_t id : due) {
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled by an earlier timer
    const Timer t = it->second;
    if (t.repeat)
      it->second.due = now + std::chrono::milliseconds(t.ms);
    else
      timers_.erase(it);
    t.fn(t.user);
  }
}

LocalPluginHost::Answer LocalPluginHost::call(const std::string& service, const json& request,
                                              std::chrono::milliseconds timeout) {
  auto it = services_.find(service);
  if (it == services_.end()) {
    return {false,
            {{"code", "not_found"},
             {"field", "service"},
             {"message", "plugin " + name_ + " offers no service '" + service + "'"}}};
  }
  auto awaited = std::make_shared<Awaited>();
  const std::string body = request.is_null() ? "{}" : request.dump();
  it->second.fn(it->second.user, {body.data(), body.size()}, &AwaitedRef::deliver,
                new AwaitedRef{awaited});
  const auto deadline = Clock::now() + timeout;
  while (!awaited->done && Clock::now() < deadline) run_once(deadline);
  if (awaited->done) return awaited->answer;
  char took[32];
  std::snprintf(took, sizeof took, "%g", static_cast<double>(timeout.count()) / 1000);
  return {false,
          {{"code", "timeout"},
           {"field", "service"},
           {"message", "service '" + service + "' did not answer within " + took + " s"}}};
}

std::vector<std::string> plugin_search_path(const std::string& name,
                                            const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  if (const char* env = std::getenv("RTPX_PLUGIN_PATH")) {
    const std::string path = env;
    size_t start = 0;
    for (size_t colon; (colon = path.find(':', start)) != std::string::npos; start = colon + 1)
      if (colon > start) dirs.push_back(path.substr(start, colon - start));
    if (start < path.size()) dirs.push_back(path.substr(start));
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto dir = exe.parent_path();
    dirs.push_back((dir / "../../plugins" / name).lexically_normal().string());
    dirs.push_back((dir / "../plugins" / name).lexically_normal().string());
    dirs.push_back((dir / "../lib/rtpx/plugins").lexically_normal().string());
  }
  return dirs;
}

}  // namespace rtpx::cli
