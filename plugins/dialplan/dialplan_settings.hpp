#pragma once
// [plugins.dialplan] in rtpx.toml:
//   conf_dir = "/etc/rtpx/freeswitch"     (required) a FreeSWITCH conf dir
//   e164 = { form = "digits"|"plus"|"none", country_code = "1",
//            international_prefixes = ["011", "00"], national_digits = 10 }

#include <filesystem>
#include <string_view>

#include "plugins/fsconf/e164.hpp"

namespace rtpx::dialplan {

struct DialplanSettings {
  std::filesystem::path conf_dir;
  fsconf::E164Rules e164;
};

// The plugin's table as JSON. Throws std::runtime_error naming the key.
DialplanSettings parse_settings(std::string_view table_json);

}  // namespace rtpx::dialplan
