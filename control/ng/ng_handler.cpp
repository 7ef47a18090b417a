#include "control/ng/ng_handler.hpp"

#include "control/ng/bencode.hpp"
#include "control/ng/ng_commands.hpp"

namespace rtpx::ng {
namespace {
// Replies are kept 30 s for retransmissions, within a memory budget: at 20k requests/s the
// budget still covers the 1 s after which Kamailio's module retransmits.
constexpr size_t kCacheBytes = size_t{64} << 20;
constexpr auto kCacheTtl = std::chrono::seconds(30);
}  // namespace

std::string NgHandler::handle_bare(std::string_view dict) {
  DecodeResult decoded = decode(dict);
  if (!decoded.value) {
    ++ctx_.ng.requests;
    ++ctx_.ng.errors;
    return encode(ng_error("Could not decode bencode dictionary: " + decoded.error.message +
                           " at offset " + std::to_string(decoded.error.offset)));
  }
  return encode(dispatch_ng(ctx_, *decoded.value));
}

void NgHandler::expire_cache() {
  const auto now = std::chrono::steady_clock::now();
  while (!cache_order_.empty()) {
    auto it = cache_.find(cache_order_.front());
    if (it != cache_.end() && cache_bytes_ <= kCacheBytes && now - it->second.at < kCacheTtl) break;
    if (it != cache_.end()) {
      cache_bytes_ -= it->first.size() + it->second.reply.size();
      cache_.erase(it);
    }
    cache_order_.pop_front();
  }
}

std::string NgHandler::handle(std::string_view message) {
  auto msg = split_cookie(message);
  if (!msg) {  // no cookie: nothing to answer to
    ++ctx_.ng.requests;
    ++ctx_.ng.errors;
    return {};
  }
  std::string cookie(msg->cookie);
  expire_cache();
  if (auto it = cache_.find(cookie); it != cache_.end()) {
    ++retransmissions_;
    return it->second.reply;
  }
  std::string out = cookie + " " + handle_bare(msg->body);
  cache_bytes_ += cookie.size() + out.size();
  cache_.emplace(cookie, Cached{out, std::chrono::steady_clock::now()});
  cache_order_.push_back(std::move(cookie));
  return out;
}

}  // namespace rtpx::ng
