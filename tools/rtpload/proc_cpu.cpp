#include "tools/rtpload/proc_cpu.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace rtpload {

std::optional<int> find_pid_by_name(const std::string& name, std::string& error) {
  const std::string want = name.substr(0, 15);
  std::vector<int> found;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) {
    error = "cannot open /proc";
    return std::nullopt;
  }
  while (const dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == ::getpid()) continue;
    std::ifstream f("/proc/" + std::string(e->d_name) + "/comm");
    std::string comm;
    if (std::getline(f, comm) && comm == want) found.push_back(static_cast<int>(pid));
  }
  ::closedir(d);
  if (found.size() == 1) return found[0];
  error = found.empty()
              ? "no process named '" + name + "'"
              : std::to_string(found.size()) + " processes named '" + name + "': use --relay-pid";
  return std::nullopt;
}

std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return std::nullopt;
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last
  // ')'.
  const auto rp = line.rfind(')');
  if (rp == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(rp + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')' come fields 3 (state) .. ; utime is field 14, stime field 15.
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) / static_cast<double>(hz > 0 ? hz : 100);
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) * 1e-6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace rtpload
