#!/usr/bin/env python3
"""tests/harness/check_reports.py — the JUnit XML and JSON reports of the
fixture run, read by python3's own parsers and checked against what the
fixture says they must show (expect.json, written by report_gen from the
transcripts' marks, not by the code under test).

    check_reports.py REPORT_GEN
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

VERDICTS = ["pass", "fail", "n/a", "error"]  # mqs_verdict order
TYPE_NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
              7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
              12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}
# Which streams an event ends (0: harness to broker, 1: broker to harness).
ENDS = {"closed_local": (0, 1), "reset_local": (0, 1), "reset_peer": (0, 1),
        "half_closed": (0,), "closed_peer": (1,)}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def xml_text(raw: bytes) -> str:
    """What an XML parser must give back for raw text: ill-formed UTF-8
    replaced, characters XML 1.0 forbids dropped."""
    s = raw.decode("utf-8", "replace")
    return "".join(c for c in s if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff"))


def first_line(s: str) -> str:
    return re.split(r"[\r\n]", s, maxsplit=1)[0]


def check_junit(path, exp):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        check(False, f"junit: not well-formed XML: {e}")
        return
    check(root.tag == "testsuites", "junit: root is not <testsuites>")
    suites = root.findall("testsuite")
    check(len(suites) == 1, "junit: expected one <testsuite>")
    suite = suites[0]
    cases = suite.findall("testcase")
    scen = exp["scenarios"]
    check(len(cases) == len(scen), f"junit: {len(cases)} testcases, want {len(scen)}")

    want = {"failures": 0, "errors": 0, "skipped": 0}
    for x in scen:
        if x["junit"] == "failure":
            want["failures"] += 1
        elif x["junit"] == "error":
            want["errors"] += 1
        elif x["junit"] == "skipped":
            want["skipped"] += 1
    for el in (root, suite):
        check(el.get("tests") == str(len(scen)), f"junit: <{el.tag}> tests={el.get('tests')}")
        for k, v in want.items():
            check(el.get(k) == str(v), f"junit: <{el.tag}> {k}={el.get(k)}, want {v}")
        check(re.fullmatch(r"\d+\.\d{6}", el.get("time", "")), f"junit: <{el.tag}> time")
    # the counts must also agree with the elements themselves
    for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        n = sum(1 for c in cases if c.find(tag) is not None)
        check(n == int(suite.get(key)), f"junit: {n} <{tag}> elements but {key}={suite.get(key)}")
    check(suite.get("timestamp") == "2024-05-01T12:34:56", f"junit: timestamp {suite.get('timestamp')}")
    check(suite.get("name") == "mqspec: " + exp["broker_name"], f"junit: suite name {suite.get('name')}")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    check(props.get("broker") == exp["broker"], "junit: broker property")

    for case, x in zip(cases, scen):
        sid = x["id"]
        check(case.get("name") == sid, f"junit: testcase name {case.get('name')!r}, want {sid!r}")
        check(case.get("classname") == x["classname"],
              f"junit {sid}: classname {case.get('classname')!r}, want {x['classname']!r}")
        check(case.get("file") == x["file"], f"junit {sid}: file")
        check(abs(float(case.get("time")) - x["duration_us"] / 1e6) < 1e-9, f"junit {sid}: time")
        stmts = [p.get("value") for p in case.find("properties") if p.get("name") == "statement"]
        check(stmts == x["statements"], f"junit {sid}: statement properties {stmts}")
        children = [c.tag for c in case if c.tag != "properties"]
        want_child = [x["junit"]] if x["junit"] else []
        check(children == want_child, f"junit {sid}: children {children}, want {want_child}")
        msg = xml_text(bytes.fromhex(x["message_hex"]))
        el = case.find(x["junit"]) if x["junit"] else None
        if x["junit"] in ("failure", "error"):
            check(el.text.startswith(msg), f"junit {sid}: element text {el.text!r} does not start with {msg!r}")
            check(el.get("message") == first_line(msg),
                  f"junit {sid}: message {el.get('message')!r}, want {first_line(msg)!r}")
        if x["junit"] == "failure":
            check(el.get("type") == "MUST", f"junit {sid}: failure type {el.get('type')}")
        if x["junit"] == "skipped":
            m = el.get("message", "")
            if x["expected_fail"]:
                check(m.startswith("expected failure: "), f"junit {sid}: skipped message {m!r}")
            else:
                check(m.startswith("not applicable: "), f"junit {sid}: skipped message {m!r}")

    # the hostile message survived: markup characters are text, not markup
    big = [c for c in cases if c.get("name") == "v5.publish.70k"][0].find("failure")
    check(big is not None and '<id=7> & "ok"' in big.text and "]]>" in big.text and "\r\n" in big.text,
          "junit: hostile message not carried through")
    check("\x01" not in big.text and "\x1b" not in big.text, "junit: control bytes not dropped")


def check_json(path, exp):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        doc = json.loads(raw.decode("utf-8"))  # strict: the bytes must be UTF-8
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        check(False, f"json: does not parse: {e}")
        return
    check(doc["broker"] == exp["broker"] and doc["broker_name"] == exp["broker_name"], "json: broker")
    check(doc["started"] == "2024-05-01T12:34:56Z", f"json: started {doc['started']}")
    check(doc["started_unix_ms"] == exp["started_unix_ms"], "json: started_unix_ms")
    check(doc["duration_us"] == exp["duration_us"], "json: duration_us")

    scen = exp["scenarios"]
    totals = {v: sum(1 for x in scen if VERDICTS[x["verdict"]] == v) for v in VERDICTS}
    totals["scenarios"] = len(scen)
    totals["expected_fail"] = sum(1 for x in scen if x["expected_fail"])
    check(doc["totals"] == totals, f"json: totals {doc['totals']}, want {totals}")

    got_st = [(s["id"], s["verdict"], s["expected"]) for s in doc["statements"]]
    want_st = [tuple(s) for s in exp["statements"]]
    check(got_st == want_st, f"json: statements\n  got  {got_st}\n  want {want_st}")
    for s in doc["statements"]:
        users = [x["id"] for x in scen if s["id"] in x["statements"]]
        check(s["scenarios"] == users, f"json: statement {s['id']} scenarios {s['scenarios']}")

    check(len(doc["scenarios"]) == len(scen), "json: scenario count")
    for d, x in zip(doc["scenarios"], scen):
        check_json_scenario(d, x)


def check_json_scenario(d, x):
    sid = x["id"]
    for k in ("id", "title", "file", "version", "failed_step", "started_us", "duration_us",
              "expected_fail", "statements"):
        check(d[k] == x[k], f"json {sid}: {k} {d[k]!r}, want {x[k]!r}")
    check(d["verdict"] == VERDICTS[x["verdict"]], f"json {sid}: verdict {d['verdict']}")
    if x["has_message"]:
        want = bytes.fromhex(x["message_hex"]).decode("utf-8", "replace")
        check(d["message"] == want, f"json {sid}: message {d['message']!r}, want {want!r}")
    else:
        check(d["message"] is None, f"json {sid}: message should be null")
    for k in ("level", "tags", "expect_reason", "failed_line", "na_reason"):
        check(k in d, f"json {sid}: no {k}")

    events = d["transcript"]["events"]
    check(d["transcript"]["version"] == x["version"], f"json {sid}: transcript version")
    check(len(events) == len(x["events"]), f"json {sid}: {len(events)} events, want {len(x['events'])}")
    for i, (e, w) in enumerate(zip(events, x["events"])):
        for k in ("kind", "conn", "client", "t_us"):
            check(e[k] == w[k], f"json {sid} event {i}: {k} {e[k]!r}, want {w[k]!r}")
        if w["kind"] in ("sent", "received"):
            # every byte, as written
            check(e.get("hex") == w["hex"], f"json {sid} event {i}: hex differs")
            check(e.get("len") == len(w["hex"]) // 2, f"json {sid} event {i}: len")
            check(isinstance(e.get("packets"), list), f"json {sid} event {i}: no packets list")
        else:
            check("hex" not in e, f"json {sid} event {i}: hex on a {w['kind']} event")

    # packets: each listed once, with the event the marks say, decoded as the marks say
    listed = []
    for i, e in enumerate(events):
        for p in e.get("packets", []):
            listed.append((i, p))
    want = sorted(x["packets"], key=lambda p: (p["listed_in"], p["conn"], p["dir"], p["offset"]))
    check(len(listed) == len(want), f"json {sid}: {len(listed)} packets listed, want {len(want)}")
    streams = {}
    for ev in x["events"]:
        if ev["kind"] in ("sent", "received"):
            key = (ev["conn"], 0 if ev["kind"] == "sent" else 1)
            streams[key] = streams.get(key, b"") + bytes.fromhex(ev["hex"])
    for (i, p), w in zip(listed, want):
        where = f"json {sid} packet at event {i} offset {p['offset']}"
        check(i == w["listed_in"], f"{where}: listed in event {i}, want {w['listed_in']}")
        check(p["offset"] == w["offset"] and p["len"] == w["len"],
              f"{where}: offset/len {p['offset']}/{p['len']}, want {w['offset']}/{w['len']}")
        check(p["first_event"] == w["first_event"], f"{where}: first_event {p['first_event']}")
        status = {"|": "decoded", "!": "rejected", "~": "unframed", "?": "incomplete"}[w["mark"]]
        check(p["status"] == status, f"{where}: status {p['status']}, want {status}")
        if status == "decoded":
            pk = p.get("packet", {})
            check(pk.get("type") == TYPE_NAMES[w["type"]], f"{where}: type {pk.get('type')}")
            check(pk.get("remaining", -1) < w["len"], f"{where}: remaining length")
            if pk.get("type") == "PUBLISH" and w["len"] > 65536:
                payload = streams[(w["conn"], w["dir"])][w["offset"] + 10:w["offset"] + w["len"]]
                check(pk["payload"] == {"len": len(payload), "hex": payload.hex()},
                      f"{where}: 70 KB payload not carried whole")
        elif status == "rejected":
            v = p.get("violation")
            check(isinstance(v, dict) and v.get("rule") and "reason_code" in v,
                  f"{where}: no violation object")
            check(p.get("error") == "MQS_EMALFORMED", f"{where}: error {p.get('error')}")
        else:
            check("packet" not in p and "violation" not in p, f"{where}: {status} with a body")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_reports.py REPORT_GEN")
    with tempfile.TemporaryDirectory(prefix="mqs-reports-") as d:
        subprocess.run([sys.argv[1], d], check=True)
        with open(os.path.join(d, "expect.json")) as f:
            exp = json.load(f)
        check_junit(os.path.join(d, "junit.xml"), exp)
        check_json(os.path.join(d, "report.json"), exp)
    if failures:
        print("\n".join(failures))
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("junit.xml and report.json: all checks passed")


if __name__ == "__main__":
    main()
