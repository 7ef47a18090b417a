#include "plugins/sip/host_link.hpp"

#include <memory>

namespace rtpx::sip {

using nlohmann::json;

namespace {
json parse(std::string_view text) {
  json v = json::parse(text, nullptr, false);
  return v.is_discarded() ? json{{"code", "internal"}, {"message", std::string(text)}} : v;
}
}  // namespace

void HostLink::request(std::string cmd, json args, Reply reply) {
  host_.post([this, cmd = std::move(cmd), body = args.dump(), reply = std::move(reply)]() mutable {
    auto shared = std::make_shared<Reply>(std::move(reply));
    const bool sent = host_.request(cmd.c_str(), body, [this, shared](bool ok, std::string_view v) {
      loop_.post([shared, ok, value = parse(v)] { (*shared)(ok, value); });
    });
    if (!sent)
      loop_.post([shared, cmd] {
        (*shared)(false, json{{"code", "internal"}, {"message", "cannot send " + cmd}});
      });
  });
}

void HostLink::service(std::string name, json request, Reply reply) {
  host_.post(
      [this, name = std::move(name), body = request.dump(), reply = std::move(reply)]() mutable {
        auto shared = std::make_shared<Reply>(std::move(reply));
        const rtpx_status st =
            host_.call(name.c_str(), body, [this, shared](bool ok, std::string_view v) {
              loop_.post([shared, ok, value = parse(v)] { (*shared)(ok, value); });
            });
        if (st != RTPX_OK)
          loop_.post([shared, name, st] {
            (*shared)(false, json{{"code", st == RTPX_ERR_NOT_FOUND ? "not_found" : "internal"},
                                  {"field", "service"},
                                  {"message", "service " + name + " is not available"}});
          });
      });
}

void HostLink::log(rtpx_log_level level, std::string message) {
  host_.post([this, level, message = std::move(message)] { host_.log(level, message); });
}

}  // namespace rtpx::sip
