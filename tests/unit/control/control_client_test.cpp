// ControlClient against a scripted fake rtpxd: a thread serving one connection on a temporary
// UNIX socket. Every wait in the fake server is bounded, so a client bug fails instead of hanging.

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "control/client/control_client.hpp"

namespace rtpx::client {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The server side of one accepted connection.
class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}

  // The next line sent by the client, "" when none arrives within 5 s.
  std::string read_line() {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 5000) <= 0) return "";
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return "";
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  json read_request() {
    std::string line = read_line();
    json req = json::parse(line, nullptr, false);
    EXPECT_TRUE(req.is_object()) << "request line: " << line;
    return req;
  }

  void write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void send_json(const json& j) { write(j.dump() + "\n"); }
  void reply(const json& req, json result) {
    send_json({{"id", req.at("id")}, {"result", std::move(result)}});
  }

 private:
  int fd_;
  std::string buf_;
};

class FakeServer {
 public:
  FakeServer() {
    char tmpl[] = "/tmp/rtpx-client-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/control.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
  }
  ~FakeServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  // Serves one connection with script, then closes it.
  void serve(std::function<void(Conn&)> script) {
    thread_ = std::thread([this, script = std::move(script)] {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 5000) <= 0) return;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      Conn conn(fd);
      script(conn);
      ::close(fd);
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

ControlClient connected_client(const FakeServer& server, ControlClient::Duration timeout = 5s) {
  ControlClient::Options opts;
  opts.timeout = timeout;
  ControlClient client(opts);
  client.connect(server.path());
  return client;
}

TEST(ControlClient, SendsOneLinePerRequestAndMatchesRepliesById) {
  FakeServer server;
  server.serve([](Conn& c) {
    json a = c.read_request();
    EXPECT_EQ(a.at("cmd"), "session.query");
    EXPECT_EQ(a.at("call_id"), "abc@host");
    c.send_json({{"id", 999}, {"result", {{"stale", true}}}});  // someone else's reply
    c.reply(a, {{"call_id", "abc@host"}});
    json b = c.read_request();
    EXPECT_EQ(b.at("cmd"), "stats");
    EXPECT_NE(b.at("id"), a.at("id"));
    c.send_json({{"id", b.at("id")}});  // a reply without "result"
  });
  ControlClient client = connected_client(server);
  json r = client.request("session.query", {{"call_id", "abc@host"}});
  EXPECT_EQ(r, json({{"call_id", "abc@host"}}));
  EXPECT_EQ(client.request("stats"), json::object());
}

TEST(ControlClient, EventsInterleavedWithRepliesAreQueued) {
  FakeServer server;
  std::promise<void> go;
  server.serve([&go](Conn& c) {
    json req = c.read_request();
    c.send_json({{"event", "session_created"}, {"call_id", "a"}, {"time", 1.0}});
    c.write(json({{"event", "media_timeout"}, {"call_id", "b"}}).dump() + "\n" +
            json({{"id", req.at("id")}, {"result", {{"subscribed", {"media_timeout"}}}}}).dump() +
            "\n" + json({{"event", "session_deleted"}, {"call_id", "c"}}).dump() + "\n");
    go.get_future().wait_for(5s);
    c.send_json({{"event", "session_created"}, {"call_id", "d"}});
  });
  ControlClient client = connected_client(server);
  json r = client.request("events.subscribe");
  EXPECT_EQ(r.at("subscribed"), json({"media_timeout"}));
  EXPECT_EQ(client.queued_events(), 2u);

  auto e1 = client.next_event(0ms);
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->at("call_id"), "a");
  auto e2 = client.next_event(0ms);
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->at("call_id"), "b");
  auto e3 = client.next_event(2s);  // already in the read buffer
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->at("event"), "session_deleted");
  go.set_value();
  auto e4 = client.next_event(5s);  // read from the socket
  ASSERT_TRUE(e4);
  EXPECT_EQ(e4->at("call_id"), "d");
}

TEST(ControlClient, ErrorReplySurfacesCodeFieldAndMessage) {
  FakeServer server;
  server.serve([](Conn& c) {
    json req = c.read_request();
    c.send_json(
        {{"id", req.at("id")},
         {"error",
          {{"code", "bad_field"}, {"field", "sdp"}, {"message", "line 3: expected 'o='"}}}});
    req = c.read_request();
    c.send_json({{"id", req.at("id")}, {"error", {{"code", "not_found"}, {"message", "no call"}}}});
    c.read_line();
    c.send_json({{"id", nullptr}, {"error", {{"code", "bad_json"}, {"message", "not JSON"}}}});
  });
  ControlClient client = connected_client(server);
  try {
    client.request("session.offer", {{"call_id", "x"}, {"sdp", "v=0"}});
    FAIL() << "no exception";
  } catch (const ControlError& e) {
    EXPECT_TRUE(e.from_server());
    EXPECT_FALSE(e.is_connection_error());
    EXPECT_EQ(e.code(), "bad_field");
    EXPECT_EQ(e.field(), "sdp");
    EXPECT_EQ(e.message(), "line 3: expected 'o='");
  }
  ControlResult r = client.try_request("session.query", {{"call_id", "x"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "not_found");
  EXPECT_EQ(r.error().field(), "");
  EXPECT_TRUE(client.connected());
  // An error the daemon could not tie to an id (it could not parse ours) is still the answer.
  ControlResult r2 = client.try_request("stats");
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), "bad_json");
}

