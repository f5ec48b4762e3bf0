#!/usr/bin/env bash
# ci/main.sh — the main job: install what is missing, build (release), and
# decode the example packet streams with `mqspec decode`, valid and broken.
# (The scenario engine turns this into the conformance run against the
# bundled broker, with reports.)
set -uo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh build || exit 2
cmake --preset release >/dev/null && cmake --build build/release -j "$(nproc)" || exit 2

mqspec=build/release/harness/mqspec
status=0
for f in ci/decode-examples/*.hex; do
  echo "== mqspec decode -x $f"
  "$mqspec" decode -x "$f"
  rc=$?
  case "$f" in
    *malformed* | *truncated*) [ $rc -eq 1 ] || { echo "expected exit 1, got $rc"; status=1; } ;;
    *) [ $rc -eq 0 ] || { echo "expected exit 0, got $rc"; status=1; } ;;
  esac
done
exit $status
