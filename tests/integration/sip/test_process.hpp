#pragma once
// Child processes for the SIP end-to-end tests (rtpxd, sipp): each runs in its own process group
// with stdout and stderr in a log file, dies with the test (PR_SET_PDEATHSIG) and is killed,
// group and all, by its destructor, so a failed assertion leaves nothing behind.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rtpx::test::sip {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Polls cond every step until it holds or timeout passes; true if it held.
bool wait_until(const std::function<bool()>& cond, milliseconds timeout,
                milliseconds step = milliseconds(50));

std::string read_file(const std::string& path);
// The last max_bytes of a file under a "---- path ----" title (for failure messages).
std::string tail(const std::string& path, size_t max_bytes = 4000);

class Child {
 public:
  // argv[0] is a path; cwd is where the child runs (sipp writes its default files there).
  // stderr goes to err_log when given, else to log too.
  Child(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd,
        const std::string& err_log = "");
  ~Child() { kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  const std::string& log() const { return log_; }
  pid_t pid() const { return pid_; }
  bool running();
  // The exit code once the process has exited within timeout (-1: a signal ended it).
  std::optional<int> wait_exit(milliseconds timeout);
  // Sends sig to the leader only (sipp ends gracefully on SIGUSR1).
  void signal(int sig);
  // SIGTERM to the group, SIGKILL after grace, then SIGKILL to whatever is left of the group.
  // Returns the leader's exit code (-1: ended by a signal).
  int kill(milliseconds grace = milliseconds(3000));

 private:
  std::string log_;
  pid_t pid_ = -1;   // the leader until reaped
  pid_t pgid_ = -1;  // its process group until killed
  int code_ = -1;
};

}  // namespace rtpx::test::sip
