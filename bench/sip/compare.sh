#!/usr/bin/env bash
# SIP calls per second on loopback: how many short calls per second are set up and torn down
# with 0 failed calls, through three paths, one after the other on this machine:
#
#   direct    sipp UAC -> sipp UAS that challenges (407) and answers: the sipp-to-sipp ceiling
#   rtpx      sipp UAC (phone 1000, digest) -> rtpx internal profile -> dialplan (context wavix,
#             extension out-wavix) -> bridge sofia/gateway/wavix -> sipp UAS (the trunk, which is
#             also the registrar the gateway registered with); every call's SDP offer/answer goes
#             through rtpxd (session offer, answer, delete)
#   kamailio  sipp UAC -> Kamailio (stateful, record-route, 407 digest with auth.so, stock
#             rtpengine module) -> sipp UAS; rtpengine daemon does offer/answer/delete per call
#
# The UAC scenario (bench/sip/uac.xml) is the same for all three: INVITE -> 407 -> ACK ->
# INVITE with Proxy-Authorization -> 100/180/200 -> ACK, hold HOLD_MS, BYE -> 200. No RTP is
# sent (media ports are still allocated and freed by the relay for every call).
#
# The system under test (rtpxd with its plugin host; kamailio with rtpengine) is pinned to
# SUT_CPU, all sipp processes to SIPP_CPU (taskset). For each path the rates in RATES are tried
# in order, RATE * STEP_SECONDS calls each (sipp -r RATE -m N), until a step has a failed call,
# or sipp could not keep up (its core saturated or the calls were created slower than asked).
# Per step: sipp's counts, retransmissions, setup time (first INVITE to 200 OK, the challenge
# round included), the CPU time of each SUT process (/proc/PID/stat utime+stime, 10 ms ticks,
# all threads and children) per call, and what is left behind afterwards (rtpx: `rtpx list`,
# `rtpx service sip.calls`, `rtpx stats`; rtpengine: its session count).
#
# Steps are STEP_PAUSE (35) seconds apart: sofia-sip (rtpx) and Kamailio's tm keep finished
# transactions for up to 32 s (RFC 3261 timers H, J, ...), so each step starts from the same state
# instead of paying for the previous step's leftovers.
#
# Results go into docs/benchmarks.md between <!-- sip:begin --> and <!-- sip:end --> (the file
# and the markers are created when missing). Logs stay in $WORK when KEEP=1.
#
# Usage: bench/sip/compare.sh   (as root: sipp binds 127.0.0.x addresses; builds build/release
#                               first unless BUILD=0)
# Knobs (environment): PATHS="direct rtpx kamailio" RATES="50 100 200 300 400 500 600 800 1000
#   1200 1500 2000" STEP_SECONDS=15 HOLD_MS=1000 SUT_CPU=1 SIPP_CPU=0 BACKEND=io_uring
#   RTPXD_LOG_LEVEL=warn KAM_CHILDREN=4 SIP_BASE=23060 PORT_MIN=30000 PORT_MAX=49999
#   RECV_TIMEOUT_MS=10000 LEAK_WAIT=20 STEP_PAUSE=35 SIPP_BUSY_PCT=90 MIN_RATE_PCT=95 QUIET_WAIT=60
#   QUIET_BUSY_PCT=10 STEP_QUIET_WAIT=30 NOISY_PCT=15 MAX_ATTEMPTS=3 PERF_RATE= (record perf for 5 s on the SUT processes during this rate's step)
#   UAC_EXTRA= (more sipp arguments for the UAC, e.g. "-trace_msg")
#   BUILD=1 OUT=docs/benchmarks.md KEEP=0
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/bench/sip
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
RTPXD=$BUILD_DIR/control/daemon/rtpxd
RTPX=$BUILD_DIR/control/cli/rtpx
RTPX_PLUGINS=$BUILD_DIR/control/plugin_host/rtpx-plugins
SIP_SO_DIR=$BUILD_DIR/plugins/sip
DIALPLAN_SO_DIR=$BUILD_DIR/plugins/dialplan
FIXTURES=$ROOT/tests/fixtures/freeswitch
SIPP=${SIPP:-sipp}
KAMAILIO=${KAMAILIO:-kamailio}
RTPENGINE=${RTPENGINE:-rtpengine}

PATHS=${PATHS:-"direct rtpx kamailio"}
RATES=${RATES:-"50 100 200 300 400 500 600 800 1000 1200 1500 2000"}
STEP_SECONDS=${STEP_SECONDS:-15}
HOLD_MS=${HOLD_MS:-1000}
SUT_CPU=${SUT_CPU:-1}
SIPP_CPU=${SIPP_CPU:-0}
BACKEND=${BACKEND:-io_uring}
RTPXD_LOG_LEVEL=${RTPXD_LOG_LEVEL:-warn}
KAM_CHILDREN=${KAM_CHILDREN:-4}
SIP_BASE=${SIP_BASE:-23060}
PORT_MIN=${PORT_MIN:-30000}
PORT_MAX=${PORT_MAX:-49999}
RECV_TIMEOUT_MS=${RECV_TIMEOUT_MS:-10000}
LEAK_WAIT=${LEAK_WAIT:-20}
STEP_PAUSE=${STEP_PAUSE:-35}
SIPP_BUSY_PCT=${SIPP_BUSY_PCT:-90}
MIN_RATE_PCT=${MIN_RATE_PCT:-95}
QUIET_WAIT=${QUIET_WAIT:-60}
QUIET_BUSY_PCT=${QUIET_BUSY_PCT:-10}
STEP_QUIET_WAIT=${STEP_QUIET_WAIT:-30}
NOISY_PCT=${NOISY_PCT:-15}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-3}
PERF_RATE=${PERF_RATE:-}
UAC_EXTRA=${UAC_EXTRA:-}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
KEEP=${KEEP:-0}

# Addresses and ports (loopback; 127.0.0.x are all local). The trunk's address is the wavix
# gateway's proxy; wavix_fo (127.0.0.3) only registers; wavix_ip (127.0.0.4) is configured, never
# called.
DOMAIN=rtpx.test
TRUNK_USER=rtpx-trunk-4471
TRUNK_PASSWORD=trunk-pw-9d3f
EXT_PASSWORD=ext-1000-pw-c2e8
NUMBER=16465550100
RTPX_IP=127.0.0.1
INTERNAL_PORT=$SIP_BASE
EXTERNAL_PORT=$((SIP_BASE + 1))
WAVIX_IP=127.0.0.2 WAVIX_PORT=$((SIP_BASE + 2))
WAVIX_FO_IP=127.0.0.3 WAVIX_FO_PORT=$((SIP_BASE + 3))
WAVIX_IP_IP=127.0.0.4 WAVIX_IP_PORT=$((SIP_BASE + 4))
PHONE_IP=127.0.0.10 PHONE_PORT=$((SIP_BASE + 10))
KAM_PORT=$((SIP_BASE + 20))
NG_PORT=$((SIP_BASE + 21))
CLI_PORT=$((SIP_BASE + 22))
# sipp media ports (sipp takes the port and the 3 above it): below the relays' range.
PHONE_MEDIA=$((SIP_BASE + 40))
WAVIX_MEDIA=$((SIP_BASE + 44))
WAVIX_FO_MEDIA=$((SIP_BASE + 48))
NG_FLAGS="replace-origin replace-session-connection ICE=remove"
HZ=$(getconf CLK_TCK)

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

