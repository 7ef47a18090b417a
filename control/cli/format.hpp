#pragma once
// Human-readable text for the results of rtpxd's control commands (shapes in
// docs/control-protocol.md). Pure functions: the caller passes the result JSON and the current
// wall-clock time (seconds since the epoch) that ages are measured from. They never throw on odd
// or missing fields: a value that is absent or of the wrong type prints as "-", and keys this
// version does not know are still printed (stats, info), so a newer daemon stays readable.

#include <string>

#include <nlohmann/json.hpp>

namespace rtpx::cli {

// `rtpx list`: session.list result -> CALL-ID LEGS PACKETS BYTES AGE table.
std::string format_list(const nlohmann::json& result, double now);
// `rtpx show`: session.query result -> call header, then per leg and media a stream table.
std::string format_call(const nlohmann::json& call, double now);
// `rtpx delete`: session.delete result -> one line per stream with its final counters, and totals.
std::string format_delete(const nlohmann::json& call, double now);
// `rtpx stats`: global counters as aligned key/value lines.
std::string format_stats(const nlohmann::json& stats);
// `rtpx info`: engine.info -> key/value lines and a per-shard table.
std::string format_info(const nlohmann::json& info);
// plugins.list: the host's state, then a table of its plugins.
std::string format_plugins(const nlohmann::json& list);
// `rtpx events`: one line per event: time, name, then the other keys as key=value.
std::string format_event(const nlohmann::json& event);

// Building blocks, exposed for tests.
// 850ms -> "0.8s", 12 -> "12s", 65 -> "1m05s", 7500 -> "2h05m", 273600 -> "3d04h"; "-" if < 0.
std::string format_duration(double seconds);
// now - timestamp as a duration, or "-" when timestamp is null or not a number.
std::string format_age(const nlohmann::json& timestamp, double now);
// 512 -> "512 B", 43000 -> "42.0 KiB", then MiB, GiB, TiB.
std::string format_bytes(double bytes);
// Seconds since the epoch -> "2024-11-23T08:20:00Z".
std::string format_time(double epoch);

}  // namespace rtpx::cli
