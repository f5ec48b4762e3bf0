#!/bin/sh
# bench/callgrind.sh — instructions per packet of one benchmark loop, under
# valgrind --tool=callgrind. Instruction counts repeat from run to run on a
# shared, noisy machine where wall-clock time does not.
#
# usage: bench/callgrind.sh [N] [ID] [BINARY]
#   N       iterations of the loop (default 100000; use 1..5 for the mixed
#           streams, which are 12 MB per iteration)
#   ID      the figure (default dec-small; bench_codec --list shows them)
#   BINARY  default build/release/bench/bench_codec
# With KEEP=FILE the callgrind output is kept in FILE for callgrind_annotate.
#
# Only the instructions inside bench_counted_run (the loop and what it calls)
# are collected: building the input is not counted. The count includes the
# loop itself, a few instructions per packet.
set -eu
n=${1:-100000}
id=${2:-dec-small}
here=$(cd "$(dirname "$0")" && pwd)
bin=${3:-$here/../build/release/bench/bench_codec}
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }
[ -x "$bin" ] || { echo "callgrind.sh: no $bin (cmake --preset release && cmake --build build/release)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${KEEP:-$tmp/callgrind.out}
if ! valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=bench_counted_run \
  "$bin" --count "$id" "$n" >"$tmp/stdout" 2>"$tmp/stderr"; then
  cat "$tmp/stderr" >&2
  exit 1
fi
# stdout: "count ID: N iterations, P packets, B bytes per iteration"
awk -v n="$n" -v id="$id" '
  FNR == NR { if ($1 == "count") { pk = $5; by = $7 } next }
  /^totals:/ { ir = $2 }
  END {
    if (!pk || !ir) { print "callgrind.sh: could not read the counts" > "/dev/stderr"; exit 1 }
    printf "%s: %.1f instructions per packet, %.3f per byte (%d iterations x %d packets, %d bytes; %.0f instructions)\n",
           id, ir / (n * pk), ir / (n * by), n, pk, by, ir
  }' "$tmp/stdout" "$out"
