#!/usr/bin/env bash
# ci/test.sh — install what is missing, build, and run every test:
# the dev preset (-Werror) and the asan preset (ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh test

jobs=$(nproc)
for preset in dev asan; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build "build/$preset" -j "$jobs"
  echo "== $preset: ctest"
  ctest --test-dir "build/$preset" -j "$jobs" --output-on-failure --timeout 300
done
# The main job builds with the release preset (-O3 -Werror): keep it building.
echo "== release: configure and build"
cmake --preset release >/dev/null
cmake --build build/release -j "$jobs"
