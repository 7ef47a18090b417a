#pragma once
// A configuration file after preprocessing: elements with their attributes and text, $${var}
// already replaced, included files spliced in, each element keeping the file:line it came from
// (which may be another file than its parent's).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/fsconf/config_error.hpp"

namespace rtpx::fsconf {

struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;  // document order
  std::string text;                                        // character data, trimmed
  std::vector<XmlNode> children;
  Location where;

  // The attribute's value, or null when absent (names are case-sensitive, as in FreeSWITCH).
  const std::string* attr(std::string_view key) const {
    for (const auto& [k, v] : attrs)
      if (k == key) return &v;
    return nullptr;
  }
  std::string attr_or(std::string_view key, std::string_view fallback = "") const {
    const std::string* v = attr(key);
    return v != nullptr ? *v : std::string(fallback);
  }
  // The first child element with this name, or null.
  const XmlNode* child(std::string_view child_name) const {
    for (const XmlNode& c : children)
      if (c.name == child_name) return &c;
    return nullptr;
  }
};

}  // namespace rtpx::fsconf
