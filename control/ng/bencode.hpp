#pragma once
// Bencode values as the rtpengine ng protocol uses them: dictionaries, lists, integers and
// byte strings. Dictionary keys keep their wire order; lookups are linear (ng dicts are small).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rtpx::ng {

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  Value() : v_(std::string{}) {}
  Value(int64_t i) : v_(i) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(List l) : v_(std::move(l)) {}
  Value(Dict d) : v_(std::move(d)) {}

  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<List>(v_); }
  bool is_dict() const { return std::holds_alternative<Dict>(v_); }

  int64_t as_int() const { return std::get<int64_t>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return std::get<List>(v_); }
  const Dict& as_dict() const { return std::get<Dict>(v_); }
  List& as_list() { return std::get<List>(v_); }
  Dict& as_dict() { return std::get<Dict>(v_); }

  // Dict helpers: nullptr when this is not a dict or the key is absent.
  const Value* find(std::string_view key) const;
  // Appends or replaces key in a dict value.
  void set(std::string_view key, Value v);

  bool operator==(const Value& o) const { return v_ == o.v_; }

 private:
  std::variant<int64_t, std::string, List, Dict> v_;
};

struct DecodeError {
  size_t offset;        // byte offset in the input where decoding failed
  std::string message;  // e.g. "expected ':' after string length"
};

struct DecodeResult {
  std::optional<Value> value;  // set on success
  DecodeError error;           // meaningful when value is empty
};

// Decodes exactly one value that must span the whole input. Nesting is limited to 32 levels and
// string lengths to the input size, so hostile input costs at most linear time and bounded stack.
DecodeResult decode(std::string_view input);
std::string encode(const Value& v);

// ng datagram framing: "<cookie> <bencoded dict>".
struct NgMessage {
  std::string_view cookie;
  std::string_view body;
};
std::optional<NgMessage> split_cookie(std::string_view datagram);

}  // namespace rtpx::ng