(( $(id -u) == 0 )) || die "run as root (sipp binds 127.0.0.x addresses and the scenarios come from the integration tests' setup)"
command -v "$SIPP" >/dev/null || die "sipp not found (package sip-tester)"
command -v jq >/dev/null || die "jq is needed"
command -v taskset >/dev/null || die "taskset is needed (util-linux)"
NCPU=$(nproc)
(( SUT_CPU < NCPU && SIPP_CPU < NCPU )) || die "SUT_CPU=$SUT_CPU / SIPP_CPU=$SIPP_CPU: this machine has $NCPU CPUs"
(( SUT_CPU != SIPP_CPU )) || echo "compare.sh: warning: the SUT and sipp share CPU $SUT_CPU" >&2
(( PHONE_MEDIA + 12 < PORT_MIN || SIP_BASE > PORT_MAX )) || die "SIP_BASE=$SIP_BASE overlaps the relay ports $PORT_MIN..$PORT_MAX"

if [[ $BUILD == 1 && " $PATHS " == *" rtpx "* ]]; then
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    log "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  fi
  log "building rtpxd rtpx rtpx-plugins rtpx_plugin_sip rtpx_plugin_dialplan in $BUILD_DIR"
  ninja -C "$BUILD_DIR" rtpxd rtpx rtpx-plugins rtpx_plugin_sip rtpx_plugin_dialplan >&2
fi

