#!/usr/bin/env bash
# ci/fuzz.sh — run fuzz targets for a while, merge what they find into
# corpus/, keep every crash as a regression input, and print per target:
# exec/s, coverage, crashes.
#
#   ci/fuzz.sh [--engine libfuzzer|afl] [--time SECONDS] [--jobs N] [TARGET...]
#   ci/fuzz.sh --add DIR [TARGET...]
#
#   --engine  libfuzzer (default): the `fuzz` preset, clang -fsanitize=fuzzer
#             with ASan + UBSan. afl: AFL++ on the `afl` preset (persistent
#             mode, ASan + UBSan) with a CmpLog binary from `afl-cmplog`
#             (afl-fuzz -c), the structure-aware mutator as a custom
#             mutator for the decode targets, and the libFuzzer build to
#             merge and minimise.
#   --time    seconds per target (default 60).
#   --jobs    targets run at once (default 1; each takes one core).
#   TARGET    fuzz_decode_v5 ...; default: every fuzz/fuzz_*.c.
#   --add     no fuzzing: merge DIR/<target>/ (mqspec run --save-corpus DIR)
#             into corpus/<target>/, the inputs that reach new coverage only.
#
# Not run by CI (.ci/run): ctest's fuzz-regress label replays the corpora on
# every build instead, in seconds. Work files go to build/fuzz-runs/.
#
# Merging adds only inputs that reach coverage the corpus does not
# (libFuzzer -merge=1, also for AFL's queue) and names them by SHA-256, as
# the seeds are named. A crash is minimised (libFuzzer -minimize_crash=1)
# and copied to corpus/<target>/crash-<sha256>, where ctest replays it: it
# fails until the bug is fixed, which is the point. The summary lists them
# and the exit status is 1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

engine=libfuzzer
seconds=60
jobs=1
add=
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
  --engine) engine=$2; shift 2 ;;
  --time) seconds=$2; shift 2 ;;
  --jobs) jobs=$2; shift 2 ;;
  --add) add=$2; shift 2 ;;
  -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
  -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  *) targets+=("$1"); shift ;;
  esac
done
case "$engine" in libfuzzer | afl) ;; *) echo "fuzz.sh: --engine libfuzzer|afl" >&2; exit 2 ;; esac
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
for t in "${targets[@]}"; do
  [ -f "fuzz/$t.c" ] || { echo "fuzz.sh: no fuzz/$t.c" >&2; exit 2; }
done

nice_cmd=(nice -n "${MQS_FUZZ_NICE:-10}")
runs=build/fuzz-runs/$engine
mkdir -p "$runs"

# ---- build ------------------------------------------------------------------

build() { # preset, targets...
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build "build/$preset" --target "$@" >/dev/null
}

echo "== building (${targets[*]})"
build fuzz "${targets[@]}"
if [ "$engine" = afl ]; then
  if ! command -v afl-fuzz >/dev/null; then
    echo "== installing afl++"
    apt-get install -y afl++ >/dev/null
  fi
  build afl "${targets[@]}" mqs_afl_mutator
  build afl-cmplog "${targets[@]}"
fi

# ---- helpers ------------------------------------------------------------------

# The dictionary a target names in a `fuzz-dict:` comment line, else mqtt.dict.
dict_of() {
  local d
  d=$(sed -n 's/.*fuzz-dict: *\([^ *]*\).*/\1/p' "fuzz/$1.c" | head -1)
  echo "${d:-fuzz/mqtt.dict}"
}

