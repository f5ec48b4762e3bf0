#!/bin/sh
# tests/harness/decode_cli.sh — `mqspec decode` end to end, one case per ctest test.
#
#   decode_cli.sh CASE MQSPEC EXAMPLES_DIR
#
# Runs the built mqspec on the example streams in ci/decode-examples (and on
# inputs made here) and checks the exit code and the lines that matter.
set -u

case_name=$1
mqspec=$2
ex=$3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqs-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr
failed=0
rc=0

# run ARGS...: run mqspec, keep stdout, stderr and the exit code.
run() {
  "$mqspec" "$@" >"$out" 2>"$err"
  rc=$?
}

# run_stdin FILE ARGS...: the same with FILE on standard input.
run_stdin() {
  f=$1
  shift
  "$mqspec" "$@" <"$f" >"$out" 2>"$err"
  rc=$?
}

fail() {
  echo "FAIL [$case_name]: $*"
  failed=1
}

expect_rc() {
  [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"
}

# expect_line TEXT: stdout has exactly this line.
expect_line() {
  grep -Fxq -- "$1" "$out" || fail "no stdout line: $1"
}

# expect_out TEXT / expect_err TEXT: stdout / stderr contains TEXT.
expect_out() {
  grep -Fq -- "$1" "$out" || fail "stdout lacks: $1"
}

expect_err() {
  grep -Fq -- "$1" "$err" || fail "stderr lacks: $1"
}

expect_no_err() {
  [ ! -s "$err" ] || fail "unexpected stderr"
}

expect_lines() {
  n=$(wc -l <"$out" | tr -d ' ')
  [ "$n" -eq "$1" ] || fail "$n stdout lines, expected $1"
}

# Every stdout line is one JSON object (checked with python3 when there is one).
expect_json_lines() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        v = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON: %s: %s" % (n, e, line))
    if not isinstance(v, dict):
        sys.exit("line %d is not an object" % n)
' "$out" || fail "output is not one JSON object per line"
  fi
  if grep -qv '^{.*}$' "$out"; then fail "a line is not {...}"; fi
}

# Hex text to bytes: comments and white space dropped.
hex_to_bin() {
  sed 's/#.*//' "$1" | tr -d ' \t\r\n' | perl -ne 'print pack("H*", $_)'
}

case $case_name in
v5_session)
  run decode -x "$ex/v5-session.hex"
  expect_rc 0
  expect_no_err
  expect_line '# MQTT 5.0 (protocol level 5 of the CONNECT at offset 0)'
  expect_line '@0 len=46 CONNECT v5 client_id="c1" clean_start=1 keep_alive=60 will{qos=1 retain=0 topic="w" payload(3)="bye" props{will_delay=10}} username="u" password(2) props{session_expiry=60, receive_max=20}'
  expect_line '@46 len=11 CONNACK session_present=0 reason=success props{receive_max=100, topic_alias_max=10}'
  expect_line '@57 len=19 SUBSCRIBE id=1 filters=["a/b" qos=1 nl=1 rap=0 rh=0, "c/#" qos=2 nl=0 rap=0 rh=1] props{subscription_ids=[5]}'
  expect_line '@76 len=7 SUBACK id=1 reasons=[granted_qos_1, granted_qos_2]'
  expect_line '@83 len=32 PUBLISH qos=1 id=7 retain=0 dup=0 topic="a/b" payload(5)="hello" props{payload_format=1, message_expiry=60, topic_alias=3, user["k"="v"]}'
  expect_line '@115 len=5 PUBACK id=7 reason=no_matching_subscribers'
  expect_line '@120 len=2 PINGREQ'
  expect_line '@122 len=2 PINGRESP'
  expect_line '@124 len=2 DISCONNECT reason=normal_disconnection'
  expect_line '# 9 packets, 126 bytes'
  expect_lines 11
  ;;
