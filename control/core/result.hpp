#pragma once
// Control-plane results: a value or an error that names the offending field. Both protocols
// (control socket JSON and ng bencode) render the same Error.

#include <string>
#include <utility>
#include <variant>

namespace rtpx::control {

enum class ErrorCode {
  bad_json,
  line_too_long,
  unknown_command,
  bad_field,
  not_found,
  no_ports,
  forbidden,
  not_supported,
  timeout,
  internal
};

inline const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::bad_json:
      return "bad_json";
    case ErrorCode::line_too_long:
      return "line_too_long";
    case ErrorCode::unknown_command:
      return "unknown_command";
    case ErrorCode::bad_field:
      return "bad_field";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::no_ports:
      return "no_ports";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_supported:
      return "not_supported";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string field;  // empty when no single field is at fault
  std::string message;
};

inline Error bad_field(std::string field, std::string message) {
  return {ErrorCode::bad_field, std::move(field), std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace rtpx::control
