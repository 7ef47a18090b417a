// C++ convenience over rtpx/plugin.h for plugins written in C++: std::function callbacks instead
// of (fn, user) pairs, and a descriptor built from a class. Header-only and self-contained: the
// boundary stays the C ABI, this only saves every C++ plugin the same trampolines.
//
//     class MyPlugin {
//      public:
//       explicit MyPlugin(rtpx::plugin::Host& host);  // may throw: init fails with the message
//       void start();                                // may throw: start fails with the message
//       void stop();
//     };
//     RTPX_CPP_PLUGIN(MyPlugin, "my_plugin", "1.0.0", "what it does")
#ifndef RTPX_PLUGIN_HPP
#define RTPX_PLUGIN_HPP

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rtpx/plugin.h"

namespace rtpx::plugin {

inline rtpx_str str(std::string_view s) {
  return rtpx_str{s.data(), s.size()};
}
inline std::string_view view(rtpx_str s) {
  return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view{};
}

// The answer owed to one service request: exactly one of ok() or fail(); a Responder dropped
// without answering replies with an internal error so the caller is never left waiting.
class Responder {
 public:
  Responder(rtpx_reply_fn fn, void* user) : fn_(fn), user_(user) {}
  Responder(Responder&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)), user_(o.user_) {}
  Responder& operator=(Responder&&) = delete;
  Responder(const Responder&) = delete;
  ~Responder() {
    if (fn_) fail("internal", "", "the service did not answer");
  }
  void ok(std::string_view json) { send(1, json); }
  // An error object {"code", "field", "message"}; the strings are escaped here.
  void fail(std::string_view code, std::string_view field, std::string_view message) {
    send(0, "{\"code\":" + quote(code) + ",\"field\":" + quote(field) +
                ",\"message\":" + quote(message) + "}");
  }
  void fail_json(std::string_view error_object) { send(0, error_object); }

  static std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char* hex = "0123456789abcdef";
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
          } else {
            out += c;
          }
      }
    }
    return out + "\"";
  }

 private:
  void send(int ok, std::string_view json) {
    if (!fn_) return;
    rtpx_reply_fn fn = std::exchange(fn_, nullptr);
    fn(user_, ok, str(json));
  }
  rtpx_reply_fn fn_;
  void* user_;
};

// The host as a C++ object. Lives as long as the plugin (built before its init, destroyed after
// its destroy); every method but post() is called on the host's loop thread.
class Host {
 public:
  using Reply = std::function<void(bool ok, std::string_view json)>;
  using Event = std::function<void(std::string_view name, std::string_view json)>;
  using Service = std::function<void(std::string_view request, Responder)>;

  Host(rtpx_host* h, const rtpx_host_api* api) : h_(h), api_(api) {}
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  ~Host() {
    for (Pending* p : pending_) delete p;
  }

  rtpx_host* handle() const { return h_; }
  const rtpx_host_api* api() const { return api_; }

