# shellcheck shell=bash
# Sourced by the benchmark scripts: medians of a jq expression over the JSON result files of
# repeated runs. A run without the value (null or missing) is left out.
#
#   med EXPR FMT FILE...    "median (min-max)" with printf format FMT ("n/a" when no run has it;
#                           just the median for one run)
#   median EXPR FILE...     the bare median (empty when no run has it)

# shellcheck disable=SC2059  # the format is a parameter on purpose
med() {
  local expr=$1 fmt=$2; shift 2
  local vals
  vals=$(for f in "$@"; do jq -r "($expr) // empty" "$f"; done | sort -g)
  [[ -n $vals ]] || { echo "n/a"; return; }
  local n mid lo hi
  n=$(wc -l <<<"$vals")
  mid=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$vals")
  lo=$(head -1 <<<"$vals")
  hi=$(tail -1 <<<"$vals")
  if (( n == 1 )); then printf "$fmt" "$mid"; else printf "$fmt ($fmt-$fmt)" "$mid" "$lo" "$hi"; fi
}

median() {
  local expr=$1; shift
  for f in "$@"; do jq -r "($expr) // empty" "$f"; done | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
