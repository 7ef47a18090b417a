// The rtpx CLI's text output for canned results shaped like docs/control-protocol.md.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/cli/format.hpp"
#include "control/cli/table.hpp"

namespace rtpx::cli {
namespace {

using nlohmann::json;

constexpr double kNow = 1732350065.0;  // 2024-11-23T08:21:05Z

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  return out;
}

json canned_call() {
  return json::parse(R"({
    "call_id": "abc@host", "created": 1732350000.12, "last_signal": 1732350001.5, "shard": 0,
    "legs": [
      {"tag": "from-tag-a", "created": 1732350000.12,
       "media": [{"index": 1, "type": "audio", "protocol": "RTP/AVP", "rtcp_mux": false,
         "streams": [
           {"component": "rtp", "local": "127.0.0.1:30000", "signaled": "127.0.0.1:6000",
            "peer": "127.0.0.1:6000", "latched": true,
            "stats": {"packets": 250, "bytes": 43000, "errors": 0, "dropped": 3,
                      "last_seen": 1732350063.0}},
           {"component": "rtcp", "local": "127.0.0.1:30001", "signaled": "127.0.0.1:6001",
            "peer": "127.0.0.1:6001", "latched": false,
            "stats": {"packets": 0, "bytes": 0, "errors": 0, "dropped": 0, "last_seen": null}}]}]},
      {"tag": "to-tag-b", "created": 1732350001.5,
       "media": [{"index": 1, "type": "audio", "protocol": "RTP/AVP", "rtcp_mux": true,
         "streams": [
           {"component": "rtp", "local": "127.0.0.1:30002", "signaled": "127.0.0.1:7000",
            "peer": "127.0.0.1:7002", "latched": true,
            "stats": {"packets": 240, "bytes": 41280, "errors": 1, "dropped": 0,
                      "last_seen": 1732350064.5}}]}]}
    ]})");
}

TEST(CliFormat, Durations) {
  EXPECT_EQ(format_duration(0.85), "0.8s");
  EXPECT_EQ(format_duration(12.5), "12s");
  EXPECT_EQ(format_duration(65), "1m05s");
  EXPECT_EQ(format_duration(7500), "2h05m");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600 + 10), "3d04h");
  EXPECT_EQ(format_duration(-1), "-");
  EXPECT_EQ(format_age(json(nullptr), kNow), "-");
  EXPECT_EQ(format_age(json(kNow - 65), kNow), "1m05s");
  EXPECT_EQ(format_age(json(kNow + 5), kNow), "0.0s");  // a clock step, not an error
}

TEST(CliFormat, BytesAndTimes) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(43000), "42.0 KiB");
  EXPECT_EQ(format_bytes(3.5 * 1024 * 1024), "3.5 MiB");
  EXPECT_EQ(format_bytes(2.0 * 1024 * 1024 * 1024 * 1024 * 1024), "2048.0 TiB");
  EXPECT_EQ(format_time(1732350000.12), "2024-11-23T08:20:00Z");
}

TEST(CliTable, AlignsColumnsAndTrimsTrailingBlanks) {
  Table t({"NAME", "N"});
  t.align(1, Table::Align::right);
  t.add_row({"a", "1000"});
  t.add_row({"ü-long-name", "7"});
  t.add_row({"short"});  // missing cell prints empty
  EXPECT_EQ(t.render("  "),
            "  NAME            N\n"
            "  a            1000\n"
            "  ü-long-name     7\n"
            "  short\n");
  EXPECT_EQ(render_key_values({{"a", "1"}, {"long key", "2"}}),
            "a:         1\n"
            "long key:  2\n");
}

