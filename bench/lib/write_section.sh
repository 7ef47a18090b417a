# shellcheck shell=bash
# Sourced by the benchmark scripts: replaces the section between <!-- NAME:begin --> and
# <!-- NAME:end --> in a markdown file with the contents of another file (which holds both markers),
# creating the file or appending the section when missing.
#
#   write_section NAME SECTION_FILE OUT_FILE

write_section() {
  local name=$1 section=$2 out=$3
  mkdir -p "$(dirname "$out")"
  if [[ ! -f $out ]]; then
    printf "# rtpx benchmarks\n\nEach section is written by the script it names; rerun it to refresh.\n\n" >"$out"
  fi
  if grep -q "<!-- $name:begin -->" "$out" && grep -q "<!-- $name:end -->" "$out"; then
    awk -v f="$section" -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" '
      $0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
      $0 == e { skip = 0; next }
      !skip { print }' "$out" >"$out.tmp"
    mv "$out.tmp" "$out"
  else
    { echo; cat "$section"; } >>"$out"
  fi
}
