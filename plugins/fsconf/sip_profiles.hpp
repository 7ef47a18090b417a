#pragma once
// Sofia SIP profiles and their gateways, as sip_profiles/*.xml declare them:
//   <profile name="internal"><settings><param name=".." value=".."/></settings>
//     <gateways><gateway name="wavix"><param .../><variables><variable .../></variables>
//     </gateway></gateways></profile>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"
#include "plugins/fsconf/xml_tree.hpp"

namespace rtpx::fsconf {

struct Gateway {
  std::string name, profile;
  std::map<std::string, std::string> params;
  Vars variables;
  Location where;
  std::string param(std::string_view key, std::string_view fallback = "") const;
};

struct Profile {
  std::string name;
  std::map<std::string, std::string> params;
  std::vector<Gateway> gateways;
  Location where;
  std::string param(std::string_view key, std::string_view fallback = "") const;
  const Gateway* gateway(std::string_view name) const;
};

// Adds the <profile> elements found among preprocessed top-level nodes (directly or inside
// <profiles>). A second profile of the same name is skipped with a warning.
void add_profiles(const std::vector<XmlNode>& nodes, std::vector<Profile>& profiles,
                  std::vector<std::string>& warnings);

// Adds the <gateway> elements found among top-level nodes (directly or inside <gateways>) to
// `profile`. A gateway name already used by any profile is skipped with a warning.
void add_gateways(const std::vector<XmlNode>& nodes, Profile& profile,
                  const std::vector<Profile>& all, std::vector<std::string>& warnings);

}  // namespace rtpx::fsconf
