#!/usr/bin/env python3
"""scenarios/catalog/check_catalog.py — the statement catalog is complete and
well formed, and every scenario names only statements it lists.

    check_catalog.py SCENARIOS_DIR [CHECK]

CHECK is one of `ids` (each catalog has exactly the distinct ids of its
official list in SCENARIOS_DIR/statements/), `fields` (every entry has the
required fields with valid values), `scenarios` (every `spec:` id of every
scenario is in the catalog of the scenario's version), or `all` (default).
Prints what is wrong and exits 1, or prints a summary and exits 0.
"""
import os
import re
import sys

import yaml

CATALOGS = {  # version -> (catalog file, official id list)
    "3.1.1": ("v311.catalog", "mqtt-v3.1.1-statement-ids.txt"),
    "5.0": ("v5.catalog", "mqtt-v5.0-statement-ids.txt"),
}
LEVELS = {"MUST", "SHOULD", "MAY"}
BINDS = {"server", "client", "both"}
REQUIRED = ("id", "section", "level", "binds", "testable", "text")
OPTIONAL = ("why", "note")
# A scenario's `version:` as the README allows it.
VERSIONS = {"5": "5.0", "5.0": "5.0", "3.1.1": "3.1.1", "311": "3.1.1", "4": "3.1.1"}


def official(root, name):
    with open(os.path.join(root, "statements", name)) as f:
        return [l.strip() for l in f if l.startswith("MQTT-")]


def load(root, name):
    with open(os.path.join(root, "catalog", name)) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("statements"), list):
        raise SystemExit(f"{name}: expected a mapping with a list `statements`")
    return doc


def check_ids(root, errors, summary):
    for ver, (cat, lst) in CATALOGS.items():
        want = official(root, lst)
        if len(set(want)) != len(want):
            errors.append(f"{lst}: duplicate ids in the official list")
        doc = load(root, cat)
        if str(doc.get("version")) != ver:
            errors.append(f"{cat}: version is {doc.get('version')!r}, expected {ver!r}")
        got = [e.get("id") if isinstance(e, dict) else None for e in doc["statements"]]
        seen = set()
        for i in got:
            if i in seen:
                errors.append(f"{cat}: {i} appears more than once")
            seen.add(i)
        for i in sorted(set(want) - seen, key=str):
            errors.append(f"{cat}: {i} of {lst} is missing")
        for i in sorted(seen - set(want), key=str):
            errors.append(f"{cat}: {i} is not in {lst}")
        summary.append(f"{cat}: {len(seen)} distinct ids, official list {len(set(want))}")


def check_fields(root, errors, summary):
    for ver, (cat, _) in CATALOGS.items():
        doc = load(root, cat)
        testable = 0
        for n, e in enumerate(doc["statements"]):
            where = f"{cat}: entry {n + 1}"
            if not isinstance(e, dict):
                errors.append(f"{where}: not a mapping")
                continue
            sid = e.get("id")
            where = f"{cat}: {sid}"
            for k in REQUIRED:
                if k not in e:
                    errors.append(f"{where}: no `{k}`")
            for k in e:
                if k not in REQUIRED + OPTIONAL:
                    errors.append(f"{where}: unknown key `{k}`")
            m = re.fullmatch(r"MQTT-(\d+(?:\.\d+)*)-\d+", str(sid))
            if not m:
                errors.append(f"{where}: id is not of the form MQTT-x.y.z-n")
            sec = e.get("section")
            if not isinstance(sec, str) or not re.fullmatch(r"\d+(\.\d+)*", sec):
                errors.append(f"{where}: section {sec!r} is not a quoted section number")
            elif m and not (m.group(1) + ".").startswith(sec + ".") \
                    and not (sec + ".").startswith(m.group(1) + "."):
                errors.append(f"{where}: section {sec} does not agree with the id")
            if e.get("level") not in LEVELS:
                errors.append(f"{where}: level {e.get('level')!r} is not MUST, SHOULD or MAY")
            if e.get("binds") not in BINDS:
                errors.append(f"{where}: binds {e.get('binds')!r} is not server, client or both")
            t = e.get("testable")
            if not isinstance(t, bool):
                errors.append(f"{where}: testable {t!r} is not true or false")
            elif t:
                testable += 1
                if e.get("binds") == "client":
                    errors.append(f"{where}: testable against a broker, but binds the client only")
            elif not (isinstance(e.get("why"), str) and e["why"].strip()):
                errors.append(f"{where}: not testable and no `why`")
            text = e.get("text")
            if not isinstance(text, str) or not text.strip():
                errors.append(f"{where}: empty `text`")
            elif len(text.split()) > 30:
                errors.append(f"{where}: `text` has {len(text.split())} words (keep it short)")
        summary.append(f"{cat}: {len(doc['statements'])} entries, {testable} testable")


def scenario_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith((".yaml", ".yml")) and not f.startswith("."):
                yield os.path.join(dirpath, f)


def check_scenarios(root, errors, summary):
    known = {}
    for ver, (cat, _) in CATALOGS.items():
        known[ver] = {e["id"] for e in load(root, cat)["statements"] if isinstance(e, dict)}
    n = 0
    for path in scenario_files(root):
        with open(path) as f:
            doc = yaml.safe_load(f)
        if not isinstance(doc, dict) or "steps" not in doc:
            continue  # not a scenario (the loader reports broken files)
        n += 1
        ver = VERSIONS.get(str(doc.get("version")))
        if ver is None:
            errors.append(f"{path}: unknown version {doc.get('version')!r}")
            continue
        spec = doc.get("spec") or []
        if isinstance(spec, str):
            spec = [spec]
        if not spec:
            errors.append(f"{path}: no `spec` ids")
        for sid in spec:
            if sid not in known[ver]:
                errors.append(f"{path}: {sid} is not in the MQTT {ver} catalog")
    if n == 0:
        errors.append(f"no scenarios found under {root}")
    summary.append(f"{n} scenarios: every `spec:` id checked against the catalog of its version")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    checks = {"ids": check_ids, "fields": check_fields, "scenarios": check_scenarios}
    if which not in checks and which != "all":
        raise SystemExit(f"usage: {sys.argv[0]} SCENARIOS_DIR [ids|fields|scenarios|all]")
    errors, summary = [], []
    for name, fn in checks.items():
        if which in (name, "all"):
            fn(root, errors, summary)
    for s in summary:
        print(s)
    for e in errors:
        print("error:", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
