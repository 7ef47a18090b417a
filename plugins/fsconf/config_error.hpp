#pragma once
// Where a configuration element came from, and the error thrown when a FreeSWITCH conf dir
// cannot be used: what() is "file:line: reason".

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace rtpx::fsconf {

// Variables by name: globals ($${var}) and channel variables (${var}).
using Vars = std::map<std::string, std::string>;

struct Location {
  std::string file;  // relative to the conf dir when inside it
  int line = 0;      // 1-based; 0 when the whole file is meant
  std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

struct ConfigError : std::runtime_error {
  ConfigError(Location at, const std::string& reason)
      : std::runtime_error(at.str() + ": " + reason), where(std::move(at)) {}
  Location where;
};

}  // namespace rtpx::fsconf
