// Bencode decoder/encoder for the ng protocol. The decoder is a recursive descent parser whose
// recursion depth is capped (kMaxDepth) and whose every length is checked against the bytes left,
// so any input, however hostile, costs linear time and bounded stack.

#include "control/ng/bencode.hpp"

#include <iterator>
#include <limits>
#include <string_view>
#include <unordered_set>

namespace rtpx::ng {

namespace {

// Containers (lists/dicts) may nest this deep; the top-level container is level 1.
constexpr int kMaxDepth = 32;
// Dicts larger than this check duplicate keys with a hash set instead of a linear scan.
constexpr size_t kLinearDupCheckMax = 16;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  DecodeResult run() {
    DecodeResult r;
    if (in_.empty()) {
      fail(0, "empty input");
    } else {
      Value v;
      if (value(v, 0)) {
        if (pos_ != in_.size()) {
          fail(pos_, "trailing data after value");
        } else {
          r.value = std::move(v);
          return r;
        }
      }
    }
    r.error = std::move(err_);
    return r;
  }

 private:
  bool fail(size_t at, const char* msg) {
    if (err_.message.empty()) err_ = DecodeError{at, msg};
    return false;
  }
  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return in_[pos_]; }

  bool value(Value& out, int depth) {
    if (at_end()) return fail(pos_, "unexpected end of input, expected a value");
    const char c = peek();
    if (c == 'i') return integer(out);
    if (c == 'l') return list(out, depth + 1);
    if (c == 'd') return dict(out, depth + 1);
    if (is_digit(c)) {
      std::string_view s;
      if (!string(s)) return false;
      out = Value(s);
      return true;
    }
    return fail(pos_, "expected 'i', 'l', 'd' or a string length");
  }

  // Parses an unsigned decimal made of digits at pos_ with no leading zero (except "0" itself).
  // Stops at the first non-digit. `limit` bounds the magnitude.
  bool decimal(uint64_t limit, uint64_t& out, const char* what_overflow) {
    const size_t start = pos_;
    if (at_end() || !is_digit(peek())) return fail(pos_, "expected a digit");
    if (peek() == '0' && pos_ + 1 < in_.size() && is_digit(in_[pos_ + 1]))
      return fail(start, "leading zero in number");
    uint64_t v = 0;
    while (!at_end() && is_digit(peek())) {
      const auto d = static_cast<uint64_t>(peek() - '0');
      if (v > (limit - d) / 10) return fail(start, what_overflow);
      v = v * 10 + d;
      ++pos_;
    }
    out = v;
    return true;
  }

  bool integer(Value& out) {
    const size_t start = pos_;
    ++pos_;  // 'i'
    bool neg = false;
    if (!at_end() && peek() == '-') {
      neg = true;
      ++pos_;
    }
    if (at_end()) return fail(pos_, "unexpected end of input in integer");
    if (!is_digit(peek())) return fail(pos_, "expected a digit in integer");
    if (neg && peek() == '0') return fail(start, "negative zero or leading zero in integer");
    const uint64_t limit = neg ? uint64_t{1} << 63 : uint64_t{std::numeric_limits<int64_t>::max()};
    uint64_t mag = 0;
    if (!decimal(limit, mag, "integer overflows 64 bits")) return false;
    if (at_end()) return fail(pos_, "unexpected end of input in integer");
    if (peek() != 'e') return fail(pos_, "expected 'e' after integer digits");
    ++pos_;
    // Two's complement negation of the magnitude; well defined for 2^63 as well.
    out = Value(neg ? static_cast<int64_t>(~mag + 1) : static_cast<int64_t>(mag));
    return true;
  }

