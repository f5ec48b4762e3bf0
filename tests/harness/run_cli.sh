#!/bin/sh
# tests/harness/run_cli.sh MQSPEC SCENARIOS_DIR — `mqspec run/list/validate` from the
# outside: what --list prints, the exit codes, and the messages for broken input.
set -u
mqspec=$1
scenarios=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME STATUS PATTERN -- CMD...: CMD exits with STATUS and its output
# (stdout and stderr) has a line matching the extended regex PATTERN.
expect() {
  name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$tmp/out" 2>&1
  got=$?
  if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pattern" "$tmp/out"; then
    echo "FAIL $name: exit $got (want $want), output must match /$pattern/:"
    sed 's/^/    /' "$tmp/out"
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}

# Every scenario in the tree loads: validate, and run --check.
expect validate-tree 0 "scenario files checked: no problems" -- "$mqspec" validate "$scenarios"
expect run-check 0 "no problems" -- "$mqspec" run --check --scenarios "$scenarios"

# --list prints what would run, grouped by directory, and runs nothing (no broker needed).
expect list-all 0 "^  v5\.qos2\.exactly-once +5\.0 +MUST +MQTT-4\.3\.3-2" -- \
  "$mqspec" run --list --scenarios "$scenarios"
expect list-grouped 0 "/v5/4\.3-qos/$" -- "$mqspec" list --scenarios "$scenarios"
expect list-glob 0 "^1 scenarios$" -- "$mqspec" list --scenarios "$scenarios" 'v5.qos2.exact*'
expect list-spec 0 "v311\.ping\.pingresp" -- "$mqspec" list --scenarios "$scenarios" --spec MQTT-3.12.4-1 --version 311
expect list-tag 0 "v5\.topic-alias\." -- "$mqspec" list --scenarios "$scenarios" --tag topic-alias
"$mqspec" list --scenarios "$scenarios" --version 5 >"$tmp/v5" 2>&1
if grep -q '^  v311\.' "$tmp/v5"; then echo "FAIL list-version: --version 5 listed 3.1.1 scenarios"; fails=$((fails + 1)); else echo "ok   list-version"; fi

# --name labels the broker in the reports (against the bundled broker).
expect name-label 0 "^OK$" -- "$mqspec" run --scenarios "$scenarios" --name "broker under test" \
  --json "$tmp/named.json" v5.ping.pingresp
if grep -q '"broker_name":"broker under test"' "$tmp/named.json"; then echo "ok   name-in-json"
else echo "FAIL name-in-json: no broker_name in $tmp/named.json"; fails=$((fails + 1)); fi

# -v prints the transcript of a failed scenario: a line per packet, decoded.
cat >"$tmp/fails.yaml" <<'YAML'
id: cli.fails
title: expects a PUBACK for a PINGREQ, so it fails
spec: [MQTT-3.12.4-1]
version: 5
clients: [c]
steps:
  - c: connect
  - c: {expect: connack}
  - c: pingreq
  - c: {expect: puback, timeout: 1s}
YAML
expect verbose-transcript 1 "<- PINGRESP" -- "$mqspec" run -v "$tmp/fails.yaml"
expect verbose-transcript-sent 1 "c +#0  -> CONNECT v5" -- "$mqspec" run -v "$tmp/fails.yaml"
"$mqspec" run "$tmp/fails.yaml" >"$tmp/plain" 2>&1
if grep -q "<- PINGRESP" "$tmp/plain"; then echo "FAIL verbose-off: a transcript without -v"; fails=$((fails + 1)); else echo "ok   verbose-off"; fi

# Selections that match nothing, and usage errors: 2.
expect no-match 2 "no scenario matches" -- "$mqspec" run --scenarios "$scenarios" 'no.such.*'
expect bad-flag 2 "unknown option '--frobnicate'" -- "$mqspec" run --frobnicate
expect bad-jobs 2 "--jobs: expected a number" -- "$mqspec" run -j zero --list --scenarios "$scenarios"
expect bad-broker 2 "--broker: expected HOST:PORT" -- "$mqspec" run --broker nowhere --scenarios "$scenarios" v5.ping.pingresp
expect bad-broker-ws 2 "--broker-ws: expected HOST:PORT" -- "$mqspec" run --broker-ws nowhere --scenarios "$scenarios" v5.ping.pingresp
expect websocket-without-listener 2 "--websocket needs --broker-ws" -- "$mqspec" run --broker 127.0.0.1:1 --websocket --scenarios "$scenarios" v5.ping.pingresp
expect bad-without 2 "unknown feature 'telepathy'" -- "$mqspec" run --without retain,telepathy --list
expect bad-timeout 2 "--step-timeout: expected a duration" -- "$mqspec" run --step-timeout 5 --list
expect missing-file 2 "nothere\.yaml: no such scenario file" -- "$mqspec" run "$tmp/nothere.yaml"
expect missing-dir 2 "$tmp/nowhere: No such file" -- "$mqspec" run --scenarios "$tmp/nowhere"

# A broken scenario file: file, line, column and what was expected; exit 2, nothing run.
cat >"$tmp/broken.yaml" <<'YAML'
id: broken
title: a broken scenario
spec: [MQTT-3.12.4-1]
version: 5
clients: [c]
steps:
  - c: {expect: pingresp, reason: success}
YAML
expect broken-file 2 "broken\.yaml:7:27: 'reason' is not a field of pingresp \(expected one of: flags\)" -- \
  "$mqspec" run --broker 127.0.0.1:1 "$tmp/broken.yaml"
expect broken-validate 2 "broken\.yaml:7:27:" -- "$mqspec" validate "$tmp/broken.yaml"
printf 'id: [unclosed\n' >"$tmp/syntax.yaml"
expect yaml-syntax 2 "syntax\.yaml:2:1: YAML syntax" -- "$mqspec" validate "$tmp/syntax.yaml"

# --expect-fail: a line without a reason is refused with its line number.
printf '# deviations\nv5.ping.pingresp\n' >"$tmp/xfail.txt"
expect bad-expect-fail 2 "xfail\.txt:2: expected a scenario id or statement id, then the reason" -- \
  "$mqspec" run --broker 127.0.0.1:1 --scenarios "$scenarios" --expect-fail "$tmp/xfail.txt" v5.ping.pingresp

# No broker listening: ERROR, exit 1, saying so.
expect no-broker 1 "ERROR +v5\.ping\.pingresp" -- \
  "$mqspec" run --broker 127.0.0.1:1 --scenarios "$scenarios" --no-color v5.ping.pingresp
# ... unless that scenario is listed as expected to fail: exit 0.
printf 'v5.ping.pingresp  nothing listens on port 1\n' >"$tmp/xfail.txt"
expect expected-error 0 "^OK$" -- \
  "$mqspec" run --broker 127.0.0.1:1 --scenarios "$scenarios" --no-color --expect-fail "$tmp/xfail.txt" v5.ping.pingresp
# --without makes a scenario that needs the feature n/a, without touching the broker.
expect without 0 "^N/A +v5\.retain\.handling-2-sends-none" -- \
  "$mqspec" run --broker 127.0.0.1:1 --scenarios "$scenarios" --no-color --without retain v5.retain.handling-2-sends-none

# Help.
expect help 0 "^Usage: mqspec run" -- "$mqspec" run --help

echo "$fails failed"
[ "$fails" -eq 0 ]
