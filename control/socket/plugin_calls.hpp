#pragma once
// plugins.call: a control client asks a plugin service through rtpxd. rtpxd never waits on the
// plugin host (it is a client like any other): it publishes the call as a plugin_command event
// ({"op": "call", "call": N, "service", "request"}), keeps the asker here, and answers it when the
// host sends plugins.reply {"call": N, "ok", "result"}, or with a timeout error. An entry leaves
// the table on the reply, on the timeout, or when its connection goes away (forget()).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "control/core/result.hpp"

namespace rtpx::control {

class PluginCalls {
 public:
  // Called once with the reply line's payload: ok and the result, or !ok and an error object
  // ({"code", "field"?, "message"}, passed on as the host or the plugin wrote it).
  using Done = std::function<void(bool ok, nlohmann::json value)>;
  // Sends an event to the subscribed control clients; returns how many got it.
  using Publish = std::function<size_t(const nlohmann::json& event)>;

  static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

  PluginCalls(boost::asio::io_context& io, Publish publish,
              std::chrono::milliseconds timeout = kDefaultTimeout);
  ~PluginCalls();
  PluginCalls(const PluginCalls&) = delete;
  PluginCalls& operator=(const PluginCalls&) = delete;

  // A plugins.call request ({"service": str, "request": any JSON, default {}}): passes it to the
  // plugin host and returns the call number; `done` runs later, unless forget(owner) comes first.
  // An error now (and `done` never runs): a bad argument, or no plugin host connected.
  Result<uint64_t> start(const nlohmann::json& request, const void* owner, Done done);
  // plugins.reply from the host: {"call": N, "ok": bool, "result": any}. not_found for a call
  // that already ended (timed out, or its client left).
  Result<nlohmann::json> complete(const nlohmann::json& reply);
  // The connection `owner` closed: its calls end without an answer.
  void forget(const void* owner);
  size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Pending {
    const void* owner;
    std::string service;
    Done done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  void expire(uint64_t call);

  boost::asio::io_context& io_;
  Publish publish_;
  std::chrono::milliseconds timeout_;
  std::map<uint64_t, Pending> pending_;
  uint64_t next_call_ = 1;
};

}  // namespace rtpx::control
