// dialplan.so loaded in-process through its C ABI (dlopen + rtpx_plugin_entry), with a minimal
// fake host, answering dialplan.route and dialplan.reload JSON requests.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rtpx/plugin.h"
#include "tests/unit/plugins/temp_conf.hpp"

namespace rtpx::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Everything the plugin may ask of a host; rtpx_host* handles point at one of these.
struct FakeHost {
  std::string config;  // the plugin's table, as JSON
  std::map<std::string, std::pair<rtpx_service_fn, void*>> services;
  std::vector<std::pair<rtpx_log_level, std::string>> logs;

  static FakeHost& of(rtpx_host* h) { return *reinterpret_cast<FakeHost*>(h); }
  rtpx_host* handle() { return reinterpret_cast<rtpx_host*>(this); }

  static void log(rtpx_host* h, rtpx_log_level level, rtpx_str msg) {
    of(h).logs.emplace_back(level, std::string(msg.ptr, msg.len));
  }
  static rtpx_status config_get(rtpx_host* h, const char* key, rtpx_str* out) {
    if (std::string(key) != "") return RTPX_ERR_NOT_FOUND;
    *out = rtpx_str{of(h).config.data(), of(h).config.size()};
    return RTPX_OK;
  }
  static rtpx_status control_request(rtpx_host*, const char*, rtpx_str, rtpx_reply_fn, void*) {
    return RTPX_ERR_NOT_SUPPORTED;
  }
  static rtpx_status subscribe(rtpx_host*, const char*, rtpx_event_fn, void*) {
    return RTPX_ERR_NOT_SUPPORTED;
  }
  static uint64_t timer_start(rtpx_host*, uint32_t, int, rtpx_timer_fn, void*) { return 0; }
  static rtpx_status timer_cancel(rtpx_host*, uint64_t) { return RTPX_ERR_NOT_FOUND; }
  static rtpx_status service_register(rtpx_host* h, const char* name, rtpx_service_fn fn,
                                      void* user) {
    if (!of(h).services.emplace(name, std::make_pair(fn, user)).second) return RTPX_ERR_EXISTS;
    return RTPX_OK;
  }
  static rtpx_status service_call(rtpx_host*, const char*, rtpx_str, rtpx_reply_fn, void*) {
    return RTPX_ERR_NOT_FOUND;
  }
  static rtpx_status post(rtpx_host*, rtpx_timer_fn, void*) { return RTPX_ERR_NOT_SUPPORTED; }

  static const rtpx_host_api* api() {
    static const rtpx_host_api table = {sizeof(rtpx_host_api),
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
    return &table;
  }
};

struct Reply {
  int calls = 0;
  bool ok = false;
  json body;
  static void deliver(void* user, int ok, rtpx_str j) {
    auto* r = static_cast<Reply*>(user);
    ++r->calls;
    r->ok = ok != 0;
    r->body = json::parse(std::string(j.ptr, j.len));
  }
};

class Plugin {
 public:
  Plugin() {
    lib_ = ::dlopen(DIALPLAN_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (lib_ == nullptr) throw std::runtime_error(::dlerror());
    auto entry = reinterpret_cast<rtpx_plugin_entry_fn>(::dlsym(lib_, RTPX_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error("no rtpx_plugin_entry");
    desc_ = entry();
  }
  ~Plugin() {
    if (state_ != nullptr) {
      desc_->stop(state_);
      desc_->destroy(state_);
    }
    ::dlclose(lib_);
  }
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const rtpx_plugin& descriptor() const { return *desc_; }
  rtpx_status init(const json& config) {
    host.config = config.dump();
    const rtpx_status st = desc_->init(host.handle(), FakeHost::api(), &state_);
    if (st == RTPX_OK) {
      EXPECT_EQ(desc_->start(state_), RTPX_OK);
    }
    return st;
  }
  Reply call(const std::string& service, const std::string& request) {
    Reply r;
    auto it = host.services.find(service);
    if (it == host.services.end()) throw std::runtime_error("no service " + service);
    it->second.first(it->second.second, rtpx_str{request.data(), request.size()}, &Reply::deliver,
                     &r);
    EXPECT_EQ(r.calls, 1) << "a service replies exactly once";
    return r;
  }
  Reply route(const json& request) { return call("dialplan.route", request.dump()); }

  FakeHost host;

 private:
  void* lib_ = nullptr;
  const rtpx_plugin* desc_ = nullptr;
  void* state_ = nullptr;
};

struct DialplanPlugin : ::testing::Test {
  TempConf conf;
  Plugin plugin;
  void SetUp() override {
    conf.link_fixtures();
    conf.write_vars(default_vars());
    ASSERT_EQ(plugin.init(json{{"conf_dir", conf.dir().string()}}), RTPX_OK);
  }
};

TEST(DialplanPluginAbi, Descriptor) {
  Plugin p;
  EXPECT_EQ(p.descriptor().struct_size, sizeof(rtpx_plugin));
  EXPECT_EQ(p.descriptor().abi_major, RTPX_PLUGIN_ABI_MAJOR);
  EXPECT_STREQ(p.descriptor().name, "dialplan");
}

TEST_F(DialplanPlugin, OffersBothServices) {
  EXPECT_EQ(plugin.host.services.count("dialplan.route"), 1u);
  EXPECT_EQ(plugin.host.services.count("dialplan.reload"), 1u);
}

TEST_F(DialplanPlugin, RoutesTheWavixDidToUser1000) {
  const Reply r = plugin.route({{"context", "wavix"},
                                {"destination_number", "16468097065"},
                                {"caller_id_number", "12125551234"},
                                {"network_addr", "127.0.0.2"},
                                {"vars", {{"sip_looped_call", "false"}}}});
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_EQ(r.body["context"], "wavix");
  EXPECT_EQ(r.body["destination_number"], "16468097065");
  EXPECT_EQ(r.body["extensions"],
            json::parse(R"([{"name":"in-wavix","file":"dialplan/wavix.xml","line":10}])"));
  EXPECT_EQ(r.body["actions"], json::parse(R"([
      {"app":"bridge","data":"user/1000@rtpx.test","file":"dialplan/wavix.xml","line":12},
      {"app":"hangup","data":"","file":"dialplan/wavix.xml","line":13}])"));
  EXPECT_FALSE(r.body["actions"][0].contains("bridge"));  // only dry runs parse bridges
}

TEST_F(DialplanPlugin, DryRunShowsTheFailoverPlan) {
  const Reply r = plugin.route(
      {{"context", "wavix"}, {"destination_number", "12125551234"}, {"dry_run", true}});
  ASSERT_TRUE(r.ok) << r.body;
  const json& a = r.body["actions"];
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0]["bridge"], json::parse(R"({"vars":{},"groups":[[{"kind":"gateway",
      "target":"sofia/gateway/wavix/12125551234","gateway":"wavix","number":"12125551234"}]]})"));
  EXPECT_EQ(a[2]["app"], "set");
  EXPECT_EQ(a[2]["data"], "continue_on_fail=true");
  EXPECT_EQ(a[3]["bridge"]["groups"][0][0]["gateway"], "wavix_fo");
  EXPECT_FALSE(a[3]["bridge"]["groups"][0][0].contains("warning"));
}

