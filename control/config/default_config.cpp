// The embedded default configuration: what rtpxd runs with when /etc/rtpx/rtpx.toml does not
// exist, and what `rtpxd --print-default-config` prints as a starting point for that file.
// Every value here must equal the defaults in config.hpp (config_test checks it).

#include "control/config/config.hpp"

namespace rtpx::config {
namespace {

constexpr std::string_view kDefaultConfig =
    R"toml(# rtpx media relay configuration (/etc/rtpx/rtpx.toml).
#
# Every key is shown with its default value. Delete a key or a whole table to keep the default.
# Unknown keys are an error, so a typo never goes unnoticed. Command-line flags of rtpxd
# (shown as "flag:") override the values in this file. Check a file with:
#   rtpxd --config /etc/rtpx/rtpx.toml --check-config

[engine]
# I/O backend for media sockets: "io_uring" (liburing; falls back to "epoll" with a log line
# when the kernel does not allow it) or "epoll" (recvmmsg/sendmmsg, works everywhere).
# flag: --backend
backend = "io_uring"

# Worker threads (shards), each owning its own sockets, sessions and packet buffers.
# 0 starts one per online CPU core. Range 0..256.
# flag: --threads
threads = 0

# Packet buffers per shard. Bounds the packets one shard holds at once; more costs memory
# (about 2 KiB each). Range 64..1048576.
pool_packets = 4096

# Packets received per burst: a shard handles up to this many packets per loop turn.
# Range 1..256.
burst = 32

# After a burst shorter than `burst`, a shard waits this many microseconds before receiving
# again, so that at low packet rates one wake-up handles several packets (with io_uring, from
# all sockets in one system call). Trades added latency for less CPU per packet; see
# docs/benchmarks.md for measured effects. 0 turns it off. Range 0..10000.
# flag: --coalesce-us
coalesce_us = 0

[media]
# Local IPv4 or IPv6 address that media sockets bind to. It is also written into SDP unless
# `advertised` is set. A wildcard address (0.0.0.0 or ::) needs `advertised`.
# flag: --interface
interface = "127.0.0.1"

# Address written into SDP (c= lines) instead of `interface`, e.g. the public address of a host
# behind 1:1 NAT. Empty: advertise `interface`.
# flag: --advertised-address
advertised = ""

# A second media address, IPv6, so rtpxd relays between IPv4 and IPv6 parties (like rtpengine
# with one --interface per family). Each party gets the family of its own SDP, or the one the
# ng 'address family' key asks for. Uses the same port range as `interface`; `interface` must
# then be IPv4. A wildcard (::) needs `advertised6`. Empty: IPv4 (or `interface`'s family) only.
# flag: --interface6
interface6 = ""

# Address written into SDP for IPv6 parties instead of `interface6`. Empty: advertise
# `interface6`.
# flag: --advertised-address6
advertised6 = ""

# UDP port range for media. RTP takes even ports, RTCP the odd port above.
# port_min must be even, 1024 <= port_min < port_max <= 65535, and the range must hold at
# least 4 ports.
# flags: --port-min, --port-max
port_min = 30000
port_max = 40000

# Seconds without any media on a call before the call is deleted and a media-timeout event is
# sent. 0 never deletes a call for silence. Range 0..86400.
# flag: --timeout
timeout = 60

# Latch only to packets coming from the address and port signaled in SDP. false latches to the
# first packet whose SSRC and sequence fit (symmetric RTP through NAT).
# flags: --strict-source, --no-strict-source
strict_source = false

# After latching, who may move the stream to a new source address:
#   "never"     - nobody; the first source stays until the call ends
#   "same-ssrc" - packets carrying the latched SSRC (a peer that changed its NAT binding)
#   "any"       - any packet that passes the RTP checks (least protection against RTP bleed)
relatch = "same-ssrc"

# Transcoding (when the two parties of a call use different codecs or packet times).
# Opus encoder complexity 0..10: 10 is libopus's best quality and costs about twice the CPU of 5
# per frame; 5 is rtpxd's default for VoIP speech.
opus_complexity = 5

# The most delay the transcoding jitter buffer may add, in milliseconds (20..1000). It adapts
# between 20 ms and this to the jitter it measures.
jitter_max_ms = 200

[control]
# UNIX socket of the control protocol (JSON lines), used by the rtpx CLI and the plugin host.
# flag: --control
socket = "/run/rtpx/control.sock"

# Permissions of the control socket: an octal string such as "0660", or an integer (TOML
# accepts 0o660). Range 0..0777.
socket_mode = "0660"

# Who may connect to the control socket and the ng UNIX socket besides root and rtpxd's own
# user (checked with the kernel's peer credentials, SO_PEERCRED): a user and a group, by name or
# number. Anyone else gets a "forbidden" error and is disconnected. Empty: nobody else.
allow_user = ""
allow_group = ""

# Where the rtpengine-compatible ng protocol (bencode over UDP, as Kamailio's rtpengine module
# speaks it) listens: "ip:port" or "[ipv6]:port". Empty: no ng listener.
# flag: --ng-listen
ng_listen = "127.0.0.1:2223"

# The same protocol over TCP (rtpengine's --listen-tcp-ng), for clients that want a stream.
# Empty: off.
# flag: --ng-listen-tcp
ng_listen_tcp = ""

# The same protocol on a UNIX stream socket, as Kamailio's rtpengine module speaks it with
# rtpengine_sock "unix:/path" (no cookie, one request per connection). Created with socket_mode.
# Empty: off.
# flag: --ng-listen-unix
ng_listen_unix = ""

[log]
# Lowest level logged: "trace", "debug", "info", "warn", "error", "critical" or "off".
# flag: --log-level
level = "info"

[plugins]
# Start the plugin host (rtpx-plugins) with this config file, and restart it with back-off when
# it dies; media never depends on it. Its own keys in this table: load = [...] (plugin names or
# .so paths), path = [...] (search directories) and one [plugins.<name>] table per plugin.
supervise = false
# The host executable; empty: rtpx-plugins in rtpxd's own directory.
host_binary = ""
)toml";

}  // namespace

std::string_view default_config_toml() {
  return kDefaultConfig;
}

}  // namespace rtpx::config