TEST(CliFormat, ListShowsOneRowPerCall) {
  json result = json::parse(R"({"calls": [
    {"call_id": "abc@host", "created": 1732350000.0, "legs": 2, "packets": 490, "bytes": 84280},
    {"call_id": "def@host", "created": 1732346465.0, "legs": 1, "packets": 0, "bytes": 0}]})");
  std::string out = format_list(result, kNow);
  auto l = lines(out);
  ASSERT_EQ(l.size(), 3u) << out;
  for (const char* col : {"CALL-ID", "LEGS", "PACKETS", "BYTES", "AGE"}) {
    EXPECT_TRUE(has(l[0], col)) << col;
  }
  EXPECT_TRUE(has(l[1], "abc@host"));
  EXPECT_TRUE(has(l[1], "490"));
  EXPECT_TRUE(has(l[1], "82.3 KiB"));
  EXPECT_TRUE(has(l[1], "1m05s"));
  EXPECT_TRUE(has(l[2], "def@host"));
  EXPECT_TRUE(has(l[2], "1h00m"));
  // Columns line up: the AGE values end where the header does.
  EXPECT_EQ(l[0].size(), l[1].size());
  EXPECT_EQ(l[1].size(), l[2].size());

  EXPECT_EQ(lines(format_list(json::parse(R"({"calls": []})"), kNow)).size(), 1u);
}

TEST(CliFormat, ShowPrintsHeaderThenStreamTablesPerLegAndMedia) {
  std::string out = format_call(canned_call(), kNow);
  EXPECT_TRUE(has(out, "call-id:      abc@host")) << out;
  EXPECT_TRUE(has(out, "created:      2024-11-23T08:20:00Z (1m04s ago)")) << out;
  EXPECT_TRUE(has(out, "last signal:  2024-11-23T08:20:01Z (1m03s ago)")) << out;
  EXPECT_TRUE(has(out, "shard:        0")) << out;
  EXPECT_FALSE(has(out, "received:")) << out;
  json with_totals = canned_call();
  with_totals["totals"] = {{"rtp", {{"packets", 490}, {"bytes", 84280}}},
                           {"rtcp", {{"packets", 2}, {"bytes", 160}}}};
  EXPECT_TRUE(has(format_call(with_totals, kNow),
                  "received:     rtcp 2 packets, 160 B; rtp 490 packets, 82.3 KiB\n"))
      << format_call(with_totals, kNow);
  EXPECT_TRUE(has(out, "leg from-tag-a (created 1m04s ago)")) << out;
  EXPECT_TRUE(has(out, "leg to-tag-b")) << out;
  EXPECT_TRUE(has(out, "  media 1: audio RTP/AVP\n")) << out;
  EXPECT_TRUE(has(out, "  media 1: audio RTP/AVP, rtcp-mux\n")) << out;
  for (const char* col : {"COMPONENT", "LOCAL", "PEER", "LATCHED", "PACKETS", "BYTES", "ERRORS",
                          "DROPPED", "LAST-SEEN"}) {
    EXPECT_TRUE(has(out, col)) << col;
  }
  auto l = lines(out);
  std::string rtp, rtcp;
  for (const auto& line : l) {
    if (has(line, "127.0.0.1:30000")) rtp = line;
    if (has(line, "127.0.0.1:30001")) rtcp = line;
  }
  ASSERT_FALSE(rtp.empty()) << out;
  EXPECT_TRUE(has(rtp, "    rtp ")) << rtp;
  EXPECT_TRUE(has(rtp, "127.0.0.1:6000")) << rtp;
  EXPECT_TRUE(has(rtp, " yes ")) << rtp;
  EXPECT_TRUE(has(rtp, " 250 ")) << rtp;
  EXPECT_TRUE(has(rtp, "42.0 KiB")) << rtp;
  EXPECT_TRUE(has(rtp, "2.0s ago")) << rtp;
  ASSERT_FALSE(rtcp.empty()) << out;
  EXPECT_TRUE(has(rtcp, " no ")) << rtcp;
  EXPECT_EQ(rtcp.back(), '-') << "null last_seen prints '-': " << rtcp;
}

