#!/usr/bin/env bash
# Builds and runs the micro-benchmarks (bench/micro/*_bench.cpp) with repetitions, and writes the
# results into docs/benchmarks.md between <!-- micro:begin --> and <!-- micro:end --> (the file and
# the markers are created when missing; other sections are left alone).
#
# Usage: bench/micro/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=relay]
# Knobs (environment): REPS=5 MIN_TIME=0.5 (seconds per repetition) OUT=docs/benchmarks.md
#   BUILD=1 (0: skip the build) BIN=build/release/bench/micro/rtpx_micro_bench KEEP=0 (1: keep JSON)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
REPS=${REPS:-5}
MIN_TIME=${MIN_TIME:-0.5}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
BUILD=${BUILD:-1}
KEEP=${KEEP:-0}
BIN=${BIN:-$ROOT/build/release/bench/micro/rtpx_micro_bench}

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
command -v jq >/dev/null || die "jq is needed"

cd "$ROOT"
if [[ $BUILD == 1 ]]; then
  log "building (release preset)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target rtpx_micro_bench
fi
[[ -x $BIN ]] || die "$BIN not found (build with: cmake --preset release && cmake --build --preset release --target rtpx_micro_bench)"

WORK=$(mktemp -d /tmp/rtpx-micro.XXXXXX)
cleanup() { if [[ $KEEP == 1 ]]; then log "JSON kept in $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
JSON=$WORK/micro.json

ARGS=(--benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true
      --benchmark_min_time="$MIN_TIME" "$@")
CMD="bench/micro/run.sh${*:+ $*}"
RUN_CMD="${BIN#"$ROOT"/} ${ARGS[*]}"
BUILD_DIR=$(cd "$(dirname "$BIN")/../.." && pwd)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "running: $RUN_CMD"
"$BIN" "${ARGS[@]}" --benchmark_out="$JSON" --benchmark_out_format=json
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
compiler_version=$(${compiler:-c++} --version 2>/dev/null | head -1 || true)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)