RTPX_VERSION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
WORK=$(mktemp -d /tmp/rtpx-sipbench.XXXXXX)
[[ $OUT == /* ]] || OUT=$PWD/$OUT
cd "$WORK"  # sipp writes its trace files (-trace_msg, ...) into the current directory
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a STARTED=()  # pids this script started (still running or not)
FAILED=0

stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local i
  for (( i = ${#STARTED[@]} - 1; i >= 0; i-- )); do stop_pid "${STARTED[i]}"; done
  STARTED=()
}
cleanup() {
  stop_all
  if [[ $KEEP == 1 ]]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- measuring --------------------------------------------------------------------------

# A process and all its descendants, one pid a line.
tree() {
  local pid=$1 c
  [[ -d /proc/$pid ]] || return 0
  echo "$pid"
  for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree "$c"; done
}
# The pids of SUT entry $1: the process, with its descendants when SUT_TREE says so.
sut_pids() {
  if [[ ${SUT_TREE[$1]} == 1 ]]; then tree "${SUT_PIDS[$1]}"; else echo "${SUT_PIDS[$1]}"; fi
}
# CPU seconds of this shell's waited-for children (bash's times builtin, second line).
children_cpu() {
  times >"$WORK/times.txt"
  tail -1 "$WORK/times.txt" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%.3f", s }'
}
# utime+stime (clock ticks) of the given pids together; gone pids count 0.
ticks() {
  local sum=0 pid st rest
  for pid in "$@"; do
    st=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
    rest=${st##*) }
    # fields after "pid (comm) ": state is 1st, utime the 12th, stime the 13th
    read -r -a f <<<"$rest"
    sum=$((sum + f[11] + f[12]))
  done
  echo "$sum"
}
# "busy total" jiffies of one CPU (/proc/stat).
cpu_jiffies() {
  awk -v c="cpu$1" '$1 == c { print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8; exit }' /proc/stat
}
# Receive-queue drops (/proc/net/udp, last column) of the UDP sockets bound to the given
# ip:port pairs, summed.
udp_drops() {
  local want="" ep ip port
  for ep in "$@"; do
    ip=${ep%:*} port=${ep##*:}
    want+=" $(awk -F. -v p="$port" '{ printf "%02X%02X%02X%02X:%04X", $4, $3, $2, $1, p }' <<<"$ip")"
  done
  awk -v want="$want" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 }
    NR > 1 && ($2 in ok) { s += $NF } END { print s + 0 }' /proc/net/udp
}
# Context switches (voluntary + involuntary) of all threads of the given pids.
ctxsw() {
  local pid sum=0 v
  for pid in "$@"; do
    v=$(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { s += $2 } END { print s + 0 }')
    sum=$((sum + v))
  done
  echo "$sum"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null || echo 0; }

# Busy % of all CPUs together over one second.
busy_pct() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6; exit}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6; exit}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    busy = y[1] - x[1]; idle = y[2] - x[2]; printf "%.0f", ((busy + idle) > 0 ? 100 * busy / (busy + idle) : 0) }'
}
# Waits (up to QUIET_WAIT s) for other work on the machine to stop; prints the last busy %.
wait_quiet() {  # [max seconds]
  local start=$SECONDS b next_log=$SECONDS max=${1:-$QUIET_WAIT}
  while :; do
    b=$(busy_pct)
    if (( b <= QUIET_BUSY_PCT )); then echo "$b"; return; fi
    if (( SECONDS - start >= max )); then
      log "machine still ${b} % busy after ${max} s: going on"
      echo "$b"
      return
    fi
    if (( SECONDS >= next_log )); then
      log "machine ${b} % busy, waiting for it to quiet down (up to $max s)"
      next_log=$((SECONDS + 30))
    fi
  done
}

udp_bound() { ss -Huln "src $1:$2" 2>/dev/null | grep -q .; }
wait_udp() {  # ip port pid seconds
  for _ in $(seq $(( $4 * 10 ))); do
    udp_bound "$1" "$2" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---- the parties --------------------------------------------------------------------------

# The trunk (or, for the direct path, the challenging UAS) on SIPP_CPU. Sets UAS_PID.
start_uas() {  # name scenario ip port media_port realm
  local name=$1 scen=$2 ip=$3 port=$4 mport=$5 realm=$6
  if udp_bound "$ip" "$port"; then die "$ip:$port is already in use (another run of this script? set SIP_BASE)"; fi
  local cmd=(taskset -c "$SIPP_CPU" "$SIPP" -sf "$HERE/$scen" -i "$ip" -p "$port" -bind_local
    -nostdin -mi "$ip" -mp "$mport" -key realm "$realm" -key trunk_user "$TRUNK_USER"
    -key trunk_password "$TRUNK_PASSWORD" -key expires 3600 -trace_err
    -error_file "$WORK/$name.err")
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
  UAS_PID=$!
  STARTED+=("$UAS_PID")
  if ! wait_udp "$ip" "$port" "$UAS_PID" 10; then
    tail -c 2000 "$WORK/$name.log" >&2
    die "$name (sipp) did not start"
  fi
}

write_conf_dir() {  # dir
  local d=$1 rel f
  mkdir -p "$d"
  while IFS= read -r f; do
    rel=${f#"$FIXTURES"/}
    mkdir -p "$d/$(dirname "$rel")"
    case $rel in
      sip_profiles/external/wavix.xml)
        sed -e "s/YOUR_SIP_TRUNK_ID/$TRUNK_USER/g" -e "s/YOUR_SIP_TRUNK_PASSWORD/$TRUNK_PASSWORD/g" \
          -e "s/us\.wavix\.net/$WAVIX_IP:$WAVIX_PORT/g" "$f" >"$d/$rel" ;;
      sip_profiles/external/wavix_fo.xml)
        sed -e "s/YOUR_SIP_TRUNK_ID/$TRUNK_USER/g" -e "s/YOUR_SIP_TRUNK_PASSWORD/$TRUNK_PASSWORD/g" \
          -e "s/nl\.wavix\.net/$WAVIX_FO_IP:$WAVIX_FO_PORT/g" "$f" >"$d/$rel" ;;
      sip_profiles/external/wavix_ip.xml)
        sed -e "s/us\.wavix\.net/$WAVIX_IP_IP:$WAVIX_IP_PORT/g" "$f" >"$d/$rel" ;;
      directory/default/1000.xml)
        sed -e "s/SET_EXTENSION_PASSWORD/$EXT_PASSWORD/g" "$f" >"$d/$rel" ;;
      *) cp "$f" "$d/$rel" ;;
    esac
  done < <(find "$FIXTURES/sip_profiles" "$FIXTURES/dialplan" "$FIXTURES/directory" -name '*.xml' -type f)
  cat >"$d/vars.xml" <<EOF
<include>
  <X-PRE-PROCESS cmd="set" data="domain=$DOMAIN"/>
  <X-PRE-PROCESS cmd="set" data="unroll_loops=true"/>
  <X-PRE-PROCESS cmd="set" data="outbound_caller_name=rtpx bench"/>
  <X-PRE-PROCESS cmd="set" data="outbound_caller_id=16468097065"/>
</include>
EOF
  local name port auth gw
  for name in internal external; do
    if [[ $name == internal ]]; then port=$INTERNAL_PORT auth=true gw=""
    else port=$EXTERNAL_PORT auth=false
      gw="  <gateways>
    <X-PRE-PROCESS cmd=\"include\" data=\"external/*.xml\"/>
  </gateways>
"
    fi
    {
      echo "<include>"
      echo "<profile name=\"$name\">"
      printf "%s" "$gw"
      echo "  <settings>"
      echo "    <param name=\"sip-ip\" value=\"$RTPX_IP\"/>"
      echo "    <param name=\"sip-port\" value=\"$port\"/>"
      echo "    <param name=\"ext-sip-ip\" value=\"$RTPX_IP\"/>"
      echo "    <param name=\"ext-rtp-ip\" value=\"$RTPX_IP\"/>"
      echo "    <param name=\"context\" value=\"public\"/>"
      echo "    <param name=\"auth-calls\" value=\"$auth\"/>"
      [[ $name == internal ]] && echo "    <param name=\"domain\" value=\"\$\${domain}\"/>"
      echo "  </settings>"
      echo "</profile>"
      echo "</include>"
    } >"$d/sip_profiles/$name.xml"
  done
  cat >"$d/directory/default.xml" <<'EOF'
<include>
  <domain name="$${domain}">
    <groups>
      <group name="default">
        <users>
          <X-PRE-PROCESS cmd="include" data="default/*.xml"/>
        </users>
      </group>
    </groups>
  </domain>
</include>
EOF
}

rtpx_cli() { "$RTPX" --socket "$WORK/rtpxd.sock" --json --timeout 10 "$@"; }

# rtpxd with the plugin host (dialplan + sip) on SUT_CPU. Sets SUT_PIDS / SUT_NAMES.
start_rtpx() {
  write_conf_dir "$WORK/conf"
  cat >"$WORK/rtpx.toml" <<EOF
[engine]
backend = "$BACKEND"
threads = 1

[media]
interface = "$RTPX_IP"
port_min = $PORT_MIN
port_max = $PORT_MAX
timeout = 60

[control]
socket = "$WORK/rtpxd.sock"
ng_listen = ""

[log]
level = "$RTPXD_LOG_LEVEL"

[plugins]
supervise = true
host_binary = "$RTPX_PLUGINS"
load = ["dialplan", "sip"]
path = ["$DIALPLAN_SO_DIR", "$SIP_SO_DIR"]

[plugins.dialplan]
conf_dir = "$WORK/conf"

[plugins.sip]
conf_dir = "$WORK/conf"
EOF
  local cmd=(taskset -c "$SUT_CPU" "$RTPXD" --config "$WORK/rtpx.toml" --foreground)
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  "${cmd[@]}" >"$WORK/rtpxd.log" 2>&1 &
  RTPXD_PID=$!
  STARTED+=("$RTPXD_PID")
  local up=0
  for _ in $(seq 300); do
    kill -0 "$RTPXD_PID" 2>/dev/null || break
    if udp_bound "$RTPX_IP" "$INTERNAL_PORT" && udp_bound "$RTPX_IP" "$EXTERNAL_PORT" &&
        rtpx_cli service sip.gateways >/dev/null 2>&1; then
      up=1
      break
    fi
    sleep 0.1
  done
  if (( !up )); then tail -c 4000 "$WORK/rtpxd.log" >&2; return 1; fi
  HOST_PID=$(for p in $(tree "$RTPXD_PID"); do
    [[ $(cat /proc/"$p"/comm 2>/dev/null) == rtpx-plugins ]] && echo "$p"; done | head -1)
  [[ -n $HOST_PID ]] || { echo "no rtpx-plugins process under rtpxd" >&2; return 1; }
  # Both registering gateways REGED.
  local st
  for _ in $(seq 200); do
    st=$(rtpx_cli gateway status 2>/dev/null |
      jq -r '[.gateways[] | select(.name == "wavix" or .name == "wavix_fo") | .state] | join(",")' || true)
    [[ $st == REGED,REGED ]] && break
    sleep 0.1
  done
  if [[ $st != REGED,REGED ]]; then
    echo "gateways not registered: $st" >&2
    tail -c 3000 "$WORK/rtpxd.log" >&2
    return 1
  fi
  # rtpxd's own threads only (the host is its child, counted apart).
  SUT_PIDS=("$RTPXD_PID" "$HOST_PID") SUT_TREE=(0 1)
  SUT_SIP=("$RTPX_IP:$INTERNAL_PORT" "$RTPX_IP:$EXTERNAL_PORT")
}

rtpengine_cli() {  # command
  local out
  exec 9<>"/dev/tcp/127.0.0.1/$CLI_PORT" || return 1
  echo "$1" >&9
  out=$(timeout 5 cat <&9) || true
  exec 9<&-
  echo "$out"
}
rtpengine_sessions() {
  rtpengine_cli "list numsessions" | awk -F': *' '/sessions total/ { print $2; exit }'
}

start_kamailio() {
  local cmd=(taskset -c "$SUT_CPU" "$RTPENGINE" --config-file=none --table=-1
    --interface=127.0.0.1 "--listen-ng=127.0.0.1:$NG_PORT" "--listen-cli=127.0.0.1:$CLI_PORT"
    "--port-min=$PORT_MIN" "--port-max=$PORT_MAX" --foreground --log-stderr --delete-delay=0
    --num-threads=1 --log-level=4)
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  "${cmd[@]}" >"$WORK/rtpengine.log" 2>&1 &
  RTPENGINE_PID=$!
  STARTED+=("$RTPENGINE_PID")
  local ok=0
  for _ in $(seq 100); do
    kill -0 "$RTPENGINE_PID" 2>/dev/null || break
    [[ -n $(rtpengine_sessions 2>/dev/null) ]] && { ok=1; break; }
    sleep 0.1
  done
  (( ok )) || { tail -c 2000 "$WORK/rtpengine.log" >&2; return 1; }

  sed -e "s|@SIP_PORT@|$KAM_PORT|g" -e "s|@NG_PORT@|$NG_PORT|g" -e "s|@CHILDREN@|$KAM_CHILDREN|g" \
    -e "s|@PASSWORD@|$EXT_PASSWORD|g" -e "s|@TRUNK@|$WAVIX_IP:$WAVIX_PORT|g" \
    -e "s|@NG_FLAGS@|$NG_FLAGS|g" "$HERE/kamailio.cfg.in" >"$WORK/kamailio.cfg"
  mkdir -p "$WORK/kamrun"
  cmd=(taskset -c "$SUT_CPU" "$KAMAILIO" -DD -E -f "$WORK/kamailio.cfg" -Y "$WORK/kamrun"
    -m 256 -M 16)
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  "${cmd[@]}" >"$WORK/kamailio.log" 2>&1 &
  KAM_PID=$!
  STARTED+=("$KAM_PID")
  if ! wait_udp 127.0.0.1 "$KAM_PORT" "$KAM_PID" 20; then
    tail -c 3000 "$WORK/kamailio.log" >&2
    return 1
  fi
  sleep 1  # its workers
  SUT_PIDS=("$KAM_PID" "$RTPENGINE_PID") SUT_TREE=(1 1)
  SUT_SIP=("127.0.0.1:$KAM_PORT")
}

# What the SUT still holds: "left" text for the table; LEFT_BAD=1 when anything is left.
leak_check() {  # path
  local path=$1 t0=$SECONDS
  LEFT_BAD=0 LEFT="" DRAIN_S=""
  case $path in
    rtpx)
      local list=-1 count=-1 cur=-1 ports=-1
      while :; do
        list=$(rtpx_cli list 2>/dev/null | jq '.calls | length' 2>/dev/null || echo -1)
        count=$(rtpx_cli service sip.calls 2>/dev/null | jq '.count' 2>/dev/null || echo -1)
        if [[ $list == 0 && $count == 0 ]]; then break; fi
        (( SECONDS - t0 >= LEAK_WAIT )) && break
        sleep 0.5
      done
      local stats
      stats=$(rtpx_cli stats 2>/dev/null || echo '{}')
      cur=$(jq '.sessions.current // -1' <<<"$stats")
      ports=$(jq '.ports.used // -1' <<<"$stats")
      DRAIN_S=$((SECONDS - t0))
      LEFT="$list / $count / $cur / $ports"
      if [[ $list != 0 || $count != 0 || $cur != 0 || $ports != 0 ]]; then
        LEFT_BAD=1
        rtpx_cli service sip.calls >"$WORK/leak-sip.calls.json" 2>&1 || true
        rtpx_cli list >"$WORK/leak-list.json" 2>&1 || true
      fi ;;
    kamailio)
      local n=-1
      while :; do
        n=$(rtpengine_sessions 2>/dev/null || echo -1)
        [[ $n == 0 ]] && break
        (( SECONDS - t0 >= LEAK_WAIT )) && break
        sleep 0.5
      done
      DRAIN_S=$((SECONDS - t0))
      LEFT="$n sessions"
      [[ $n == 0 ]] || LEFT_BAD=1 ;;
    *) LEFT="-" ;;
  esac
}

# ---- one step -----------------------------------------------------------------------------

# The value of a column of the last line of a sipp -trace_stat CSV.
csv_field() {  # file column-name
  awk -F';' -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
    { v = $c } END { print v }' "$1"
}
# sipp's HH:MM:SS:usec -> milliseconds.
hms_ms() { awk -F: '{ printf "%.1f", ($1 * 3600 + $2 * 60 + $3) * 1000 + $4 / 1000 }' <<<"$1"; }
# The response-time bucket below which at least 99 % of the setup times fall.
setup_p99() {  # csv
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^ResponseTimeRepartition1_/) { c[++n] = i; name[n] = substr($i, 26) } next }
    { for (k = 1; k <= n; k++) v[k] = $(c[k]) }
    END { tot = 0; for (k = 1; k <= n; k++) tot += v[k]; if (tot == 0) { print "n/a"; exit }
      s = 0; for (k = 1; k <= n; k++) { s += v[k]; if (s >= 0.99 * tot) { print name[k]; exit } } }' "$1"
}
# Seconds from sipp's start until it had created all N calls (from the per-second CSV lines;
# +-1 s), i.e. how fast it actually created them.
create_seconds() {  # csv n
  awk -F';' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "TotalCallCreated") c = i; if ($i == "StartTime") s = i; if ($i == "CurrentTime") t = i } next }
    { split($s, a, "\t"); split($t, b, "\t"); if ($c + 0 >= n + 0) { printf "%.1f", b[3] - a[3]; found = 1; exit } }
    END { if (!found) print "" }' "$1"
}

declare -A BEST BEST_NOTE STOP_REASON DISCARDED NOISY
ROWS=""
run_step() {  # path rate target uas_pid
  local path=$1 rate=$2 target=$3 uas_pid=$4
  local n=$((rate * STEP_SECONDS))
  local tag=$path-$rate
  local csv=$WORK/uac-$tag.csv
  local cmd=(taskset -c "$SIPP_CPU" "$SIPP" "$target" -sf "$HERE/uac.xml" -i "$PHONE_IP"
    -p "$PHONE_PORT" -bind_local -nostdin -mi "$PHONE_IP" -mp "$PHONE_MEDIA" -s "$NUMBER"
    -au 1000 -ap "$EXT_PASSWORD" -key caller 1000 -key domain "$DOMAIN" -m "$n" -r "$rate"
    -l 100000 -d "$HOLD_MS" -recv_timeout "$RECV_TIMEOUT_MS"
    -timeout $((STEP_SECONDS * 4 + RECV_TIMEOUT_MS / 1000 + 60)) -timeout_error
    -trace_stat -stf "$csv" -fd 1 -trace_err -error_file "$WORK/uac-$tag.err")
  # shellcheck disable=SC2206  # extra arguments, split on purpose
  if [[ -n $UAC_EXTRA ]]; then cmd+=($UAC_EXTRA); fi
  echo "${cmd[*]}" >>"$WORK/commands.txt"
  log "$path: $rate calls/s, $n calls (hold ${HOLD_MS} ms)"

  local sut_t0=() i pids cs0=0 cs1=0
  for i in "${!SUT_PIDS[@]}"; do
    mapfile -t pids < <(sut_pids "$i")
    sut_t0[i]=$(ticks "${pids[@]}")
    cs0=$((cs0 + $(ctxsw "${pids[@]}")))
  done
  local uas_t0 c_sut0 c_sipp0 t_start t_end rc=0
  uas_t0=$(ticks "$uas_pid")
  local drops_sut0 drops_sipp0
  drops_sut0=$(udp_drops "${SUT_SIP[@]}")
  drops_sipp0=$(udp_drops "$PHONE_IP:$PHONE_PORT" "$WAVIX_IP:$WAVIX_PORT")
  c_sut0=$(cpu_jiffies "$SUT_CPU")
  c_sipp0=$(cpu_jiffies "$SIPP_CPU")
  local ch0 ch1
  children_cpu >"$WORK/ch0.txt"; ch0=$(cat "$WORK/ch0.txt")
  t_start=$(date +%s.%N)
  local perf_pid=""
  if [[ -n $PERF_RATE && $PERF_RATE == "$rate" && ${#SUT_PIDS[@]} -gt 0 ]] && command -v perf >/dev/null; then
    local all=()
    for i in "${!SUT_PIDS[@]}"; do mapfile -t -O "${#all[@]}" all < <(sut_pids "$i"); done
    ( sleep $((STEP_SECONDS / 3)); perf record -q -g -e cpu-clock -o "$WORK/perf-$tag.data" \
        -p "$(IFS=,; echo "${all[*]}")" -- sleep 5 >/dev/null 2>&1 ) &
    perf_pid=$!
  fi
  "${cmd[@]}" >"$WORK/uac-$tag.log" 2>&1 || rc=$?
  t_end=$(date +%s.%N)
  children_cpu >"$WORK/ch1.txt"; ch1=$(cat "$WORK/ch1.txt")
  if [[ -n $perf_pid ]]; then wait "$perf_pid" 2>/dev/null || true; fi
  local sut_dt=() sut_cpu_total=0
  for i in "${!SUT_PIDS[@]}"; do
    mapfile -t pids < <(sut_pids "$i")
    sut_dt[i]=$(( $(ticks "${pids[@]}") - sut_t0[i] ))
    cs1=$((cs1 + $(ctxsw "${pids[@]}")))
    sut_cpu_total=$((sut_cpu_total + sut_dt[i]))
  done
  local uas_dt c_sut1 c_sipp1
  uas_dt=$(( $(ticks "$uas_pid") - uas_t0 ))
  local drops_sut drops_sipp
  drops_sut=$(( $(udp_drops "${SUT_SIP[@]}") - drops_sut0 ))
  drops_sipp=$(( $(udp_drops "$PHONE_IP:$PHONE_PORT" "$WAVIX_IP:$WAVIX_PORT") - drops_sipp0 ))
  c_sut1=$(cpu_jiffies "$SUT_CPU")
  c_sipp1=$(cpu_jiffies "$SIPP_CPU")

  local created ok failed retr rt_avg p99 wall create_s uac_cpu
  created=$(csv_field "$csv" TotalCallCreated)
  ok=$(csv_field "$csv" 'SuccessfulCall(C)')
  failed=$(csv_field "$csv" 'FailedCall(C)')
  retr=$(csv_field "$csv" 'Retransmissions(C)')
  rt_avg=$(hms_ms "$(csv_field "$csv" 'ResponseTime1(C)')")
  p99=$(setup_p99 "$csv")
  create_s=$(create_seconds "$csv" "$n")
  wall=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
  uac_cpu=$(awk -v a="$ch0" -v b="$ch1" 'BEGIN { printf "%.2f", b - a }')
  # Failure causes, for the notes.
  local why=""
  for f in FailedTimeoutOnRecv FailedUnexpectedMessage FailedCallRejected FailedMaxUDPRetrans \
      FailedCmdNotSent FailedCannotSendMessage FailedRegexpDoesntMatch; do
    local v
    v=$(csv_field "$csv" "$f(C)")
    if [[ -n $v && $v != 0 ]]; then why+="$f=$v "; fi
  done

  leak_check "$path"
  local rss=""
  for i in "${!SUT_PIDS[@]}"; do rss+="${rss:+ / }$(( $(rss_kib "${SUT_PIDS[i]}") / 1024 ))"; done

  # CPU figures.
  local sut_us_call="-" sut_load="-" sut_split="" sut_cs="-" other_sut other_sipp sipp_busy achieved
  local sipp_cpu_s
  sipp_cpu_s=$(awk -v u="$uac_cpu" -v s="$uas_dt" -v hz="$HZ" 'BEGIN { printf "%.2f", u + s / hz }')
  read -r sb0 st0 <<<"$c_sut0"; read -r sb1 st1 <<<"$c_sut1"
  read -r pb0 pt0 <<<"$c_sipp0"; read -r pb1 pt1 <<<"$c_sipp1"
  sipp_busy=$(awk -v b=$((pb1 - pb0)) -v t=$((pt1 - pt0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }')
  other_sipp=$(awk -v b=$((pb1 - pb0)) -v t=$((pt1 - pt0)) -v own="$sipp_cpu_s" -v hz="$HZ" \
    'BEGIN { o = t > 0 ? 100 * (b - own * hz) / t : 0; printf "%.0f", (o < 0 ? 0 : o) }')
  other_sut=$(awk -v b=$((sb1 - sb0)) -v t=$((st1 - st0)) -v own="$sut_cpu_total" \
    'BEGIN { o = t > 0 ? 100 * (b - own) / t : 0; printf "%.0f", (o < 0 ? 0 : o) }')
  if (( ${#SUT_PIDS[@]} > 0 )) && [[ ${ok:-0} -gt 0 ]]; then
    sut_us_call=$(awk -v c="$sut_cpu_total" -v n="$ok" -v hz="$HZ" 'BEGIN { printf "%.0f", 1e6 * c / hz / n }')
    sut_load=$(awk -v u="$sut_us_call" -v r="$rate" 'BEGIN { printf "%.0f", u * r / 1e4 }')
    for i in "${!SUT_PIDS[@]}"; do
      sut_split+="${sut_split:+ + }$(awk -v c="${sut_dt[i]}" -v n="$ok" -v hz="$HZ" 'BEGIN { printf "%.0f", 1e6 * c / hz / n }')"
    done
    sut_us_call="$sut_split = **$sut_us_call**"
    sut_cs=$(awk -v c=$((cs1 - cs0)) -v n="$ok" 'BEGIN { printf "%.0f", c / n }')
  fi
  achieved=$(awk -v n="$n" -v s="$create_s" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "?" }')
  local sipp_us_call sipp_own
  sipp_us_call=$(awk -v c="$sipp_cpu_s" -v n="${created:-0}" 'BEGIN { printf "%.0f", (n > 0 ? 1e6 * c / n : 0) }')
  sipp_own=$(awk -v c="$sipp_cpu_s" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? 100 * c / w : 0) }')
  STEP_NOISE=$(( other_sut > other_sipp ? other_sut : other_sipp ))

  # Verdict.
  local verdict="ok"
  STEP_STOP=""
  if [[ -z $created || $rc -gt 1 && ${failed:-0} == 0 ]]; then
    verdict="sipp exited with $rc"
    STEP_STOP="sipp exited with $rc (see uac-$tag.log)"
    FAILED=1
  elif [[ ${failed:-0} != 0 || ${ok:-0} != "$n" ]]; then
    verdict="**$failed failed**"
    STEP_STOP="$failed failed calls at $rate/s (${why% })"
  elif [[ $LEFT_BAD == 1 ]]; then
    verdict="**left behind**"
    STEP_STOP="calls left behind after $rate/s"
    FAILED=1
  elif (( sipp_own >= SIPP_BUSY_PCT )) || [[ $achieved != "?" && $achieved -lt $((rate * MIN_RATE_PCT / 100)) ]]; then
    verdict="ok, sipp-limited"
    STEP_STOP="sipp could not keep up at $rate/s (sipp used ${sipp_own} % of its core, calls created at ${achieved}/s)"
  fi
  STEP_OK=0
  if [[ $verdict == ok* ]]; then STEP_OK=1; STEP_BEST="$sut_us_call|$sut_load|$rt_avg|$p99"; fi
  STEP_ROW="| $path | $rate | $achieved | $n | $ok | $failed | $retr | $rt_avg / $p99 | $sut_us_call | $sut_cs | $sut_load | $sipp_own / $sipp_us_call | $other_sut / $other_sipp | $drops_sut / $drops_sipp | ${LEFT}${DRAIN_S:+ (${DRAIN_S} s)} | ${rss:--} | $verdict"
  log "$path $rate/s (${wall} s): created $created ok $ok failed $failed retrans $retr setup ${rt_avg} ms (99% ${p99}) SUT ${sut_us_call} µs/call (${sut_load} % of a core, ${sut_cs} context switches/call) sipp ${sipp_own} % of its core (core ${sipp_busy} % busy) other ${other_sut}/${other_sipp} % UDP drops ${drops_sut}/${drops_sipp} left ${LEFT} RSS ${rss:--} MiB -> $verdict"
  if [[ -n $why ]]; then log "$path $rate/s failures: $why"; fi
  if [[ -f $WORK/perf-$tag.data ]]; then
    perf report -i "$WORK/perf-$tag.data" --stdio --no-children --sort comm,dso,sym 2>/dev/null |
      grep -v '^#' | grep -v '^$' | grep '%' | head -40 >"$WORK/perf-$tag.txt" || true
    perf report -i "$WORK/perf-$tag.data" --stdio --no-children --sort comm,dso 2>/dev/null |
      grep '%' | grep -v '^#' | head -20 >"$WORK/perf-$tag-dso.txt" || true
    log "perf ($tag): top symbols in $WORK/perf-$tag.txt"; head -25 "$WORK/perf-$tag.txt" >&2
  fi
  [[ -z $STEP_STOP ]]
}

# ---- the paths ----------------------------------------------------------------------------

declare -A MEM
for path in $PATHS; do
  case $path in
    direct | rtpx | kamailio) ;;
    *) die "unknown path $path (direct, rtpx, kamailio)" ;;
  esac
  case $path in
    rtpx) [[ -x $RTPXD && -x $RTPX && -f $SIP_SO_DIR/sip.so && -f $DIALPLAN_SO_DIR/dialplan.so ]] ||
      { log "rtpx: not built, skipped"; STOP_REASON[$path]="not built"; continue; } ;;
    kamailio) command -v "$KAMAILIO" >/dev/null && command -v "$RTPENGINE" >/dev/null ||
      { log "kamailio: kamailio or rtpengine not installed, skipped"; STOP_REASON[$path]="not installed"; continue; } ;;
  esac
  for ep in "$RTPX_IP:$INTERNAL_PORT" "$RTPX_IP:$EXTERNAL_PORT" "$WAVIX_IP:$WAVIX_PORT" \
      "$WAVIX_FO_IP:$WAVIX_FO_PORT" "$PHONE_IP:$PHONE_PORT" "127.0.0.1:$KAM_PORT" "127.0.0.1:$NG_PORT"; do
    if udp_bound "${ep%:*}" "${ep##*:}"; then
      die "$ep is already in use (another run of this script? set SIP_BASE)"
    fi
  done
  quiet=$(wait_quiet)
  log "$path: starting (machine ${quiet} % busy)"
  echo "# $path" >>"$WORK/commands.txt"
  SUT_PIDS=() SUT_TREE=() SUT_SIP=()
  case $path in
    direct)
      start_uas direct-uas direct_uas.xml "$WAVIX_IP" "$WAVIX_PORT" "$WAVIX_MEDIA" "$DOMAIN"
      uas=$UAS_PID
      target=$WAVIX_IP:$WAVIX_PORT ;;
    rtpx)
      start_uas wavix uas.xml "$WAVIX_IP" "$WAVIX_PORT" "$WAVIX_MEDIA" "$WAVIX_IP:$WAVIX_PORT"
      uas=$UAS_PID
      start_uas wavix_fo uas.xml "$WAVIX_FO_IP" "$WAVIX_FO_PORT" "$WAVIX_FO_MEDIA" "$WAVIX_FO_IP"
      if ! start_rtpx; then
        STOP_REASON[$path]="rtpxd or the sip plugin did not start"; FAILED=1; stop_all; continue
      fi
      RTPX_LOG0=$(wc -l <"$WORK/rtpxd.log")
      MEM[rtpx-start]="rtpxd $(( $(rss_kib "$RTPXD_PID") / 1024 )) MiB, rtpx-plugins $(( $(rss_kib "$HOST_PID") / 1024 )) MiB"
      target=$RTPX_IP:$INTERNAL_PORT ;;
    kamailio)
      start_uas kam-uas uas.xml "$WAVIX_IP" "$WAVIX_PORT" "$WAVIX_MEDIA" "$DOMAIN"
      uas=$UAS_PID
      if ! start_kamailio; then
        STOP_REASON[$path]="kamailio or rtpengine did not start"; FAILED=1; stop_all; continue
      fi
      target=127.0.0.1:$KAM_PORT ;;
  esac
  STOP_REASON[$path]="all rates passed (up to the last of RATES)"
  for rate in $RATES; do
    attempt=0
    while :; do
      attempt=$((attempt + 1))
      q=$(wait_quiet "$STEP_QUIET_WAIT")
      stop=0
      run_step "$path" "$rate" "$target" "$uas" || stop=1
      if (( STEP_NOISE > NOISY_PCT && attempt < MAX_ATTEMPTS )); then
        log "$path $rate/s: other work took ${STEP_NOISE} % of a CPU (machine ${q} % busy before): step discarded, repeating"
        DISCARDED[$path]=$(( ${DISCARDED[$path]:-0} + 1 ))
        sleep "$STEP_PAUSE"
        continue
      fi
      break
    done
    note=""
    if (( STEP_NOISE > NOISY_PCT )); then
      note=" (noisy: other work ${STEP_NOISE} %)"
      NOISY[$path]=$(( ${NOISY[$path]:-0} + 1 ))
    fi
    ROWS+="$STEP_ROW$note |"$'\n'
    if (( STEP_OK )); then BEST[$path]=$rate; BEST_NOTE[$path]=$STEP_BEST; fi
    if (( stop )); then
      STOP_REASON[$path]=$STEP_STOP
      break
    fi
    # sipp keeps nothing beyond its 4 s timewait: the direct path needs no long pause.
    if [[ $path == direct ]]; then sleep 5; else sleep "$STEP_PAUSE"; fi
  done
  if [[ $path == rtpx ]]; then
    if ! kill -0 "$RTPXD_PID" 2>/dev/null; then
      STOP_REASON[$path]+="; rtpxd exited: $(tail -3 "$WORK/rtpxd.log" | tr '\n' ' ')"
      FAILED=1
    fi
    now_host=$(for p in $(tree "$RTPXD_PID"); do
      [[ $(cat /proc/"$p"/comm 2>/dev/null) == rtpx-plugins ]] && echo "$p"; done | head -1)
    if [[ $now_host != "$HOST_PID" ]]; then
      STOP_REASON[$path]+="; the plugin host was restarted (pid $HOST_PID -> ${now_host:-none}): it crashed"
      FAILED=1
    fi
    MEM[rtpx-end]="rtpxd $(( $(rss_kib "$RTPXD_PID") / 1024 )) MiB, rtpx-plugins $(( $(rss_kib "${now_host:-0}") / 1024 )) MiB"
    rtpx_cli service sip.calls >"$WORK/sip.calls-end.json" 2>/dev/null || true
    rtpx_cli stats >"$WORK/stats-end.json" 2>/dev/null || true
    SIP_COUNTERS=$(jq -c '.counters' "$WORK/sip.calls-end.json" 2>/dev/null || echo "")
    RTPX_STATS=$(jq -c '{sessions, ports}' "$WORK/stats-end.json" 2>/dev/null || echo "")
    log_lines=$(( $(wc -l <"$WORK/rtpxd.log") - RTPX_LOG0 ))
    warn_lines=$(tail -n +"$((RTPX_LOG0 + 1))" "$WORK/rtpxd.log" | grep -ciE 'warn|error' || true)
  fi
  if [[ $path == kamailio ]]; then
    KAM_ERRORS=$(grep -cE 'ERROR|CRITICAL' "$WORK/kamailio.log" || true)
  fi
  stop_all
done

# ---- report -------------------------------------------------------------------------------

summary=""
for path in $PATHS; do
  b=${BEST[$path]:-}
  if [[ -n $b ]]; then
    IFS='|' read -r cpu load rt p99 <<<"${BEST_NOTE[$path]}"
    summary+="| $path | **$b** | $cpu | $load | $rt / $p99 | ${STOP_REASON[$path]:-} |"$'\n'
  else
    summary+="| $path | none | | | | ${STOP_REASON[$path]:-} |"$'\n'
  fi
done

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
build_type=$(grep -m1 '^CMAKE_BUILD_TYPE:' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || echo "?")
section=$WORK/section.md
{
  echo "<!-- sip:begin -->"
  echo "## SIP calls per second"
  echo
  echo "Generated by \`bench/sip/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $NCPU CPUs, $cpu_model, kernel $(uname -r); load average before the run: $LOADAVG."
  echo "Versions: rtpx $RTPX_VERSION ($build_type build),"
  echo "$("$SIPP" -v 2>&1 | grep -m1 -o 'SIPp v[^ ]*' || echo sipp), $("$KAMAILIO" -v 2>/dev/null | head -1 | sed 's/^version: //' || echo "kamailio not installed"),"
  echo "rtpengine $("$RTPENGINE" --version 2>&1 | head -1 | sed "s/^Version: //" || echo "not installed")."
  echo
  echo "Each call: phone 1000 (sipp UAC, \`bench/sip/uac.xml\`) sends INVITE for $NUMBER, gets 407, ACKs,"
  echo "sends the INVITE again with Proxy-Authorization (digest, qop=auth), gets 100/180/200 (the trunk's"
  echo "PCMA+telephone-event answer), ACKs, holds ${HOLD_MS} ms and hangs up (BYE -> 200). No RTP is sent, but"
  echo "the relay allocates and frees media ports for every call. sipp \`-r RATE -m RATE*${STEP_SECONDS}\`"
  echo "(${STEP_SECONDS} s of calls per step), rates tried in order until a step fails or sipp cannot keep up,"
  echo "${STEP_PAUSE} s apart (finished SIP transactions are kept up to 32 s; the pause lets them expire; 5 s for"
  echo "the direct path)."
  echo
  echo "- **direct**: the same UAC against a sipp UAS that challenges and answers (\`direct_uas.xml\`):"
  echo "  what sipp itself can do on CPU $SIPP_CPU."
  echo "- **rtpx**: \`rtpxd\` (1 shard, $BACKEND) with its plugin host running \`dialplan.so\` and \`sip.so\` on"
  echo "  the provider's FreeSWITCH files (\`tests/fixtures/freeswitch\`, as the SIP integration tests set them"
  echo "  up): the internal profile challenges the phone, the \`wavix\` context's \`out-wavix\` extension"
  echo "  bridges to \`sofia/gateway/wavix\` (registered with the trunk beforehand), the trunk"
  echo "  (\`uas.xml\`) answers; offer, answer and delete go to rtpxd for every call."
  echo "- **kamailio**: Kamailio ($KAM_CHILDREN UDP workers; stateful, record-route, \`pv_proxy_authenticate\`"
  echo "  407 with the same password) with the stock rtpengine module (\`rtpengine_manage\` on INVITE, 200,"
  echo "  BYE) and the rtpengine daemon (1 thread, userspace, \`--delete-delay=0\`)."
  echo
  echo "The system under test (rtpxd + rtpx-plugins, or kamailio + rtpengine) is pinned to CPU $SUT_CPU,"
  echo "all sipp processes (UAC, trunk UAS, the idle second trunk) to CPU $SIPP_CPU (\`taskset\`)."
  echo "This is the outbound flow (a registered-phone-style caller authenticating every INVITE, routed"
  echo "by the dialplan to a trunk gateway): the heavier of the two real flows (the inbound DID flow has"
  echo "no digest round) and the one a PBX with phones behind it sees most."
  echo
  echo "- *achieved*: calls created per second (sipp's per-second counters, +-1 s over the step)."
  echo "- *setup ms*: sipp's response time from the first INVITE to the 200 OK (the 407 round"
  echo "  included): mean / the repartition bucket 99 % of the calls fall under."
  echo "- *SUT CPU µs/call*: utime+stime of the SUT's processes (/proc/PID/stat, all threads and"
  echo "  children, 10 ms ticks) over the step, divided by the successful calls: rtpxd + rtpx-plugins,"
  echo "  or kamailio (all its processes) + rtpengine. *% of a core at this rate* = µs/call x rate."
  echo "- *SUT ctx sw/call*: context switches (voluntary + involuntary) of all the SUT's threads over"
  echo "  the step (/proc/PID/task/*/status), per call: each is a thread wake-up or preemption."
  echo "- *sipp CPU % / µs per call*: CPU time of the UAC and the trunk UAS together (utime+stime)"
  echo "  over the step, as % of one core and per call. Near 100 % means sipp, not the SUT, is the limit"
  echo "  (a step where sipp used >= $SIPP_BUSY_PCT % or created calls slower than $MIN_RATE_PCT % of the rate"
  echo "  is marked sipp-limited and ends the path's ladder)."
  echo "- *other %*: busy time of CPU $SUT_CPU / CPU $SIPP_CPU not charged to the SUT / to sipp (other"
  echo "  work on this shared machine, interrupts). A step where it exceeded $NOISY_PCT % on either CPU is"
  echo "  discarded and repeated (up to $MAX_ATTEMPTS attempts, after waiting up to $STEP_QUIET_WAIT s for the"
  echo "  machine to quiet down); a step still noisy after that is kept and marked *noisy*."
  echo "- *left after*: rtpx: calls in \`rtpx list\` / \`rtpx service sip.calls\` count / \`rtpx stats\`"
  echo "  sessions.current / ports.used, after the step, polled up to ${LEAK_WAIT} s (seconds it took);"
  echo "  kamailio: rtpengine's session count."
  echo "- *UDP drops*: datagrams the kernel dropped because a socket's receive queue was full"
  echo "  (/proc/net/udp), on the SUT's SIP sockets / on the UAC's and the trunk's sockets."
  echo "- *SUT RSS*: resident memory after the step (VmRSS): rtpxd / rtpx-plugins, or the kamailio"
  echo "  main process / rtpengine."
  echo
  echo "### Highest rate with 0 failed calls"
  echo
  echo "| path | calls/s | SUT CPU µs/call | % of a core at that rate | setup ms mean / 99 % | stopped because |"
  echo "|---|---|---|---|---|---|"
  printf "%s" "$summary"
  echo
  echo "### Every step"
  echo
  echo "| path | rate | achieved | calls | ok | failed | retrans | setup ms | SUT CPU µs/call | SUT ctx sw/call | % of a core | sipp CPU % / µs per call | other % SUT / sipp CPU | UDP drops SUT / sipp | left after | SUT RSS MiB | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$ROWS"
  echo
  if [[ -n ${MEM[rtpx-start]:-} ]]; then
    echo "rtpx resident memory: ${MEM[rtpx-start]} after start, ${MEM[rtpx-end]:-?} after the last step."
    [[ -n ${SIP_COUNTERS:-} ]] && echo "sip plugin counters after the run: \`$SIP_COUNTERS\`."
    [[ -n ${RTPX_STATS:-} ]] && echo "rtpxd after the run: \`$RTPX_STATS\`."
    echo "rtpxd log (host included) during the steps: ${log_lines:-?} lines, ${warn_lines:-?} with warn/error."
    echo
  fi
  [[ -n ${KAM_ERRORS:-} ]] && { echo "Kamailio log: $KAM_ERRORS ERROR lines."; echo; }
  for path in $PATHS; do
    if [[ -n ${DISCARDED[$path]:-} || -n ${NOISY[$path]:-} ]]; then
      echo "- $path: ${DISCARDED[$path]:-0} step run(s) discarded because of other work on the machine, ${NOISY[$path]:-0} step(s) kept noisy."
    fi
  done
  echo
  echo "Commands:"
  echo
  echo '```'
  sed -e "s|$ROOT/||g" -e "s|$WORK/|/tmp/rtpx-sipbench/|g" "$WORK/commands.txt" |
    sed -E 's/-m [0-9]+ -r [0-9]+/-m N -r RATE/; s/uac-[a-z]+-[0-9]+\./uac-PATH-RATE./g' | uniq -c |
    sed -E 's/^ *1 //; s/^ *([0-9]+) (.*)$/\2    # x\1 steps/'
  echo '```'
  echo "<!-- sip:end -->"
} >"$section"

write_section sip "$section" "$OUT"
log "wrote $OUT"
cat "$section"
if (( FAILED )); then
  echo "compare.sh: FAILED: a path did not start, or calls were left behind (see above)" >&2
  exit 1
fi
