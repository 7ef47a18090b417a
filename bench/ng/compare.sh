#!/usr/bin/env bash
# ng control-plane throughput on loopback: rtpxd and rtpengine, one after the other on this
# machine, each pinned to one core (taskset -c $RELAY_CPU, one worker thread), driven by
# bench/ng/rtpx_ng_bench pinned to another core ($CLIENT_CPU).
#
# A cycle is offer (~400-byte audio SDP) -> answer -> delete of a new call; WINDOW calls are in
# progress at once (one request outstanding each). Per relay: REPEAT runs of DURATION seconds
# after WARMUP seconds, median (min-max) of cycles/s, requests/s, the relay's CPU time per cycle
# (utime+stime from /proc/PID/stat; robust to the client being the limit), latency, and the
# client's own CPU use (to show it is not the bottleneck). Any error reply fails the run; its
# request and reply are printed.
#
# Results go into docs/benchmarks.md between <!-- ng:begin --> and <!-- ng:end --> (the file and
# the markers are created when missing). Raw JSON stays in $WORK when KEEP=1.
#
# Usage: bench/ng/compare.sh              (build first: cmake --preset release &&
#                                          ninja -C build/release rtpxd rtpx_ng_bench)
# Knobs (environment): RELAYS="rtpxd rtpengine" WINDOW=64 SOCKETS=1 DURATION=5 WARMUP=1 REPEAT=3
#   THREADS=1 RELAY_CPU=1 CLIENT_CPU=0 NG_PORT=22260 PORT_MIN=34000 PORT_MAX=39998
#   BACKEND=io_uring RTPXD_LOG_LEVEL=warn RTPENGINE_LOG_LEVEL=4 TIMEOUT_MS=1000 RETRIES=5
#   QUIET_WAIT=60 QUIET_BUSY_PCT=10 NOISY_PCT=10 MAX_ATTEMPTS=4*REPEAT OUT=docs/benchmarks.md
#   KEEP=0 RTPXD=build/release/control/daemon/rtpxd
#   RTPX_NG_BENCH=build/release/bench/ng/rtpx_ng_bench RTPENGINE=rtpengine
# The machine may be shared: before each relay (and before a repeated attempt) the script waits
# up to QUIET_WAIT seconds for all CPUs together to be under QUIET_BUSY_PCT % busy over 1 s, and a
# run during which other work took more than NOISY_PCT % of the relay's or the client's CPU
# (/proc/stat busy time minus the process's own) is discarded and repeated, at most MAX_ATTEMPTS
# runs per relay.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
# shellcheck source=bench/lib/relay.sh
source "$ROOT/bench/lib/relay.sh"
# shellcheck source=bench/lib/median.sh
source "$ROOT/bench/lib/median.sh"
RTPXD=${RTPXD:-$ROOT/build/release/control/daemon/rtpxd}
RTPX_NG_BENCH=${RTPX_NG_BENCH:-$ROOT/build/release/bench/ng/rtpx_ng_bench}
RTPENGINE=${RTPENGINE:-rtpengine}
RELAYS=${RELAYS:-"rtpxd rtpengine"}
WINDOW=${WINDOW:-64}
SOCKETS=${SOCKETS:-1}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
REPEAT=${REPEAT:-3}
THREADS=${THREADS:-1}
RELAY_CPU=${RELAY_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
NG_PORT=${NG_PORT:-22260}
PORT_MIN=${PORT_MIN:-34000}
PORT_MAX=${PORT_MAX:-39998}
BACKEND=${BACKEND:-io_uring}
RTPXD_LOG_LEVEL=${RTPXD_LOG_LEVEL:-warn}
RTPENGINE_LOG_LEVEL=${RTPENGINE_LOG_LEVEL:-4}
TIMEOUT_MS=${TIMEOUT_MS:-1000}
RETRIES=${RETRIES:-5}
QUIET_WAIT=${QUIET_WAIT:-60}
QUIET_BUSY_PCT=${QUIET_BUSY_PCT:-10}
NOISY_PCT=${NOISY_PCT:-10}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-$((REPEAT * 4))}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
KEEP=${KEEP:-0}
IP=127.0.0.1  # loopback only

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $RTPX_NG_BENCH ]] ||
  die "rtpx_ng_bench not found at $RTPX_NG_BENCH (ninja -C build/release rtpx_ng_bench, or set RTPX_NG_BENCH)"
