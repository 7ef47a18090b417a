#!/usr/bin/env bash
# Load comparison on loopback: rtpxd (epoll), rtpxd (io_uring) and rtpengine, one after the other
# on this machine, driven by tools/rtpload over the ng protocol.
#
#   (a) SESSIONS sessions x PPS pps each way: loss, latency, relay CPU per packet (REPEAT runs,
#       median and min-max)
#   (b) the highest rate with < 0.1 % loss on one relay thread (rtpload --find-max)
#   (c) twice that ceiling offered (overload): what still gets relayed
#
# Results go into docs/benchmarks.md between <!-- load:begin --> and <!-- load:end --> (the file
# and the markers are created when missing). Raw rtpload JSON stays in $WORK when KEEP=1.
#
# Usage: bench/load/compare.sh            (build first: cmake --preset release &&
#                                          ninja -C build/release rtpxd rtpload)
# Knobs (environment): RELAYS="rtpxd-epoll rtpxd-io_uring rtpengine" (rtpxd-io_uring+c500:
#   with --coalesce-us 500) SESSIONS=100 PPS=50
#   DURATION=5 REPEAT=3 FIND_DURATION=3 FIND_START=100 THREADS=1 NG_PORT=22240
#   PORT_MIN=30000 PORT_MAX=31998 LOCAL_BASE=20000 OUT=docs/benchmarks.md KEEP=0
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
# shellcheck source=bench/lib/relay.sh
source "$ROOT/bench/lib/relay.sh"
# shellcheck source=bench/lib/median.sh
source "$ROOT/bench/lib/median.sh"
# shellcheck source=bench/lib/load_relay.sh
source "$ROOT/bench/lib/load_relay.sh"
RTPXD=${RTPXD:-$ROOT/build/release/control/daemon/rtpxd}
RTPLOAD=${RTPLOAD:-$ROOT/build/release/tools/rtpload/rtpload}
RTPENGINE=${RTPENGINE:-rtpengine}
RELAYS=${RELAYS:-"rtpxd-epoll rtpxd-io_uring rtpengine"}
SESSIONS=${SESSIONS:-100}
PPS=${PPS:-50}
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-3}
FIND_DURATION=${FIND_DURATION:-3}
FIND_START=${FIND_START:-100}
THREADS=${THREADS:-1}
NG_PORT=${NG_PORT:-22240}
PORT_MIN=${PORT_MIN:-30000}
PORT_MAX=${PORT_MAX:-31998}
LOCAL_BASE=${LOCAL_BASE:-20000}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
KEEP=${KEEP:-0}
IP=127.0.0.1  # loopback only

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $RTPLOAD ]] || die "rtpload not found at $RTPLOAD (ninja -C build/release rtpload, or set RTPLOAD)"
command -v jq >/dev/null || die "jq is needed"
if (( LOCAL_BASE + 4 * SESSIONS > PORT_MIN && LOCAL_BASE <= PORT_MAX )); then
  die "harness ports $LOCAL_BASE..$((LOCAL_BASE + 4 * SESSIONS)) overlap the relay range $PORT_MIN..$PORT_MAX"
fi

WORK=$(mktemp -d /tmp/rtpx-load.XXXXXX)
RELAY_PID=""
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

install_cleanup_traps

# rtpload with the common arguments; the JSON file is $1, the rest are extra arguments. A failed
# check (exit 1) still leaves a JSON with the numbers; only set-up errors lose the run.
run_load() {
  local json=$1; shift
  local cmd=("$RTPLOAD" --ng "$IP:$NG_PORT" --sessions "$SESSIONS" --local-port-base "$LOCAL_BASE"
    --relay-pid "$RELAY_PID" --json "$json" --quiet "$@")
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  local rc=0
  "${cmd[@]}" >"$json.txt" 2>&1 || rc=$?
  cat "$json.txt" >&2
  (( rc <= 1 )) && [[ -s $json ]]
}

# shellcheck disable=SC2059
num() { local v; v=$(jq -r "$1 // empty" "$3"); [[ -n $v ]] && printf "$2" "$v" || echo "n/a"; }

