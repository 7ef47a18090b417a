#pragma once
// Call Fabric style addresses (/context/name) resolved against the conf: a directory user of
// that name becomes a user target, a gateway of that name a gateway target dialing the call's
// destination; anything else is an error target "unknown address".

#include <string_view>

#include "plugins/fsconf/bridge.hpp"
#include "plugins/fsconf/conf.hpp"

namespace rtpx::fsconf {

// Targets that are not fabric addresses are returned unchanged.
BridgeTarget resolve_fabric(const Conf& conf, const BridgeTarget& target,
                            std::string_view destination);

}  // namespace rtpx::fsconf
