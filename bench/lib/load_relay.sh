# shellcheck shell=bash
# Sourced by bench/load/compare.sh, srtp_compare.sh and transcode_compare.sh (together with
# relay.sh, for stop_relay): the relays they compare, their command lines, and starting one.
#
# Globals the functions use (set by the script):
#   RTPXD, RTPENGINE   the relay binaries; RTPLOAD  tools/rtpload (for the ng ping)
#   IP, NG_PORT        the ng listen address; PORT_MIN, PORT_MAX  the relay's media ports
#   THREADS            relay worker threads
#   WORK               temporary directory (rtpxd's control socket, the relay's log $WORK/NAME.log)
#   RELAY_PID          set by start_relay to the relay's pid ("" when it did not start)
#   die                function: print a message and exit
#
# Relay names: rtpxd-BACKEND (BACKEND epoll or io_uring), optionally with +cUS for wake-up
# coalescing (engine.coalesce_us, e.g. rtpxd-io_uring+c500) and +oN for the opus encoder
# complexity (media.opus_complexity, e.g. rtpxd-epoll+o10), and rtpengine.
#
# RELAY_PREFIX (optional, e.g. "taskset -c 1") goes before the relay's command line.
#
#   relay_cmd NAME         the exact command line of relay NAME, also written into the reports
#   relay_available NAME   whether its binary is there
#   start_relay NAME       start it in the background and wait until its ng port answers ping

relay_cmd() {
  case $1 in
    rtpxd-epoll* | rtpxd-io_uring*)
      # rtpxd-BACKEND, optionally with +cUS: wake-up coalescing (engine.coalesce_us), and +oN:
      # opus encoder complexity when transcoding (media.opus_complexity).
      local spec=${1#rtpxd-} coalesce=0 extra="" opt
      local backend=${spec%%+*}
      local opts=()
      IFS=+ read -ra opts <<<"${spec#"$backend"}"
      for opt in "${opts[@]}"; do
        case $opt in
          "") ;;
          c[0-9]*) coalesce=${opt#c} ;;
          o[0-9]*) extra+=" --opus-complexity ${opt#o}" ;;
          *) die "unknown option +$opt in relay name $1" ;;
        esac
      done
      echo "$RTPXD --foreground --backend $backend --interface $IP --ng-listen $IP:$NG_PORT" \
        "--control $WORK/rtpxd.sock --port-min $PORT_MIN --port-max $PORT_MAX --threads $THREADS" \
        "--coalesce-us $coalesce$extra --log-level warn" ;;
    rtpengine)
      echo "$RTPENGINE --config-file=none --table=-1 --interface=$IP --listen-ng=$IP:$NG_PORT" \
        "--port-min=$PORT_MIN --port-max=$PORT_MAX --foreground --log-stderr --delete-delay=0" \
        "--num-threads=$THREADS --log-level=4" ;;
    *) die "unknown relay $1" ;;
  esac
}

relay_available() {
  case $1 in
    rtpxd-*) [[ -x $RTPXD ]] ;;
    rtpengine) command -v "$RTPENGINE" >/dev/null ;;
  esac
}

start_relay() {
  local name=$1 cmd
  cmd=$(relay_cmd "$name")
  if "$RTPLOAD" --ping --quiet --ng "$IP:$NG_PORT" --ng-timeout-ms 200 --ng-retries 0 2>/dev/null; then
    die "something already answers ng on $IP:$NG_PORT; set NG_PORT"
  fi
  rm -f "$WORK/rtpxd.sock"
  # shellcheck disable=SC2086  # the command is split on purpose
  ${RELAY_PREFIX:-} $cmd >"$WORK/$name.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 100); do
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then
      tail -20 "$WORK/$name.log" >&2
      RELAY_PID=""
      return 1
    fi
    if "$RTPLOAD" --ping --quiet --ng "$IP:$NG_PORT" --ng-timeout-ms 100 --ng-retries 0 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not answer ng ping within 10 s" >&2
  tail -20 "$WORK/$name.log" >&2
  stop_relay
  return 1
}
