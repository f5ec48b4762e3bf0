#!/usr/bin/env python3
"""tests/harness/check_fault_coverage.py — every scenario has a fault case.

    check_fault_coverage.py MQSPEC SCENARIOS_DIR FAULTS_TXT

Lists the scenarios with `mqspec list` and checks that faults.txt has a line
for each (and none for a scenario that does not exist), so that no scenario
goes without a test showing it can fail.
"""
import re
import subprocess
import sys

mqspec, scenarios, faults = sys.argv[1:4]
p = subprocess.run([mqspec, "list", "--scenarios", scenarios], capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"mqspec list failed ({p.returncode}):\n{p.stdout}{p.stderr}")
ids = set(re.findall(r"^  (\S+)\s", p.stdout, re.M))
covered = {}
for n, line in enumerate(open(faults), 1):
    words = line.split()
    if not words or words[0].startswith("#"):
        continue
    if len(words) < 2:
        sys.exit(f"{faults}:{n}: expected 'ID FAULT...'")
    covered[words[0]] = n
missing = sorted(ids - covered.keys())
stale = sorted(covered.keys() - ids)
for i in missing:
    print(f"{faults}: no fault case for scenario {i}")
for i in stale:
    print(f"{faults}:{covered[i]}: {i} is not a scenario")
print(f"{len(ids)} scenarios, {len(ids) - len(missing)} with a fault case")
sys.exit(1 if missing or stale or not ids else 0)
