#include "tools/rtpload/options.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "tools/rtpload/media_loop.hpp"
#include "tools/rtpload/srtp_keys.hpp"

namespace rtpload {

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{
      "rtpload: sets up sessions on an RTP relay over the rtpengine ng protocol, sends RTP both\n"
      "ways through it and reports loss, order, corruption, latency and the relay's CPU cost."};
  app.add_option("--ng", o.ng, "relay ng control address host:port")->capture_default_str();
  app.add_option("--sessions", o.sessions, "number of sessions (2 RTP streams each)")
      ->check(CLI::Range(1, 8000))
      ->capture_default_str();
  app.add_option("--pps-per-stream", o.pps_per_stream, "packets/s per direction per session")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "measured seconds (per step with --find-max)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "unmeasured seconds before each measurement")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--local-port-base", o.local_port_base,
                 "first local UDP port (uses 4 per session; keep outside the relay's range)")
      ->check(CLI::Range(1024, 65535))
      ->capture_default_str();
  auto* pid = app.add_option("--relay-pid", o.relay_pid, "relay process id for CPU accounting");
  app.add_option("--relay-name", o.relay_name, "find the relay process by name (e.g. rtpxd)")
      ->excludes(pid);
  app.add_option("--json", o.json_path, "write the results as JSON to this file");
  app.add_option("--max-loss", o.max_loss_pct, "fail (exit 1) when loss % exceeds this");
  app.add_flag("--strict-order", o.strict_order,
               "fail (exit 1) on any out-of-order packet (multi-threaded relays may reorder)");
  app.add_flag("--find-max", o.find_max,
               "step the rate up (doubling, then bisecting) and report the highest rate whose "
               "loss is below --loss-target");
  app.add_option("--loss-target", o.loss_target_pct, "find-max pass threshold, loss %")
      ->capture_default_str();
  app.add_option("--find-max-iters", o.find_max_iters, "find-max bisection steps")
      ->check(CLI::Range(0, 30))
      ->capture_default_str();
  app.add_option("--tick-us", o.tick_us, "sender batching period in microseconds")
      ->check(CLI::Range(50, 100000))
      ->capture_default_str();
  app.add_option("--drain-ms", o.drain_ms,
                 "after sending, wait for packets in flight until 250 ms pass without one, at "
                 "most this long")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--ng-timeout-ms", o.ng_timeout_ms, "ng retransmission timeout")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  app.add_option("--ng-retries", o.ng_retries, "ng retransmissions before giving up")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--sock-buf", o.sock_buf, "socket buffer size in bytes")
      ->check(CLI::Range(4096, 1 << 28))
      ->capture_default_str();
  app.add_option(
         "--srtp", o.srtp_suite,
         "RTP->SRTP bridging: the offer asks for RTP/SAVP with SDES only (\"DTLS\": \"off\", "
         "\"SDES\": [\"no-...\"] for every other suite), side B answers with one a=crypto "
         "line of SUITE and its own key and decrypts what the relay sends it (libsrtp2) "
         "before the usual checks. rtpload does not encrypt, so only A->B is sent "
         "(implies --one-way)")
      ->check(CLI::IsMember(srtp_suites()));
  app.add_option(
         "--transcode", o.transcode,
         "transcoding load: A offers PCMU with the ng option codec: {transcode: [CODEC]}, B "
         "answers CODEC only; A sends a speech-like signal as PCMU, B the same signal in CODEC "
         "(20 ms packets both ways). The relay re-encodes every packet, so the receiver checks "
         "the payload type, length and RTP sequence of what arrives instead of its payload, "
         "counts the warm-up's packets too, and measures no latency")
      ->check(CLI::IsMember(transcode_codecs()))
      ->excludes("--srtp");
  app.add_flag("--one-way", o.one_way,
               "send only A->B (one stream per session); the plain-RTP baseline for --srtp");
  app.add_flag("-q,--quiet", o.quiet, "no progress lines on stderr");
  app.add_flag("--ping", o.ping_only,
               "only ping the relay over ng; exit 0 on pong, 2 otherwise (for start-up scripts)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 3);
  }
  if (o.local_port_base + 4 * o.sessions > 65536) {
    std::fprintf(stderr, "--local-port-base + 4 * --sessions exceeds 65535\n");
    std::exit(3);
  }
  if (!o.srtp_suite.empty()) o.one_way = true;
  return o;
}

}  // namespace rtpload