# The corpus without its crash-* regression inputs (they would stop either
# engine at start-up), as hard links in $2.
seeds() {
  local t=$1 dir=$2 f
  mkdir -p "$dir" "corpus/$t"
  for f in "corpus/$t"/*; do
    [ -f "$f" ] || continue
    case "$(basename "$f")" in crash-* | leak-* | timeout-* | oom-*) continue ;; esac
    ln -f "$f" "$dir/" 2>/dev/null || cp "$f" "$dir/"
  done
}

# Merge the inputs in $3 that reach coverage the seeds ($2) do not into
# corpus/<target>, named by SHA-256; prints how many were added.
merge() {
  local t=$1 seeddir=$2 from=$3 w=$runs/$1/merged f added=0 name
  rm -rf "$w"
  mkdir -p "$w"
  cp -l "$seeddir"/* "$w/" 2>/dev/null || cp "$seeddir"/* "$w/" 2>/dev/null || true
  "${nice_cmd[@]}" "build/fuzz/fuzz/$t" -merge=1 -len_control=0 "$w" "$from" \
    >"$runs/$t/merge.log" 2>&1 || true
  for f in "$w"/*; do
    [ -f "$f" ] && [ ! -e "$seeddir/$(basename "$f")" ] || continue
    name=$(sha256sum "$f" | cut -c1-64)
    if [ ! -e "corpus/$t/$name" ]; then
      cp "$f" "corpus/$t/$name"
      added=$((added + 1))
    fi
  done
  echo $added
}

# Minimise each finding in $2/ with the libFuzzer build and keep it in
# corpus/<target>/ as <kind>-<sha256> (kind: crash, leak, timeout, oom);
# prints how many.
keep_crashes() {
  local t=$1 dir=$2 c min kind name n=0
  for c in "$dir"/*; do
    [ -f "$c" ] || continue
    case "$(basename "$c")" in
    README.txt) continue ;;
    leak-*) kind=leak ;;
    timeout-*) kind=timeout ;;
    oom-*) kind=oom ;;
    *) kind=crash ;;
    esac
    min=$runs/$t/min
    rm -f "$min"
    "${nice_cmd[@]}" "build/fuzz/fuzz/$t" -minimize_crash=1 -max_total_time=60 \
      -exact_artifact_path="$min" "$c" >"$runs/$t/minimize.log" 2>&1 || true
    [ -s "$min" ] || cp "$c" "$min" # does not reproduce under libFuzzer: keep it whole
    name=$kind-$(sha256sum "$min" | cut -c1-64)
    cp "$min" "corpus/$t/$name"
    echo "  corpus/$t/$name: $(xxd -p "$min" | tr -d '\n' | cut -c1-160)" >>"$runs/crashes.txt"
    n=$((n + 1))
  done
  echo $n
}

# ---- --add: recorded seeds, no fuzzing -----------------------------------------

if [ -n "$add" ]; then
  for t in "${targets[@]}"; do
    [ -d "$add/$t" ] || continue
    rm -rf "${runs:?}/$t"
    mkdir -p "$runs/$t"
    seeds "$t" "$runs/$t/seeds"
    printf '%-20s +%s of %s\n' "$t" "$(merge "$t" "$runs/$t/seeds" "$add/$t")" \
      "$(find "$add/$t" -type f | wc -l)"
  done
  exit 0
fi

# ---- one target ---------------------------------------------------------------

run_libfuzzer() {
  local t=$1 w=$runs/$t
  rm -rf "$w"
  mkdir -p "$w/new" "$w/crashes"
  seeds "$t" "$w/seeds"
  "${nice_cmd[@]}" "build/fuzz/fuzz/$t" -dict="$(dict_of "$t")" -len_control=100 \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$w/crashes/" "$w/new" "$w/seeds" >"$w/log" 2>&1 || true
  local execs cov ft added crashes
  execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$w/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$w/log" | tail -1 | cut -d' ' -f2)
  added=$(merge "$t" "$w/seeds" "$w/new")
  crashes=$(keep_crashes "$t" "$w/crashes")
  printf '%-20s %-9s %10s %10s %10s %8s %8s\n' "$t" libfuzzer "${execs:-?}" "cov ${cov:-?}" \
    "ft ${ft:-?}" "+$added" "$crashes" >"$w/summary"
}

run_afl() {
  local t=$1 w=$runs/$t
  rm -rf "$w"
  mkdir -p "$w"
  seeds "$t" "$w/seeds"
  local env=(AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1)
  # The decode targets' structure-aware mutator, before AFL's havoc stage.
  if grep -q LLVMFuzzerCustomMutator "fuzz/$t.c"; then
    env+=(AFL_CUSTOM_MUTATOR_LIBRARY="$root/build/afl/fuzz/libmqs_afl_mutator.so")
    case "$t" in *v311*) env+=(MQS_MUTATOR_VERSION=311) ;; *) env+=(MQS_MUTATOR_VERSION=5) ;; esac
  fi
  env "${env[@]}" "${nice_cmd[@]}" afl-fuzz -V "$seconds" -i "$w/seeds" -o "$w/out" \
    -x "$(dict_of "$t")" -c "build/afl-cmplog/fuzz/$t" -- "build/afl/fuzz/$t" >"$w/log" 2>&1 || true
  local stats=$w/out/default/fuzzer_stats execs edges total added crashes
  execs=$(sed -n 's/^execs_per_sec *: *//p' "$stats" 2>/dev/null | cut -d. -f1)
  edges=$(sed -n 's/^edges_found *: *//p' "$stats" 2>/dev/null)
  total=$(sed -n 's/^total_edges *: *//p' "$stats" 2>/dev/null)
  added=$(merge "$t" "$w/seeds" "$w/out/default/queue")
  crashes=$(keep_crashes "$t" "$w/out/default/crashes")
  printf '%-20s %-9s %10s %10s %10s %8s %8s\n' "$t" afl "${execs:-?}" "edges ${edges:-?}" \
    "of ${total:-?}" "+$added" "$crashes" >"$w/summary"
}

# ---- all targets, --jobs at a time ---------------------------------------------

rm -f "$runs/crashes.txt"
echo "== $engine, ${seconds}s per target, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if [ "$engine" = afl ]; then run_afl "$t" & else run_libfuzzer "$t" & fi
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

echo
printf '%-20s %-9s %10s %10s %10s %8s %8s\n' target engine exec/s coverage '' merged crashes
for t in "${targets[@]}"; do cat "$runs/$t/summary"; done
if [ -s "$runs/crashes.txt" ]; then
  echo
  echo "crashes kept as regression inputs (ctest -L fuzz-regress replays them):"
  cat "$runs/crashes.txt"
  exit 1
fi