TEST_F(DialplanPlugin, DryRunExpandsVariablesInBridgeData) {
  const Reply r =
      plugin.route({{"context", "wavix"}, {"destination_number", "1000"}, {"dry_run", true}});
  ASSERT_TRUE(r.ok) << r.body;
  const json& bridge = r.body["actions"][2];
  EXPECT_EQ(bridge["data"], "user/${destination_number}@rtpx.test");  // as the executor gets it
  EXPECT_EQ(bridge["bridge"], json::parse(R"({"vars":{},"groups":[[{"kind":"user",
      "target":"user/1000@rtpx.test","user":"1000","domain":"rtpx.test"}]]})"));
}

TEST_F(DialplanPlugin, DryRunSignalWireUserWithoutDomainAndUnknownGateway) {
  Reply r = plugin.route(
      {{"context", "default"}, {"destination_number", "+18005551212"}, {"dry_run", true}});
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_EQ(r.body["actions"][0]["bridge"]["groups"][0][0],
            json::parse(R"({"kind":"user","target":"user/1000","user":"1000",
                            "domain":"rtpx.test"})"));
  r = plugin.route(
      {{"context", "default"}, {"destination_number", "+12125551234"}, {"dry_run", true}});
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_EQ(r.body["actions"][1]["bridge"]["groups"][0][0]["warning"], "no gateway 'signalwire'");
}

