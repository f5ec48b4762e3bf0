#!/bin/sh
# tests/harness/save_corpus.sh MQSPEC SCENARIOS_DIR REPLAY_DIR — `mqspec run
# --save-corpus` against the bundled broker: seeds appear for every target
# that takes them, each file is named by the SHA-256 of its content, the
# decode seeds start with the direction byte, there is one fuzz_broker seed
# per scenario, and each target's replay driver (REPLAY_DIR/replay_<target>)
# runs every seed through its oracles without a failure.
set -u
mqspec=$1
scenarios=$2
replay=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
  echo "FAIL $*"
  fails=$((fails + 1))
}

# A 5.0 session with properties, a 3.1.1 one, a malformed Remaining Length
# sent on purpose, a will (will properties) and a takeover (two connections).
ids="v5.publish.user-properties-in-order v311.qos2.handshake-bytes
v5.errors.remaining-length-beyond-four-bytes v5.will.delay-interval v5.connect.session-takeover"
# shellcheck disable=SC2086
if ! "$mqspec" run --scenarios "$scenarios" --no-color -j 2 --save-corpus "$tmp/corpus" $ids \
  >"$tmp/out" 2>&1; then
  fail "mqspec run exited non-zero:"
  sed 's/^/    /' "$tmp/out"
fi
grep -Eq "^fuzz seeds: [1-9][0-9]* new in $tmp/corpus \([0-9]+ there already\)$" "$tmp/out" ||
  fail "no 'fuzz seeds: N new' line: $(grep 'fuzz seeds' "$tmp/out")"

for t in fuzz_decode_v311 fuzz_decode_v5 fuzz_props fuzz_broker; do
  d=$tmp/corpus/$t
  n=$(find "$d" -type f 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ]; then
    fail "$t: no seeds in $d"
    continue
  fi
  bad=0
  for f in "$d"/*; do
    sum=$(sha256sum "$f" | cut -c1-64)
    [ "$(basename "$f")" = "$sum" ] || { fail "$t: $(basename "$f") is not its SHA-256 ($sum)"; bad=1; }
    case $t in fuzz_decode_*)
      first=$(od -An -tx1 -N1 "$f" | tr -d ' ')
      [ "$first" = 01 ] || [ "$first" = 02 ] || { fail "$t: $(basename "$f") starts with $first"; bad=1; }
      ;;
    esac
  done
  if ! "$replay/replay_$t" "$d" >"$tmp/replay" 2>&1; then
    fail "replay_$t rejects the seeds:"
    sed 's/^/    /' "$tmp/replay"
    bad=1
  fi
  [ $bad -eq 0 ] && echo "ok   $t: $n seeds"
done

n=$(find "$tmp/corpus/fuzz_broker" -type f 2>/dev/null | wc -l)
[ "$n" -eq 5 ] || fail "fuzz_broker: $n seeds, want one per scenario (5)"
# The malformed Remaining Length is kept as sent (from there to the end of the stream).
grep -lq "$(printf '\377\377\377\377')" "$tmp/corpus/fuzz_decode_v5"/* 2>/dev/null ||
  fail "fuzz_decode_v5: the five-byte Remaining Length was not recorded"

# A second run into the same directory adds to it and keeps what is there.
before=$(find "$tmp/corpus" -type f | wc -l)
"$mqspec" run --scenarios "$scenarios" --no-color --save-corpus "$tmp/corpus" v311.ping.pingresp \
  >"$tmp/out2" 2>&1 || fail "second run exited non-zero"
after=$(find "$tmp/corpus" -type f | wc -l)
[ "$after" -gt "$before" ] || fail "second run: $before files before, $after after"
grep -Eq "^fuzz seeds: [0-9]+ new in .* \([1-9][0-9]* there already\)$" "$tmp/out2" ||
  fail "second run: expected seeds there already: $(grep 'fuzz seeds' "$tmp/out2")"

# An unwritable directory is an error, exit status 2.
: >"$tmp/file"
"$mqspec" run --scenarios "$scenarios" --no-color --save-corpus "$tmp/file/x" v311.ping.pingresp \
  >"$tmp/out3" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "cannot write fuzz seeds in $tmp/file/x" "$tmp/out3" ||
  fail "unwritable --save-corpus: exit $rc, $(cat "$tmp/out3" | tail -2)"

[ $fails -eq 0 ] && echo "all passed"
exit $((fails != 0))