v5_session_json)
  run decode --json -x "$ex/v5-session.hex"
  expect_rc 0
  expect_lines 9
  expect_json_lines
  expect_out '{"offset":0,"length":46,"packet":{"type":"CONNECT",'
  expect_out '"will":{"qos":1,"retain":false,"topic":"w","payload":{"len":3,"utf8":"bye"},"properties":{"will_delay":10}}'
  expect_out '"topic":"a/b","payload":{"len":5,"utf8":"hello"}'
  expect_out '"user":[["k","v"]]'
  expect_out '"subscription_ids":[5]'
  expect_out '"reason_codes":[1,2],"reasons":["granted_qos_1","granted_qos_2"]'
  ;;
v5_session_binary)
  hex_to_bin "$ex/v5-session.hex" >"$tmp/s.bin"
  run decode -f "$tmp/s.bin"
  expect_rc 0
  expect_line '@115 len=5 PUBACK id=7 reason=no_matching_subscribers'
  expect_line '# 9 packets, 126 bytes'
  run_stdin "$tmp/s.bin" decode -f -
  expect_rc 0
  expect_line '# 9 packets, 126 bytes'
  ;;
v311_session)
  run decode -x "$ex/v311-session.hex"
  expect_rc 0
  expect_no_err
  expect_line '# MQTT 3.1.1 (protocol level 4 of the CONNECT at offset 0)'
  expect_line '@0 len=16 CONNECT v3.1.1 client_id="c1" clean_start=1 keep_alive=30'
  expect_line '@16 len=4 CONNACK session_present=0 reason=accepted'
  expect_line '@20 len=21 SUBSCRIBE id=10 filters=["sensors/+/temp" qos=1]'
  expect_line '@41 len=5 SUBACK id=10 reasons=[granted_qos_1]'
  expect_line '@46 len=22 PUBLISH qos=0 retain=0 dup=0 topic="sensors/1/temp" payload(4)="21.5"'
  expect_line '@68 len=10 PUBLISH qos=2 id=2 retain=1 dup=0 topic="a" payload(3)=hex:0102ff'
  expect_line '@78 len=4 PUBREC id=2'
  expect_line '@82 len=4 PUBREL id=2'
  expect_line '@86 len=4 PUBCOMP id=2'
  expect_line '@90 len=20 UNSUBSCRIBE id=11 filters=["sensors/+/temp"]'
  expect_line '@110 len=4 UNSUBACK id=11'
  expect_line '@118 len=2 DISCONNECT'
  expect_line '# 14 packets, 120 bytes'
  ;;
v311_session_json)
  run decode --json -x "$ex/v311-session.hex"
  expect_rc 0
  expect_lines 14
  expect_json_lines
  expect_out '"payload":{"len":3,"hex":"0102ff"}'
  ;;
hex_args)
  # several arguments, with and without spaces and 0x prefixes, make one stream
  run decode "20 03 00 00 00" c000 0xd0,0x00
  expect_rc 0
  expect_line '@0 len=5 CONNACK session_present=0 reason=success'
  expect_line '@5 len=2 PINGREQ'
  expect_line '@7 len=2 PINGRESP'
  expect_line '# 3 packets, 9 bytes'
  run decode --v311 "20 02 00 00"
  expect_rc 0
  expect_line '# MQTT 3.1.1 (--v311)'
  expect_line '@0 len=4 CONNACK session_present=0 reason=accepted'
  ;;
hex_stdin)
  printf 'c0 00 # PINGREQ\nd0 00\n' >"$tmp/in.hex"
  run_stdin "$tmp/in.hex" decode -
  expect_rc 0
  expect_line '# 2 packets, 4 bytes'
  ;;
malformed_qos3)
  run decode -x "$ex/malformed-qos3.hex"
  expect_rc 1
  expect_line '@16 len=4 CONNACK session_present=0 reason=accepted'
  expect_out 'violation at offset 20: QOS_3'
  expect_out '[MQTT-3.3.1-4, reason 0x81 Malformed Packet]'
  expect_line '  bytes: 36 07 00 03 61 2f 62 00 01'
  ;;
malformed_qos3_json)
  run decode --json -x "$ex/malformed-qos3.hex"
  expect_rc 1
  expect_lines 3
  expect_json_lines
  expect_out '{"offset":20,"violation":{"rule":"QOS_3","offset":20,"packet_type":"PUBLISH","reason_code":129,"reason":"malformed_packet","statement":"MQTT-3.3.1-4"'
  ;;
