#pragma once
// io_uring backend knobs that only tests turn: they force the fallbacks an older kernel would
// take, so those paths run on a kernel that does not need them. The engine uses
// make_uring_backend() from backend_registry.hpp, which probes and picks the best mode.

#include <memory>
#include <string>

#include "engine/io/backend_registry.hpp"

namespace rtpx::io {

struct UringTuning {
  bool allow_multishot = true;      // false: single-shot recvmsg re-armed per datagram
  bool allow_defer_taskrun = true;  // false: plain ring without SINGLE_ISSUER|DEFER_TASKRUN
};

std::unique_ptr<IoBackend> make_uring_backend_tuned(const BackendOptions& options,
                                                    const UringTuning& tuning, std::string* error);

}  // namespace rtpx::io
