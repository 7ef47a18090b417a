#pragma once
// rtpxd configuration: TOML file (default /etc/rtpx/rtpx.toml) over an embedded default, then
// command-line flags over both. Loading validates everything and throws ConfigError naming
// file:line and the reason; nothing is validated later.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtpx::config {

enum class Relatch : uint8_t { never, same_ssrc, any };
std::string_view to_string(Relatch r);  // "never", "same-ssrc", "any" (the TOML spelling)

struct EngineConfig {
  std::string backend = "io_uring";  // io_uring | epoll
  uint32_t threads = 0;              // shards; 0 = one per online core
  uint32_t pool_packets = 4096;      // packet buffers per shard
  uint32_t burst = 32;               // packets per rx burst (1..256)
  uint32_t coalesce_us = 0;          // after a short burst, wait this long to batch (0: off)
  bool operator==(const EngineConfig&) const = default;
};

struct MediaConfig {
  std::string interface = "127.0.0.1";  // address media sockets bind to and SDP advertises
  std::string advertised;               // optional public address written into SDP instead
  std::string interface6;               // IPv6 address for a second media family (empty: none)
  std::string advertised6;              // optional public IPv6 address for SDP instead
  uint16_t port_min = 30000;            // even
  uint16_t port_max = 40000;            // > port_min
  uint32_t timeout = 60;                // seconds without media before a call is deleted (0: never)
  bool strict_source = false;           // latch only to the signaled address
  Relatch relatch = Relatch::same_ssrc;  // after latching, who may take the stream over
  uint32_t opus_complexity = 5;          // opus encoder complexity when transcoding, 0..10
  uint32_t jitter_max_ms = 200;          // transcoding jitter buffer: the most delay it may add
  bool operator==(const MediaConfig&) const = default;
};

struct ControlConfig {
  std::string socket = "/run/rtpx/control.sock";
  uint32_t socket_mode = 0660;
  std::string allow_user;   // besides root and rtpxd's own user; empty: nobody else
  std::string allow_group;  // members may connect; empty: no group
  std::string ng_listen = "127.0.0.1:2223";  // empty: no ng listener
  std::string ng_listen_tcp;                 // empty: no ng TCP listener
  std::string ng_listen_unix;                // empty: no ng UNIX-socket listener
  bool operator==(const ControlConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";  // trace debug info warn error critical off
  bool operator==(const LogConfig&) const = default;
};

// rtpxd's part of [plugins]; the rest of the table (load, path, plugin tables) is the host's.
struct PluginsConfig {
  bool supervise = false;   // start rtpx-plugins and restart it when it dies
  std::string host_binary;  // empty: rtpx-plugins next to rtpxd
  bool operator==(const PluginsConfig&) const = default;
};

struct Config {
  EngineConfig engine;
  MediaConfig media;
  ControlConfig control;
  LogConfig log;
  PluginsConfig plugins;
  std::string source = "<embedded>";  // where it was loaded from, for messages
  bool operator==(const Config&) const = default;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;  // message is "file:line: reason"
};

// The embedded default config, as TOML text (also what `rtpxd --print-default-config` prints).
std::string_view default_config_toml();

// Parses TOML text; `source_name` is used in error messages. Unknown keys and bad values throw.
Config parse_config(std::string_view toml_text, std::string_view source_name);
// Reads and parses a file. Throws ConfigError("path: cannot read: ...") when unreadable.
Config load_config_file(const std::string& path);

// A value rule that a Config breaks. `key` is the dotted TOML key ("media.port_min") and
// `reason` reads after it ("must be even"). Rules over two keys also name the other one, with a
// reason that reads after it, so a caller can blame whichever of the two the user set.
struct Violation {
  std::string key;
  std::string reason;
  std::string other_key;  // empty for single-key rules
  std::string other_reason;
};

// Every value rule (ranges, names, addresses, port range), the single source of truth for both
// the file and command-line flags. Returns every violation (single-key rules in key order,
// then rules over two keys); empty means valid.
std::vector<Violation> validate(const Config& cfg);

// Sets one key from its text form, as a command-line flag gives it: ("media.port_min", "30000").
// Checks the type and the key's integer range only (validate() checks the rest). Returns the
// reason ("must be an integer") on failure, with `cfg` unchanged.
std::optional<std::string> set_key(Config& cfg, std::string_view key, std::string_view text);

}  // namespace rtpx::config
