#!/usr/bin/env python3
"""tests/harness/check_rule_scenarios.py — a malformed-input scenario for every
codec rule, per protocol version.

    check_rule_scenarios.py RULES_H SCENARIOS_DIR

Every rule of codec/include/mqs/rules.h that a client's packet can break
must be tagged `rule:NAME` by at least one scenario of each version it
applies to (that scenario sends such a packet and expects the close the
specification names). The exceptions below say why a rule has none; a tag
naming no rule, or an exception that a scenario covers after all, fails too.
"""
import glob
import os
import re
import sys

rules_h, scenarios = sys.argv[1:3]
rules = re.findall(r"^\s*X\((\w+),", open(rules_h).read(), re.M)

SERVER_ONLY = "breakable only in what a server sends: the engine's decoder checks it in every " \
              "packet every scenario receives"
FIVE_ONLY = "a 5.0 feature: 3.1.1 has no such field"
EXCEPT = {
    (5, "PASSWORD_WITHOUT_USERNAME"): "5.0 allows a password without a user name",
    (5, "CONNACK_RESERVED_FLAGS"): SERVER_ONLY,
    (5, "SESSION_PRESENT_ON_ERROR"): SERVER_ONLY,
    (4, "CONNACK_RESERVED_FLAGS"): SERVER_ONLY,
    (4, "SESSION_PRESENT_ON_ERROR"): SERVER_ONLY,
    (4, "REASON_CODE_INVALID"): SERVER_ONLY + " (3.1.1: SUBACK return codes)",
    (4, "SESSION_EXPIRY_FROM_SERVER"): FIVE_ONLY,
    (4, "VBI_NOT_MINIMAL"): "only 5.0 requires the shortest encoding (MQTT-1.5.5-1)",
    (4, "PACKET_TOO_LARGE"): "3.1.1 has no Maximum Packet Size",
    (4, "SHARE_NAME_EMPTY"): "3.1.1 has no shared subscriptions: $share/ is a plain filter",
    (4, "SHARE_NAME_INVALID"): "3.1.1 has no shared subscriptions: $share/ is a plain filter",
    (4, "SHARE_FILTER_MISSING"): "3.1.1 has no shared subscriptions: $share/ is a plain filter",
    (4, "NO_LOCAL_ON_SHARED"): FIVE_ONLY,
}
for r in ("UTF8_PAIR_INVALID", "TOPIC_ALIAS_ZERO", "TOPIC_ALIAS_ABOVE_MAX", "SUB_ID_FROM_CLIENT",
          "RESPONSE_TOPIC_WILDCARD", "PAYLOAD_NOT_UTF8", "RETAIN_HANDLING_3", "PROP_UNKNOWN",
          "PROP_NOT_ALLOWED", "PROP_DUPLICATE", "PROP_VALUE_INVALID", "SUB_ID_ZERO",
          "AUTH_DATA_WITHOUT_METHOD", "AUTH_METHOD_MISSING"):
    EXCEPT[(4, r)] = FIVE_ONLY

tagged = {4: {}, 5: {}}
problems = []
for path in sorted(glob.glob(os.path.join(scenarios, "**", "*.yaml"), recursive=True)):
    text = open(path).read()
    v = 5 if re.search(r'^version:\s*"?5', text, re.M) else 4
    m = re.search(r"^tags:\s*\[(.*)\]", text, re.M)
    for tag in (t.strip() for t in (m.group(1).split(",") if m else [])):
        if not tag.startswith("rule:"):
            continue
        name = tag[5:]
        if name not in rules:
            problems.append(f"{path}: tag {tag} names no rule of {rules_h}")
        tagged[v].setdefault(name, []).append(path)

for v in (4, 5):
    for r in rules:
        if (v, r) in EXCEPT:
            if r in tagged[v]:
                problems.append(f"{r} in {'3.1.1' if v == 4 else '5.0'} is listed as having no "
                                f"scenario ({EXCEPT[(v, r)]}) but {tagged[v][r][0]} has one")
        elif r not in tagged[v]:
            problems.append(f"no {'3.1.1' if v == 4 else '5.0'} scenario tagged rule:{r}")
print("\n".join(problems) or
      f"{len(rules)} rules: 3.1.1 {len(tagged[4])} with scenarios, 5.0 {len(tagged[5])}; "
      f"{len(EXCEPT)} (rule, version) pairs without one, each with its reason")
sys.exit(1 if problems else 0)