# One table row per benchmark: median/min/max of the time per item over the repetitions, the
# median rate, and the ratio of the median to the group's reference row (a peer when the group
# has one, else the limit) with the same arguments.
table=$(jq -r '
  def r3: if . >= 100 then (round | tostring)
          elif . >= 10 then ((. * 10 | round) / 10 | tostring)
          else ((. * 100 | round) / 100 | tostring) end;
  def dur: if . >= 1e6 then ((. / 1e6) | r3) + " ms"
           elif . >= 1e3 then ((. / 1e3) | r3) + " µs"
           else (r3) + " ns" end;
  def rate: if . >= 1e9 then ((. / 1e9) | r3) + " G/s"
            elif . >= 1e6 then ((. / 1e6) | r3) + " M/s"
            elif . >= 1e3 then ((. / 1e3) | r3) + " k/s"
            else (r3) + " /s" end;
  # "backend/epoll/sockets:32/manual_time" -> group backend, variant epoll, args sockets:32
  def parts: (.run_name | split("/") | map(select(. != "manual_time" and . != "real_time"))) as $p
    | { group: $p[0],
        variant: ($p[1:] | map(select(test("^[a-z_]+:[0-9]+$") | not)) | join("/")),
        args: ($p[1:] | map(select(test("^[a-z_]+:[0-9]+$"))) | join("/")) };
  def unit: if .group == "ng" then "message" elif .group == "sdp" then "SDP"
            else "packet" end;
  # With one repetition there are no aggregates: the single run stands for all three.
  ( [ .benchmarks[] | select(.run_type == "aggregate") ] ) as $aggs
  | (if ($aggs | length) > 0 then $aggs
     else [ .benchmarks[] | select(.run_type == "iteration")
            | (. + {aggregate_name: "median"}), (. + {aggregate_name: "min"}),
              (. + {aggregate_name: "max"}) ] end) as $aggs
  | [ $aggs | group_by(.run_name)[]
      | (map({key: .aggregate_name, value: .}) | from_entries) as $a
      | ($a.median | parts) + {
          name: $a.median.run_name,
          median: ($a.median.time_per_item * 1e9), min: ($a.min.time_per_item * 1e9),
          max: ($a.max.time_per_item * 1e9), rate: $a.median.items_per_second,
          wall: $a.median.wall_ns_per_item,
          order: $a.median.family_index, inst: $a.median.per_family_instance_index } ]
  | sort_by(.order, .inst) as $rows
  | ($rows | map(select(.variant | startswith("peer:") or startswith("limit:")))) as $refs
  | "| Benchmark | per | median | min | max | median rate | wall median | vs. reference |",
    "|---|---|--:|--:|--:|--:|--:|--:|",
    ( $rows[] | . as $r
      | ([ $refs[] | select(.group == $r.group and .args == $r.args) ]
         | (map(select(.variant | startswith("peer:"))) + map(select(.variant | startswith("limit:"))))
         | first) as $ref
      | "| `\(.name | sub("/(manual|real)_time$"; ""))` | \(unit) | \(.median | dur) | \(.min | dur) | "
        + "\(.max | dur) | \(.rate | rate) | \(if .wall then (.wall | dur) else "–" end) | "
        + (if $ref == null then "–"
           elif $ref.name == .name then "reference"
           else ((.median / $ref.median) as $x
                 | if $x < 0.01 then "<0.01" else ($x * 100 | round / 100 | tostring) end
                 | "\(.)× `\($ref.variant)`") end)
        + " |" )
' "$JSON")

# Sanity counters: any packet the data-plane benchmarks failed to relay.
problems=$(jq -r '
  [ .benchmarks[] | select(.aggregate_name == "max" or .run_type == "iteration")
    | . as $b | ["drops", "short_bursts", "tx_errors"][]
    | select(($b[.] // 0) > 0) | "\($b.run_name): \(.) up to \($b[.])" ] | .[]' "$JSON")

section=$WORK/section.md
{
  echo "<!-- micro:begin -->"
  echo "## Micro-benchmarks"
  echo
  echo "Generated by \`bench/micro/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty."
  echo
  echo "- Machine: $(nproc) CPUs, $cpu_model, Linux $(uname -r); load average $load_before before, $load_after after (shared machine)."
  echo "- Build: \`${BUILD_DIR#"$ROOT"/}\` (${build_type:-unknown build type}), ${compiler_version:-unknown compiler}; Google Benchmark $(dpkg-query -W -f='${Version}' libbenchmark-dev 2>/dev/null || echo '?')."
  echo "- Command: \`$CMD\`, which runs \`$RUN_CMD\`."
  echo "- Each benchmark ran $REPS times for at least ${MIN_TIME} s; median, min and max are over those runs, per item (packet, ng message or SDP)."
  echo "  Times are CPU time: the whole iteration for the pure-CPU benchmarks, the thread's CPU time of the timed section for"
  echo "  \`relay/shard_*\` and \`backend/*\` (kernel time in system calls and the loopback delivery the kernel runs inside them"
  echo "  included; the sender, the sink and the loopback test harness not). *wall median* is the wall time of the same section: the gap to"
  echo "  the CPU figure is time spent preempted on this shared machine."
  echo "- *vs. reference*: median over the median of the group's peer (else its limit) with the same arguments."
  echo "  \`rtp/limit:load_ssrc\` reads only the SSRC word; \`relay/limit:table_lookup\` does only the endpoint and peer lookups and the"
  echo "  address rewrite; \`backend/limit:recvmmsg+sendmmsg\` is one recvmmsg and one sendmmsg per socket with data, readiness known in"
  echo "  advance (the socket-API floor, no epoll_wait); \`ng/peer:nlohmann_json\` is the same offer as a native control-protocol JSON"
  echo "  line, parsed and written by nlohmann::json; \`sdp/limit:scan_lines+copy\` finds the line ends and copies the text."
  echo "- Workloads: 172-byte PCMU RTP packets in bursts of 32; \`calls:N\` = N two-party calls (4N endpoints, both parties latched,"
  echo "  packets interleaved across all streams); \`sockets:N\` = N UDP sockets on 127.0.0.1, the 32 datagrams of a burst"
  echo "  spread round-robin over them; the ng offer is Kamailio-style with a 603-byte audio+video SDP."
  echo
  echo "$table"
  if [[ -n $problems ]]; then
    echo
    echo "Not every packet was relayed in these runs:"
    echo
    while IFS= read -r line; do echo "- $line"; done <<<"$problems"
  fi
  echo "<!-- micro:end -->"
} >"$section"

write_section micro "$section" "$OUT"
log "wrote $OUT"
cat "$section"
