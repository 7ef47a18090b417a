#pragma once
// A whole FreeSWITCH conf dir, read in FreeSWITCH's order (vars.xml, sip_profiles, dialplan,
// directory) through one preprocessor, so a $${var} set earlier is seen later:
//   vars.xml                       globals (optional)
//   sip_profiles/*.xml             <profile> elements, gateways included from subfolders
//   sip_profiles/<p>/*.xml         gateway files; those no profile included go to profile <p>
//                                  when it exists, else to "external" (created when missing)
//   dialplan/*.xml                 <context> elements
//   directory/*.xml                <domain> elements, users included from subfolders
//   directory/<d>/*.xml            user files; those no domain included go to $${domain}

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"
#include "plugins/fsconf/dialplan.hpp"
#include "plugins/fsconf/directory.hpp"
#include "plugins/fsconf/sip_profiles.hpp"

namespace rtpx::fsconf {

struct Conf {
  std::filesystem::path dir;
  Vars globals;
  std::vector<Profile> profiles;
  Directory directory;
  Dialplan dialplan;
  std::vector<std::string> warnings;  // "file:line: ..."

  const Profile* profile(std::string_view name) const;
  const Gateway* gateway(std::string_view name) const;  // in any profile
};

// Throws ConfigError ("file:line: reason").
Conf load_conf_dir(const std::filesystem::path& dir);

}  // namespace rtpx::fsconf
