#!/bin/sh
# tests/harness/scram_run.sh BROKER MQSPEC SCENARIOS_DIR — the enhanced-authentication
# scenarios (tag auth) against the bundled mqspec-broker, which mqspec starts with a password
# file (alice, password secret) so that it offers SCRAM-SHA-256 and takes that user: they
# must PASS there, not merely be n/a as on a broker that refuses the method (CONNACK 0x8C).
# BROKER is the mqspec-broker binary mqspec starts (MQSPEC_BROKER).
set -u
broker=$1
mqspec=$2
scenarios=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MQSPEC_BROKER="$broker" "$mqspec" run --scenarios "$scenarios" --no-color --tag auth >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ "$rc" -eq 0 ] || { echo "scram_run: mqspec exited $rc"; exit 1; }
for id in v5.auth.continue-with-same-method v5.auth.failure-refused-and-closed \
          v5.auth.reserved-flags v5.auth.method-missing v5.auth.fits-max-packet-size \
          v5.connect.payload-field-order; do
  grep -Eq "^PASS +$id " "$tmp/out" || { echo "scram_run: $id did not pass"; exit 1; }
done
echo "scram_run: OK"
