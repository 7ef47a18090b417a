#!/usr/bin/env bash
# Builds and runs the SRTP benchmark (bench/srtp/srtp_bench) with repetitions, and writes the
# medians into docs/benchmarks.md between <!-- srtp:begin --> and <!-- srtp:end --> (other sections
# are left alone).
#
# Usage: bench/srtp/run.sh [extra Google Benchmark flags]
# Knobs (environment): REPS=5 MIN_TIME=0.5 (seconds per repetition) OUT=docs/benchmarks.md
#   BUILD=1 (0: skip the build) BIN=build/release/bench/srtp/srtp_bench KEEP=0 (1: keep JSON)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/write_section.sh
source "$ROOT/bench/lib/write_section.sh"
REPS=${REPS:-5}
MIN_TIME=${MIN_TIME:-0.5}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
BUILD=${BUILD:-1}
KEEP=${KEEP:-0}
BIN=${BIN:-$ROOT/build/release/bench/srtp/srtp_bench}

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
command -v jq >/dev/null || die "jq is needed"

cd "$ROOT"
if [[ $BUILD == 1 ]]; then
  log "building (release preset)"
  cmake --preset release >/dev/null
  cmake --build --preset release --target srtp_bench
fi
[[ -x $BIN ]] || die "$BIN not found (build with: cmake --preset release && cmake --build --preset release --target srtp_bench)"

