#pragma once
// The registrar for directory users: REGISTER with digest authentication (401 challenge, 403 on
// a wrong password), contact bindings with expiry, and protection against floods: a source
// address that keeps failing authentication is refused for a while, and one that sends
// REGISTERs faster than the allowed rate gets 503 with Retry-After.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/fsconf/conf.hpp"
#include "plugins/sip/digest_auth.hpp"
#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class Profile;
class HostLink;

struct Registration {
  std::string user, domain;
  std::string contact;       // the binding's URI
  std::string network_addr;  // where the REGISTER came from
  int network_port = 0;
  std::string profile;
  bool tls = false;  // registered over TLS: calls to it go out over TLS
  std::string agent;
  int64_t expires_at = 0;  // steady seconds
};

struct RegistrarLimits {
  int max_failures = 10;    // failed authentications per source within the window...
  int failure_window = 60;  // seconds
  int block_seconds = 60;   // ...then refused for this long
  double rate = 50;         // REGISTERs per second per source (token bucket)
  double burst = 100;
  int min_expires = 5;
  int max_expires = 3600;
  int default_expires = 3600;
};

struct RegistrarCounters {
  uint64_t registered = 0, unregistered = 0, challenged = 0, refused_auth = 0, refused_blocked = 0,
           refused_rate = 0, bad_request = 0;
};

class Registrar {
 public:
  Registrar(const fsconf::Conf& conf, DigestAuth& auth, HostLink& log, RegistrarLimits limits = {});

  // A REGISTER arrived on `profile` from `source_ip:source_port`; answers it.
  void on_register(Profile& profile, nua_t* nua, nua_handle_t* nh, const sip_t* sip,
                   const std::string& source_ip, int source_port);

  // The current binding of user@domain ("" domain: any), if unexpired.
  const Registration* find(std::string_view user, std::string_view domain) const;
  // The directory user the realm/user names, or nullptr.
  const fsconf::User* user(std::string_view id, std::string_view domain) const;
  // The realm challenges use for requests naming `host`.
  std::string realm_for(std::string_view host, const Profile& profile) const;
  // Whether `ip` is refused right now (too many failures); counts the refusal.
  bool blocked(const std::string& ip);
  void note_failure(const std::string& ip);

  nlohmann::json to_json() const;
  const RegistrarCounters& counters() const { return counters_; }
  size_t size() const { return bindings_.size(); }
  void expire();

 private:
  struct Source {
    double tokens = 0;
    double refilled = 0;
    std::vector<double> failures;
    double blocked_until = 0;
  };
  bool rate_ok(const std::string& ip);

  const fsconf::Conf& conf_;
  DigestAuth& auth_;
  HostLink& log_;
  RegistrarLimits limits_;
  RegistrarCounters counters_;
  std::map<std::string, Registration> bindings_;  // "user@domain"
  std::map<std::string, Source> sources_;
};

}  // namespace rtpx::sip
