#include "control/plugin_host/host_config.hpp"

#include <toml++/toml.h>
#include <stdexcept>

namespace rtpx::plugins {
namespace {

using nlohmann::json;

json to_json(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    json o = json::object();
    for (const auto& [k, v] : *t) o[std::string(k.str())] = to_json(v);
    return o;
  }
  if (const auto* a = n.as_array()) {
    json arr = json::array();
    for (const auto& v : *a) arr.push_back(to_json(v));
    return arr;
  }
  if (auto s = n.value<std::string>(); s && n.is_string()) return *s;
  if (n.is_integer()) return *n.value<int64_t>();
  if (n.is_floating_point()) return *n.value<double>();
  if (n.is_boolean()) return *n.value<bool>();
  return n.is_date_time() || n.is_date() || n.is_time() ? json(std::string("<date>")) : json();
}

[[noreturn]] void fail(const std::string& file, const toml::source_region& where,
                       const std::string& why) {
  throw std::runtime_error(file + ":" + std::to_string(where.begin.line) + ": " + why);
}

std::vector<std::string> strings(const std::string& file, const toml::node* n, const char* key) {
  std::vector<std::string> out;
  if (n == nullptr) return out;
  const auto* a = n->as_array();
  if (a == nullptr)
    fail(file, n->source(), std::string("'plugins.") + key + "' must be a list of strings");
  for (const auto& v : *a) {
    if (!v.is_string())
      fail(file, v.source(), std::string("'plugins.") + key + "' must be a list of strings");
    out.push_back(*v.value<std::string>());
  }
  return out;
}

}  // namespace

HostConfig load_host_config(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  HostConfig c;
  if (auto s = root["control"]["socket"].value<std::string>()) c.control_socket = *s;
  const toml::table* plugins = root["plugins"].as_table();
  if (plugins == nullptr) return c;
  for (const std::string& name : strings(path, plugins->get("load"), "load")) {
    PluginSpec spec{name, json::object()};
    const std::string base = name.substr(name.rfind('/') + 1);
    const std::string key = base.ends_with(".so") ? base.substr(0, base.size() - 3) : base;
    if (const toml::node* t = plugins->get(key)) {
      if (!t->is_table()) fail(path, t->source(), "'plugins." + key + "' must be a table");
      spec.table = to_json(*t);
    }
    c.plugins.push_back(std::move(spec));
  }
  c.search_path = strings(path, plugins->get("path"), "path");
  return c;
}

}  // namespace rtpx::plugins
