// The plugin loader and the C ABI: the example plugin (plain C) loads and runs its lifecycle
// against a host API table; plugins built for another ABI major, a newer minor, without the entry
// symbol or with a bad name are refused with a message that says why.

#include "control/plugin_host/plugin_loader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace rtpx::plugins {
namespace {

// A host API table over plain maps: what the plugin logs, configures and registers.
struct FakeHost {
  std::vector<std::string> logs;
  std::map<std::string, std::string> config;
  struct Service {
    rtpx_service_fn fn;
    void* user;
  };
  std::map<std::string, Service> services;
  std::vector<std::string> subscribed;
  int timers = 0;
  rtpx_host_api api{};

  static FakeHost& of(rtpx_host* h) { return *reinterpret_cast<FakeHost*>(h); }
  rtpx_host* handle() { return reinterpret_cast<rtpx_host*>(this); }

  FakeHost() {
    api.struct_size = sizeof(rtpx_host_api);
    api.abi_major = RTPX_PLUGIN_ABI_MAJOR;
    api.abi_minor = RTPX_PLUGIN_ABI_MINOR;
    api.log = [](rtpx_host* h, rtpx_log_level, rtpx_str m) {
      of(h).logs.emplace_back(m.ptr, m.len);
    };
    api.config_get = [](rtpx_host* h, const char* key, rtpx_str* out) {
      auto it = of(h).config.find(key);
      if (it == of(h).config.end()) return RTPX_ERR_NOT_FOUND;
      *out = {it->second.data(), it->second.size()};
      return RTPX_OK;
    };
    api.subscribe = [](rtpx_host* h, const char* event, rtpx_event_fn, void*) {
      of(h).subscribed.emplace_back(event);
      return RTPX_OK;
    };
    api.timer_start = [](rtpx_host* h, uint32_t, int, rtpx_timer_fn, void*) -> uint64_t {
      return static_cast<uint64_t>(++of(h).timers);
    };
    api.service_register = [](rtpx_host* h, const char* name, rtpx_service_fn fn, void* user) {
      return of(h).services.emplace(name, Service{fn, user}).second ? RTPX_OK : RTPX_ERR_EXISTS;
    };
  }
};

TEST(PluginLoader, ExamplePluginRunsItsLifecycleThroughTheCAbi) {
  auto p = load_plugin(EXAMPLE_PLUGIN);
  ASSERT_TRUE(p.ok()) << p.error().message;
  const rtpx_plugin* d = p->descriptor;
  EXPECT_STREQ(d->name, "example");
  EXPECT_EQ(d->abi_major, RTPX_PLUGIN_ABI_MAJOR);

  FakeHost host;
  host.config["greeting"] = "\"hi from the config\"";
  void* state = nullptr;
  ASSERT_EQ(d->init(host.handle(), &host.api, &state), RTPX_OK);
  ASSERT_EQ(d->start(state), RTPX_OK);
  ASSERT_EQ(host.logs.size(), 1u);
  EXPECT_EQ(host.logs[0], "\"hi from the config\"");
  EXPECT_EQ(host.subscribed, (std::vector<std::string>{"session_created", "session_deleted"}));
  EXPECT_EQ(host.timers, 1);

  // The service it registered answers through the reply callback.
  ASSERT_EQ(host.services.count("example.echo"), 1u);
  std::string reply;
  int ok = -1;
  auto on_reply = [](void* user, int good, rtpx_str json) {
    auto* r = static_cast<std::pair<std::string*, int*>*>(user);
    *r->first = std::string(json.ptr, json.len);
    *r->second = good;
  };
  std::pair<std::string*, int*> sink{&reply, &ok};
  const std::string req = "{\"to\":\"1000\"}";
  const auto& svc = host.services["example.echo"];
  svc.fn(svc.user, {req.data(), req.size()}, on_reply, &sink);
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(reply, req);

  d->stop(state);
  d->destroy(state);
  EXPECT_EQ(host.logs.back(), "example plugin stopping");
}

TEST(PluginLoader, IncompatiblePluginsAreRefusedWithTheReason) {
  const std::string dir = TEST_PLUGIN_DIR;
  struct Case {
    const char* file;
    const char* expect;
  } cases[] = {
      {"test_plugin_abi_major_2.so", "this host speaks 1.1: rebuild it"},
      {"test_plugin_newer_minor.so", "newer than this host's"},
      {"test_plugin_no_entry.so", "no rtpx_plugin_entry() symbol"},
      {"test_plugin_bad_name.so", "no valid name"},
      {"does_not_exist.so", "cannot load"},
  };
  for (const Case& c : cases) {
    auto p = load_plugin(dir + "/" + c.file);
    ASSERT_FALSE(p.ok()) << c.file;
    EXPECT_NE(p.error().message.find(c.expect), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find(c.file), std::string::npos) << "names the file";
  }
}

TEST(PluginLoader, FindsPluginsByNameOnTheSearchPath) {
  const std::string dir = TEST_PLUGIN_DIR;
  EXPECT_EQ(find_plugin("test_plugin_no_entry", {"/nonexistent", dir}),
            dir + "/test_plugin_no_entry.so");
  EXPECT_EQ(find_plugin("/abs/x.so", {dir}), "/abs/x.so");
  EXPECT_EQ(find_plugin("nothing", {dir}), "");
}

}  // namespace
}  // namespace rtpx::plugins
