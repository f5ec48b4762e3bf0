#!/usr/bin/env python3
"""tests/harness/check_pcap.py — the fixture run's pcaps judged by Wireshark's
own dissectors (tshark from Debian), not by our reading of them.

    check_pcap.py REPORT_GEN TSHARK

For every pcap: tshark reads it without complaint, with IP and TCP checksum
validation on, and flags no TCP analysis problem (retransmission, lost or
unseen segment, window full, ...) and no checksum error. For the scenarios
whose transcripts hold only valid packets, also: no frame is malformed, no
expert info at error level, every frame with TCP payload is MQTT or part of
a PDU that is reassembled later, and the MQTT packets Wireshark decodes are
the ones the transcript holds, of the same types, in the same order. For
the scenario with packets the codec rejects, Wireshark must flag them too.
"""
import json
import os
import subprocess
import sys
import tempfile

FIELDS = ["frame.number", "_ws.col.Protocol", "tcp.len", "mqtt.msgtype", "tcp.analysis.flags",
          "_ws.expert.severity", "_ws.expert.message", "tcp.reassembled_in", "_ws.malformed",
          "mqtt.ver"]
PI_ERROR = 0x00800000  # epan/proto.h: expert severity "Error"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def is_error(severity: str) -> bool:
    s = severity.strip()
    return s.lower() == "error" or (s.isdigit() and int(s) >= PI_ERROR)


def tshark_frames(tshark, path):
    cmd = [tshark, "-2", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE",
           "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    err = "\n".join(l for l in p.stderr.splitlines() if "Running as user" not in l
                    and "This could be dangerous" not in l)
    check(p.returncode == 0 and not err.strip(),
          f"{os.path.basename(path)}: tshark exit {p.returncode}: {err.strip()}")
    frames = []
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        frames.append(dict(zip(FIELDS, cols)))
    return frames


def split(v):
    return [x for x in v.split(",") if x]


def check_capture(tshark, path, x):
    name = os.path.basename(path)
    frames = tshark_frames(tshark, path)
    check(len(frames) > 0, f"{name}: no frames")
    decoded = []
    for fr in frames:
        n = fr["frame.number"]
        check(not fr["tcp.analysis.flags"],
              f"{name} frame {n}: TCP analysis flags: {fr['_ws.expert.message']}")
        check("checksum" not in fr["_ws.expert.message"].lower(),
              f"{name} frame {n}: checksum: {fr['_ws.expert.message']}")
        decoded += [int(t) for t in split(fr["mqtt.msgtype"])]
        if not x["clean"]:
            continue
        check(not fr["_ws.malformed"], f"{name} frame {n}: malformed")
        check(not any(is_error(s) for s in split(fr["_ws.expert.severity"])),
              f"{name} frame {n}: expert error: {fr['_ws.expert.message']}")
        if int(fr["tcp.len"] or 0) > 0:
            check(fr["mqtt.msgtype"] or fr["tcp.reassembled_in"],
                  f"{name} frame {n}: TCP payload not decoded as MQTT ({fr['_ws.col.Protocol']})")
        vers = split(fr["mqtt.ver"])
        check(all(int(v) == x["version"] for v in vers),
              f"{name} frame {n}: CONNECT version {vers}, want {x['version']}")

    sent = [p for p in x["packets"] if p["mark"] == "|"]
    if x["clean"]:
        # Wireshark reports a packet in the frame that completes it, as the
        # transcript lists it with the event that completes it.
        want = [p["type"] for p in sorted(sent, key=lambda p: (p["listed_in"], p["offset"]))]
        check(len(decoded) == len(sent),
              f"{name}: Wireshark decoded {len(decoded)} MQTT packets, the transcript has {len(sent)}")
        check(decoded == want, f"{name}: MQTT types {decoded}, want {want}")
    else:
        rejected = [p for p in x["packets"] if p["mark"] == "!"]
        if rejected:
            check(any(fr["_ws.malformed"] for fr in frames),
                  f"{name}: holds packets the codec rejects, but Wireshark found none malformed")
    return len(frames), len(decoded)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_pcap.py REPORT_GEN TSHARK")
    tshark = sys.argv[2]
    try:
        version = subprocess.run([tshark, "--version"], capture_output=True, text=True,
                                 check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"check_pcap.py: cannot run {tshark} ({e}); install it with ci/deps.sh")
    print(version)
    with tempfile.TemporaryDirectory(prefix="mqs-pcap-") as d:
        subprocess.run([sys.argv[1], d], check=True)
        with open(os.path.join(d, "expect.json")) as f:
            exp = json.load(f)
        files = sorted(os.listdir(os.path.join(d, "pcap")))
        want_files = sorted(x["pcap"] for x in exp["scenarios"])
        check(files == want_files, f"pcap files {files}, want {want_files}")
        for x in exp["scenarios"]:
            path = os.path.join(d, "pcap", x["pcap"])
            if os.path.exists(path):
                n, m = check_capture(tshark, path, x)
                print(f"{x['pcap']}: {n} frames, {m} MQTT packets"
                      f"{'' if x['clean'] else ' (not every packet complete and valid)'}")
    if failures:
        print("\n".join(failures))
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("pcaps: all checks passed")


if __name__ == "__main__":
    main()