malformed_overlong_rl)
  run decode -x "$ex/malformed-overlong-rl.hex"
  expect_rc 1
  expect_line '@0 len=2 PINGREQ'
  expect_out 'violation at offset 6: RL_TOO_LONG'
  expect_out 'reason 0x81 Malformed Packet]'
  ;;
malformed_nonminimal_rl)
  run decode -x "$ex/malformed-nonminimal-rl.hex"
  expect_rc 1
  expect_out 'violation at offset 2: VBI_NOT_MINIMAL'
  expect_out '[MQTT-1.5.5-1, reason 0x81 Malformed Packet]'
  ;;
max_packet_size)
  run decode --max-packet-size 10 -x "$ex/v5-session.hex"
  expect_rc 1
  expect_out 'PACKET_TOO_LARGE'
  expect_out 'reason 0x95'
  ;;
wrong_direction)
  run decode --from client -x "$ex/v5-session.hex"
  expect_rc 1
  expect_out 'violation at offset 46: WRONG_DIRECTION'
  ;;
truncated)
  run decode -x "$ex/truncated.hex"
  expect_rc 1
  expect_line '@0 len=2 PINGREQ'
  expect_line 'incomplete packet at offset 2: need more bytes (have 9 of 12)'
  run decode "30"
  expect_rc 1
  expect_out 'incomplete packet at offset 0: need more bytes'
  run decode --json -x "$ex/truncated.hex"
  expect_rc 1
  expect_json_lines
  expect_line '{"offset":2,"incomplete":{"have":9,"need":12}}'
  ;;
empty_input)
  : >"$tmp/empty.hex"
  run decode -x "$tmp/empty.hex"
  expect_rc 1
  expect_err "$tmp/empty.hex: empty input"
  run decode -f "$tmp/empty.hex"
  expect_rc 1
  expect_err 'empty input'
  printf '# only a comment\n\n' >"$tmp/comments.hex"
  run decode -x "$tmp/comments.hex"
  expect_rc 1
  expect_err 'empty input'
  run decode ""
  expect_rc 1
  expect_err 'empty input'
  ;;
broken_hex)
  run decode "10 0c zz"
  expect_rc 2
  expect_err "argument 1, column 7: unexpected character 'z'"
  run decode c0 00 "d0 0"
  expect_rc 2
  expect_err 'argument 3, column 4: odd number of hex digits'
  printf 'c0 00\n# a comment\nd0 0g\n' >"$tmp/bad.hex"
  run decode -x "$tmp/bad.hex"
  expect_rc 2
  expect_err "$tmp/bad.hex:3:5: unexpected character 'g'"
  ;;
missing_file)
  run decode -x "$tmp/no-such.hex"
  expect_rc 2
  expect_err "cannot open '$tmp/no-such.hex': No such file or directory"
  run decode -f "$tmp/no-such.bin"
  expect_rc 2
  expect_err "$tmp/no-such.bin"
  ;;
usage_errors)
  run decode --bogus c0 00
  expect_rc 2
  expect_err "unknown option '--bogus'"
  run decode
  expect_rc 2
  expect_err 'no input'
  run decode c0 00 -f "$ex/v5-session.hex"
  expect_rc 2
  expect_err 'one way only'
  run decode --from
  expect_rc 2
  run decode --from sideways c0 00
  expect_rc 2
  run decode --max-packet-size lots c0 00
  expect_rc 2
  run bogus
  expect_rc 2
  expect_err "unknown command 'bogus'"
  run
  expect_rc 2
  ;;
help)
  run --help
  expect_rc 0
  expect_out 'decode'
  run --version
  expect_rc 0
  expect_out 'mqspec '
  run decode --help
  expect_rc 0
  expect_out 'Usage: mqspec decode'
  ;;
*)
  echo "decode_cli.sh: unknown case '$case_name'" >&2
  exit 2
  ;;
esac

if [ "$failed" -ne 0 ]; then
  echo "--- last stdout:"
  cat "$out"
  echo "--- last stderr:"
  cat "$err"
  exit 1
fi
echo "ok [$case_name]"