WORK=$(mktemp -d /tmp/rtpx-srtp.XXXXXX)
cleanup() { if [[ $KEEP == 1 ]]; then log "JSON kept in $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
JSON=$WORK/srtp.json

ARGS=(--benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true
      --benchmark_min_time="$MIN_TIME" "$@")
CMD="bench/srtp/run.sh${*:+ $*}"
RUN_CMD="${BIN#"$ROOT"/} ${ARGS[*]}"
BUILD_DIR=$(cd "$(dirname "$BIN")/../.." && pwd)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "running: $RUN_CMD"
"$BIN" "${ARGS[@]}" --benchmark_out="$JSON" --benchmark_out_format=json
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
aes_ni=$(grep -qm1 -w aes /proc/cpuinfo && echo "AES-NI" || echo "no AES-NI")
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
compiler_version=$(${compiler:-c++} --version 2>/dev/null | head -1 || true)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
openssl_version=$(openssl version 2>/dev/null | cut -d' ' -f1-2 || echo '?')
libsrtp_version=$(pkg-config --modversion libsrtp2 2>/dev/null || echo '?')

# Per (operation, suite): median (min–max) per packet of rtpx, libsrtp2 and the primitives, and
# the ratios of the medians.
table=$(jq -r '
  def r3: if . >= 100 then (round | tostring)
          elif . >= 10 then ((. * 10 | round) / 10 | tostring)
          else ((. * 100 | round) / 100 | tostring) end;
  def dur: if . >= 1e3 then ((. / 1e3) | r3) + " µs" else (r3) + " ns" end;
  def ratio: (. * 100 | round / 100 | tostring) + "×";
  ( [ .benchmarks[] | select(.run_type == "aggregate") ] ) as $aggs
  | (if ($aggs | length) > 0 then $aggs
     else [ .benchmarks[] | select(.run_type == "iteration")
            | (. + {aggregate_name: "median"}), (. + {aggregate_name: "min"}),
              (. + {aggregate_name: "max"}) ] end)
  | [ group_by(.run_name)[]
      | (map({key: .aggregate_name, value: (.time_per_item * 1e9)}) | from_entries) as $t
      | (.[0].run_name | split("/")) as $p
      | { group: $p[0], what: ($p[1:-1] | join("/")), impl: $p[-1],
          median: $t.median, min: $t.min, max: $t.max, order: .[0].family_index } ]
  | sort_by(.order) as $rows
  | def cell($r): if $r == null then "–" else "\($r.median | dur) (\($r.min | dur)–\($r.max | dur))" end;
    def pick($g; $w; $i): ($rows | map(select(.group == $g and .what == $w and .impl == $i)) | first);
    "| Operation | Suite | rtpx | libsrtp2 (peer) | OpenSSL primitives (limit) | rtpx / limit | libsrtp2 / rtpx |",
    "|---|---|--:|--:|--:|--:|--:|",
    ( [ $rows[] | select(.group | startswith("srtp_")) | {group, what} ] | unique
      | sort_by(.group != "srtp_protect", .what != "AES_CM_128_HMAC_SHA1_80")[]
      | . as $k
      | pick($k.group; $k.what; "rtpx") as $x
      | pick($k.group; $k.what; "peer:libsrtp2") as $l
      | pick($k.group; $k.what; "limit:openssl") as $o
      | "| \($k.group | sub("^srtp_"; "")) | \($k.what) | \(cell($x)) | \(cell($l)) | \(cell($o)) | "
        + (if $x and $o then ($x.median / $o.median | ratio) else "–" end) + " | "
        + (if $x and $l then ($l.median / $x.median | ratio) else "–" end) + " |" ),
    "",
    "| HMAC-SHA1 over 176 bytes, key set up in advance | median (min–max) | vs. SHA_CTX copy |",
    "|---|--:|--:|",
    ( pick("hmac_sha1_176B"; ""; "limit:sha_ctx_copy") as $ref
      | $rows[] | select(.group == "hmac_sha1_176B")
      | "| `\(.impl | sub("^limit:"; ""))` | \(cell(.)) | "
        + (if $ref then (.median / $ref.median | ratio) else "–" end) + " |" )
' "$JSON")

section=$WORK/section.md
{
  echo "<!-- srtp:begin -->"
  echo "## SRTP protect/unprotect per packet"
  echo
  echo "Generated by \`bench/srtp/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty."
  echo
  echo "- Machine: $(nproc) CPUs, $cpu_model ($aes_ni), Linux $(uname -r); load average $load_before before, $load_after after (shared machine)."
  echo "- Build: \`${BUILD_DIR#"$ROOT"/}\` (${build_type:-unknown build type}), ${compiler_version:-unknown compiler}; $openssl_version; libsrtp2 $libsrtp_version (Debian, built on NSS); Google Benchmark $(dpkg-query -W -f='${Version}' libbenchmark-dev 2>/dev/null || echo '?')."
  echo "- Command: \`$CMD\`, which runs \`$RUN_CMD\`."
  echo "- Each benchmark ran $REPS times for at least ${MIN_TIME} s; median, min and max are CPU time per packet over those runs."
  echo "- Workload: one 172-byte RTP packet (12-byte header, 160 payload bytes, one SSRC) per iteration, copied into a work"
  echo "  buffer first. *protect* gives each packet the next sequence number; *unprotect* reads a ring of $((2048)) packets"
  echo "  protected in advance (the receiver is recreated, untimed, when the ring wraps, since replays are refused)."
  echo "- *OpenSSL primitives* is the crypto alone with keys set up in advance: AES_CM_128_HMAC_SHA1_80 = AES-128-CTR over"
  echo "  160 bytes + HMAC-SHA1 over 172 + 4 bytes from precomputed pad states (+ tag compare on unprotect);"
  echo "  AEAD_AES_128_GCM = AES-128-GCM over 160 bytes with the 12-byte header as AAD. The second table shows why rtpx"
  echo "  copies plain \`SHA_CTX\` pad states (OpenSSL's deprecated SHA1_* API, confined to one file) instead of"
  echo "  \`EVP_MD_CTX_copy_ex\` or \`EVP_MAC_CTX_dup\`, which also allocate per call in OpenSSL 3.0."
  echo
  echo "$table"
  echo "<!-- srtp:end -->"
} >"$section"

write_section srtp "$section" "$OUT"
log "wrote $OUT"
cat "$section"
