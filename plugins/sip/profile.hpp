#pragma once
// One SIP profile (FreeSWITCH's sofia profile): a nua user agent bound to sip-ip:sip-port over
// UDP and TCP, with the addresses it advertises (ext-sip-ip) and its default context. Events of
// handles nobody owns yet (a new INVITE or REGISTER) go to the stack.

#include <map>
#include <string>

#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

class SipStack;

struct ProfileSettings {
  std::string name;
  std::string sip_ip = "127.0.0.1";
  int sip_port = 5060;
  std::string ext_sip_ip;  // advertised in Contact/Via (default sip_ip)
  std::string ext_rtp_ip;  // media address rtpxd advertises to this profile's peers (informative)
  std::string context = "public";
  bool auth_calls = false;
  std::string domain;  // realm for challenges when the request names none of ours
  std::string user_agent = "rtpx";
  // TLS (sips:) next to UDP/TCP, as FreeSWITCH's tls / tls-sip-port / tls-cert-dir: the
  // directory holds agent.pem (certificate and key) and optionally cafile.pem.
  bool tls = false;
  int tls_port = 5061;
  std::string tls_cert_dir;
  static ProfileSettings from_params(const std::string& name,
                                     const std::map<std::string, std::string>& params);
};

class Profile {
 public:
  Profile(SipStack& stack, ProfileSettings settings);
  ~Profile();
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  // On the SIP thread. Throws when the address cannot be bound.
  void start(su_root_t* root);
  // Starts nua_shutdown; `down()` turns true when it is complete.
  void shutdown();
  bool down() const {
    return (nua_ == nullptr || shut_down_) && (nua_tls_ == nullptr || tls_shut_down_);
  }
  void destroy();

  nua_t* nua() const { return nua_; }
  // The agent for peers reached over TLS (registered over sips:), else the UDP/TCP one.
  nua_t* nua(bool tls) const { return tls && nua_tls_ ? nua_tls_ : nua_; }
  bool is_tls(const nua_t* n) const { return n != nullptr && n == nua_tls_; }
  const ProfileSettings& settings() const { return s_; }
  const std::string& name() const { return s_.name; }
  // "sip:ext-ip:port": where peers reach this profile.
  std::string contact_uri(std::string_view user = {}) const;
  std::string host_port() const;

 private:
  static void on_nua(nua_event_t event, int status, char const* phrase, nua_t* nua, Profile* self,
                     nua_handle_t* nh, HandleOwner* owner, sip_t const* sip, tagi_t tags[]);
  SipStack& stack_;
  ProfileSettings s_;
  nua_t* create(su_root_t* root, tag_type_t tag, tag_value_t value);
  nua_t* nua_ = nullptr;
  nua_t* nua_tls_ = nullptr;
  bool shut_down_ = false;
  bool tls_shut_down_ = false;
};

}  // namespace rtpx::sip
