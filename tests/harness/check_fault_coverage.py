#!/usr/bin/env python3
"""tests/harness/check_fault_coverage.py — every scenario has a fault case.

    check_fault_coverage.py MQSPEC SCENARIOS_DIR FAULTS_DIR

Lists the scenarios with `mqspec list` and checks that the files FAULTS_DIR/*.txt
have exactly one line for each (and none for a scenario that does not exist), so
that no scenario goes without a test showing it can fail.
"""
import glob
import os
import re
import subprocess
import sys

mqspec, scenarios, faults_dir = sys.argv[1:4]
p = subprocess.run([mqspec, "list", "--scenarios", scenarios], capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"mqspec list failed ({p.returncode}):\n{p.stdout}{p.stderr}")
ids = set(re.findall(r"^  (\S+)\s", p.stdout, re.M))
covered = {}
twice = []
for faults in sorted(glob.glob(os.path.join(faults_dir, "*.txt"))):
    for n, line in enumerate(open(faults), 1):
        if ";" in line:  # CMake reads these files as lists: a ';' would split the line
            twice.append(f"{faults}:{n}: no ';' in these files, comments included")
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) < 2:
            sys.exit(f"{faults}:{n}: expected 'ID FAULT...'")
        if words[0] in covered:
            twice.append(f"{faults}:{n}: {words[0]} already has a case at {covered[words[0]]}")
        covered[words[0]] = f"{faults}:{n}"
missing = sorted(ids - covered.keys())
stale = sorted(covered.keys() - ids)
for i in missing:
    print(f"{faults_dir}: no fault case for scenario {i}")
for i in stale:
    print(f"{covered[i]}: {i} is not a scenario")
for t in twice:
    print(t)
print(f"{len(ids)} scenarios, {len(ids) - len(missing)} with a fault case")
sys.exit(1 if missing or stale or twice or not ids else 0)
