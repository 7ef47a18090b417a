#pragma once
// A SessionService over a loopback engine (no shard thread) on per-process ports, for the
// session and negotiation tests.

#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "control/session/session_service.hpp"

namespace rtpx::control {

// ctest runs each test case in its own process, two at a time: give each process its own ports
// (below the kernel's ephemeral range and below the integration tests' 20000+).
inline uint16_t port_base() {
  return static_cast<uint16_t>(12000 + (::getpid() % 400) * 20);
}

inline std::string sdp(uint16_t port, const std::string& extra = "",
                       const std::string& ip = "10.0.0.1") {
  return "v=0\r\no=- 7 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" + extra;
}

class SessionServiceTest : public ::testing::Test {
 protected:
  SessionServiceTest() {
    media_.interface = "127.0.0.1";
    media_.port_min = port_base();
    media_.port_max = static_cast<uint16_t>(port_base() + 15);  // 8 pairs
    media_.timeout = 5;
    engine::EngineOptions o;
    o.backend = "loopback";
    o.endpoint_slots = 16;
    o.io.pool_packets = 64;
    engine_ = std::make_unique<engine::Engine>(o);
    svc_ = std::make_unique<SessionService>(*engine_, media_);
    svc_->set_event_sink(
        [this](const SessionEvent& e) { events_.push_back(e.name + ":" + e.reason); });
  }

  // Applies what the service posted to the shard (no shard thread runs in these tests).
  void settle() { engine_->shard(0).poll_once(0); }

  SignalRequest req(const std::string& id, const std::string& body, const std::string& to = "") {
    SignalRequest r;
    r.call_id = id;
    r.from_tag = "A";
    r.to_tag = to;
    r.sdp = body;
    return r;
  }

  uint16_t port_of(const std::string& text) {
    auto r = sdp::parse(text);
    EXPECT_TRUE(r.ok());
    return r.session->media.at(0).port;
  }

  std::vector<std::string> events_;  // outlives svc_, whose destructor still emits
  config::MediaConfig media_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<SessionService> svc_;
};

}  // namespace rtpx::control
