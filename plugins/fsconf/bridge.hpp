#pragma once
// The data of a bridge application, as FreeSWITCH's originate reads it:
//   {a=b,c=d}sofia/gateway/wavix/123,[x=y]user/1000@rtpx.test|sofia/gateway/wavix_fo/123
// Leading {..} are variables for every leg; '|' separates failover groups tried in order; ','
// separates targets of one group rung at once; [..] before a target are that leg's variables.
// Variables are separated by ',' (or by X after a leading "^^X"), a value may be 'quoted' to
// hold the separator, and \, escapes it. Apply ${var} expansion before parsing.

#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"

namespace rtpx::fsconf {

struct BridgeTarget {
  enum class Kind { gateway, user, fabric, sip_uri, error };
  Kind kind = Kind::error;
  std::string raw;      // the target as written (without its [vars])
  std::string gateway;  // gateway: sofia/gateway/NAME/NUMBER
  std::string number;
  std::string user;  // user: user/EXT[@DOMAIN]; fabric: the address's name
  std::string domain;
  std::string profile;  // sip_uri: sofia/PROFILE/sip:uri or sofia/PROFILE/user@host
  std::string uri;
  std::string context;  // fabric: /CONTEXT/NAME
  std::string error;    // error: why it cannot be dialed
  Vars vars;            // [..] of this leg
};

struct BridgePlan {
  Vars vars;  // {..} for every leg
  std::vector<std::vector<BridgeTarget>> groups;
};

BridgePlan parse_bridge(std::string_view data);

// One dial string without [vars]: "sofia/gateway/wavix/123", "user/1000", "/public/alice", ...
BridgeTarget parse_target(std::string_view dial);

const char* kind_name(BridgeTarget::Kind kind);

}  // namespace rtpx::fsconf
