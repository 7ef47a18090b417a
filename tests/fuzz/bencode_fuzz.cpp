// libFuzzer target for the ng bencode decoder: any input must decode or fail cleanly, and every
// decoded value must survive encode -> decode unchanged (and re-encode to the same bytes).
//
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I.
//     tests/fuzz/bencode_fuzz.cpp control/ng/bencode.cpp control/ng/ng_stream_frame.cpp -o
//     bencode_fuzz
//   ./bencode_fuzz -max_total_time=60

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/ng/bencode.hpp"
#include "control/ng/ng_stream_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // The ng framing first, as the daemon sees datagrams; then the whole input as a body.
  if (auto msg = rtpx::ng::split_cookie(in)) {
    if (msg->cookie.empty() || msg->cookie.find(' ') != std::string_view::npos || msg->body.empty())
      std::abort();
    (void)rtpx::ng::decode(msg->body);
  }

  // Stream framing: frames never reach past the input, and a value that decodes has the extent
  // the scanner finds for it.
  rtpx::ng::StreamFrame frame;
  if (rtpx::ng::next_frame(in, &frame) == rtpx::ng::FrameStatus::complete &&
      (frame.consumed == 0 || frame.consumed > size || frame.message.size() > frame.consumed))
    std::abort();

  const auto r = rtpx::ng::decode(in);
  size_t extent = 0;
  if (r.value &&
      (rtpx::ng::bencode_extent(in, &extent) != rtpx::ng::FrameStatus::complete || extent != size))
    std::abort();
  if (!r.value) {
    if (r.error.message.empty() || r.error.offset > size) std::abort();
    return 0;
  }
  const std::string enc = rtpx::ng::encode(*r.value);
  // Decoding is strict (canonical integers and lengths, no trailing data), so a valid input is
  // its own encoding.
  if (enc != in) std::abort();
  const auto again = rtpx::ng::decode(enc);
  if (!again.value || !(*again.value == *r.value)) std::abort();
  return 0;
}
