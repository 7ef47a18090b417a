#pragma once
// Run-time variable expansion as FreeSWITCH's switch_channel_expand_variables does it:
// ${name} (and $${name}) replaced by lookup(name), "" when unknown; the value is expanded again;
// ${name:offset:length} takes a substring; \$ is a literal '$'. API calls (${func(args)},
// ${api args}) are not evaluated and expand to "".

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/fsconf/config_error.hpp"

namespace rtpx::fsconf {

using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string expand(std::string_view s, const Lookup& lookup);

// Whether expand() would change anything: s holds "${" or an escaped "\$".
bool has_variables(std::string_view s);

// A lookup in one map, then (when not found) in a second one.
Lookup lookup_in(const Vars& first, const Vars* then = nullptr);

}  // namespace rtpx::fsconf
