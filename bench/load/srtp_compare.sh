#!/usr/bin/env bash
# SRTP load comparison on loopback: what RTP->SRTP bridging (SDES) costs a relay over plain RTP
# relaying, for rtpxd and rtpengine one after the other, driven by tools/rtpload over ng.
#
# For each relay and each mode (plain RTP, RTP->SRTP AES_CM_128_HMAC_SHA1_80, RTP->SRTP
# AEAD_AES_128_GCM): SESSIONS sessions x PPS pps sent A->B only (rtpload does not encrypt, so the
# SRTP modes cannot send B->A; the plain baseline is one-way too, at the same packet rate), REPEAT
# runs of DURATION s: relay CPU per packet, loss and latency, median and min-max. In the SRTP
# modes the relay gets plain RTP from A and encrypts toward B; rtpload decrypts with libsrtp2
# and checks every packet.
#
# Results go into docs/benchmarks.md between <!-- srtp-load:begin --> and <!-- srtp-load:end -->
# (the file and the markers are created when missing). Raw rtpload JSON stays in $WORK when KEEP=1.
#
# Usage: bench/load/srtp_compare.sh       (build first: cmake --preset release &&
#                                          ninja -C build/release rtpxd rtpload)
# Knobs (environment): RELAYS="rtpxd-epoll rtpengine" (also rtpxd-io_uring, and +cUS as in
#   compare.sh) SESSIONS=100 PPS=50
#   DURATION=5 REPEAT=3 SUITES="AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM" THREADS=1
#   NG_PORT=22240 PORT_MIN=30000 PORT_MAX=31998 LOCAL_BASE=20000 OUT=docs/benchmarks.md KEEP=0
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
RELAYS=${RELAYS:-"rtpxd-epoll rtpengine"}
SESSIONS=${SESSIONS:-100}
PPS=${PPS:-50}
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-3}
SUITES=${SUITES:-"AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM"}
THREADS=${THREADS:-1}
NG_PORT=${NG_PORT:-22240}
PORT_MIN=${PORT_MIN:-30000}
PORT_MAX=${PORT_MAX:-31998}
LOCAL_BASE=${LOCAL_BASE:-20000}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
KEEP=${KEEP:-0}
IP=127.0.0.1  # loopback only