ROWS_A="" ROWS_B="" ROWS_C=""
skip_rows() {
  ROWS_A+="| $1 | $2 | | | | |"$'\n'
  ROWS_B+="| $1 | $2 | | | | | | |"$'\n'
  ROWS_C+="| $1 | $2 | | | | | | | | |"$'\n'
}
# What the relay's own log says about overload (e.g. rtpengine stops reading a socket for good
# after its receive queue overflowed 5 times: "UDP receive queue exceeded").
# The relay's log is rate-limited, so the count is a lower bound.
overflow_lines() {
  grep -cE 'receive queue exceeded|Too many packets in UDP receive queue' "$WORK/$1.log" || true
}
for relay in $RELAYS; do
  if ! relay_available "$relay"; then
    log "$relay: not available, skipped"
    skip_rows "$relay" "not built/installed"
    continue
  fi
  log "$relay: starting"
  echo "# $relay" >>"$WORK/commands.txt"
  relay_cmd "$relay" >>"$WORK/commands.txt"
  if ! start_relay "$relay"; then
    skip_rows "$relay" "failed to start"
    continue
  fi

  # (a) nominal load, REPEAT times.
  files=()
  for i in $(seq "$REPEAT"); do
    log "$relay: (a) run $i/$REPEAT: $SESSIONS sessions x $PPS pps each way"
    f=$WORK/$relay-a$i.json
    run_load "$f" --pps-per-stream "$PPS" --duration "$DURATION" --max-loss 0 && files+=("$f")
  done
  if (( ${#files[@]} > 0 )); then
    ROWS_A+="| $relay | $(med .result.offered_pps %.0f "${files[@]}") | $(med .result.relayed_pps %.0f "${files[@]}")"
    ROWS_A+=" | $(med .result.loss_pct %.3f "${files[@]}") | $(med .result.latency_us.p50 %.0f "${files[@]}")"
    ROWS_A+=" / $(med .result.latency_us.p99 %.0f "${files[@]}") | $(med .result.relay_cpu_s_per_mpkt %.2f "${files[@]}") |"$'\n'
  else
    ROWS_A+="| $relay | run failed | | | | |"$'\n'
  fi

  # (b) ceiling with < 0.1 % loss.
  log "$relay: (b) find-max"
  fb=$WORK/$relay-b.json
  max_pps=""
  if run_load "$fb" --find-max --pps-per-stream "$FIND_START" --duration "$FIND_DURATION" \
      --loss-target 0.1; then
    max_pps=$(jq -r '.find_max.best.pps_per_stream // empty' "$fb")
    limited=$(jq -r 'if .find_max.harness_limited then "harness-limited (relay may go higher)" else "" end' "$fb")
    ROWS_B+="| $relay | $(num .find_max.best.pps_per_stream %g "$fb") | $(num .find_max.best.offered_pps %.0f "$fb")"
    ROWS_B+=" | $(num .find_max.best.relayed_pps %.0f "$fb") | $(num .find_max.best.loss_pct %.3f "$fb")"
    ROWS_B+=" | $(num .find_max.best.latency_us.p50 %.0f "$fb") / $(num .find_max.best.latency_us.p99 %.0f "$fb")"
    ROWS_B+=" | $(num .find_max.best.relay_cpu_s_per_mpkt %.2f "$fb") | $limited |"$'\n'
  else
    ROWS_B+="| $relay | run failed | | | | | | |"$'\n'
  fi

  # (c) overload: twice the ceiling.
  if [[ -n $max_pps ]]; then
    over=$(jq -n "$max_pps * 2")
    log "$relay: (c) overload at $over pps per stream"
    fc=$WORK/$relay-c.json
    ov0=$(overflow_lines "$relay")
    if run_load "$fc" --pps-per-stream "$over" --duration "$DURATION"; then
      ov=$(( $(overflow_lines "$relay") - ov0 ))
      note=""
      (( ov > 0 )) && note="relay log: $ov receive-queue overflow messages"
      ROWS_C+="| $relay | $over | $(num .result.offered_pps %.0f "$fc") | $(num .result.relayed_pps %.0f "$fc")"
      ROWS_C+=" | $(num .result.loss_pct %.2f "$fc") | $(num .result.relay_rx_drops %d "$fc") / $(num .result.harness_rx_drops %d "$fc")"
      ROWS_C+=" | $(num .result.latency_us.p99 %.0f "$fc")"
      ROWS_C+=" | $(num .result.relay_cpu_s %.2f "$fc") | $(num .result.relay_cpu_s_per_mpkt %.2f "$fc") | $note |"$'\n'
    else
      ROWS_C+="| $relay | $over | run failed | | | | | | | |"$'\n'
    fi
  else
    ROWS_C+="| $relay | no ceiling found | | | | | | | | |"$'\n'
  fi
  stop_relay
done

# ---- report ----
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
section=$WORK/section.md
{
  echo "<!-- load:begin -->"
  echo "## Load: rtpxd vs rtpengine on loopback"
  echo
  echo "Generated by \`bench/load/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(nproc) CPUs, $cpu_model, kernel $(uname -r); load average before the run: $LOADAVG."
  echo "Relays run one at a time with $THREADS worker thread(s); rtpload runs on the same machine"
  echo "(sender + receiver thread), so relay and harness share the CPUs, and on loopback the"
  echo "sender's system calls also pay the kernel's delivery into the receiving socket."
  echo "172-byte RTP packets (PCMU, 20 ms), $SESSIONS sessions, 2 streams each, new calls for"
  echo "every measurement, 1 s warm-up before each. Versions: rtpx $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown),"
  echo "rtpengine $("$RTPENGINE" --version 2>&1 | head -1 | sed "s/^Version: //" || echo "not installed")."
  echo
  echo "- *loss*: the step's packets that never arrived (counted after the queues drained);"
  echo "  *relayed pps*: packets that arrived while the measured phase was sent, per second."
  echo "- *relay CPU µs/packet*: utime+stime of the relay process (/proc/PID/stat, 10 ms ticks)"
  echo "  over the measured phase divided by the packets relayed in it; the same number is CPU"
  echo "  seconds per million packets. At low rates it is dominated by per-packet wake-ups."
  echo "- *harness-limited*: rtpload could not offer the target rate or lost packets in its own"
  echo "  sockets; the relay's real ceiling is then higher than the number shown."
  echo "- *socket drops*: kernel receive-queue drops (/proc/net/udp) on the relay's and on"
  echo "  rtpload's sockets during the measured phase."
  echo
  echo "### (a) $SESSIONS sessions x $PPS pps each way, ${DURATION} s, $REPEAT runs: median (min-max)"
  echo
  echo "| relay | offered pps | relayed pps | loss % | latency p50 / p99 µs | relay CPU µs/packet |"
  echo "|---|---|---|---|---|---|"
  printf "%s" "$ROWS_A"
  echo
  echo "### (b) Highest rate with < 0.1 % loss, ${FIND_DURATION} s steps (doubling from $FIND_START pps/stream, then bisection)"
  echo
  echo "| relay | pps per stream | offered pps | relayed pps | loss % | latency p50 / p99 µs | relay CPU µs/packet | note |"
  echo "|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS_B"
  echo
  echo "### (c) Overload: twice the (b) ceiling offered, ${DURATION} s"
  echo
  echo "| relay | pps per stream | offered pps | relayed pps | loss % | socket drops relay / harness | latency p99 µs | relay CPU s | relay CPU µs/packet | note |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS_C"
  echo
  echo "Commands:"
  echo
  echo '```'
  sed -e "s|$ROOT/||g" -e "s|$WORK/|/tmp/rtpx-load/|g" -e 's|--relay-pid [0-9]*|--relay-pid RELAY_PID|' \
    "$WORK/commands.txt"
  echo '```'
  echo "<!-- load:end -->"
} >"$section"

write_section load "$section" "$OUT"
log "wrote $OUT"
cat "$section"
