#pragma once
// FreeSWITCH's XML preprocessor (switch_xml.c) over a parsed tree:
//   <X-PRE-PROCESS cmd="set" data="k=v"/>      sets global k (visible to everything after it)
//   <X-PRE-PROCESS cmd="env-set" data="k=$ENV"/> sets k from the environment
//   <X-PRE-PROCESS cmd="include" data="glob"/>  splices the matching files (sorted, relative to
//                                               the including file's directory) in place
//   $${var}                                     replaced by the global everywhere after its set
//                                               (undefined: "" and a warning)
//   <include> wrappers are transparent; exec-set, stun-set and exec are refused ("not
//   supported"). FreeSWITCH preprocesses text before parsing, so a set inside an XML comment still
//   runs there: it runs here too, with a warning. <!--#set "k=v"--> and <!--#include "glob"-->
//   work as in FreeSWITCH.

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fsconf/config_error.hpp"
#include "plugins/fsconf/xml_tree.hpp"

namespace pugi {
class xml_node;
}

namespace rtpx::fsconf {

class Preprocessor {
 public:
  // Locations are relative to conf_dir (absolute outside it); globals and warnings are updated in
  // place.
  Preprocessor(std::filesystem::path conf_dir, Vars& globals, std::vector<std::string>& warnings);

  // The top-level elements of `file`, preprocessed. Throws ConfigError (malformed XML, an include
  // naming no file, an unsupported command, include recursion).
  std::vector<XmlNode> load(const std::filesystem::path& file);

  // Whether a file was read, directly or through an include.
  bool was_read(const std::filesystem::path& file) const;

  Location locate(const std::filesystem::path& file, int line) const;

 private:
  struct Source;
  void convert_children(const pugi::xml_node& parent, const Source& src, std::vector<XmlNode>& out);
  void directive(const pugi::xml_node& node, const Source& src, std::vector<XmlNode>& out);
  void comment(const pugi::xml_node& node, const Source& src, std::vector<XmlNode>& out);
  void run(std::string_view cmd, const std::string& data, const Location& at,
           const std::filesystem::path& dir, std::vector<XmlNode>& out);
  void include(const std::string& pattern, const Location& at, const std::filesystem::path& dir,
               std::vector<XmlNode>& out);
  void load_into(const std::filesystem::path& file, std::vector<XmlNode>& out);
  std::string expand_globals(std::string_view s, const Location& at);

  std::filesystem::path conf_dir_;
  Vars& globals_;
  std::vector<std::string>& warnings_;
  std::set<std::filesystem::path> read_;      // canonical paths
  std::vector<std::filesystem::path> stack_;  // files being read, for cycles and depth
};

}  // namespace rtpx::fsconf
