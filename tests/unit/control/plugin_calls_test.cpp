// plugins.call's table of calls waiting for the plugin host: the event it publishes, the reply
// that reaches the asker, errors passed on, the timeout naming the service, and entries that
// leave on reply, timeout and disconnect.

#include "control/socket/plugin_calls.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace rtpx::control {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Answer {
  bool ok;
  json value;
};

class PluginCallsTest : public ::testing::Test {
 protected:
  PluginCalls::Done record() {
    return [this](bool ok, json v) { answers_.push_back({ok, std::move(v)}); };
  }
  uint64_t start(const json& req, const void* owner = nullptr) {
    auto r = calls_.start(req, owner ? owner : this, record());
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : 0;
  }

  boost::asio::io_context io_;
  std::vector<json> events_;
  size_t hosts_ = 1;
  std::vector<Answer> answers_;
  PluginCalls calls_{io_,
                     [this](const json& e) {
                       events_.push_back(e);
                       return hosts_;
                     },
                     50ms};
};

TEST_F(PluginCallsTest, PublishesTheCallAndAnswersWithTheHostsResult) {
  const uint64_t n = start({{"service", "example.echo"}, {"request", {{"x", 1}}}});
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0], (json{{"event", "plugin_command"},
                              {"op", "call"},
                              {"call", n},
                              {"service", "example.echo"},
                              {"request", {{"x", 1}}}}));
  EXPECT_EQ(calls_.pending(), 1u);
  auto r = calls_.complete({{"call", n}, {"ok", true}, {"result", {{"x", 1}}}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].ok);
  EXPECT_EQ(answers_[0].value, (json{{"x", 1}}));
  EXPECT_EQ(calls_.pending(), 0u);
  // A second reply to the same call finds nothing waiting.
  auto again = calls_.complete({{"call", n}, {"ok", true}, {"result", json::object()}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::not_found);
  EXPECT_EQ(answers_.size(), 1u);
}

TEST_F(PluginCallsTest, RequestDefaultsToAnEmptyObject) {
  start({{"service", "sip.registrations"}});
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["request"], json::object());
}

TEST_F(PluginCallsTest, ErrorObjectsArePassedOnAndOthersWrapped) {
  const uint64_t a = start({{"service", "sip.gateways"}});
  const uint64_t b = start({{"service", "sip.gateways"}});
  const json err = {{"code", "not_found"}, {"field", "name"}, {"message", "no gateway 'x'"}};
  ASSERT_TRUE(calls_.complete({{"call", a}, {"ok", false}, {"result", err}}).ok());
  ASSERT_TRUE(calls_.complete({{"call", b}, {"ok", false}, {"result", "broken"}}).ok());
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_FALSE(answers_[0].ok);
  EXPECT_EQ(answers_[0].value, err);
  EXPECT_FALSE(answers_[1].ok);
  EXPECT_EQ(answers_[1].value["code"], "internal");
  EXPECT_NE(answers_[1].value["message"].get<std::string>().find("sip.gateways"),
            std::string::npos);
}

TEST_F(PluginCallsTest, BadArgumentsAndNoHostAreAnsweredAtOnce) {
  auto missing = calls_.start(json::object(), this, record());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "service");
  auto wrong = calls_.start({{"service", 3}}, this, record());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::bad_field);

  hosts_ = 0;
  auto none = calls_.start({{"service", "example.echo"}}, this, record());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::not_found);
  EXPECT_EQ(none.error().message, "no plugin host is connected");
  EXPECT_EQ(calls_.pending(), 0u);
  EXPECT_TRUE(answers_.empty());

  auto bad_reply = calls_.complete({{"call", "one"}, {"ok", true}});
  ASSERT_FALSE(bad_reply.ok());
  EXPECT_EQ(bad_reply.error().field, "call");
}

TEST_F(PluginCallsTest, UnansweredCallTimesOutNamingTheService) {
  start({{"service", "dialplan.route"}});
  io_.run_for(500ms);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_FALSE(answers_[0].ok);
  EXPECT_EQ(answers_[0].value["code"], "timeout");
  EXPECT_NE(answers_[0].value["message"].get<std::string>().find("'dialplan.route'"),
            std::string::npos)
      << answers_[0].value.dump();
  EXPECT_EQ(calls_.pending(), 0u);
}

TEST_F(PluginCallsTest, ForgetDropsOnlyThatClientsCalls) {
  int alice = 0, bob = 0;
  const uint64_t a = start({{"service", "s"}}, &alice);
  const uint64_t b = start({{"service", "s"}}, &bob);
  calls_.forget(&alice);
  EXPECT_EQ(calls_.pending(), 1u);
  EXPECT_FALSE(calls_.complete({{"call", a}, {"ok", true}}).ok());
  ASSERT_TRUE(calls_.complete({{"call", b}, {"ok", true}}).ok());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].value, json::object());  // no result: an empty object
  io_.run_for(200ms);  // the forgotten call's timer must not answer anyone
  EXPECT_EQ(answers_.size(), 1u);
}

}  // namespace
}  // namespace rtpx::control