command -v jq >/dev/null || die "jq is needed"
command -v taskset >/dev/null || die "taskset is needed (util-linux)"
NCPU=$(nproc)
(( RELAY_CPU < NCPU && CLIENT_CPU < NCPU )) || die "RELAY_CPU/CLIENT_CPU must be below nproc ($NCPU)"
(( RELAY_CPU != CLIENT_CPU )) || echo "compare.sh: warning: relay and client share CPU $RELAY_CPU" >&2

WORK=$(mktemp -d /tmp/rtpx-ng.XXXXXX)
RELAY_PID=""
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=0

install_cleanup_traps

# The exact command line of each relay (without the taskset prefix), also written into the report.
relay_cmd() {
  case $1 in
    rtpxd)
      echo "$RTPXD --foreground --backend $BACKEND --interface $IP --ng-listen $IP:$NG_PORT" \
        "--control $WORK/rtpxd.sock --port-min $PORT_MIN --port-max $PORT_MAX --threads $THREADS" \
        "--log-level $RTPXD_LOG_LEVEL" ;;
    rtpengine)
      echo "$RTPENGINE --config-file=none --table=-1 --interface=$IP --listen-ng=$IP:$NG_PORT" \
        "--port-min=$PORT_MIN --port-max=$PORT_MAX --foreground --log-stderr --delete-delay=0" \
        "--num-threads=$THREADS --log-level=$RTPENGINE_LOG_LEVEL" ;;
    *) die "unknown relay $1" ;;
  esac
}

relay_available() {
  case $1 in
    rtpxd) [[ -x $RTPXD ]] ;;
    rtpengine) command -v "$RTPENGINE" >/dev/null ;;
  esac
}

ping_relay() {
  "$RTPX_NG_BENCH" --ping --ng "$IP:$NG_PORT" --timeout-ms "$1" --retries 0 2>/dev/null
}

# Busy % of all CPUs together over one second (from /proc/stat).
busy_pct() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6; exit}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6; exit}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    busy = y[1] - x[1]; idle = y[2] - x[2]; printf "%.0f", ((busy + idle) > 0 ? 100 * busy / (busy + idle) : 0) }'
}

# Waits (up to QUIET_WAIT s) for other work on the machine to stop; prints the last busy %.
wait_quiet() {
  local start=$SECONDS b next_log=$SECONDS
  while :; do
    b=$(busy_pct)
    if (( b <= QUIET_BUSY_PCT )); then echo "$b"; return; fi
    if (( SECONDS - start >= QUIET_WAIT )); then
      log "machine still ${b} % busy after ${QUIET_WAIT} s: going on"
      echo "$b"
      return
    fi
    if (( SECONDS >= next_log )); then
      log "machine ${b} % busy, waiting for it to quiet down (up to QUIET_WAIT=$QUIET_WAIT s)"
      next_log=$((SECONDS + 30))
    fi
  done
}

# Starts relay $1 pinned to RELAY_CPU in the background and waits until its ng port answers ping.
start_relay() {
  local name=$1 cmd
  cmd=$(relay_cmd "$name")
  if ping_relay 200; then die "something already answers ng on $IP:$NG_PORT; set NG_PORT"; fi
  rm -f "$WORK/rtpxd.sock"
  # shellcheck disable=SC2086  # the command is split on purpose
  taskset -c "$RELAY_CPU" $cmd >"$WORK/$name.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 100); do
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then
      tail -20 "$WORK/$name.log" >&2
      RELAY_PID=""
      return 1
    fi
    if ping_relay 100; then return 0; fi
    sleep 0.1
  done
  echo "$name did not answer ng ping within 10 s" >&2
  tail -20 "$WORK/$name.log" >&2
  stop_relay
  return 1
}