TEST(ControlClient, ReassemblesRepliesWrittenInTinyPieces) {
  const std::string big(300 * 1024, 'x');  // spans several receive buffers
  FakeServer server;
  server.serve([&big](Conn& c) {
    json req = c.read_request();
    std::string data = json({{"event", "media_timeout"}, {"call_id", "é"}}).dump() + "\n" +
                       json({{"id", req.at("id")}, {"result", {{"sdp", "v=0\r\n"}}}}).dump() + "\n";
    for (size_t i = 0; i < data.size(); i += 3) {
      c.write(std::string_view(data).substr(i, 3));
      std::this_thread::sleep_for(1ms);
    }
    req = c.read_request();
    c.reply(req, {{"blob", big}});
  });
  ControlClient client = connected_client(server);
  EXPECT_EQ(client.request("session.offer"), json({{"sdp", "v=0\r\n"}}));
  auto ev = client.next_event(0ms);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->at("call_id"), "é");
  EXPECT_EQ(client.request("session.list").at("blob"), big);
}

TEST(ControlClient, ServerClosingMidReplyIsAnErrorNotAHang) {
  FakeServer server;
  server.serve([](Conn& c) {
    json req = c.read_request();
    c.write("{\"id\": " + req.at("id").dump() + ", \"resu");
  });
  ControlClient client = connected_client(server, 30s);
  const auto start = Clock::now();
  try {
    client.request("stats");
    FAIL() << "no exception";
  } catch (const ControlError& e) {
    EXPECT_FALSE(e.from_server());
    EXPECT_TRUE(e.is_connection_error());
    EXPECT_EQ(e.code(), kErrClosed);
    EXPECT_NE(e.message().find("middle of a reply"), std::string::npos) << e.message();
  }
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.try_request("stats").error().code(), kErrNotConnected);
}

TEST(ControlClient, TimeoutLeavesConnectionUsableAndDropsTheLateReply) {
  FakeServer server;
  std::promise<void> timed_out;
  server.serve([&timed_out](Conn& c) {
    json first = c.read_request();
    timed_out.get_future().wait_for(5s);
    json second = c.read_request();
    c.reply(first, {{"which", "first"}});  // too late: its caller gave up
    c.reply(second, {{"which", "second"}});
  });
  ControlClient client = connected_client(server, 200ms);
  const auto start = Clock::now();
  try {
    client.request("stats");
    FAIL() << "no exception";
  } catch (const ControlError& e) {
    EXPECT_EQ(e.code(), kErrTimeout);
    EXPECT_FALSE(e.is_connection_error());
    EXPECT_EQ(e.message(), "no reply from rtpxd to 'stats' within 200ms");
  }
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 3s);
  timed_out.set_value();
  client.set_timeout(5s);
  EXPECT_EQ(client.request("stats"), json({{"which", "second"}}));
}

TEST(ControlClient, NextEventTimesOutAndReportsAClosedConnection) {
  FakeServer server;
  std::promise<void> done;
  server.serve([&done](Conn&) { done.get_future().wait_for(5s); });
  ControlClient client = connected_client(server);
  const auto start = Clock::now();
  EXPECT_FALSE(client.next_event(100ms));
  EXPECT_GE(Clock::now() - start, 100ms);
  EXPECT_FALSE(client.next_event(0ms));
  done.set_value();
  server.join();
  try {
    client.next_event(5s);
    FAIL() << "no exception";
  } catch (const ControlError& e) {
    EXPECT_EQ(e.code(), kErrClosed);
  }
}

TEST(ControlClient, GarbledReplyIsAConnectionError) {
  FakeServer server;
  server.serve([](Conn& c) {
    c.read_request();
    c.write("this is not json\n");
  });
  ControlClient client = connected_client(server);
  ControlResult r = client.try_request("stats");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), kErrBadReply);
  EXPECT_TRUE(r.error().is_connection_error());
  EXPECT_FALSE(client.connected());
}

TEST(ControlClient, ConnectFailureNamesPathAndHint) {
  FakeServer server;  // only for its temporary directory
  const std::string missing = server.dir() + "/absent.sock";
  ControlClient client;
  try {
    client.connect(missing);
    FAIL() << "no exception";
  } catch (const ControlError& e) {
    EXPECT_EQ(e.code(), kErrConnectFailed);
    EXPECT_TRUE(e.is_connection_error());
    EXPECT_EQ(e.message(),
              "cannot connect to " + missing + ": No such file or directory (is rtpxd running?)");
  }
  EXPECT_FALSE(client.connected());
  EXPECT_THROW(client.connect(std::string(200, 'a')), ControlError);
}

TEST(ControlClient, RejectsBadArgumentsBeforeSending) {
  FakeServer server;
  server.serve([](Conn& c) {
    json req = c.read_request();  // only the valid request arrives
    EXPECT_EQ(req.at("cmd"), "stats");
    c.reply(req, json::object());
  });
  ControlClient client = connected_client(server);
  EXPECT_EQ(client.try_request("stats", {{"id", 1}}).error().field(), "id");
  EXPECT_EQ(client.try_request("stats", {{"cmd", "x"}}).error().field(), "cmd");
  EXPECT_EQ(client.try_request("stats", json::array()).error().code(), kErrBadRequest);
  EXPECT_EQ(client.try_request("stats", {{"sdp", std::string(2u << 20, 'v')}}).error().code(),
            kErrBadRequest);
  EXPECT_TRUE(client.request("stats").empty());
}

}  // namespace
}  // namespace rtpx::client
