#include "tools/rtpload/udp_drops.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace rtpload {

std::vector<uint64_t> socket_inodes_of_fds(const std::vector<int>& fds) {
  std::vector<uint64_t> out;
  for (int fd : fds) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) out.push_back(static_cast<uint64_t>(st.st_ino));
  }
  return out;
}

std::vector<uint64_t> socket_inodes_of_pid(int pid) {
  std::vector<uint64_t> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  char target[64];
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string link = dir + "/" + e->d_name;
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    unsigned long long ino = 0;
    if (std::sscanf(target, "socket:[%llu]", &ino) == 1) out.push_back(ino);
  }
  ::closedir(d);
  return out;
}

uint64_t udp_drops(const std::vector<uint64_t>& inodes) {
  std::vector<uint64_t> sorted(inodes);
  std::sort(sorted.begin(), sorted.end());
  uint64_t total = 0;
  for (const char* path : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      std::istringstream in(line);
      std::string field;
      uint64_t inode = 0, drops = 0;
      for (int i = 0; i <= 12 && in >> field; ++i) {
        if (i == 9) inode = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 12) drops = std::strtoull(field.c_str(), nullptr, 10);
      }
      if (std::binary_search(sorted.begin(), sorted.end(), inode)) total += drops;
    }
  }
  return total;
}

}  // namespace rtpload
