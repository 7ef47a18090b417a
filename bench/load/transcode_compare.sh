#!/usr/bin/env bash
# Transcoding channels per core on loopback: PCMU <-> opus, rtpxd vs rtpengine, one after the
# other, each pinned to one CPU with one worker thread, driven by tools/rtpload --transcode over ng.
#
# Each session is one call transcoded both ways: side A offers PCMU with the ng option
# codec: {transcode: [opus]}, side B answers opus only; A sends speech as PCMU, B the same speech as
# opus (48 kHz, 32 kbit/s), 20 ms packets both ways, and the relay decodes, re-encodes and
# repacketises every packet. For each relay the number of sessions steps up through STEPS until a
# step loses more than LOSS_MAX % or saturates the relay's CPU; every step sets up new calls. A
# step reports the relay's CPU (share of its one CPU), loss and packets relayed.
#
#   channels per core = sessions / relay CPU share, at the largest step that passed
#   max sessions      = the largest step that passed (the next one failed or was not run)
#
# Results go into docs/benchmarks.md between <!-- transcode-load:begin --> and
# <!-- transcode-load:end --> (the file and the markers are created when missing). Raw rtpload JSON
# stays in $WORK when KEEP=1.
#
# Usage: bench/load/transcode_compare.sh  (build first: cmake --preset release &&
#                                          ninja -C build/release rtpxd rtpload)
# Knobs (environment): RELAYS="rtpxd-epoll rtpxd-epoll+o10 rtpengine" (names as in compare.sh;
#   +oN sets rtpxd's opus complexity) STEPS="50 100 150 200 300 400 500 600" PPS=50 DURATION=5
#   WARMUP=1 LOSS_MAX=0.1 RELAY_CPU=1 HARNESS_CPU=0 THREADS=1 NG_PORT=22250 PORT_MIN=30000
#   PORT_MAX=34998 LOCAL_BASE=20000 OUT=docs/benchmarks.md KEEP=0
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
# shellcheck source=bench/lib/relay.sh
source "$ROOT/bench/lib/relay.sh"
# shellcheck source=bench/lib/load_relay.sh
source "$ROOT/bench/lib/load_relay.sh"
RTPXD=${RTPXD:-$ROOT/build/release/control/daemon/rtpxd}
RTPLOAD=${RTPLOAD:-$ROOT/build/release/tools/rtpload/rtpload}
RTPENGINE=${RTPENGINE:-rtpengine}
RELAYS=${RELAYS:-"rtpxd-epoll rtpxd-epoll+o10 rtpengine"}
STEPS=${STEPS:-"50 100 150 200 300 400 500 600"}
PPS=${PPS:-50}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
LOSS_MAX=${LOSS_MAX:-0.1}
RELAY_CPU=${RELAY_CPU:-1}
HARNESS_CPU=${HARNESS_CPU:-0}
THREADS=${THREADS:-1}
NG_PORT=${NG_PORT:-22250}
PORT_MIN=${PORT_MIN:-30000}
PORT_MAX=${PORT_MAX:-34998}
LOCAL_BASE=${LOCAL_BASE:-20000}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
KEEP=${KEEP:-0}
IP=127.0.0.1  # loopback only
RELAY_PREFIX="taskset -c $RELAY_CPU"
SATURATED=0.97  # a relay CPU share above this means the relay could not keep up