die() { echo "srtp_compare.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ -x $RTPLOAD ]] || die "rtpload not found at $RTPLOAD (ninja -C build/release rtpload, or set RTPLOAD)"
command -v jq >/dev/null || die "jq is needed"
"$RTPLOAD" --help 2>&1 | grep -q -- --srtp || die "$RTPLOAD has no --srtp option (rebuild it)"
if (( LOCAL_BASE + 4 * SESSIONS > PORT_MIN && LOCAL_BASE <= PORT_MAX )); then
  die "harness ports $LOCAL_BASE..$((LOCAL_BASE + 4 * SESSIONS)) overlap the relay range $PORT_MIN..$PORT_MAX"
fi

WORK=$(mktemp -d /tmp/rtpx-srtp-load.XXXXXX)
RELAY_PID=""
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

install_cleanup_traps

# rtpload with the common arguments; the JSON file is $1, the rest are extra arguments. A failed
# check (exit 1) still leaves a JSON with the numbers; only set-up errors lose the run.
run_load() {
  local json=$1; shift
  local cmd=("$RTPLOAD" --ng "$IP:$NG_PORT" --sessions "$SESSIONS" --local-port-base "$LOCAL_BASE"
    --relay-pid "$RELAY_PID" --pps-per-stream "$PPS" --duration "$DURATION" --max-loss 0
    --json "$json" --quiet "$@")
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  local rc=0
  "${cmd[@]}" >"$json.txt" 2>&1 || rc=$?
  cat "$json.txt" >&2
  (( rc <= 1 )) && [[ -s $json ]]
}


MODES="plain $SUITES"
ROWS=""
for relay in $RELAYS; do
  if ! relay_available "$relay"; then
    log "$relay: not available, skipped"
    ROWS+="| $relay | not built/installed | | | | | | |"$'\n'
    continue
  fi
  log "$relay: starting"
  echo "# $relay" >>"$WORK/commands.txt"
  relay_cmd "$relay" >>"$WORK/commands.txt"
  if ! start_relay "$relay"; then
    ROWS+="| $relay | failed to start | | | | | | |"$'\n'
    continue
  fi
  plain_cpu=""
  for mode in $MODES; do
    if [[ $mode == plain ]]; then args=(--one-way); label="RTP -> RTP"; else args=(--srtp "$mode"); label="RTP -> SRTP $mode"; fi
    files=()
    for i in $(seq "$REPEAT"); do
      log "$relay: $mode run $i/$REPEAT: $SESSIONS sessions x $PPS pps A->B"
      f=$WORK/$relay-$mode-$i.json
      run_load "$f" "${args[@]}" && files+=("$f")
    done
    if (( ${#files[@]} == 0 )); then
      ROWS+="| $relay | $label | run failed (see below) | | | | | |"$'\n'
      echo "$relay $mode: $(tail -3 "$WORK/$relay-$mode-1.json.txt" | tr '\n' ' ')" >>"$WORK/notes.txt"
      continue
    fi
    cpu=$(median .result.relay_cpu_s_per_mpkt "${files[@]}")
    extra="–"
    if [[ $mode == plain ]]; then
      plain_cpu=$cpu
    elif [[ -n $plain_cpu && -n $cpu ]]; then
      extra=$(printf "%+.2f" "$(jq -n "$cpu - $plain_cpu")")
    fi
    fails=$(for f in "${files[@]}"; do jq -r '.failures[]?' "$f"; done | sort -u | paste -sd ';' -)
    ROWS+="| $relay | $label | $(med .result.relayed_pps %.0f "${files[@]}")"
    ROWS+=" | $(med .result.loss_pct %.3f "${files[@]}")"
    ROWS+=" | $(med .result.latency_us.p50 %.0f "${files[@]}") / $(med .result.latency_us.p99 %.0f "${files[@]}")"
    ROWS+=" | $(med .result.relay_cpu_s_per_mpkt %.2f "${files[@]}") | $extra | ${fails:-} |"$'\n'
  done
  stop_relay
done

# ---- report ----
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
section=$WORK/section.md
{
  echo "<!-- srtp-load:begin -->"
  echo "## Load: RTP -> SRTP bridging vs plain RTP, rtpxd vs rtpengine on loopback"
  echo
  echo "Generated by \`bench/load/srtp_compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(nproc) CPUs, $cpu_model, kernel $(uname -r); load average before the run: $LOADAVG."
  echo "Relays run one at a time with $THREADS worker thread(s); rtpload runs on the same machine."
  echo "$SESSIONS sessions, each one stream A->B of 172-byte RTP packets (PCMU, 20 ms) at $PPS pps,"
  echo "${DURATION} s measured after 1 s warm-up, new calls for every run, $REPEAT runs: median (min-max)."
  echo "Side A sends plain RTP; in the SRTP rows the offer asks for RTP/SAVP with SDES only"
  echo "(\`\"DTLS\": \"off\"\`, \`\"SDES\": [\"no-...\"]\` for every other suite), B answers with one"
  echo "a=crypto line of that suite and its own key, and the relay encrypts every packet toward B"
  echo "(+10 bytes tag for AES_CM_128_HMAC_SHA1_80, +16 for AEAD_AES_128_GCM); rtpload decrypts"
  echo "with libsrtp2 and checks every packet. Only A->B is sent (rtpload does not encrypt), in the"
  echo "plain rows too, so every row relays the same packet rate."
  echo "Versions: rtpx $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown),"
  echo "rtpengine $("$RTPENGINE" --version 2>&1 | head -1 | sed "s/^Version: //" || echo "not installed")."
  echo
  echo "- *relay CPU µs/packet*: utime+stime of the relay process (/proc/PID/stat, 10 ms ticks) over"
  echo "  the measured phase divided by the packets relayed in it (= CPU seconds per million packets)."
  echo "  At low rates it is dominated by per-packet wake-ups and system calls, and one 10 ms tick is"
  echo "  $(jq -n "0.01e6 / ($SESSIONS * $PPS * $DURATION)" | xargs printf %.2f) µs/packet here; other load on the machine moves it by more. For a finer"
  echo "  SRTP cost, rerun with a higher rate (e.g. \`PPS=400 DURATION=3\`)."
  echo "- *SRTP extra*: median SRTP CPU minus median plain CPU of the same relay, µs/packet."
  echo "- *loss*: packets that never arrived intact (a packet libsrtp2 rejects counts as lost and"
  echo "  fails the run)."
  echo "- *latency* is one-way A -> relay -> B as rtpload sees it. In the SRTP rows rtpload's own"
  echo "  decryption (libsrtp2; Debian builds it on NSS, about 10 µs/packet here) delays the packets"
  echo "  behind it in a burst and competes for the CPUs, so part of their extra latency is rtpload's."
  echo
  echo "| relay | mode | relayed pps | loss % | latency p50 / p99 µs | relay CPU µs/packet | SRTP extra µs/packet | failed checks |"
  echo "|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS"
  if [[ -s $WORK/notes.txt ]]; then
    echo
    echo "Failed runs:"
    echo
    sed 's/^/- /' "$WORK/notes.txt"
  fi
  echo
  echo "Commands:"
  echo
  echo '```'
  sed -e "s|$ROOT/||g" -e "s|$WORK/|/tmp/rtpx-srtp-load/|g" -e 's|--relay-pid [0-9]*|--relay-pid RELAY_PID|' \
    "$WORK/commands.txt" | sed -E "s/-[0-9]+\.json/-N.json/" | awk '!seen[$0]++'
  echo '```'
  echo "<!-- srtp-load:end -->"
} >"$section"

write_section srtp-load "$section" "$OUT"
log "wrote $OUT"
cat "$section"
