#!/usr/bin/env bash
# ci/reports.sh — regenerate the reports checked in under reports/: the whole
# suite against the bundled mqspec-broker and against mosquitto (Debian's, on
# a free loopback port with an open config), side by side:
#   reports/mqspec-broker/run.json, junit.xml, coverage.txt
#   reports/mosquitto/run.json, junit.xml, coverage.txt
#   reports/html/index.html   both brokers: summary, statement matrix, transcripts
# coverage.txt is `mqspec coverage --run run.json`: every statement's verdict.
# Known deviations come from ci/expected/<broker>.txt. Commit the result.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh reports || exit 2
cmake --preset release >/dev/null && cmake --build build/release -j "$(nproc)" || exit 2

mqspec=build/release/harness/mqspec
py=/usr/bin/python3
[ -x "$py" ] || py=python3
status=0
rm -rf reports/mqspec-broker reports/mosquitto reports/html
mkdir -p reports/mqspec-broker reports/mosquitto

# The bundled broker: `mqspec run` without --broker starts and stops it.
"$mqspec" run -q --no-color --name mqspec-broker --expect-fail ci/expected/mqspec-broker.txt \
  --json reports/mqspec-broker/run.json --junit reports/mqspec-broker/junit.xml || status=1

# mosquitto: tests/harness/broker_run.py starts it on a free port and stops it.
mosquitto="mosquitto $(dpkg-query -W -f='${Version}' mosquitto 2>/dev/null)"
"$py" tests/harness/broker_run.py --broker mosquitto -- \
  "$mqspec" run -q --no-color --broker '127.0.0.1:{port}' --name "$mosquitto" \
  --expect-fail ci/expected/mosquitto.txt \
  --json reports/mosquitto/run.json --junit reports/mosquitto/junit.xml || status=1

for b in mqspec-broker mosquitto; do
  "$mqspec" coverage --run "reports/$b/run.json" >"reports/$b/coverage.txt" || status=1
done
"$mqspec" report reports/mqspec-broker/run.json reports/mosquitto/run.json \
  --name mqspec-broker --name "$mosquitto" \
  --html reports/html || status=1
echo "reports written to reports/ (status $status)"
exit $status