# One measured run into JSON file $1. A run with errors still leaves its JSON (exit 1).
run_bench() {
  local json=$1
  local cmd=(taskset -c "$CLIENT_CPU" "$RTPX_NG_BENCH" --ng "$IP:$NG_PORT" --window "$WINDOW"
    --sockets "$SOCKETS" --duration "$DURATION" --warmup "$WARMUP" --timeout-ms "$TIMEOUT_MS"
    --retries "$RETRIES" --relay-pid "$RELAY_PID" --json "$json")
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  local rc=0
  "${cmd[@]}" >"$json.txt" 2>&1 || rc=$?
  cat "$json.txt" >&2
  if (( rc != 0 )); then
    FAILED=1
    echo "compare.sh: rtpx_ng_bench exited with $rc (errors above: request and reply)" >&2
  fi
  [[ -s $json ]]
}

total() {
  local expr=$1; shift
  for f in "$@"; do jq -r "($expr) // 0" "$f"; done | awk '{ s += $1 } END { print s + 0 }'
}

# jq expressions over one run's JSON.
RELAY_UTIL='100 * .result.relay_cpu_util'
CLIENT_UTIL='100 * .result.client_cpu_util'
# CPU time on the relay's (client's) core not spent by the relay (client): other processes,
# interrupt time the kernel does not charge to the process.
OTHER_ON_RELAY_CPU="[100 * ((.result.system_cpus[$RELAY_CPU].busy_s - .result.relay_cpu_s) / .result.duration_s), 0] | max"
OTHER_ON_CLIENT_CPU="[100 * ((.result.system_cpus[$CLIENT_CPU].busy_s - .result.client_cpu_s) / .result.duration_s), 0] | max"
lat() { echo ".result.latency_us.$1.$2"; }

