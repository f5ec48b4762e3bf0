#!/usr/bin/env python3
"""tests/harness/check_coverage_run.py — `mqspec coverage --run` gives each
statement the verdict its scenarios earned in a run.

    check_coverage_run.py MQSPEC SCENARIOS_DIR

Builds the JSON of a run over the real scenarios with chosen verdicts (a MUST
failure, a listed deviation, a SHOULD failure, n/a, error, pass, and one
statement shared by a passing and a failing scenario), runs `mqspec coverage
--run` on it, and checks every printed statement verdict against the same
rules computed here: the worst verdict wins (fail > error > pass > n/a), a
statement counts only scenarios of its own version, fail* when only listed
deviations failed, fail~ when only SHOULD/MAY scenarios failed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

mqspec, scenarios = sys.argv[1:3]


def statement_lines(args, word):
    """{(version, statement): rest of its line} from `mqspec coverage ARGS`, for
    the statement lines whose verdict column matches the regex word."""
    p = subprocess.run([mqspec, "coverage", "--scenarios", scenarios] + args,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"coverage {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    out, version = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"MQTT (3\.1\.1|5\.0) ", line)
        if m:
            version = 5 if m.group(1) == "5.0" else 4
        m = re.match(r"  (MQTT-\S+)\s+(" + word + r")\s+(.*)$", line)
        if m:
            out[(version, m.group(1))] = (m.group(2), m.group(3))
    return out, p.stdout


# Each scenario's version and statements: "ID covered SCENARIO, ..." per statement.
by_version = {k: rest.split(", ")
              for k, (_, rest) in statement_lines([], "covered")[0].items()}
scen = {}  # scenario id -> (version, [statements])
for (v, st), ids in by_version.items():
    for i in ids:
        scen.setdefault(i, (v, []))[1].append(st)
names = sorted(scen)
if len(names) < 8:
    sys.exit("too few scenarios to build a run")

# Verdicts: the first few scenarios get each interesting outcome, the rest pass.
plan = {names[0]: ("fail", False, "MUST"), names[1]: ("fail", True, "MUST"),
        names[2]: ("fail", False, "SHOULD"), names[3]: ("n/a", False, "MUST"),
        names[4]: ("error", False, "MUST")}
run = {"format": 1, "broker": "127.0.0.1:1", "broker_name": "test-broker", "scenarios": []}
for n in names:
    verdict, expected, level = plan.get(n, ("pass", False, "MUST"))
    v, sts = scen[n]
    run["scenarios"].append({"id": n, "version": v, "level": level, "statements": sts,
                             "verdict": verdict, "expected_fail": expected})

order = {"n/a": 1, "pass": 2, "error": 3, "fail": 4}
want = {}
for (v, st), ids in by_version.items():
    worst, listed_only, must = 0, True, False
    for i in ids:
        verdict, expected, level = plan.get(i, ("pass", False, "MUST"))
        worst = max(worst, order[verdict])
        if verdict == "fail" and not expected:
            listed_only = False
            must = must or level == "MUST"
    word = {1: "n/a", 2: "pass", 3: "error"}.get(worst)
    if worst == 4:
        word = "fail*" if listed_only else "FAIL" if must else "fail~"
    want[(v, st)] = word

with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(run, f)
lines, stdout = statement_lines(["--run", f.name], r"FAIL|fail\*|fail~|error|pass|n/a|not run")
os.unlink(f.name)
got = {k: verdict for k, (verdict, _) in lines.items()}
bad = [f"{v} {st}: expected {w}, got {got.get((v, st))}" for (v, st), w in want.items()
       if got.get((v, st)) != w]
seen = set(got.values())
for word in ("FAIL", "fail*", "fail~", "pass"):
    if word not in seen:
        bad.append(f"no statement printed as {word}")
if "test-broker" not in stdout:
    bad.append("the broker's name is not printed")
print("\n".join(bad) or f"{len(want)} statement verdicts as expected ({', '.join(sorted(seen))})")
sys.exit(1 if bad else 0)
