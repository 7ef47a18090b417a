#include "tests/integration/sip/sip_conf_dir.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

#include "tests/integration/sip/test_process.hpp"

namespace rtpx::test::sip {
namespace {

namespace fs = std::filesystem;

struct Substitution {
  std::string from, to;
};

// Replaces every `from`; throws when there is none (the fixture no longer has it).
std::string substitute(std::string text, const std::string& file,
                       const std::vector<Substitution>& subs) {
  for (const Substitution& s : subs) {
    size_t n = 0;
    for (size_t at; (at = text.find(s.from)) != std::string::npos; ++n)
      text.replace(at, s.from.size(), s.to);
    if (n == 0) throw std::runtime_error(file + ": fixture has no '" + s.from + "' to substitute");
  }
  return text;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// What each fixture file gets: the test's credentials and the sipp trunks for the provider hosts.
std::vector<Substitution> substitutions_for(const std::string& rel, const SipConf& c) {
  const Substitution user{"YOUR_SIP_TRUNK_ID", c.trunk_user};
  const Substitution password{"YOUR_SIP_TRUNK_PASSWORD", c.trunk_password};
  if (rel == "sip_profiles/external/wavix.xml")
    return {user, password, {"us.wavix.net", c.wavix.str()}};
  if (rel == "sip_profiles/external/wavix_fo.xml")
    return {user, password, {"nl.wavix.net", c.wavix_fo.str()}};
  if (rel == "sip_profiles/external/wavix_ip.xml") return {{"us.wavix.net", c.wavix_ip.str()}};
  if (rel == "directory/default/1000.xml")
    return {{"SET_EXTENSION_PASSWORD", c.extension_password}};
  return {};  // dialplan/*.xml: verbatim
}

std::string profile_xml(const std::string& name, const Endpoint& at, const std::string& context,
                        bool auth_calls, bool gateways, const SipConf* tls = nullptr) {
  std::string x = "<profile name=\"" + name + "\">\n";
  if (gateways)
    x += "  <gateways>\n    <X-PRE-PROCESS cmd=\"include\" data=\"" + name +
         "/*.xml\"/>\n  </gateways>\n";
  x += "  <settings>\n";
  auto param = [&](const std::string& k, const std::string& v) {
    x += "    <param name=\"" + k + "\" value=\"" + v + "\"/>\n";
  };
  param("sip-ip", at.ip);
  param("sip-port", std::to_string(at.port));
  param("ext-sip-ip", at.ip);
  param("ext-rtp-ip", at.ip);
  param("context", context);
  param("auth-calls", auth_calls ? "true" : "false");
  if (name == "internal") param("domain", "$${domain}");
  if (tls && tls->internal_tls_port != 0) {
    param("tls", "true");
    param("tls-sip-port", std::to_string(tls->internal_tls_port));
    param("tls-cert-dir", tls->tls_cert_dir);
  }
  x += "  </settings>\n</profile>\n";
  return x;
}

}  // namespace

std::string fixtures_dir() {
  return RTPX_FIXTURES_DIR "/freeswitch";
}

void write_conf_dir(const std::string& dir_text, const SipConf& c) {
  const fs::path dir(dir_text);
  const fs::path src(fixtures_dir());
  fs::create_directories(dir);
  size_t copied = 0;
  for (const char* sub : {"sip_profiles", "dialplan", "directory"}) {
    for (const auto& e : fs::recursive_directory_iterator(src / sub)) {
      if (!e.is_regular_file() || e.path().extension() != ".xml") continue;
      const std::string rel = fs::relative(e.path(), src).string();
      write(dir / rel, substitute(read_file(e.path().string()), rel, substitutions_for(rel, c)));
      ++copied;
    }
  }
  if (copied < 7) throw std::runtime_error(src.string() + ": fewer fixture files than expected");
  for (const auto& [name, xml] : c.dialplans) {
    const fs::path rel = fs::path("dialplan") / (name + ".xml");
    if (fs::exists(src / rel))
      throw std::runtime_error(rel.string() +
                               ": the fixtures have it (copied verbatim): pick another name");
    write(dir / rel, xml);
  }

  write(dir / "vars.xml",
        "<include>\n"
        "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" +
            c.domain +
            "\"/>\n"
            "  <X-PRE-PROCESS cmd=\"set\" data=\"unroll_loops=true\"/>\n"
            "  <X-PRE-PROCESS cmd=\"set\" data=\"outbound_caller_name=rtpx test\"/>\n"
            "  <X-PRE-PROCESS cmd=\"set\" data=\"outbound_caller_id=16468097065\"/>\n"
            "</include>\n");
  // Phones: digest-authenticated calls; what they dial is routed in their user_context.
  write(dir / "sip_profiles/internal.xml",
        "<include>\n" + profile_xml("internal", c.internal, "public", true, false, &c) +
            "</include>\n");
  // Trunks: calls identified by the gateway's address go to the gateway's context.
  write(
      dir / "sip_profiles/external.xml",
      "<include>\n" + profile_xml("external", c.external, "public", false, true) + "</include>\n");
  write(dir / "directory/default.xml",
        "<include>\n"
        "  <domain name=\"$${domain}\">\n"
        "    <groups>\n"
        "      <group name=\"default\">\n"
        "        <users>\n"
        "          <X-PRE-PROCESS cmd=\"include\" data=\"default/*.xml\"/>\n"
        "        </users>\n"
        "      </group>\n"
        "    </groups>\n"
        "  </domain>\n"
        "</include>\n");
}

std::string rtpx_toml(const RtpxToml& t) {
  return "[engine]\nbackend = \"epoll\"\nthreads = 1\n\n"
         "[media]\ninterface = \"127.0.0.1\"\nport_min = " +
         std::to_string(t.port_min) + "\nport_max = " + std::to_string(t.port_max) +
         "\ntimeout = 60\n\n"
         "[control]\nsocket = \"" +
         t.control_socket +
         "\"\nng_listen = \"\"\n\n"
         "[log]\nlevel = \"" +
         t.log_level +
         "\"\n\n"
         "[plugins]\nsupervise = true\nhost_binary = \"" +
         t.host_binary + "\"\nload = [\"dialplan\", \"sip\"]\npath = [\"" + t.plugin_dirs[0] +
         "\", \"" + t.plugin_dirs[1] +
         "\"]\n\n"
         "[plugins.dialplan]\nconf_dir = \"" +
         t.conf_dir + "\"\n" +
         (t.dialplan_e164_form.empty() ? std::string()
                                       : "e164 = { form = \"" + t.dialplan_e164_form + "\" }\n") +
         "\n[plugins.sip]\nconf_dir = \"" + t.conf_dir + "\"\n";
}

}  // namespace rtpx::test::sip