TEST(CliFormat, ShowPrintsAFaxGatewaysProgress) {
  json call = canned_call();
  call["legs"][0]["media"][0]["fax"] = json::parse(R"({
    "role": "audio", "phase": "sending", "pages": 1, "bit_rate": 14400, "ecm": true,
    "rtp_in": 500, "rtp_out": 501, "udptl_in": 120, "udptl_out": 230, "ifp_recovered": 3,
    "ifp_lost": 0, "malformed": 0})");
  const std::string out = format_call(call, kNow);
  EXPECT_TRUE(has(out, "    fax (audio side): sending, pages 1, 14400 bit/s, ecm yes, rtp in/out "
                       "500/501, udptl in/out 120/230, recovered 3, lost 0\n"))
      << out;
  EXPECT_FALSE(has(format_call(canned_call(), kNow), "fax")) << "no gateway, no fax line";
}

TEST(CliFormat, DeletePrintsFinalCountersAndTotals) {
  std::string out = format_delete(canned_call(), kNow);
  auto l = lines(out);
  ASSERT_GE(l.size(), 5u) << out;
  EXPECT_EQ(l[0], "deleted call abc@host (lasted 1m04s)");
  for (const char* col : {"LEG", "MEDIA", "COMPONENT", "PACKETS", "BYTES", "ERRORS", "DROPPED"}) {
    EXPECT_TRUE(has(l[1], col)) << col;
  }
  EXPECT_TRUE(has(out, "from-tag-a")) << out;
  EXPECT_TRUE(has(out, "to-tag-b")) << out;
  const std::string& total = l.back();
  EXPECT_EQ(total.rfind("total", 0), 0u) << total;
  EXPECT_TRUE(has(total, " 490 ")) << total;
  EXPECT_TRUE(has(total, "82.3 KiB")) << total;
  EXPECT_EQ(format_delete(json::parse(R"({"call_id": "x", "legs": []})"), kNow),
            "deleted call x\nno streams\n");
}

TEST(CliFormat, StatsAsAlignedKeyValues) {
  json stats = json::parse(R"({"uptime": 3725.5,
    "sessions": {"current": 1, "total": 4, "timed_out": 1, "deleted": 2},
    "packets": {"relayed": 1000, "bytes": 172000,
                "dropped": {"malformed": 1, "unexpected_source": 2, "no_destination": 0,
                            "tx_error": 0}},
    "ports": {"min": 30000, "max": 40000, "used": 4, "free": 9997},
    "control": {"requests": 10, "errors": 1}, "ng": {"requests": 5, "errors": 0},
    "future": {"thing": 7}})");
  std::string out = format_stats(stats);
  auto l = lines(out);
  const size_t value_col = l[0].find("1h02m");
  ASSERT_NE(value_col, std::string::npos) << out;
  for (const auto& line : l) {
    EXPECT_NE(line[value_col - 1], ':') << "values aligned: " << line;
    EXPECT_NE(line[value_col], ' ') << "values aligned: " << line;
  }
  for (const char* kv :
       {"sessions current", "sessions total", "sessions timed out", "sessions deleted",
        "packets relayed", "168.0 KiB (172000)", "dropped total", "dropped malformed",
        "dropped unexpected_source", "dropped tx_error", "30000-40000", "ports used", "ports free",
        "control requests", "control errors", "ng requests", "ng errors", "future.thing"}) {
    EXPECT_TRUE(has(out, kv)) << kv << "\n" << out;
  }
  EXPECT_TRUE(has(out, "dropped total:")) << out;
  for (const auto& line : l) {
    if (has(line, "dropped total")) {
      EXPECT_EQ(line.substr(value_col), "3");
    }
    if (has(line, "ports free")) {
      EXPECT_EQ(line.substr(value_col), "9997");
    }
  }
}

