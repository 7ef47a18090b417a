#include "plugins/fsconf/fabric.hpp"

namespace rtpx::fsconf {

BridgeTarget resolve_fabric(const Conf& conf, const BridgeTarget& target,
                            std::string_view destination) {
  if (target.kind != BridgeTarget::Kind::fabric) return target;
  BridgeTarget out = target;
  if (const User* u = conf.directory.find(target.user)) {
    out.kind = BridgeTarget::Kind::user;
    out.domain = u->domain;
    return out;
  }
  if (conf.gateway(target.user) != nullptr) {
    out.kind = BridgeTarget::Kind::gateway;
    out.gateway = target.user;
    out.number = std::string(destination);
    out.user.clear();
    return out;
  }
  out.kind = BridgeTarget::Kind::error;
  out.error = "unknown address '" + target.raw + "'";
  return out;
}

}  // namespace rtpx::fsconf
