#pragma once
// OpenSSL's error queue is per thread and shared by every connection a shard serves: whoever
// sees a failure takes its text and empties the queue, so nothing leaks into the next call.

#include <string>
#include <string_view>

namespace rtpx::engine::dtls {

// The reason of the oldest queued error ("certificate verify failed"), or `fallback` when the
// queue is empty. The queue is empty afterwards.
std::string take_openssl_error(std::string_view fallback);

}  // namespace rtpx::engine::dtls
