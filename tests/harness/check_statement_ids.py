#!/usr/bin/env python3
"""tests/harness/check_statement_ids.py — every statement id a scenario names
exists in its version of the specification.

    check_statement_ids.py MQSPEC SCENARIOS_DIR

The ids of both versions are in scenarios/statements/ (from the OASIS
standards; 3.1.1's three misprinted ids normalised). The loader checks the
form MQTT-x.y.z-n; this checks that the statement is real, and of the
scenario's version (the same id means different things in 3.1.1 and 5.0).
"""
import os
import re
import subprocess
import sys

mqspec, root = sys.argv[1:3]


def ids(name):
    path = os.path.join(root, "statements", name)
    return {l.strip() for l in open(path) if l.startswith("MQTT-")}


known = {"5.0": ids("mqtt-v5.0-statement-ids.txt"), "3.1.1": ids("mqtt-v3.1.1-statement-ids.txt")}
p = subprocess.run([mqspec, "list", "--scenarios", root], capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"mqspec list failed:\n{p.stdout}{p.stderr}")
bad, n = [], 0
for line in p.stdout.splitlines():
    m = re.match(r"^  (\S+)\s+(5\.0|3\.1\.1)\s+\S+\s+(\S+)$", line)
    if not m:
        continue
    n += 1
    for sid in m.group(3).split(","):
        if sid not in known[m.group(2)]:
            bad.append(f"{m.group(1)}: {sid} is not a statement of MQTT {m.group(2)}")
print(f"{n} scenarios; every statement id checked against scenarios/statements/")
for b in bad:
    print(b)
sys.exit(1 if bad or n == 0 else 0)
