# Sourced by bench/micro/run.sh and bench/srtp/run.sh: what they share of building and running a
# Google Benchmark binary with repetitions and describing the machine and the build.
#
# Expects ROOT (the repository root). Defines die and log ("run.sh: ..." / "== ...").
#
#   gbench_run NAME TARGET [extra Google Benchmark flags...]
#
# for the script bench/NAME/run.sh and the CMake target TARGET:
# - reads the knobs REPS=5, MIN_TIME=0.5, OUT=docs/benchmarks.md, BUILD=1, KEEP=0 and
#   BIN=build/release/bench/NAME/TARGET from the environment (defaults shown);
# - builds TARGET with the release preset when BUILD=1, then cd's to ROOT;
# - makes WORK (a temporary directory, removed on exit unless KEEP=1) and runs BIN with the
#   repetitions and the extra flags into the JSON file JSON;
# - sets the globals the report uses: ARGS, CMD (the script's command line), RUN_CMD (the binary's),
#   BUILD_DIR, load_before, load_after, cpu_model, compiler, compiler_version, build_type, commit,
#   dirty.

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

gbench_cleanup() { if [[ $KEEP == 1 ]]; then log "JSON kept in $WORK"; else rm -rf "$WORK"; fi; }

# shellcheck disable=SC2034  # the globals it sets are for the sourcing script
gbench_run() {
  local name=$1 target=$2
  shift 2
  REPS=${REPS:-5}
  MIN_TIME=${MIN_TIME:-0.5}
  OUT=${OUT:-$ROOT/docs/benchmarks.md}
  BUILD=${BUILD:-1}
  KEEP=${KEEP:-0}
  BIN=${BIN:-$ROOT/build/release/bench/$name/$target}

  command -v jq >/dev/null || die "jq is needed"

  cd "$ROOT" || exit
  if [[ $BUILD == 1 ]]; then
    log "building (release preset)"
    cmake --preset release >/dev/null
    cmake --build --preset release --target "$target"
  fi
  [[ -x $BIN ]] || die "$BIN not found (build with: cmake --preset release && cmake --build --preset release --target $target)"

  WORK=$(mktemp -d "/tmp/rtpx-$name.XXXXXX")
  trap gbench_cleanup EXIT
  JSON=$WORK/$name.json

  ARGS=(--benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true
        --benchmark_min_time="$MIN_TIME" "$@")
  CMD="bench/$name/run.sh${*:+ $*}"
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
  # shellcheck disable=SC2015  # echo cannot fail
  dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
}
