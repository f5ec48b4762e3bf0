#!/usr/bin/env python3
"""tests/harness/check_run_reports.py — the reports of a real run, judged by
their readers: tshark (Wireshark's own MQTT dissector) for the pcaps, a JSON
parser and an XML parser for the others.

    check_run_reports.py RUN_DIR TSHARK

RUN_DIR holds run.json, junit.xml and pcap/ from `mqspec run`. Every
scenario has a pcap; tshark reads each without error; in the pcap of a
scenario whose every packet the codec accepts (in the JSON), no frame is
malformed and every frame carrying TCP payload decodes as MQTT (or is a
segment reassembled into one). Scenarios that send broken packets on
purpose are exempt from "not malformed" only. JUnit has one testcase per
scenario with the same verdicts as the JSON.

tshark starts slowly (its dissectors load for most of a second), so the
pcaps are merged into one capture first, each scenario's packets moved to
addresses of their own (10.x.y.1, checksums redone), and read in one pass.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

run_dir, tshark = sys.argv[1:3]
failures = []
run = json.load(open(os.path.join(run_dir, "run.json")))
scenarios = run["scenarios"]
if not scenarios:
    failures.append("run.json has no scenarios")


def all_valid(s):
    for e in s["transcript"]["events"]:
        for p in e.get("packets", []):
            if p.get("status") != "decoded":
                return False
    return True


def pcap_for(sid):
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", sid)
    return os.path.join(run_dir, "pcap", safe + ".pcap")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def readdress(frame, index):
    """Move an IPv4/TCP frame (raw IP link type) to 10.x.y.1, fixing both checksums."""
    ihl = (frame[0] & 0x0F) * 4
    if frame[0] >> 4 != 4 or len(frame) < ihl + 20 or frame[9] != 6:
        return frame
    addr = bytes([10, (index >> 8) & 0xFF, index & 0xFF, 1])
    ip = bytearray(frame[:ihl])
    ip[12:16] = addr
    ip[16:20] = addr
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    total_len = struct.unpack("!H", frame[2:4])[0]
    tcp = bytearray(frame[ihl:total_len])
    tcp[16:18] = b"\0\0"
    pseudo = addr + addr + struct.pack("!BBH", 0, 6, len(tcp))
    tcp[16:18] = struct.pack("!H", checksum(pseudo + bytes(tcp)))
    return bytes(ip) + bytes(tcp) + frame[total_len:]


def merge(out_path):
    """One pcap of every scenario's; returns [(first_frame, last_frame, scenario)]."""
    ranges, frame_no, header = [], 0, None
    with open(out_path, "wb") as out:
        for i, s in enumerate(scenarios):
            path = pcap_for(s["id"])
            if not os.path.exists(path):
                failures.append(f"{s['id']}: no pcap at {path}")
                continue
            data = open(path, "rb").read()
            if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
                failures.append(f"{s['id']}: {path} is not a little-endian pcap")
                continue
            linktype = struct.unpack("<I", data[20:24])[0]
            if linktype != 101:
                failures.append(f"{s['id']}: link type {linktype}, expected 101 (raw IP)")
                continue
            if header is None:
                header = data[:24]
                out.write(header)
            first = frame_no + 1
            off = 24
            while off + 16 <= len(data):
                sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
                frame = readdress(data[off + 16:off + 16 + incl], i + 1)
                out.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
                off += 16 + incl
                frame_no += 1
            if frame_no < first and s.get("verdict") != "n/a":  # n/a ones may send nothing
                failures.append(f"{s['id']}: the pcap has no frames")
            ranges.append((first, frame_no, s))
    return ranges


with tempfile.TemporaryDirectory() as tmp:
    merged = os.path.join(tmp, "all.pcap")
    ranges = merge(merged)
    cmd = [tshark, "-2", "-n", "-r", merged, "-T", "fields", "-E", "separator=/t",
           "-e", "frame.number", "-e", "tcp.len", "-e", "_ws.col.Protocol",
           "-e", "_ws.malformed", "-e", "tcp.reassembled_in"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    err = "\n".join(l for l in p.stderr.splitlines()
                    if "Running as user" not in l and "could be dangerous" not in l)
    if p.returncode != 0 or err.strip():
        failures.append(f"tshark exit {p.returncode}: {err.strip()}")
    owner = {}
    for first, last, s in ranges:
        for n in range(first, last + 1):
            owner[n] = s
    strict_ok = {id(s): all_valid(s) for s in scenarios}
    for line in p.stdout.splitlines():
        num, tcplen, proto, malformed, reassembled = (line.split("\t") + [""] * 5)[:5]
        s = owner.get(int(num))
        if s is None or not strict_ok[id(s)]:
            continue
        local = int(num) - next(f for f, l, x in ranges if x is s) + 1
        if malformed:
            failures.append(f"{s['id']}: frame {local} is malformed for Wireshark")
        # "MQTT/JSON": Wireshark decoded an application/json payload as well.
        if tcplen and int(tcplen) > 0 and not proto.startswith("MQTT") and not reassembled:
            failures.append(f"{s['id']}: frame {local} carries {tcplen} bytes but is {proto}")

junit = ET.parse(os.path.join(run_dir, "junit.xml")).getroot()
cases = {c.get("name"): c for c in junit.iter("testcase")}
for s in scenarios:
    c = cases.get(s["id"])
    if c is None:
        failures.append(f"junit.xml: no testcase for {s['id']}")
        continue
    failed = c.find("failure") is not None or c.find("error") is not None
    skipped = c.find("skipped") is not None
    v = s["verdict"]
    if v == "pass" and (failed or skipped):
        failures.append(f"junit.xml: {s['id']} passed but is reported otherwise")
    if v == "n/a" and not skipped:
        failures.append(f"junit.xml: {s['id']} is n/a but not skipped")

strict = sum(1 for s in scenarios if all_valid(s))
print(f"{len(scenarios)} scenarios, {strict} pcaps held to 'every frame is well-formed MQTT'")
for f in failures:
    print(f)
sys.exit(1 if failures else 0)
