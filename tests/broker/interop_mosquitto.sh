#!/usr/bin/env bash
# tests/broker/interop_mosquitto.sh BROKER — mosquitto_pub / mosquitto_sub
# (Debian's mosquitto-clients) against mqspec-broker, with -V 311 and -V 5:
# QoS 0/1/2, retained messages, wills, user properties. The broker runs on a
# free loopback port (-p 0); every wait waits on an event (a line of output,
# a process ending), with a timeout.
set -euo pipefail
broker=${1:?usage: interop_mosquitto.sh path/to/mqspec-broker}
command -v mosquitto_sub >/dev/null || { echo "mosquitto_sub not installed (mosquitto-clients)"; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done; exit 1; }

# Start the broker; its first line says where it listens.
mkfifo "$tmp/broker.out"
"$broker" -p 0 >"$tmp/broker.out" 2>"$tmp/broker.log" &
bpid=$!
pids+=("$bpid")
exec 3<"$tmp/broker.out"
read -r -t 5 -u 3 line || fail "the broker did not start"
port=${line##*:}
[[ $port =~ ^[0-9]+$ ]] || fail "no port in: $line"
cat <&3 >/dev/null &
pids+=($!)
echo "broker on 127.0.0.1:$port"

# sub NAME ARGS...: start mosquitto_sub -d, return once it has its SUBACK.
# Its output goes to $tmp/NAME.log; $sub_pid is its pid.
sub() {
  local name=$1
  shift
  mkfifo "$tmp/$name.fifo"
  # Line-buffered, or the SUBACK line would wait in stdio until exit.
  stdbuf -oL mosquitto_sub -d -h 127.0.0.1 -p "$port" "$@" >"$tmp/$name.fifo" 2>&1 &
  sub_pid=$!
  pids+=("$sub_pid")
  exec 4<"$tmp/$name.fifo"
  : >"$tmp/$name.log"
  local l
  while IFS= read -r -t 5 -u 4 l; do
    printf '%s\n' "$l" >>"$tmp/$name.log"
    [[ $l == *"received SUBACK"* ]] && break
  done
  [[ ${l:-} == *"received SUBACK"* ]] || fail "$name: no SUBACK"
  cat <&4 >>"$tmp/$name.log" &
  sub_cat=$!
  pids+=("$sub_cat")
  exec 4<&-
}

# finish PID CAT: wait for a mosquitto_sub started with -C/-W to exit by
# itself, and for its output to be in its log.
finish() {
  wait "$1" || fail "subscriber $1 exited with $?"
  wait "$2" || true
}

pub() { mosquitto_pub -h 127.0.0.1 -p "$port" "$@" || fail "mosquitto_pub $*"; }

for V in 311 5; do
  echo "== MQTT -V $V"
  # QoS 0, 1, 2: every message arrives at the QoS of min(published, granted).
  sub q$V -V $V -q 2 -t "it/$V/q" -C 3 -W 10 -v -i "sub-q-$V"
  s=$sub_pid c=$sub_cat
  for q in 0 1 2; do pub -V $V -q $q -t "it/$V/q" -m "hello $q" -i "pub-$V-$q"; done
  finish "$s" "$c"
  for q in 0 1 2; do
    grep -qx "it/$V/q hello $q" "$tmp/q$V.log" || fail "-V $V: QoS $q message missing"
  done
  grep -q "received PUBLISH (d0, q2," "$tmp/q$V.log" || fail "-V $V: no QoS 2 delivery"
  grep -q "received PUBLISH (d0, q1," "$tmp/q$V.log" || fail "-V $V: no QoS 1 delivery"

  # Retained: stored, delivered to a later subscriber with the retain flag.
  pub -V $V -q 1 -r -t "it/$V/retained" -m "kept $V"
  sub r$V -V $V -t "it/$V/retained" -C 1 -W 10 -v
  finish "$sub_pid" "$sub_cat"
  grep -qx "it/$V/retained kept $V" "$tmp/r$V.log" || fail "-V $V: retained message missing"
  grep -q "r1, m" "$tmp/r$V.log" || fail "-V $V: retained message without the retain flag"
  pub -V $V -r -t "it/$V/retained" -n # delete

  # Will: a client killed without DISCONNECT has its will published.
  sub w$V -V $V -t "it/$V/will" -C 1 -W 10 -v
  watcher=$sub_pid wcat=$sub_cat
  sub dying$V -V $V -t "it/$V/nothing" --will-topic "it/$V/will" --will-payload "gone $V" \
    --will-qos 1 -i "dying-$V"
  kill -KILL "$sub_pid"
  wait "$sub_pid" 2>/dev/null || true # killed on purpose
  finish "$watcher" "$wcat"
  grep -qx "it/$V/will gone $V" "$tmp/w$V.log" || fail "-V $V: will not published"

  # A clean DISCONNECT publishes no will: the watcher times out empty.
  sub nw$V -V $V -t "it/$V/nowill" -W 1 -v
  watcher=$sub_pid wcat=$sub_cat
  pub -V $V -t "it/$V/other" -m x --will-topic "it/$V/nowill" --will-payload "wrong"
  wait "$watcher" 2>/dev/null || true # -W 1: it times out, which is the point
  wait "$wcat" || true
  ! grep -q "wrong" "$tmp/nw$V.log" || fail "-V $V: will published after DISCONNECT"
done

# User properties (5.0), forwarded in order.
sub up -V 5 -t "it/5/up" -C 1 -W 10 -F '%t %p %P'
s=$sub_pid c=$sub_cat
pub -V 5 -t "it/5/up" -m props -D publish user-property k1 v1 -D publish user-property k2 v2 \
  -D publish content-type text/plain
finish "$s" "$c"
grep -q "it/5/up props k1:v1 k2:v2" "$tmp/up.log" || fail "user properties not forwarded in order"

# Cross-version: a 3.1.1 publisher and a 5.0 subscriber, and the other way.
sub x5 -V 5 -t "it/x" -C 1 -W 10 -v
s=$sub_pid c=$sub_cat
pub -V 311 -q 1 -t "it/x" -m "from 311"
finish "$s" "$c"
grep -qx "it/x from 311" "$tmp/x5.log" || fail "3.1.1 -> 5.0 failed"
sub x4 -V 311 -t "it/y" -C 1 -W 10 -v
s=$sub_pid c=$sub_cat
pub -V 5 -q 2 -t "it/y" -m "from 5"
finish "$s" "$c"
grep -qx "it/y from 5" "$tmp/x4.log" || fail "5.0 -> 3.1.1 failed"

kill -TERM "$bpid"
wait "$bpid" || fail "broker exited with $?"
echo "PASS: mosquitto-clients interop (-V 311, -V 5)"
