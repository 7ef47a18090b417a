#pragma once
// CPU time of the relay process from /proc/<pid>/stat (utime + stime of all its threads).

#include <optional>
#include <string>

namespace rtpload {

// The single process whose /proc/<pid>/comm equals `name` (comm is cut to 15 characters).
// Returns nullopt and sets `error` when none or several match.
std::optional<int> find_pid_by_name(const std::string& name, std::string& error);

// utime + stime in seconds, nullopt when the process is gone.
std::optional<double> process_cpu_seconds(int pid);

// This process's own user + system CPU seconds.
double self_cpu_seconds();

}  // namespace rtpload
