#!/usr/bin/env bash
# fuzz/seed_from_tests.sh — (re)generate the codec targets' seed corpora
# from the codec's unit-test vectors (tests/codec/*.c) and the example
# streams (ci/decode-examples/*.hex). Reproducible: the same sources give
# the same files, named by the SHA-256 of their content, so running it
# again adds only what the tests gained. It never deletes: merged fuzzer
# finds and crash-* regression inputs stay.
#
#   fuzz/seed_from_tests.sh            # into corpus/
#   fuzz/seed_from_tests.sh OUTDIR     # elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-corpus}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Built directly, not through CMake, so it runs from any checkout.
"$cc" -std=c11 -O1 -D_POSIX_C_SOURCE=200809L -Icodec/include -Icodec \
  -o "$tmp/seedgen" fuzz/seedgen.c codec/*.c
"$tmp/seedgen" "$tmp/out" \
  --vectors tests/codec/*.c \
  --streams ci/decode-examples/*.hex \
  --topics tests/codec/test_text.c

added=0
for dir in "$tmp"/out/*/; do
  target=$(basename "$dir")
  mkdir -p "$out/$target"
  for f in "$dir"*; do
    name=$(sha256sum "$f" | cut -c1-64)
    if [ ! -e "$out/$target/$name" ]; then
      cp "$f" "$out/$target/$name"
      added=$((added + 1))
    fi
  done
done
for dir in "$out"/fuzz_*/; do
  echo "$(basename "$dir"): $(find "$dir" -type f | wc -l) files"
done
echo "seed_from_tests: $added new files in $out/"