TEST_F(DialplanPlugin, UnknownContext) {
  const Reply r = plugin.route({{"context", "foo"}, {"destination_number", "1"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.body, json::parse(R"({"code":"not_found","field":"context",
                                    "message":"no context 'foo'"})"));
}

TEST_F(DialplanPlugin, NoExtensionMatches) {
  const Reply r = plugin.route({{"context", "wavix"}, {"destination_number", "999"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.body, json::parse(R"({"code":"not_found","field":"destination_number",
      "message":"no extension in context 'wavix' matches '999'"})"));
}

TEST_F(DialplanPlugin, BadRequests) {
  Reply r = plugin.call("dialplan.route", "{not json");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.body["code"], "bad_json");
  r = plugin.route({{"destination_number", "1"}});
  EXPECT_EQ(r.body["code"], "bad_field");
  EXPECT_EQ(r.body["field"], "context");
  r = plugin.route({{"context", "wavix"}, {"destination_number", 16468097065}});
  EXPECT_EQ(r.body["field"], "destination_number");
  r = plugin.route({{"context", "wavix"}, {"destination_number", "1"}, {"vars", {1, 2}}});
  EXPECT_EQ(r.body["field"], "vars");
  r = plugin.route({{"context", "wavix"}, {"destination_number", "1"}, {"dry_run", "yes"}});
  EXPECT_EQ(r.body["field"], "dry_run");
  r = plugin.call("dialplan.route", "[]");
  EXPECT_EQ(r.body["code"], "bad_field");
}

TEST_F(DialplanPlugin, RequestVarsReachConditions) {
  conf.write("dialplan/zz.xml", R"(<include><context name="vars"><extension name="v">
      <condition field="${sip_looped_call}" expression="^true$">
      <action application="log" data="looped"/></condition></extension></context></include>)");
  ASSERT_TRUE(plugin.call("dialplan.reload", "{}").ok);
  const Reply r = plugin.route(
      {{"context", "vars"}, {"destination_number", "1"}, {"vars", {{"sip_looped_call", true}}}});
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_EQ(r.body["actions"][0]["data"], "looped");
}

TEST_F(DialplanPlugin, ReloadKeepsTheOldDialplanOnError) {
  conf.write("dialplan/extra.xml", R"(<include><context name="extra"><extension name="x">
      <condition><action application="answer"/></condition></extension></context></include>)");
  Reply r = plugin.call("dialplan.reload", "{}");
  ASSERT_TRUE(r.ok) << r.body;
  // Files in name order: extra.xml comes before signalwire.xml (context "default").
  EXPECT_EQ(r.body["contexts"], json::parse(R"(["extra","default","wavix","wavix_ip"])"));
  EXPECT_TRUE(plugin.route({{"context", "extra"}, {"destination_number", "1"}}).ok);

  conf.write("dialplan/extra.xml",
             "<include>\n<context name=\"extra\">\n<extension>\n"
             "<condition field=\"destination_number\" expression=\"(\"/>\n"
             "</extension></context></include>");
  r = plugin.call("dialplan.reload", "{}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.body["code"], "bad_config");
  EXPECT_EQ(r.body["field"], "conf_dir");
  EXPECT_THAT(r.body["message"].get<std::string>(),
              StartsWith("dialplan/extra.xml:4: bad regular expression"));
  EXPECT_TRUE(plugin.route({{"context", "extra"}, {"destination_number", "1"}}).ok);
  EXPECT_TRUE(plugin.route({{"context", "wavix"}, {"destination_number", "16468097065"}}).ok);
}

TEST(DialplanPluginConfig, E164NormalizesBeforeHunting) {
  TempConf conf;
  conf.link_fixtures();
  conf.write_vars(default_vars());
  Plugin plugin;
  ASSERT_EQ(plugin.init({{"conf_dir", conf.dir().string()}, {"e164", {{"form", "digits"}}}}),
            RTPX_OK);
  for (const char* dialed : {"+16468097065", "6468097065", "01116468097065"}) {
    const Reply r = plugin.route({{"context", "wavix"}, {"destination_number", dialed}});
    ASSERT_TRUE(r.ok) << r.body;
    EXPECT_EQ(r.body["destination_number"], "16468097065");
    EXPECT_EQ(r.body["extensions"][0]["name"], "in-wavix");
  }
}

TEST(DialplanPluginConfig, InitFailsWithTheReason) {
  struct Case {
    json config;
    const char* message;
  };
  TempConf bad;
  bad.write("dialplan/x.xml",
            "<include>\n<context name=\"x\">\n<extension><condition "
            "field=\"destination_number\" expression=\"[\"/></extension>\n"
            "</context></include>");
  for (const Case& c :
       {Case{json::object(), "[plugins.dialplan] conf_dir: required"},
        Case{{{"conf_dir", "/nonexistent/rtpx"}}, "/nonexistent/rtpx: not a directory"},
        Case{{{"conf_dir", bad.dir().string()}}, "dialplan/x.xml:3: bad regular expression"},
        Case{{{"conf_dir", bad.dir().string()}, {"e164", {{"form", "e123"}}}},
             "[plugins.dialplan] e164.form: 'e123' (digits, plus or none)"}}) {
    Plugin p;
    EXPECT_EQ(p.init(c.config), RTPX_ERR_FAILED) << c.config;
    ASSERT_FALSE(p.host.logs.empty());
    EXPECT_EQ(p.host.logs.back().first, RTPX_LOG_ERROR);
    EXPECT_THAT(p.host.logs.back().second, HasSubstr(c.message));
  }
}

TEST(DialplanPluginConfig, LoadWarningsAreLogged) {
  TempConf conf;
  conf.link_fixtures();
  Plugin plugin;
  ASSERT_EQ(plugin.init({{"conf_dir", conf.dir().string()}}), RTPX_OK);
  bool warned = false;
  for (const auto& [level, msg] : plugin.host.logs)
    warned = warned ||
             (level == RTPX_LOG_WARN && msg.find("$${domain} is not set") != std::string::npos);
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace rtpx::test
