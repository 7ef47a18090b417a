#pragma once
// ng over a byte stream (TCP, UNIX stream socket). rtpengine accepts two framings there and
// answers in the one it was sent: the datagram text as is ("<cookie> <bencoded dict>", its end
// found where the dict ends), or that text as a bencode string ("<len>:<cookie> <dict>").
// Kamailio's rtpengine module over a UNIX socket sends a third: the bare dict, no cookie, and
// expects the bare reply dict.

#include <cstddef>
#include <string_view>

namespace rtpx::ng {

enum class FrameStatus { complete, incomplete, invalid };

struct StreamFrame {
  size_t consumed = 0;       // bytes of the stream this frame used
  std::string_view message;  // "<cookie> <dict>"
  bool length_prefixed = false;
  bool bare = false;  // a dict without cookie: `message` is the dict
};

// Finds the first frame at the start of `buf`. `invalid` means the stream cannot be resynced.
FrameStatus next_frame(std::string_view buf, StreamFrame* out);

// The length of the bencoded value at the start of `in`; `incomplete` when more bytes are
// needed. Containers nest at most 32 deep.
FrameStatus bencode_extent(std::string_view in, size_t* length);

}  // namespace rtpx::ng
