#include "control/plugin_host/plugin_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>

namespace rtpx::plugins {
namespace {

control::Error refuse(const std::string& path, std::string why) {
  return control::Error{control::ErrorCode::bad_field, "plugin", "plugin " + path + ": " + why};
}

std::string abi(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

bool valid_name(const char* n) {
  if (n == nullptr || *n == '\0' || std::strlen(n) > 64) return false;
  for (const char* c = n; *c; ++c)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
      return false;
  return true;
}

}  // namespace

void DlClose::operator()(void* handle) const noexcept {
  if (handle != nullptr) ::dlclose(handle);
}

control::Result<LoadedPlugin> load_plugin(const std::string& path) {
  ::dlerror();
  std::unique_ptr<void, DlClose> handle(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!handle) {
    const char* e = ::dlerror();
    return refuse(path, std::string("cannot load: ") + (e ? e : "unknown error"));
  }
  auto entry =
      reinterpret_cast<rtpx_plugin_entry_fn>(::dlsym(handle.get(), RTPX_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return refuse(path, "no " RTPX_PLUGIN_ENTRY_SYMBOL
                        "() symbol: not an rtpx plugin, or built "
                        "without RTPX_PLUGIN_EXPORT");
  }
  const rtpx_plugin* d = entry();
  if (d == nullptr) return refuse(path, RTPX_PLUGIN_ENTRY_SYMBOL "() returned no descriptor");
  if (d->abi_major != RTPX_PLUGIN_ABI_MAJOR) {
    return refuse(path, "built for plugin ABI " + abi(d->abi_major, d->abi_minor) +
                            ", this host speaks " +
                            abi(RTPX_PLUGIN_ABI_MAJOR, RTPX_PLUGIN_ABI_MINOR) +
                            ": rebuild it against this version's rtpx/plugin.h");
  }
  if (d->abi_minor > RTPX_PLUGIN_ABI_MINOR) {
    return refuse(path, "needs plugin ABI " + abi(d->abi_major, d->abi_minor) +
                            ", newer than this host's " +
                            abi(RTPX_PLUGIN_ABI_MAJOR, RTPX_PLUGIN_ABI_MINOR) + ": upgrade rtpx");
  }
  if (d->struct_size < sizeof(rtpx_plugin)) {
    return refuse(path, "descriptor is " + std::to_string(d->struct_size) + " bytes, expected " +
                            std::to_string(sizeof(rtpx_plugin)));
  }
  if (!valid_name(d->name)) return refuse(path, "descriptor has no valid name ([a-z0-9_-]+)");
  if (d->init == nullptr || d->start == nullptr || d->stop == nullptr || d->destroy == nullptr) {
    return refuse(path, std::string("plugin '") + d->name + "' lacks init/start/stop/destroy");
  }
  return LoadedPlugin{path, std::move(handle), d};
}

std::string find_plugin(const std::string& name, const std::vector<std::string>& search_path) {
  if (name.find('/') != std::string::npos) return name;
  const std::string file = name.ends_with(".so") ? name : name + ".so";
  for (const std::string& dir : search_path) {
    std::string candidate = dir + "/" + file;
    if (::access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace rtpx::plugins