TEST(CliFormat, InfoShowsBackendFallbackAndShardTable) {
  json info = json::parse(R"({"version": "0.1.0", "backend": "epoll",
    "backend_requested": "io_uring", "fallback_reason": "io_uring_setup: Operation not permitted",
    "interface": "127.0.0.1", "ports": {"min": 30000, "max": 40000},
    "ng_listen": "127.0.0.1:2223", "control_socket": "/run/rtpx/control.sock",
    "shards": [{"id": 0, "sockets": 4, "rx_packets": 500, "tx_packets": 498, "rx_calls": 120,
                "tx_calls": 120, "tx_errors": 0},
               {"id": 1, "sockets": 2, "rx_packets": 7, "tx_packets": 7, "rx_calls": 7,
                "tx_calls": 7, "tx_errors": 1}]})");
  std::string out = format_info(info);
  EXPECT_TRUE(has(out, "version:")) << out;
  EXPECT_TRUE(has(out, "0.1.0")) << out;
  EXPECT_TRUE(has(out, "epoll (fallback from io_uring: io_uring_setup: Operation not permitted)"))
      << out;
  EXPECT_TRUE(has(out, "30000-40000")) << out;
  EXPECT_TRUE(has(out, "127.0.0.1:2223")) << out;
  EXPECT_TRUE(has(out, "/run/rtpx/control.sock")) << out;
  for (const char* col :
       {"SHARD", "SOCKETS", "RX-PACKETS", "TX-PACKETS", "RX-CALLS", "TX-CALLS", "TX-ERRORS"}) {
    EXPECT_TRUE(has(out, col)) << col;
  }
  auto l = lines(out);
  EXPECT_TRUE(has(l[l.size() - 2], " 500 ")) << out;
  EXPECT_EQ(l.back().back(), '1') << out;

  // What rtpxd adds beyond the documented shape is printed too.
  info["uptime"] = 65.2;
  info["advertised"] = "203.0.113.7";
  info["backend_caps"] = {{"multishot_rx", false}, {"batched_syscalls", true}};
  info["shards"][0]["rx_no_buffer"] = 42;
  std::string more = format_info(info);
  EXPECT_TRUE(has(more, "uptime:          1m05s\n")) << more;
  EXPECT_TRUE(has(more, "advertised:      203.0.113.7\n")) << more;
  EXPECT_TRUE(has(more, "backend caps:    batched_syscalls\n")) << more;
  auto ml = lines(more);
  EXPECT_TRUE(has(ml[ml.size() - 3], "TX-ERRORS  RX-NO-BUFFER")) << more;
  EXPECT_TRUE(has(ml[ml.size() - 2], " 42")) << more;
  EXPECT_EQ(ml.back().back(), '-') << more;

  info["backend"] = "io_uring";
  info["fallback_reason"] = "";
  std::string plain = format_info(info);
  EXPECT_TRUE(has(plain, "backend:         io_uring\n")) << plain;
}

TEST(CliFormat, EventsOneLineEach) {
  EXPECT_EQ(format_event(json::parse(
                R"({"event": "session_deleted", "call_id": "abc", "reason": "timeout",
                    "time": 1732350065.0})")),
            "2024-11-23T08:21:05Z  session_deleted  call_id=abc  reason=timeout\n");
  EXPECT_EQ(format_event(json::parse(R"({"event": "x", "note": "two words"})")),
            "-  x  note=\"two words\"\n");
}

TEST(CliFormat, OddShapesPrintDashesInsteadOfThrowing) {
  for (const json& j : {json(nullptr), json::array(), json("text"), json::object(),
                        json::parse(R"({"legs": [{"media": [{"streams": [{}]}]}]})"),
                        json::parse(R"({"calls": [{}], "shards": [1], "packets": 3})")}) {
    EXPECT_NO_THROW(format_list(j, kNow));
    EXPECT_NO_THROW(format_call(j, kNow));
    EXPECT_NO_THROW(format_delete(j, kNow));
    EXPECT_NO_THROW(format_stats(j));
    EXPECT_NO_THROW(format_info(j));
    EXPECT_NO_THROW(format_event(j));
  }
  std::string out = format_call(json::parse(R"({"legs": [{"media": [{"streams": [{}]}]}]})"), kNow);
  EXPECT_TRUE(has(out, "call-id:      -")) << out;
}

}  // namespace
}  // namespace rtpx::cli
