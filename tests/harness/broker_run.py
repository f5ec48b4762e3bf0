#!/usr/bin/env python3
"""tests/harness/broker_run.py — run a command against a real broker.

    broker_run.py --broker mosquitto|PATH [--ws] [--proxy PROXY --fault SPEC...]
                  [--expect-exit N] [--expect REGEX]... [--reject REGEX]... -- CMD...

Starts the broker on a free loopback port: mosquitto (Debian's, with a
generated config: `listener PORT 127.0.0.1` and `allow_anonymous true`),
or mqspec-broker at PATH (`-p 0`, it prints the port, with a password file
holding alice/secret as `mqspec run` gives the bundled broker). Waits for the line
that says it listens (no sleeps), optionally puts the fault-injecting proxy
in front of it, runs CMD with every "{port}" replaced by the port to use,
stops everything, and checks CMD's exit status and output. Exit 0 when
every expectation holds, 1 otherwise, 2 when the broker cannot start.
With --ws (mqspec-broker only) the broker also listens for MQTT over
WebSocket, "{wsport}" names that listener, and the proxy goes in front of
it instead of the TCP one.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def await_line(proc, pattern, timeout, log):
    """Read proc's output until a line matches; return the match or None."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    result = {}

    def reader():
        for line in proc.stdout:
            log.append(line)
            if "m" not in result:
                m = rx.search(line)
                if m:
                    result["m"] = m
                    ready.set()
        ready.set()

    ready = threading.Event()
    t = threading.Thread(target=reader, daemon=True)  # keeps draining afterwards
    t.start()
    proc.reader = t  # joined once the process has ended, so no line is lost
    ready.wait(max(0.0, deadline - time.monotonic()))
    return result.get("m")


def start_mosquitto(tmp):
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    for _ in range(5):
        port = free_port()
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
        proc = subprocess.Popen([exe, "-c", conf], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        log = []
        if await_line(proc, r"mosquitto version \S+ running", 10, log):
            return proc, port, log
        proc.kill()
        proc.wait()
        sys.stderr.write("mosquitto did not start:\n" + "".join(log))
    return None, None, None


def with_password_file(broker, tmp):
    """mqspec-broker's arguments for a password file holding alice/secret, the user
    `mqspec run` gives the bundled broker (scenarios that log in use it)."""
    path = os.path.join(tmp, "passwd")
    subprocess.run([broker, "passwd", path, "alice"], input="secret\n", text=True, check=True,
                   capture_output=True)
    return ["--password-file", path]


def start_listening(argv, what, pattern=r"listening on 127\.0\.0\.1:(\d+)"):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = []
    m = await_line(proc, pattern, 10, log)
    if not m:
        proc.kill()
        proc.wait()
        sys.stderr.write(f"{what} did not start:\n" + "".join(log))
        return None, None, log
    return proc, int(m.group(1)), log


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc and getattr(proc, "reader", None):
        proc.reader.join(5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    ap.add_argument("--proxy")
    ap.add_argument("--ws", action="store_true")
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--expect-exit", type=int)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("a command is needed after --")
    tmp = tempfile.mkdtemp(prefix="mqs-broker-run-")
    broker = proxy = None
    try:
        wsport = None
        if a.broker == "mosquitto":
            broker, port, blog = start_mosquitto(tmp)
        elif a.ws:  # the WebSocket line comes after the TCP ones
            broker, wsport, blog = start_listening(
                [a.broker, "-p", "0", "--ws-listen", "127.0.0.1:0"] +
                with_password_file(a.broker, tmp), a.broker,
                r"listening for WebSocket \(path any\) at 127\.0\.0\.1:(\d+)")
            port = next((int(m.group(1)) for m in map(
                re.compile(r"listening on 127\.0\.0\.1:(\d+)").search, blog) if m), None)
        else:
            broker, port, blog = start_listening(
                [a.broker, "-p", "0"] + with_password_file(a.broker, tmp), a.broker)
        if not broker:
            return 2
        if a.proxy:
            argv = [a.proxy, "--upstream", f"127.0.0.1:{wsport if a.ws else port}"]
            for f in a.fault:
                argv += ["--fault", f]
            proxy, front, plog = start_listening(argv, "the fault proxy")
            if not proxy:
                return 2
            if a.ws:
                wsport = front
            else:
                port = front
        cmd = [c.replace("{port}", str(port)).replace("{wsport}", str(wsport)) for c in cmd]
        print("$", " ".join(cmd), flush=True)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(p.stdout)
        out = p.stdout
        ok = True
        if a.proxy:
            if proxy.poll() is not None:
                print(f"broker_run: the proxy died during the run (status {proxy.returncode})")
                ok = False
            stop(proxy)
            faults = "".join("proxy: " + l for l in plog if l.startswith("fault"))
            sys.stdout.write(faults)
            out += faults
        if a.expect_exit is not None and p.returncode != a.expect_exit:
            print(f"broker_run: exit status {p.returncode}, expected {a.expect_exit}")
            ok = False
        for rx in a.expect:
            if not re.search(rx, out, re.M):
                print(f"broker_run: no line matches /{rx}/")
                ok = False
        for rx in a.reject:
            if re.search(rx, out, re.M):
                print(f"broker_run: a line matches /{rx}/, which it must not")
                ok = False
        if broker.poll() is not None:
            print(f"broker_run: the broker died during the run (status {broker.returncode}):")
            print("".join(blog[-30:]))
            ok = False
        return 0 if ok else 1
    finally:
        stop(proxy)
        stop(broker)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
