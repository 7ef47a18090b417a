#pragma once
// The configuration of one SIP end-to-end test: a FreeSWITCH-style conf dir and rtpx.toml.
//
// The provider files from tests/fixtures/freeswitch/ (sip_profiles/external/*.xml gateways,
// dialplan/*.xml, directory/default/*.xml) are copied verbatim except for the values a user
// fills in: YOUR_SIP_TRUNK_ID, YOUR_SIP_TRUNK_PASSWORD, SET_EXTENSION_PASSWORD and the
// provider's hosts (us.wavix.net, nl.wavix.net -> the sipp trunks' ip:port). The rest is ours,
// in FreeSWITCH's own format: vars.xml (domain=rtpx.test, unroll_loops=true), the internal
// (phones) and external (trunks, with <gateways> including external/*.xml) profiles, and
// directory/default.xml (the domain, including default/*.xml). A test may add dialplan files of
// its own (SipConf::dialplans), next to the provider's, never in place of one.

#include <map>
#include <string>

#include "tests/integration/sip/sip_ports.hpp"

namespace rtpx::test::sip {

struct SipConf {
  std::string domain = "rtpx.test";
  std::string trunk_user = "rtpx-trunk-4471";
  std::string trunk_password = "trunk-pw-9d3f";
  std::string extension_password = "ext-1000-pw-c2e8";
  Endpoint internal, external;         // rtpx's profiles
  Endpoint wavix, wavix_fo, wavix_ip;  // the providers' proxies (sipp)
  // TLS on the internal profile (tls, tls-sip-port, tls-cert-dir) when the port is set.
  uint16_t internal_tls_port = 0;
  std::string tls_cert_dir;
  // Extra dialplan files of the test's own: dialplan/NAME.xml -> its text (e.g. "public" -> a
  // <context name="public">). A NAME the provider's fixtures already have is refused.
  std::map<std::string, std::string> dialplans;
};

// The fixtures (tests/fixtures/freeswitch in the source tree).
std::string fixtures_dir();

// Writes the conf dir at `dir` (created). Throws std::runtime_error when a fixture file lacks a
// placeholder it is known to have (the fixtures changed: the test must follow).
void write_conf_dir(const std::string& dir, const SipConf& conf);

struct RtpxToml {
  std::string control_socket;
  std::string host_binary;     // rtpx-plugins
  std::string plugin_dirs[2];  // where dialplan.so and sip.so are
  std::string conf_dir;
  uint16_t port_min = 0, port_max = 0;
  std::string log_level = "info";
  // [plugins.dialplan] e164 = { form = "..." } ("digits", "plus", "none"); empty: no e164 table.
  std::string dialplan_e164_form;
};
// rtpx.toml for rtpxd with a supervised plugin host loading dialplan and sip.
std::string rtpx_toml(const RtpxToml& t);

}  // namespace rtpx::test::sip
