# shellcheck shell=bash
# Sourced by the relay benchmark scripts (bench/load/compare.sh, bench/load/srtp_compare.sh,
# bench/ng/compare.sh): stopping the relay they started and cleaning up on exit.
#
# Globals the functions use (set by the script):
#   RELAY_PID  pid of the running relay, "" when none (stop_relay empties it)
#   WORK       the script's temporary directory, removed on exit unless KEEP=1
#   KEEP       1: keep WORK and say where it is
#
#   stop_relay              TERM the relay, KILL it after 5 s, reap it
#   install_cleanup_traps   on exit stop the relay and remove WORK; INT/TERM exit with 130

stop_relay() {
  [[ -n $RELAY_PID ]] || return 0
  if kill -0 "$RELAY_PID" 2>/dev/null; then
    kill -TERM "$RELAY_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$RELAY_PID" 2>/dev/null || true
  fi
  wait "$RELAY_PID" 2>/dev/null || true
  RELAY_PID=""
}

cleanup() {
  stop_relay
  if [[ $KEEP == 1 ]]; then echo "raw results kept in $WORK" >&2; else rm -rf "$WORK"; fi
}

install_cleanup_traps() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}
