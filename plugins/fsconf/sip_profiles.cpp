#include "plugins/fsconf/sip_profiles.hpp"

namespace rtpx::fsconf {
namespace {

std::string lookup(const std::map<std::string, std::string>& m, std::string_view key,
                   std::string_view fallback) {
  auto it = m.find(std::string(key));
  return it != m.end() ? it->second : std::string(fallback);
}

// <param name= value=/> children of `parent` into `out` (a later duplicate wins, as in sofia).
void read_params(const XmlNode& parent, std::string_view element,
                 std::map<std::string, std::string>& out) {
  for (const XmlNode& p : parent.children)
    if (p.name == element && p.attr("name") != nullptr) out[*p.attr("name")] = p.attr_or("value");
}

bool gateway_taken(std::string_view name, const std::vector<Profile>& all, const Profile& extra) {
  if (extra.gateway(name) != nullptr) return true;
  for (const Profile& p : all)
    if (p.gateway(name) != nullptr) return true;
  return false;
}

void add_gateway(const XmlNode& g, Profile& profile, const std::vector<Profile>& all,
                 std::vector<std::string>& warnings) {
  const std::string name = g.attr_or("name");
  if (name.empty()) {
    warnings.push_back(g.where.str() + ": <gateway> without a name ignored");
    return;
  }
  if (gateway_taken(name, all, profile)) {
    warnings.push_back(g.where.str() + ": gateway '" + name + "' defined twice, this one ignored");
    return;
  }
  Gateway gw{name, profile.name, {}, {}, g.where};
  read_params(g, "param", gw.params);
  if (const XmlNode* vars = g.child("variables")) read_params(*vars, "variable", gw.variables);
  profile.gateways.push_back(std::move(gw));
}

}  // namespace

std::string Gateway::param(std::string_view key, std::string_view fallback) const {
  return lookup(params, key, fallback);
}

std::string Profile::param(std::string_view key, std::string_view fallback) const {
  return lookup(params, key, fallback);
}

const Gateway* Profile::gateway(std::string_view gw_name) const {
  for (const Gateway& g : gateways)
    if (g.name == gw_name) return &g;
  return nullptr;
}

void add_gateways(const std::vector<XmlNode>& nodes, Profile& profile,
                  const std::vector<Profile>& all, std::vector<std::string>& warnings) {
  for (const XmlNode& n : nodes) {
    if (n.name == "gateway") add_gateway(n, profile, all, warnings);
    if (n.name == "gateways") add_gateways(n.children, profile, all, warnings);
  }
}

void add_profiles(const std::vector<XmlNode>& nodes, std::vector<Profile>& profiles,
                  std::vector<std::string>& warnings) {
  for (const XmlNode& n : nodes) {
    if (n.name == "profiles") add_profiles(n.children, profiles, warnings);
    if (n.name != "profile") continue;
    const std::string name = n.attr_or("name");
    if (name.empty()) {
      warnings.push_back(n.where.str() + ": <profile> without a name ignored");
      continue;
    }
    bool dup = false;
    for (const Profile& p : profiles) dup = dup || p.name == name;
    if (dup) {
      warnings.push_back(n.where.str() + ": profile '" + name +
                         "' defined twice, this one ignored");
      continue;
    }
    Profile p{name, {}, {}, n.where};
    if (const XmlNode* settings = n.child("settings")) read_params(*settings, "param", p.params);
    for (const XmlNode& c : n.children)
      if (c.name == "gateways") add_gateways(c.children, p, profiles, warnings);
    profiles.push_back(std::move(p));
  }
}

}  // namespace rtpx::fsconf
