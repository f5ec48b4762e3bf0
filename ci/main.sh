#!/usr/bin/env bash
# ci/main.sh — the main job: install what is missing, build (release), and run
# the whole conformance suite against the bundled mqspec-broker (started on a
# free loopback port and stopped after), writing every report:
#   reports/latest/junit.xml  JUnit XML for CI
#   reports/latest/run.json   every scenario, verdict and byte on the wire
#   reports/latest/pcap/      one pcap per scenario (Wireshark decodes them)
#   reports/latest/html/      index.html: summary, statement matrix, transcripts
# Then decode the example packet streams with `mqspec decode`.
# Extra arguments go to `mqspec run` (e.g. --broker HOST:PORT, 'v5.qos2.*').
set -uo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh build || exit 2
cmake --preset release >/dev/null && cmake --build build/release -j "$(nproc)" || exit 2

mqspec=build/release/harness/mqspec
out=reports/latest
rm -rf "$out" && mkdir -p "$out"
"$mqspec" run --junit "$out/junit.xml" --json "$out/run.json" --pcap "$out/pcap" \
  --html "$out/html" "$@"
status=$?
echo "reports written to $out/"

for f in ci/decode-examples/*.hex; do
  "$mqspec" decode -x "$f" >/dev/null
  rc=$?
  case "$f" in
    *malformed* | *truncated*) want=1 ;;
    *) want=0 ;;
  esac
  [ $rc -eq $want ] || { echo "mqspec decode -x $f: expected exit $want, got $rc"; status=1; }
done
exit $status
