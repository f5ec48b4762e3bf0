#!/usr/bin/env python3
"""tests/harness/check_schema.py — scenarios/schema.json against the scenarios.

    check_schema.py SCHEMA SCENARIOS_DIR

Every scenario in the tree validates against the JSON Schema that editors
use, and documents with the usual mistakes (an unknown key, a bad duration,
two actions in a step, a misspelt packet type) do not. Needs the Python
modules jsonschema and yaml (Debian: python3-jsonschema, python3-yaml);
without them the test is skipped (exit 77), not passed.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"skipped: {e} (install python3-jsonschema and python3-yaml)")
    sys.exit(77)

schema_path, root = sys.argv[1:3]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []

files = sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True))
for path in files:
    doc = yaml.safe_load(open(path))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:3]:
        failures.append(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")

HEAD = "id: t\ntitle: t\nspec: [MQTT-3.12.4-1]\nversion: 5\nclients: [c]\n"
bad = {
    "unknown top-level key": HEAD + "steps: [{c: close}]\ncolour: red\n",
    "statement id": "id: t\ntitle: t\nspec: [4.3.3-2]\nversion: 5\nclients: [c]\nsteps: [{c: close}]\n",
    "version": "id: t\ntitle: t\nspec: [MQTT-1.5.4-1]\nversion: 6\nclients: [c]\nsteps: [{c: close}]\n",
    "duration": HEAD + "steps: [{c: {expect_nothing: 5}}]\n",
    "packet type": HEAD + "steps: [{c: {expect: pong}}]\n",
    "action": HEAD + "steps: [{c: {fly: {}}}]\n",
    "two steps in one": HEAD + "steps: [{c: close, d: close}]\n",
    "expect_close field": HEAD + "steps: [{c: {expect_close: {when: now}}}]\n",
    "need": "id: t\ntitle: t\nspec: [MQTT-1.5.4-1]\nversion: 5\nneeds: [telepathy]\nclients: [c]\nsteps: [{c: close}]\n",
    "repeat": HEAD + "steps: [{repeat: {times: 0, steps: [{c: close}]}}]\n",
    "publish field": HEAD + "steps: [{c: {publish: {topic: a, colour: red}}}]\n",
    "expect field": HEAD + "steps: [{c: {expect: puback, colour: red}}]\n",
}
for what, text in bad.items():
    if validator.is_valid(yaml.safe_load(text)):
        failures.append(f"the schema accepts a document with a bad {what}:\n{text}")

print(f"{len(files)} scenario files valid against the schema; {len(bad)} broken documents refused")
for f in failures:
    print(f)
sys.exit(1 if failures or not files else 0)
