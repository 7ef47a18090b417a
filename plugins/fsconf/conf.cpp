#include "plugins/fsconf/conf.hpp"

#include <algorithm>

#include "plugins/fsconf/preprocessor.hpp"

namespace rtpx::fsconf {
namespace fs = std::filesystem;
namespace {

// The *.xml files directly in `dir`, sorted by name (as glob() returns them).
std::vector<fs::path> xml_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".xml" && fs::is_regular_file(e.path(), ec))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> subdirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (fs::is_directory(e.path(), ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

Profile& profile_for_orphans(Conf& c, const std::string& wanted, const Location& where) {
  for (Profile& p : c.profiles)
    if (p.name == wanted) return p;
  for (Profile& p : c.profiles)
    if (p.name == "external") return p;
  c.profiles.push_back(Profile{"external", {}, {}, where});
  return c.profiles.back();
}

void load_profiles(Conf& c, Preprocessor& pp) {
  const fs::path root = c.dir / "sip_profiles";
  for (const fs::path& f : xml_files(root))
    if (!pp.was_read(f)) add_profiles(pp.load(f), c.profiles, c.warnings);
  for (const fs::path& sub : subdirs(root)) {
    for (const fs::path& f : xml_files(sub)) {
      if (pp.was_read(f)) continue;
      const Location at = pp.locate(f, 0);
      Profile& p = profile_for_orphans(c, sub.filename().string(), pp.locate(sub, 0));
      c.warnings.push_back(at.str() + ": not included by a profile; its gateways go to profile '" +
                           p.name + "'");
      add_gateways(pp.load(f), p, c.profiles, c.warnings);
    }
  }
}

void load_directory(Conf& c, Preprocessor& pp) {
  const fs::path root = c.dir / "directory";
  for (const fs::path& f : xml_files(root))
    if (!pp.was_read(f)) add_domains(pp.load(f), c.directory, c.warnings);
  const auto domain = c.globals.find("domain");
  c.directory.default_domain = domain != c.globals.end() ? domain->second : std::string();
  for (const fs::path& sub : subdirs(root)) {
    for (const fs::path& f : xml_files(sub)) {
      if (pp.was_read(f)) continue;
      const Location at = pp.locate(f, 0);
      c.warnings.push_back(at.str() + ": not included by a domain; its users go to domain '" +
                           c.directory.default_domain + "' ($${domain})");
      add_users(pp.load(f), c.directory.default_domain, c.directory, c.warnings);
    }
  }
}

}  // namespace

const Profile* Conf::profile(std::string_view name) const {
  for (const Profile& p : profiles)
    if (p.name == name) return &p;
  return nullptr;
}

const Gateway* Conf::gateway(std::string_view name) const {
  for (const Profile& p : profiles)
    if (const Gateway* g = p.gateway(name)) return g;
  return nullptr;
}

Conf load_conf_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError(Location{dir.string(), 0}, "not a directory");
  Conf c;
  c.dir = dir;
  Preprocessor pp(dir, c.globals, c.warnings);
  if (fs::exists(dir / "vars.xml", ec)) pp.load(dir / "vars.xml");
  load_profiles(c, pp);
  for (const fs::path& f : xml_files(dir / "dialplan"))
    if (!pp.was_read(f)) add_contexts(pp.load(f), c.dialplan, c.warnings);
  load_directory(c, pp);
  c.dialplan.globals = c.globals;
  return c;
}

}  // namespace rtpx::fsconf
