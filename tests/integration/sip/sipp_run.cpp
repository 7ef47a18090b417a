#include "tests/integration/sip/sipp_run.hpp"

#include <sys/socket.h>

#include <sstream>

namespace rtpx::test::sip {
namespace {

std::vector<std::string> build_argv(const std::string& path_prefix, const SippOptions& o) {
  std::vector<std::string> a = {kSipp};
  if (o.remote) a.push_back(o.remote->str());
  a.insert(a.end(),
           {"-sf", scenario_dir() + "/" + o.scenario, "-i", o.local.ip, "-p",
            std::to_string(o.local.port), "-bind_local", "-nostdin", "-trace_err", "-error_file",
            path_prefix + ".err", "-trace_logs", "-log_file", path_prefix + ".events",
            "-trace_stat", "-stf", path_prefix + ".stat.csv", "-fd", "1"});
  if (o.media) a.insert(a.end(), {"-mi", o.media->ip, "-mp", std::to_string(o.media->port)});
  if (!o.service.empty()) a.insert(a.end(), {"-s", o.service});
  if (!o.auth_user.empty()) a.insert(a.end(), {"-au", o.auth_user, "-ap", o.auth_password});
  for (const auto& [k, v] : o.keys) a.insert(a.end(), {"-key", k, v});
  for (const auto& [k, v] : o.globals) a.insert(a.end(), {"-set", k, v});
  if (o.calls > 0) a.insert(a.end(), {"-m", std::to_string(o.calls)});
  if (o.limit > 0) a.insert(a.end(), {"-l", std::to_string(o.limit)});
  if (o.rate > 0) a.insert(a.end(), {"-r", std::to_string(o.rate)});
  if (o.hold_ms >= 0) a.insert(a.end(), {"-d", std::to_string(o.hold_ms)});
  if (o.timeout_s > 0)
    a.insert(a.end(), {"-timeout", std::to_string(o.timeout_s), "-timeout_error"});
  if (o.recv_timeout_ms > 0)
    a.insert(a.end(), {"-recv_timeout", std::to_string(o.recv_timeout_ms)});
  if (o.rtp_echo) a.push_back("-rtp_echo");
  if (!o.transport.empty()) a.insert(a.end(), {"-t", o.transport});
  return a;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

}  // namespace

std::string scenario_dir() {
  return RTPX_SIP_TEST_DIR "/scenarios";
}

Sipp::Sipp(std::string name, const std::string& dir, const SippOptions& options)
    : name_(std::move(name)),
      dir_(dir),
      options_(options),
      argv_(build_argv(dir + "/" + name_, options)),
      child_(argv_, dir + "/" + name_ + ".log", dir) {}

bool Sipp::wait_ready(milliseconds timeout) {
  return wait_until([&] { return !child_.running() || port_taken(options_.local, SOCK_DGRAM); },
                    timeout) &&
         child_.running();
}

std::vector<std::string> Sipp::events() const {
  std::vector<std::string> out;
  for (std::string& line : split(read_file(dir_ + "/" + name_ + ".events"), '\n'))
    if (!line.empty()) out.push_back(std::move(line));
  return out;
}

std::vector<std::string> Sipp::events(std::string_view prefix) const {
  std::vector<std::string> out;
  for (std::string& line : events())
    if (line.starts_with(prefix)) out.push_back(std::move(line));
  return out;
}

std::optional<SippStats> Sipp::stats() const {
  std::vector<std::string> lines;
  for (std::string& l : split(read_file(dir_ + "/" + name_ + ".stat.csv"), '\n'))
    if (!l.empty()) lines.push_back(std::move(l));
  if (lines.size() < 2) return std::nullopt;
  const auto names = split(lines.front(), ';');
  const auto values = split(lines.back(), ';');
  SippStats s;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) s.fields[names[i]] = values[i];
  auto num = [&](const char* key) -> int64_t {
    auto it = s.fields.find(key);
    if (it == s.fields.end()) return -1;
    try {
      return std::stoll(it->second);
    } catch (const std::exception&) {
      return -1;
    }
  };
  s.created = num("TotalCallCreated");
  s.current = num("CurrentCall");
  s.successful = num("SuccessfulCall(C)");
  s.failed = num("FailedCall(C)");
  return s;
}

std::string Sipp::report() const {
  std::string cmd = "---- " + name_ + ":";
  for (const std::string& a : argv_) cmd += " " + a;
  return cmd + "\n" + tail(dir_ + "/" + name_ + ".log", 2500) +
         tail(dir_ + "/" + name_ + ".err", 3000) + tail(dir_ + "/" + name_ + ".events", 2500);
}

std::string field(std::string_view line, std::string_view key) {
  const std::string k = std::string(key) + "=";
  size_t at = 0;
  while ((at = line.find(k, at)) != std::string_view::npos) {
    if (at == 0 || line[at - 1] == ' ') {
      const size_t start = at + k.size();
      const size_t end = line.find(' ', start);
      return std::string(line.substr(start, end == std::string_view::npos ? end : end - start));
    }
    at += k.size();
  }
  return {};
}

}  // namespace rtpx::test::sip
