#pragma once
// Directory users, as directory/*.xml declares them:
//   <domain name="$${domain}"><params/><variables/>
//     <groups><group name="default"><users><user id="1000"><params/><variables/></user>...
// Domain params and variables are defaults that the user's own override.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"
#include "plugins/fsconf/xml_tree.hpp"

namespace rtpx::fsconf {

struct User {
  std::string id, domain;
  std::map<std::string, std::string> params;
  Vars variables;
  Location where;
  std::string param(std::string_view key, std::string_view fallback = "") const;
  std::string variable(std::string_view key, std::string_view fallback = "") const;
};

struct Directory {
  std::map<std::string, std::map<std::string, User>> domains;  // domain -> id -> user
  std::string default_domain;                                  // $${domain}

  // The user `id` of `domain`; with domain "" the default domain first, then any domain.
  const User* find(std::string_view id, std::string_view domain = "") const;
};

// Adds the <domain> elements found among preprocessed top-level nodes (directly or inside
// <section>/<directory> wrappers).
void add_domains(const std::vector<XmlNode>& nodes, Directory& dir,
                 std::vector<std::string>& warnings);

// Adds <user> elements found anywhere among `nodes` (outside any <domain>) to `domain`.
void add_users(const std::vector<XmlNode>& nodes, const std::string& domain, Directory& dir,
               std::vector<std::string>& warnings);

}  // namespace rtpx::fsconf
