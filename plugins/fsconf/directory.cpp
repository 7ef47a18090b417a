#include "plugins/fsconf/directory.hpp"

namespace rtpx::fsconf {
namespace {

std::string lookup(const std::map<std::string, std::string>& m, std::string_view key,
                   std::string_view fallback) {
  auto it = m.find(std::string(key));
  return it != m.end() ? it->second : std::string(fallback);
}

void read_pairs(const XmlNode* parent, std::string_view element,
                std::map<std::string, std::string>& out) {
  if (parent == nullptr) return;
  for (const XmlNode& p : parent->children)
    if (p.name == element && p.attr("name") != nullptr) out[*p.attr("name")] = p.attr_or("value");
}

struct Defaults {
  std::map<std::string, std::string> params;
  Vars variables;
};

void add_user(const XmlNode& u, const std::string& domain, const Defaults& defaults, Directory& dir,
              std::vector<std::string>& warnings) {
  if (u.attr_or("type") == "pointer") return;  // a group member pointing at a real user
  const std::string id = u.attr_or("id");
  if (id.empty()) {
    warnings.push_back(u.where.str() + ": <user> without an id ignored");
    return;
  }
  auto& users = dir.domains[domain];
  if (users.count(id) != 0) {
    warnings.push_back(u.where.str() + ": user '" + id + "@" + domain +
                       "' defined twice, this one ignored");
    return;
  }
  User user{id, domain, defaults.params, defaults.variables, u.where};
  read_pairs(u.child("params"), "param", user.params);
  read_pairs(u.child("variables"), "variable", user.variables);
  users.emplace(id, std::move(user));
}

// Users under `n` at any depth (<users>, <groups><group><users>), not crossing into <domain>.
void collect_users(const XmlNode& n, const std::string& domain, const Defaults& defaults,
                   Directory& dir, std::vector<std::string>& warnings) {
  for (const XmlNode& c : n.children) {
    if (c.name == "user") {
      add_user(c, domain, defaults, dir, warnings);
    } else if (c.name != "domain" && c.name != "params" && c.name != "variables") {
      collect_users(c, domain, defaults, dir, warnings);
    }
  }
}

}  // namespace

std::string User::param(std::string_view key, std::string_view fallback) const {
  return lookup(params, key, fallback);
}

std::string User::variable(std::string_view key, std::string_view fallback) const {
  return lookup(variables, key, fallback);
}

const User* Directory::find(std::string_view id, std::string_view domain) const {
  const std::string key(id);
  auto in = [&](const std::string& d) -> const User* {
    auto dom = domains.find(d);
    if (dom == domains.end()) return nullptr;
    auto u = dom->second.find(key);
    return u != dom->second.end() ? &u->second : nullptr;
  };
  if (!domain.empty()) return in(std::string(domain));
  if (const User* u = in(default_domain)) return u;
  for (const auto& [name, users] : domains)
    if (const User* u = in(name)) return u;
  return nullptr;
}

void add_domains(const std::vector<XmlNode>& nodes, Directory& dir,
                 std::vector<std::string>& warnings) {
  for (const XmlNode& n : nodes) {
    if (n.name == "section" || n.name == "directory") add_domains(n.children, dir, warnings);
    if (n.name != "domain") continue;
    const std::string name = n.attr_or("name");
    if (name.empty()) {
      warnings.push_back(n.where.str() + ": <domain> without a name ignored");
      continue;
    }
    Defaults defaults;
    read_pairs(n.child("params"), "param", defaults.params);
    read_pairs(n.child("variables"), "variable", defaults.variables);
    dir.domains[name];  // a domain without users still exists
    collect_users(n, name, defaults, dir, warnings);
  }
}

void add_users(const std::vector<XmlNode>& nodes, const std::string& domain, Directory& dir,
               std::vector<std::string>& warnings) {
  XmlNode root;
  root.children = nodes;
  collect_users(root, domain, Defaults{}, dir, warnings);
}

}  // namespace rtpx::fsconf
