#include "control/ng/ng_stream_frame.hpp"

namespace rtpx::ng {
namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxFrame = size_t{1} << 20;  // larger than any SDP rtpxd accepts

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads "<digits><term>" at pos; the value in *n, pos after the terminator.
FrameStatus read_number(std::string_view in, size_t* pos, char term, size_t* n) {
  size_t v = 0, digits = 0;
  while (*pos < in.size() && digit(in[*pos])) {
    v = v * 10 + static_cast<size_t>(in[*pos] - '0');
    if (v > kMaxFrame) return FrameStatus::invalid;
    ++*pos;
    ++digits;
  }
  if (*pos == in.size()) return digits > 20 ? FrameStatus::invalid : FrameStatus::incomplete;
  if (digits == 0 || in[*pos] != term) return FrameStatus::invalid;
  ++*pos;
  *n = v;
  return FrameStatus::complete;
}

}  // namespace

FrameStatus bencode_extent(std::string_view in, size_t* length) {
  size_t pos = 0;
  int depth = 0;
  do {
    if (pos == in.size()) return FrameStatus::incomplete;
    const char c = in[pos];
    if (c == 'd' || c == 'l') {
      if (++depth > kMaxDepth) return FrameStatus::invalid;
      ++pos;
      continue;
    }
    if (c == 'e') {
      if (depth == 0) return FrameStatus::invalid;
      --depth;
      ++pos;
      continue;
    }
    if (c == 'i') {
      ++pos;
      if (pos < in.size() && in[pos] == '-') ++pos;
      size_t ignored = 0;
      if (auto s = read_number(in, &pos, 'e', &ignored); s != FrameStatus::complete) return s;
      continue;
    }
    size_t n = 0;
    if (auto s = read_number(in, &pos, ':', &n); s != FrameStatus::complete) return s;
    if (in.size() - pos < n) return FrameStatus::incomplete;
    pos += n;
  } while (depth > 0);
  *length = pos;
  return FrameStatus::complete;
}

FrameStatus next_frame(std::string_view buf, StreamFrame* out) {
  if (buf.empty()) return FrameStatus::incomplete;
  if (digit(buf[0])) {
    // "<len>:" prefix, unless the digits are a cookie followed by a space.
    size_t pos = 0, n = 0;
    while (pos < buf.size() && digit(buf[pos])) ++pos;
    if (pos == buf.size()) return pos > 20 ? FrameStatus::invalid : FrameStatus::incomplete;
    if (buf[pos] == ':') {
      pos = 0;
      if (auto s = read_number(buf, &pos, ':', &n); s != FrameStatus::complete) return s;
      if (buf.size() - pos < n) return FrameStatus::incomplete;
      *out = {pos + n, buf.substr(pos, n), true, false};
      return FrameStatus::complete;
    }
  }
  if (buf[0] == 'd') {
    size_t len = 0;
    const FrameStatus s = bencode_extent(buf, &len);
    if (s != FrameStatus::complete) return s;
    *out = {len, buf.substr(0, len), false, true};
    return FrameStatus::complete;
  }
  const size_t space = buf.find(' ');
  if (space == std::string_view::npos) {
    return buf.size() > 256 ? FrameStatus::invalid : FrameStatus::incomplete;  // cookie too long
  }
  if (space == 0) return FrameStatus::invalid;
  size_t len = 0;
  const FrameStatus s = bencode_extent(buf.substr(space + 1), &len);
  if (s != FrameStatus::complete) return s;
  *out = {space + 1 + len, buf.substr(0, space + 1 + len), false, false};
  return FrameStatus::complete;
}

}  // namespace rtpx::ng