  // Parses "<len>:<bytes>" and returns a view of the bytes inside the input.
  bool string(std::string_view& out) {
    const size_t start = pos_;
    uint64_t len = 0;
    if (!decimal(std::numeric_limits<uint64_t>::max(), len, "string length overflows"))
      return false;
    if (at_end()) return fail(pos_, "unexpected end of input after string length");
    if (peek() != ':') return fail(pos_, "expected ':' after string length");
    ++pos_;
    if (len > in_.size() - pos_) return fail(start, "string length exceeds remaining input");
    out = in_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }

  bool list(Value& out, int depth) {
    if (depth > kMaxDepth) return fail(pos_, "nesting deeper than 32 levels");
    ++pos_;  // 'l'
    List l;
    while (true) {
      if (at_end()) return fail(pos_, "unexpected end of input in list");
      if (peek() == 'e') break;
      Value v;
      if (!value(v, depth)) return false;
      l.push_back(std::move(v));
    }
    ++pos_;
    out = Value(std::move(l));
    return true;
  }

  bool dict(Value& out, int depth) {
    if (depth > kMaxDepth) return fail(pos_, "nesting deeper than 32 levels");
    ++pos_;  // 'd'
    Dict d;
    // Keys seen so far, as views into the input. Small dicts (every real ng message) scan an
    // array; past kLinearDupCheckMax keys a hash set keeps hostile input linear.
    std::string_view first[kLinearDupCheckMax];
    std::unordered_set<std::string_view> seen;
    while (true) {
      if (at_end()) return fail(pos_, "unexpected end of input in dict");
      if (peek() == 'e') break;
      const size_t key_at = pos_;
      if (!is_digit(peek())) return fail(pos_, "dict key must be a string");
      std::string_view key;
      if (!string(key)) return false;
      const size_t n = d.size();
      if (n < kLinearDupCheckMax) {
        for (size_t i = 0; i < n; ++i)
          if (first[i] == key) return fail(key_at, "duplicate dict key");
        first[n] = key;
      } else {
        if (seen.empty()) seen.insert(std::begin(first), std::end(first));
        if (!seen.insert(key).second) return fail(key_at, "duplicate dict key");
      }
      Value v;
      if (!value(v, depth)) return false;
      d.emplace_back(std::string(key), std::move(v));
    }
    ++pos_;
    out = Value(std::move(d));
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  DecodeError err_{0, {}};
};

void encode_into(const Value& v, std::string& out) {
  if (v.is_int()) {
    out += 'i';
    out += std::to_string(v.as_int());
    out += 'e';
  } else if (v.is_string()) {
    const auto& s = v.as_string();
    out += std::to_string(s.size());
    out += ':';
    out += s;
  } else if (v.is_list()) {
    out += 'l';
    for (const auto& e : v.as_list()) encode_into(e, out);
    out += 'e';
  } else {
    out += 'd';
    for (const auto& [k, e] : v.as_dict()) {
      out += std::to_string(k.size());
      out += ':';
      out += k;
      encode_into(e, out);
    }
    out += 'e';
  }
}

}  // namespace

const Value* Value::find(std::string_view key) const {
  if (!is_dict()) return nullptr;
  for (const auto& kv : as_dict())
    if (kv.first == key) return &kv.second;
  return nullptr;
}

void Value::set(std::string_view key, Value v) {
  if (!is_dict()) v_ = Dict{};
  auto& d = as_dict();
  for (auto& kv : d) {
    if (kv.first == key) {
      kv.second = std::move(v);
      return;
    }
  }
  d.emplace_back(std::string(key), std::move(v));
}

DecodeResult decode(std::string_view input) {
  return Decoder(input).run();
}

std::string encode(const Value& v) {
  std::string out;
  encode_into(v, out);
  return out;
}

std::optional<NgMessage> split_cookie(std::string_view datagram) {
  const size_t sp = datagram.find(' ');
  if (sp == std::string_view::npos || sp == 0) return std::nullopt;
  NgMessage m{datagram.substr(0, sp), datagram.substr(sp + 1)};
  if (m.body.empty()) return std::nullopt;
  return m;
}

}  // namespace rtpx::ng
