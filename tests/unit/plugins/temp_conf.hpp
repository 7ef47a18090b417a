#pragma once
// A FreeSWITCH conf dir made by a test in a fresh temporary folder: files written by the test,
// and the verbatim fixtures of tests/fixtures/freeswitch linked in file by file (never edited).

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace rtpx::test {

namespace fs = std::filesystem;

inline const fs::path kFixtures = fs::path(RTPX_FIXTURE_DIR) / "freeswitch";

class TempConf {
 public:
  TempConf() {
    std::string tmpl = (fs::temp_directory_path() / "rtpx-fsconf-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~TempConf() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  TempConf(const TempConf&) = delete;
  TempConf& operator=(const TempConf&) = delete;

  const fs::path& dir() const { return dir_; }

  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  // Links every fixture file (dialplan/, directory/, sip_profiles/) at the same place here.
  void link_fixtures() const {
    for (const auto& e : fs::recursive_directory_iterator(kFixtures)) {
      if (!e.is_regular_file() || e.path().extension() != ".xml") continue;
      const fs::path rel = e.path().lexically_relative(kFixtures);
      fs::create_directories((dir_ / rel).parent_path());
      fs::create_symlink(e.path(), dir_ / rel);
    }
  }
  // vars.xml with one <X-PRE-PROCESS cmd="set"> per entry.
  void write_vars(const std::map<std::string, std::string>& vars) const {
    std::string text = "<include>\n";
    for (const auto& [k, v] : vars)
      text += "  <X-PRE-PROCESS cmd=\"set\" data=\"" + k + "=" + v + "\"/>\n";
    write("vars.xml", text + "</include>\n");
  }

 private:
  fs::path dir_;
};

// The fixtures with the vars.xml a FreeSWITCH install would have.
inline std::map<std::string, std::string> default_vars(const std::string& unroll_loops = "true") {
  return {{"domain", "rtpx.test"},
          {"unroll_loops", unroll_loops},
          {"outbound_caller_name", "rtpx"},
          {"outbound_caller_id", "16468097065"}};
}

}  // namespace rtpx::test