die() { echo "transcode_compare.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $RTPLOAD ]] || die "rtpload not found at $RTPLOAD (ninja -C build/release rtpload, or set RTPLOAD)"
command -v jq >/dev/null || die "jq is needed"
"$RTPLOAD" --help 2>&1 | grep -q -- --transcode || die "$RTPLOAD has no --transcode option (rebuild it)"
max_step=0
for n in $STEPS; do (( n > max_step )) && max_step=$n; done
(( PORT_MAX - PORT_MIN + 1 >= 4 * max_step )) ||
  die "the relay port range $PORT_MIN..$PORT_MAX holds fewer than 4 x $max_step ports"
if (( LOCAL_BASE + 4 * max_step > PORT_MIN && LOCAL_BASE <= PORT_MAX )); then
  die "harness ports $LOCAL_BASE..$((LOCAL_BASE + 4 * max_step)) overlap the relay range $PORT_MIN..$PORT_MAX"
fi

WORK=$(mktemp -d /tmp/rtpx-transcode-load.XXXXXX)
RELAY_PID=""
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

install_cleanup_traps

# One step: rtpload --transcode opus with $1 sessions into JSON file $2. A failed check (exit 1)
# still leaves a JSON with the numbers; only set-up errors lose the step.
run_step() {
  local sessions=$1 json=$2
  local cmd=(taskset -c "$HARNESS_CPU" "$RTPLOAD" --ng "$IP:$NG_PORT" --transcode opus
    --sessions "$sessions" --local-port-base "$LOCAL_BASE" --relay-pid "$RELAY_PID"
    --pps-per-stream "$PPS" --warmup "$WARMUP" --duration "$DURATION" --json "$json" --quiet)
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  local rc=0
  "${cmd[@]}" >"$json.txt" 2>&1 || rc=$?
  cat "$json.txt" >&2
  (( rc <= 1 )) && [[ -s $json ]]
}

# jq over one step's JSON.
cpu_share() { jq -r ".result.relay_cpu_s / .result.duration_s" "$1"; }
passed() {  # loss within LOSS_MAX, nothing corrupted, the relay's CPU not saturated
  jq -e --argjson max "$LOSS_MAX" --argjson sat "$SATURATED" \
    '.result.loss_pct <= $max and .result.corrupted == 0 and .result.duplicates == 0
     and .unattributed_corrupt == 0 and (.result.relay_cpu_s / .result.duration_s) <= $sat' \
    "$1" >/dev/null
}

STEP_ROWS=""
SUMMARY_ROWS=""
declare -A CHANNELS MAXSESS
for relay in $RELAYS; do
  if ! relay_available "$relay"; then
    log "$relay: not available, skipped"
    SUMMARY_ROWS+="| $relay | not built/installed | | |"$'\n'
    continue
  fi
  log "$relay: starting on CPU $RELAY_CPU"
  echo "# $relay" >>"$WORK/commands.txt"
  echo "$RELAY_PREFIX $(relay_cmd "$relay")" >>"$WORK/commands.txt"
  if ! start_relay "$relay"; then
    SUMMARY_ROWS+="| $relay | failed to start | | |"$'\n'
    continue
  fi
  best=""
  for n in $STEPS; do
    log "$relay: $n sessions x $PPS pps each way, transcoding PCMU <-> opus"
    f=$WORK/$relay-$n.json
    if ! run_step "$n" "$f"; then
      STEP_ROWS+="| $relay | $n | run failed: $(tail -1 "$f.txt") | | | | |"$'\n'
      break
    fi
    share=$(cpu_share "$f")
    verdict=fail
    if passed "$f"; then verdict=pass; best=$f; fi
    STEP_ROWS+="| $relay | $n | $(printf %.1f "$(jq -n "100 * $share")") %"
    STEP_ROWS+=" | $(jq -r .result.relayed_pps "$f" | xargs printf %.0f)"
    STEP_ROWS+=" | $(jq -r .result.loss_pct "$f" | xargs printf %.3f)"
    STEP_ROWS+=" | $(printf %.0f "$(jq -n "$n / $share")")"
    STEP_ROWS+=" | $verdict |"$'\n'
    [[ $verdict == pass ]] || break
  done
  stop_relay
  if [[ -z $best ]]; then
    SUMMARY_ROWS+="| $relay | no step passed | | |"$'\n'
    continue
  fi
  n=$(jq -r .sessions "$best")
  CHANNELS[$relay]=$(printf %.0f "$(jq -n "$n / $(cpu_share "$best")")")
  MAXSESS[$relay]=$n
  SUMMARY_ROWS+="| $relay | ${CHANNELS[$relay]} | $n | $(printf %.1f "$(jq -n "100 * $(cpu_share "$best")")") % |"$'\n'
done

# Ratios of each rtpxd variant to rtpengine.
RATIO_LINES=""
if [[ -n ${CHANNELS[rtpengine]:-} ]]; then
  for relay in $RELAYS; do
    [[ $relay == rtpengine || -z ${CHANNELS[$relay]:-} ]] && continue
    RATIO_LINES+="- $relay / rtpengine: $(printf %.2f "$(jq -n "${CHANNELS[$relay]} / ${CHANNELS[rtpengine]}")")x channels per core"
    RATIO_LINES+=", $(printf %.2f "$(jq -n "${MAXSESS[$relay]} / ${MAXSESS[rtpengine]}")")x max sessions"$'\n'
  done
fi

# ---- report ----
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
section=$WORK/section.md
{
  echo "<!-- transcode-load:begin -->"
  echo "## Load: transcoding PCMU <-> opus, channels per core, rtpxd vs rtpengine on loopback"
  echo
  echo "Generated by \`bench/load/transcode_compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(nproc) CPUs, $cpu_model, kernel $(uname -r); load average before the run: $LOADAVG."
  echo "Each relay runs alone, pinned to CPU $RELAY_CPU with $THREADS worker thread(s); rtpload runs on CPU $HARNESS_CPU."
  echo "Versions: rtpx $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown),"
  echo "rtpengine $("$RTPENGINE" --version 2>&1 | head -1 | sed "s/^Version: //" || echo "not installed")."
  echo
  echo "A session is one call transcoded both ways. Side A offers PCMU with the ng option"
  echo "\`codec: {transcode: [opus]}\`, side B answers \`opus/48000/2\` only. A sends one second of a"
  echo "speech-like signal (a 140 Hz voice with formants and a 4 Hz syllable rhythm) as PCMU, in a loop;"
  echo "B sends the same second as opus (libopus, 48 kHz mono, 32 kbit/s); $PPS packets/s of 20 ms each"
  echo "way. The relay decodes, re-encodes and repacketises every packet; rtpload checks that each one"
  echo "arrives once, in order, with the other side's payload type (and as a whole 20 ms PCMU frame at A)."
  echo "Each step sets up new calls, sends ${WARMUP} s of warm-up and ${DURATION} s measured; loss counts"
  echo "both. A step passes with loss <= $LOSS_MAX % and the relay's CPU share <= $(jq -n "100 * $SATURATED") %; the sessions"
  echo "step up until one fails."
  echo
  echo "- *relay CPU*: utime+stime of the relay process (/proc/PID/stat, all its threads) over the"
  echo "  measured phase, as a share of its one CPU."
  echo "- *channels per core* = sessions / relay CPU share at the largest step that passed."
  echo "- *max sessions*: the largest step that passed on the one CPU (the next step failed or was"
  echo "  not in STEPS)."
  echo "- What the encoders do: rtpengine encodes opus through libavcodec's libopus wrapper at"
  echo "  48 kHz with libavcodec's default complexity (10), resampling the PCMU side 8 -> 48 kHz and"
  echo "  back. rtpxd feeds the opus encoder at the PCM rate of its input (8 kHz for PCMU: narrowband"
  echo "  input carries nothing above 4 kHz) and decodes opus straight to 8 kHz, so it needs no"
  echo "  resampler on this path; its opus complexity is \`media.opus_complexity\`, 5 by default"
  echo "  (\`rtpxd-epoll\`), 10 in the \`+o10\` rows."
  echo
  echo "| relay | channels per core | max sessions (one CPU) | relay CPU at max |"
  echo "|---|---|---|---|"
  printf "%s" "$SUMMARY_ROWS"
  if [[ -n $RATIO_LINES ]]; then
    echo
    printf "%s" "$RATIO_LINES"
  fi
  echo
  echo "Steps:"
  echo
  echo "| relay | sessions | relay CPU | relayed pps | loss % | sessions / CPU share | verdict |"
  echo "|---|---|---|---|---|---|---|"
  printf "%s" "$STEP_ROWS"
  echo
  echo "Commands:"
  echo
  echo '```'
  sed -e "s|$ROOT/||g" -e "s|$WORK/|/tmp/rtpx-transcode-load/|g" -e 's|--relay-pid [0-9]*|--relay-pid RELAY_PID|' \
    -e 's|--sessions [0-9]*|--sessions N|' "$WORK/commands.txt" | sed -E "s/-[0-9]+\.json/-N.json/" | awk '!seen[$0]++'
  echo '```'
  echo "<!-- transcode-load:end -->"
} >"$section"

write_section transcode-load "$section" "$OUT"
log "wrote $OUT"
cat "$section"
