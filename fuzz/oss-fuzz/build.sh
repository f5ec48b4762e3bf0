#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh — build every fuzz target for OSS-Fuzz and
# ClusterFuzzLite, with the compilers, flags and engine they provide:
#   $CC $CFLAGS      compile (sanitizer and coverage flags included)
#   $CXX $CXXFLAGS   link (the engines are C++ libraries)
#   $LIB_FUZZING_ENGINE  the engine: libFuzzer, AFL++, honggfuzz, centipede
#   $OUT             where the targets, seed corpora and dictionaries go
#   $WORK            scratch space (optional here)
# It uses no CMake (the builder images do not carry the version we need);
# it compiles the codec, the fuzz support files and each fuzz/fuzz_*.c, so a
# target added to fuzz/ is built here without editing this file. A target
# that needs more sources, or libraries, names them in comment lines of its
# own (the public headers of every <module>/include, and harness/, are always
# on the path):
#   /* fuzz-srcs: broker/*.c
#    * fuzz-ldflags: -lcrypto
#    * fuzz-dict: fuzz/scenario.dict */  (default: fuzz/mqtt.dict)
# Each target gets $OUT/<target>_seed_corpus.zip from corpus/<target>/
# (without crash-* inputs: ctest replays those; a seed that still crashes
# would stop every fuzzing job) and $OUT/<target>.dict.
#
# Try it outside docker, as the engines set the variables:
#   CC=clang CXX=clang++ CFLAGS="-fsanitize=address,fuzzer-no-link -g -O1" \
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/ossfuzz-out \
#   SRC=/work fuzz/oss-fuzz/build.sh

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
: "${CXX:=clang++}" "${CXXFLAGS:=$CFLAGS}"
work=${WORK:-$(mktemp -d)}/mqspec-fuzz
rm -rf "$work"
mkdir -p "$work" "$OUT"

std=(-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE)
inc=(-Ifuzz -Iharness) # harness/: the scenario loader's headers sit with its sources
for d in */include; do inc+=("-I$d"); done
# The fuzz support code (oracles, mutator) is not the code under test:
# without the coverage flag its branches do not count as progress.
support_cflags=${CFLAGS//-fsanitize=fuzzer-no-link/}

compile() { # out-dir, flags, sources...
  local dir=$1 flags=$2 src
  shift 2
  mkdir -p "$dir"
  for src in "$@"; do
    # shellcheck disable=SC2086 # flags are a word list, as $CFLAGS is
    $CC $flags "${std[@]}" "${inc[@]}" -c "$src" -o "$dir/$(echo "$src" | tr / _).o"
  done
}

compile "$work/codec" "$CFLAGS" codec/*.c
compile "$work/support" "$support_cflags" fuzz/check.c fuzz/guard.c fuzz/stream.c \
  fuzz/roundtrip.c fuzz/reject.c fuzz/packet_diff.c fuzz/canonical.c fuzz/json_check.c \
  fuzz/mutator.c fuzz/mutate_fields.c fuzz/mutate_props.c

for src in fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  extra=()
  srcs_line=$(sed -n 's/.*fuzz-srcs:\([^*]*\).*/\1/p' "$src" | head -1)
  if [ -n "$srcs_line" ]; then
    # shellcheck disable=SC2206 # globs in the comment expand here
    extra=($srcs_line)
    compile "$work/$t" "$CFLAGS" "${extra[@]}"
  fi
  compile "$work/$t" "$support_cflags" "$src"
  ldflags=$(sed -n 's/.*fuzz-ldflags:\([^*]*\).*/\1/p' "$src" | head -1)
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS "$work/$t"/*.o "$work/support"/*.o "$work/codec"/*.o $LIB_FUZZING_ENGINE \
    $ldflags -o "$OUT/$t"
  dict=$(sed -n 's/.*fuzz-dict: *\([^ *]*\).*/\1/p' "$src" | head -1)
  cp "${dict:-fuzz/mqtt.dict}" "$OUT/$t.dict"
  rm -f "$OUT/${t}_seed_corpus.zip"
  if [ -d "corpus/$t" ]; then
    (cd "corpus/$t" && find . -maxdepth 1 -type f ! -name 'crash-*' ! -name 'leak-*' \
      ! -name 'timeout-*' ! -name 'oom-*' -printf '%f\n' |
      zip -q -j -@ "$OUT/${t}_seed_corpus.zip")
  fi
  echo "built $OUT/$t"
done