ROWS="" LAT_ROWS="" NOTES="" SDP_BYTES=""
declare -A CPS CPU_PER_CYCLE
for relay in $RELAYS; do
  if ! relay_available "$relay"; then
    log "$relay: not available, skipped"
    ROWS+="| $relay | not built/installed | | | | | | | |"$'\n'
    continue
  fi
  quiet=$(wait_quiet)
  log "$relay: starting (machine ${quiet} % busy)"
  echo "# $relay" >>"$WORK/commands.txt"
  echo "taskset -c $RELAY_CPU $(relay_cmd "$relay")" >>"$WORK/commands.txt"
  if ! start_relay "$relay"; then
    ROWS+="| $relay | failed to start | | | | | | | |"$'\n'
    FAILED=1
    continue
  fi

  files=() noisy=() attempt=0
  while (( ${#files[@]} < REPEAT && attempt < MAX_ATTEMPTS )); do
    attempt=$((attempt + 1))
    if (( attempt > 1 )); then wait_quiet >/dev/null; fi
    log "$relay: run $((${#files[@]} + 1))/$REPEAT (attempt $attempt): window $WINDOW, ${DURATION} s"
    f=$WORK/$relay-$attempt.json
    run_bench "$f" || continue
    other=$(jq -r "[($OTHER_ON_RELAY_CPU), ($OTHER_ON_CLIENT_CPU)] | max | floor" "$f")
    if (( other > NOISY_PCT )); then
      log "$relay: other load took ${other} % of the relay's or the client's CPU: run discarded"
      noisy+=("$other $f")
    else
      files+=("$f")
    fi
  done
  if (( ${#noisy[@]} > 0 )); then
    NOTES+="- $relay: ${#noisy[@]} run(s) discarded because other load took more than $NOISY_PCT % of CPU $RELAY_CPU or $CLIENT_CPU."$'\n'
  fi
  if (( ${#files[@]} < REPEAT && ${#noisy[@]} > 0 )); then
    NOTES+="- $relay: **only ${#files[@]} quiet run(s) in $MAX_ATTEMPTS attempts; the table also uses noisy ones.**"$'\n'
    # the least disturbed of the noisy runs
    mapfile -t least < <(printf '%s\n' "${noisy[@]}" | sort -n | head -n $((REPEAT - ${#files[@]})) | cut -d' ' -f2-)
    files+=("${least[@]}")
  fi

  if ! kill -0 "$RELAY_PID" 2>/dev/null; then
    NOTES+="- $relay exited during the runs; its log ends with: $(tail -3 "$WORK/$relay.log" | tr '\n' ' ')"$'\n'
    FAILED=1
  fi
  log_lines=$(wc -l <"$WORK/$relay.log")
  if (( log_lines > 50 )); then
    NOTES+="- $relay wrote $log_lines log lines during the runs (log level too verbose?)."$'\n'
  fi
  stop_relay
  if (( ${#files[@]} == 0 )); then
    ROWS+="| $relay | run failed | | | | | | | |"$'\n'
    FAILED=1
    continue
  fi
  SDP_BYTES=$(jq -r .config.offer_sdp_bytes "${files[0]}")
  CPS[$relay]=$(median .result.cycles_per_s "${files[@]}")
  CPU_PER_CYCLE[$relay]=$(median .result.relay_cpu_us_per_cycle "${files[@]}")
  errs=$(total .result.errors "${files[@]}")
  retr=$(total .result.retransmits "${files[@]}")
  left=$(total .result.relay_calls_left "${files[@]}")
  ROWS+="| $relay | $(med .result.cycles_per_s %.0f "${files[@]}") | $(med .result.requests_per_s %.0f "${files[@]}")"
  ROWS+=" | $(med .result.relay_cpu_us_per_cycle %.1f "${files[@]}") | $(med .result.relay_sched_us_per_cycle %.1f "${files[@]}")"
  ROWS+=" | $(med "$RELAY_UTIL" %.0f "${files[@]}")"
  ROWS+=" | $(med "$OTHER_ON_RELAY_CPU" %.0f "${files[@]}")"
  ROWS+=" | $(med "$CLIENT_UTIL" %.0f "${files[@]}") / $(med .result.client_cpu_us_per_cycle %.1f "${files[@]}")"
  ROWS+=" | $errs / $retr / $left |"$'\n'
  LAT_ROWS+="| $relay"
  for c in offer answer delete; do
    LAT_ROWS+=" | $(med "$(lat $c p50)" %.0f "${files[@]}") / $(med "$(lat $c p99)" %.0f "${files[@]}")"
  done
  LAT_ROWS+=" | $(med .result.mean_bytes.offer.reply %.0f "${files[@]}") / $(med .result.mean_bytes.answer.reply %.0f "${files[@]}")"
  LAT_ROWS+=" / $(med .result.mean_bytes.delete.reply %.0f "${files[@]}") |"$'\n'
  warns=$(for f in "${files[@]}"; do
    jq -r '.warning_samples | to_entries[] | "\(.key): \(.value)"' "$f"
  done | sort -u)
  while read -r w; do
    [[ -n $w ]] && NOTES+="- $relay replied with a warning ($w)."$'\n'
  done <<<"$warns"
  if (( errs > 0 )); then
    NOTES+="- $relay: $errs error replies or timeouts: the numbers are not valid."$'\n'
    FAILED=1
  fi
  rss=$(jq -s -r '[.[].result | select(.relay_rss_kib_start != null)] |
    if length > 0 then "\(.[0].relay_rss_kib_start / 1024 | floor) MiB -> \(.[-1].relay_rss_kib_end / 1024 | floor) MiB" else "" end' "${files[@]}")
  [[ -n $rss ]] && NOTES+="- $relay resident memory from the first to the last measured run: $rss."$'\n'
  if (( left > 0 )); then
    NOTES+="- $relay still listed $left of the benchmark's calls after the runs."$'\n'
  fi
done

RATIO=""
if [[ -n ${CPS[rtpxd]:-} && -n ${CPS[rtpengine]:-} ]]; then
  RATIO=$(awk -v a="${CPS[rtpxd]}" -v b="${CPS[rtpengine]}" -v c="${CPU_PER_CYCLE[rtpxd]:-0}" \
    -v d="${CPU_PER_CYCLE[rtpengine]:-0}" 'BEGIN {
      printf "rtpxd / rtpengine (medians): **%.2fx** the cycles/s", a / b;
      if (c > 0 && d > 0) printf ", **%.2fx** the relay CPU per cycle (rtpengine spends %.2fx what rtpxd does per cycle)", c / d, d / c }')
fi

# ---- report ----
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
section=$WORK/section.md
{
  echo "<!-- ng:begin -->"
  echo "## ng control plane: offer/answer/delete cycles on one core"
  echo
  echo "Generated by \`bench/ng/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $NCPU CPUs, $cpu_model, kernel $(uname -r); load average before the run: $LOADAVG."
  echo "Versions: rtpx $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown),"
  echo "rtpengine $("$RTPENGINE" --version 2>&1 | head -1 | sed "s/^Version: //" || echo "not installed")."
  echo
  echo "Each relay runs alone, pinned to CPU $RELAY_CPU (\`taskset\`, all its threads) with $THREADS worker"
  echo "thread(s) and warning-level logging; \`rtpx_ng_bench\` runs pinned to CPU $CLIENT_CPU over $SOCKETS UDP"
  echo "socket(s) on loopback. A *cycle* is offer -> answer -> delete of a new call (distinct call-id and"
  echo "tags, unique cookies): the offer carries a ${SDP_BYTES:-~400}-byte audio SDP (PCMU, PCMA, telephone-event,"
  echo "a=rtcp, a=sendrecv) with \`replace: [origin, session-connection]\`, \`ICE: remove\` and"
  echo "\`received-from\`, the answer a PCMU + telephone-event SDP, the delete \`call-id\` + \`from-tag\`."
  echo "$WINDOW calls are in progress at once (one request outstanding each); every reply must be"
  echo "\`result: ok\`. $REPEAT runs of ${DURATION} s (after ${WARMUP} s warm-up) per relay against the same"
  echo "relay process: median (min-max)."
  echo
  echo "- *relay CPU µs/cycle*: the relay's utime+stime (/proc/PID/stat, all threads, 10 ms ticks)"
  echo "  over the measured phase divided by the cycles completed in it. It does not depend on the"
  echo "  client keeping up, so it is the number to compare; cycles/s is the relay's capacity only"
  echo "  when *relay CPU %* is near 100. *(schedstat)*: the same from the scheduler's nanosecond"
  echo "  run time of the relay's threads (/proc/PID/task/*/schedstat), a cross-check."
  echo "- *other on relay CPU %*: busy time of CPU $RELAY_CPU (/proc/stat) not charged to the relay"
  echo "  (other processes, interrupt time not charged to it). Runs where other work took more"
  echo "  than $NOISY_PCT % of the relay's or the client's CPU are discarded and repeated."
  echo "- *client CPU % / µs per cycle*: rtpx_ng_bench's own CPU use; well under 100 % means the"
  echo "  client was not the bottleneck."
  echo "- *errors / retransmits / calls left*: error replies or timeouts, requests sent again"
  echo "  after ${TIMEOUT_MS} ms without a reply, and calls of the run the relay still listed afterwards"
  echo "  (sums over the runs)."
  echo
  echo "| relay | cycles/s | requests/s | relay CPU µs/cycle | (schedstat) | relay CPU % | other on relay CPU % | client CPU % / µs per cycle | errors / retransmits / calls left |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS"
  echo
  if [[ -n $RATIO ]]; then echo "$RATIO."; echo; fi
  echo "Latency per request (first send to reply, µs, p50 / p99) and mean reply size (bytes):"
  echo
  echo "| relay | offer | answer | delete | reply bytes offer / answer / delete |"
  echo "|---|---|---|---|---|"
  printf "%s" "$LAT_ROWS"
  echo
  if [[ -n $NOTES ]]; then
    echo "Notes:"
    echo
    printf "%s" "$NOTES"
    echo
  fi
  echo "Commands:"
  echo
  echo '```'
  sed -e "s|$ROOT/||g" -e "s|$WORK/|/tmp/rtpx-ng/|g" -e 's|--relay-pid [0-9]*|--relay-pid RELAY_PID|' \
    -E -e 's|-[0-9]+\.json|-RUN.json|' "$WORK/commands.txt" | uniq -c |
    sed -E 's/^ *1 //; s/^ *([0-9]+) (.*)$/\2    # x\1 runs (quiet or discarded)/'
  echo '```'
  echo "<!-- ng:end -->"
} >"$section"

write_section ng "$section" "$OUT"
log "wrote $OUT"
cat "$section"
if (( FAILED )); then
  echo "compare.sh: FAILED: some runs had errors or a relay failed (see above)" >&2
  exit 1
fi
