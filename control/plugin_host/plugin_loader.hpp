#pragma once
// Loads one plugin shared object and checks its descriptor against the ABI this host speaks
// (control/include/rtpx/plugin.h). A plugin that would not work is refused here, with a message
// that says why, before any of its code runs beyond the entry function.

#include <memory>
#include <string>
#include <vector>

#include "control/core/result.hpp"
#include "control/include/rtpx/plugin.h"

namespace rtpx::plugins {

struct DlClose {
  void operator()(void* handle) const noexcept;
};

struct LoadedPlugin {
  std::string path;
  std::unique_ptr<void, DlClose> handle;  // dlopen handle; the descriptor lives in it
  const rtpx_plugin* descriptor = nullptr;
};

// Loads `path` (RTLD_NOW | RTLD_LOCAL: unresolved symbols fail here, plugins do not see each
// other's symbols). Errors name the file and the reason: not loadable, no entry symbol, a
// different ABI major, a newer ABI minor than this host, a malformed descriptor.
control::Result<LoadedPlugin> load_plugin(const std::string& path);

// The file for a plugin named in the config: a path containing '/' as is; otherwise
// "<dir>/<name>.so" (or "<dir>/<name>" when it ends in .so) for the first search directory that
// has it. Empty when none has it.
std::string find_plugin(const std::string& name, const std::vector<std::string>& search_path);

}  // namespace rtpx::plugins