  void log(rtpx_log_level level, std::string_view message) const {
    api_->log(h_, level, str(message));
  }
  void debug(std::string_view m) const { log(RTPX_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(RTPX_LOG_INFO, m); }
  void warn(std::string_view m) const { log(RTPX_LOG_WARN, m); }
  void error(std::string_view m) const { log(RTPX_LOG_ERROR, m); }

  // The plugin's config value at a dotted key, as JSON text ("" key: the whole table).
  std::optional<std::string> config(const char* key) const {
    rtpx_str out{};
    if (api_->config_get(h_, key, &out) != RTPX_OK) return std::nullopt;
    return std::string(view(out));
  }

  bool request(const char* cmd, std::string_view args_json, Reply reply) {
    Pending* p = track(std::move(reply));
    if (api_->control_request(h_, cmd, str(args_json), &Host::deliver, p) == RTPX_OK) return true;
    untrack(p);
    return false;
  }
  rtpx_status call(const char* service, std::string_view request_json, Reply reply) {
    Pending* p = track(std::move(reply));
    const rtpx_status st = api_->service_call(h_, service, str(request_json), &Host::deliver, p);
    if (st != RTPX_OK) untrack(p);
    return st;
  }
  bool subscribe(const char* event, Event fn) {
    auto& kept = events_.emplace_back(std::make_unique<Event>(std::move(fn)));
    return api_->subscribe(h_, event, &Host::on_event, kept.get()) == RTPX_OK;
  }
  rtpx_status provide(const char* name, Service fn) {
    auto& kept = services_.emplace_back(std::make_unique<Service>(std::move(fn)));
    return api_->service_register(h_, name, &Host::on_service, kept.get());
  }

  // A timer; returns its id (0 on failure). A one-shot timer's function is freed when it fires.
  uint64_t timer(uint32_t ms, bool repeat, std::function<void()> fn) {
    auto t = std::make_unique<Timer>(Timer{this, 0, repeat, std::move(fn)});
    const uint64_t id = api_->timer_start(h_, ms, repeat ? 1 : 0, &Host::on_timer, t.get());
    if (id == 0) return 0;
    t->id = id;
    timers_.emplace(id, std::move(t));
    return id;
  }
  void cancel(uint64_t id) {
    if (id == 0) return;
    api_->timer_cancel(h_, id);
    timers_.erase(id);
  }

  // Whether post() exists in this host (ABI 1.1).
  bool can_post() const { return RTPX_HOST_HAS(api_, post); }
  // Any thread: runs fn on the host's loop. False when the host cannot (too old, or refused).
  bool post(std::function<void()> fn) const {
    if (!can_post()) return false;
    auto* p = new std::function<void()>(std::move(fn));
    if (api_->post(h_, &Host::on_post, p) == RTPX_OK) return true;
    delete p;
    return false;
  }

 private:
  struct Pending {
    Host* host;
    Reply fn;
  };
  struct Timer {
    Host* host;
    uint64_t id;
    bool repeat;
    std::function<void()> fn;
  };
  Pending* track(Reply fn) {
    auto* p = new Pending{this, std::move(fn)};
    pending_.insert(p);
    return p;
  }
  void untrack(Pending* p) {
    pending_.erase(p);
    delete p;
  }
  static void deliver(void* user, int ok, rtpx_str json) {
    auto* p = static_cast<Pending*>(user);
    Reply fn = std::move(p->fn);
    p->host->untrack(p);
    if (fn) fn(ok != 0, view(json));
  }
  static void on_event(void* user, rtpx_str name, rtpx_str json) {
    (*static_cast<Event*>(user))(view(name), view(json));
  }
  static void on_service(void* user, rtpx_str request, rtpx_reply_fn reply, void* reply_user) {
    (*static_cast<Service*>(user))(view(request), Responder(reply, reply_user));
  }
  static void on_timer(void* user) {
    auto* t = static_cast<Timer*>(user);
    if (t->repeat) return t->fn();
    // One-shot: the host forgets the id after this call; so do we, after running it.
    Host* host = t->host;
    auto node = host->timers_.extract(t->id);
    if (node) node.mapped()->fn();
  }
  static void on_post(void* user) {
    std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(user));
    (*fn)();
  }

  rtpx_host* h_;
  const rtpx_host_api* api_;
  std::set<Pending*> pending_;  // replies owed to us; freed with us if never delivered
  std::vector<std::unique_ptr<Event>> events_;
  std::vector<std::unique_ptr<Service>> services_;
  std::map<uint64_t, std::unique_ptr<Timer>> timers_;
};

// Glue between a class and the C descriptor: init builds Host then the plugin object.
template <class P>
struct Adapter {
  struct State {
    std::unique_ptr<Host> host;
    std::unique_ptr<P> plugin;
  };
  static rtpx_status init(rtpx_host* h, const rtpx_host_api* api, void** state) {
    auto st = std::make_unique<State>();
    st->host = std::make_unique<Host>(h, api);
    try {
      st->plugin = std::make_unique<P>(*st->host);
    } catch (const std::exception& e) {
      st->host->error(e.what());
      return RTPX_ERR_FAILED;
    }
    *state = st.release();
    return RTPX_OK;
  }
  static rtpx_status start(void* state) {
    auto* st = static_cast<State*>(state);
    try {
      st->plugin->start();
    } catch (const std::exception& e) {
      st->host->error(e.what());
      return RTPX_ERR_FAILED;
    }
    return RTPX_OK;
  }
  static void stop(void* state) { static_cast<State*>(state)->plugin->stop(); }
  static void destroy(void* state) {
    std::unique_ptr<State> st(static_cast<State*>(state));
    st->plugin.reset();  // before the host: its destructor may still log
  }
};

}  // namespace rtpx::plugin

#define RTPX_CPP_PLUGIN(Class, NAME, VERSION, DESCRIPTION)                                 \
  namespace {                                                                              \
  const rtpx_plugin rtpx_cpp_plugin_descriptor = {sizeof(rtpx_plugin),                     \
                                                  RTPX_PLUGIN_ABI_MAJOR,                   \
                                                  RTPX_PLUGIN_ABI_MINOR,                   \
                                                  NAME,                                    \
                                                  VERSION,                                 \
                                                  DESCRIPTION,                             \
                                                  &rtpx::plugin::Adapter<Class>::init,     \
                                                  &rtpx::plugin::Adapter<Class>::start,    \
                                                  &rtpx::plugin::Adapter<Class>::stop,     \
                                                  &rtpx::plugin::Adapter<Class>::destroy}; \
  }                                                                                        \
  extern "C" RTPX_PLUGIN_EXPORT const rtpx_plugin* rtpx_plugin_entry(void) {               \
    return &rtpx_cpp_plugin_descriptor;                                                    \
  }

#endif  // RTPX_PLUGIN_HPP
