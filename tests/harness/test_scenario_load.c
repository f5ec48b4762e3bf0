/* tests/harness/test_scenario_load.c — the scenario loader: what a good file
 * becomes, and every way a file can be wrong, each reported with the line,
 * the column and what was expected there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"

/* The head every case shares: a valid scenario up to `steps:`. */
#define HEAD                                                                                      \
  "id: t.case\n"                                                                                  \
  "title: a test\n"                                                                               \
  "spec: [MQTT-3.12.4-1]\n"                                                                       \
  "version: 5\n"                                                                                  \
  "clients: [c, d]\n"                                                                             \
  "steps:\n"
/* HEAD is 6 lines: the first step is on line 7. */

static mqs_scenario *load(const char *text, mqs_diag *d) {
  return mqs_scenario_parse("case.yaml", text, strlen(text), d);
}

/* The column of the first anchor on line `line` of text, from 1 (0 when anchor is NULL). */
static int column_of(const char *text, int line, const char *anchor) {
  if (!anchor) return 0;
  const char *p = text;
  for (int l = 1; l < line && p; l++) {
    p = strchr(p, '\n');
    if (p) p++;
  }
  if (!p) fail_msg("no line %d in:\n%s", line, text);
  /* A '^' in anchor marks the column within it: ": ^c" is the c after ": ". */
  char plain[64];
  const char *caret = strchr(anchor, '^');
  size_t at = caret ? (size_t)(caret - anchor) : 0;
  snprintf(plain, sizeof plain, "%.*s%s", (int)at, anchor, caret ? caret + 1 : anchor + at);
  const char *eol = strchr(p, '\n');
  const char *hit = strstr(p, plain);
  if (!hit || (eol && hit > eol)) fail_msg("no '%s' on line %d of:\n%s", plain, line, text);
  return (int)(hit - p + (ptrdiff_t)at) + 1;
}

/* text must be refused at line `line`, at the node that starts with anchor
 * (NULL: the whole file), with a message containing words. */
static void refused(const char *text, int line, const char *anchor, const char *words) {
  int col = column_of(text, line, anchor);
  mqs_diag d;
  mqs_scenario *s = load(text, &d);
  if (s) {
    mqs_scenario_free(s);
    fail_msg("accepted, expected %d:%d '%s':\n%s", line, col, words, text);
  }
  if (d.line != line || d.col != col || !strstr(d.msg, words))
    fail_msg("got %d:%d '%s', expected %d:%d '...%s...' for:\n%s", d.line, d.col, d.msg, line,
             col, words, text);
  assert_string_equal(d.file, "case.yaml");
}

static mqs_scenario *accepted(const char *text) {
  mqs_diag d;
  mqs_scenario *s = load(text, &d);
  if (!s) fail_msg("refused at %d:%d: %s\n%s", d.line, d.col, d.msg, text);
  return s;
}

static void good_file_becomes_steps(void **state) {
  (void)state;
  mqs_scenario *s = accepted(
      "id: v5.example\n"
      "title: an example\n"
      "spec: [MQTT-4.3.3-2, MQTT-4.3.3-4]\n"
      "version: 5\n"
      "level: SHOULD\n"
      "tags: [qos2, publish]\n"
      "needs: [qos2, retain]\n"
      "timeout: 20s\n"
      "step_timeout: 1500ms\n"
      "clients:\n"
      "  pub: {}\n"
      "  sub: {ignore: [pingresp, publish], version: 3.1.1}\n"
      "steps:\n"
      "  - sub: connect\n"
      "  - sub: {expect: connack, reason: accepted}\n"
      "  - pub: {publish: {topic: \"${prefix}/a\", qos: 2, id: 7, payload: hi}, split: [2, 5], gap: 1ms}\n"
      "  - pub: {expect: pubrec, id: 7, reason: {one_of: [success, 0x10]}, save: {x: id}, timeout: 2s}\n"
      "  - pub: {expect_bytes: \"70 ?? 00 07\"}\n"
      "  - repeat: {times: 3, as: n, steps: [{pub: pingreq}, {wait: 1ms}]}\n"
      "  - pub: {expect_close: {before: required, packet: disconnect, reason: protocol_error}}\n"
      "  - sub: {expect_nothing: 250ms}\n"
      "  - note: the end\n"
      "  - sub: drop\n");
  assert_string_equal(s->id, "v5.example");
  assert_int_equal(s->version, 5);
  assert_int_equal(s->level, MQS_LEVEL_SHOULD);
  assert_int_equal(s->n_statements, 2);
  assert_string_equal(s->statements[1], "MQTT-4.3.3-4");
  assert_int_equal(s->n_tags, 2);
  assert_int_equal(s->needs, MQS_NEED_QOS2 | MQS_NEED_RETAIN);
  assert_int_equal(s->timeout_ms, 20000);
  assert_int_equal(s->step_timeout_ms, 1500);
  assert_int_equal(s->n_clients, 2);
  assert_int_equal(s->clients[1].version, 4);
  assert_int_equal(s->clients[1].ignore, (1u << MQS_PINGRESP) | (1u << MQS_PUBLISH));
  assert_int_equal(s->n_steps, 10);
  assert_int_equal(s->steps[0].kind, MQS_STEP_SEND);
  assert_int_equal(s->steps[0].items[0].type, MQS_CONNECT);
  assert_int_equal(s->steps[2].n_split_at, 2);
  assert_int_equal(s->steps[2].split_at[1], 5);
  assert_int_equal(s->steps[2].gap_ms, 1);
  assert_int_equal(s->steps[3].kind, MQS_STEP_EXPECT);
  assert_int_equal(s->steps[3].timeout_ms, 2000);
  assert_int_equal(s->steps[3].expect->type, MQS_PUBREC);
  assert_int_equal(s->steps[3].expect->n_checks, 2);
  assert_int_equal(s->steps[3].expect->checks[1].m.kind, MQS_M_ONE_OF);
  assert_int_equal(s->steps[3].expect->n_saves, 1);
  assert_int_equal(s->steps[4].kind, MQS_STEP_EXPECT_BYTES);
  assert_int_equal(s->steps[5].kind, MQS_STEP_REPEAT);
  assert_int_equal(s->steps[5].times, 3);
  assert_string_equal(s->steps[5].var, "n");
  assert_int_equal(s->steps[5].n_body, 2);
  assert_int_equal(s->steps[6].before, MQS_BEFORE_REQUIRED);
  assert_non_null(s->steps[6].before_reason);
  assert_int_equal(s->steps[7].ms, 250);
  assert_int_equal(s->steps[8].kind, MQS_STEP_NOTE);
  assert_int_equal(s->steps[9].kind, MQS_STEP_DROP);
  assert_int_equal(s->n_steps_total, 12);
  mqs_scenario_free(s);
}

static void defaults(void **state) {
  (void)state;
  mqs_scenario *s = accepted(HEAD "  - c: {expect_close: {}}\n  - d: half_close\n");
  assert_int_equal(s->level, MQS_LEVEL_MUST);
  assert_int_equal(s->steps[0].before, MQS_BEFORE_OPTIONAL); /* 5.0: a DISCONNECT may come first */
  assert_int_equal(s->steps[0].before_type, MQS_DISCONNECT);
  assert_null(s->steps[0].before_reason);
  assert_int_equal(s->steps[1].kind, MQS_STEP_HALF_CLOSE);
  mqs_scenario_free(s);
  s = accepted("id: a\ntitle: b\nspec: MQTT-3.1.0-1\nversion: 311\nclients: [c]\nsteps:\n"
               "  - c: {expect_close: {}}\n");
  assert_int_equal(s->version, 4);
  assert_int_equal(s->steps[0].before, MQS_BEFORE_NONE); /* 3.1.1 servers send no DISCONNECT */
  mqs_scenario_free(s);
}

static void file_level_errors(void **state) {
  (void)state;
  refused("", 0, NULL, "the file is empty");
  refused("- a\n- b\n", 1, "- a", "expected a scenario: a mapping");
  refused("id: [a\n", 2, "", "YAML syntax");
  refused("id: a\n---\nid: b\n", 3, "id", "a second YAML document");
  refused("id: a\nid: b\n", 2, "id", "duplicate key 'id' (first at line 1)");
  refused("? [a]\n: b\n", 1, "[a]", "a key must be a plain word");
  refused("id: a\ntitle: b\nspec: [MQTT-1.5.4-1]\nversion: 5\nclients: [c]\n", 1, "id",
          "'steps' is missing");
  refused("id: a\ntitle: b\nspec: [MQTT-1.5.4-1]\nversion: 5\nclients: [c]\nsteps: []\ncolour: red\n",
          7, "colour", "unknown key 'colour' (expected one of: id, title, spec");
}

#define META(spec, version, extra)                                                               \
  "id: a\ntitle: t\nspec: " spec "\nversion: " version "\n" extra                               \
  "clients: [c]\nsteps: [{c: close}]\n"

static void metadata_errors(void **state) {
  (void)state;
  refused("id: a b\ntitle: t\nspec: [MQTT-1.5.4-1]\nversion: 5\nclients: [c]\nsteps: [{c: close}]\n",
          1, "a b", "id 'a b': expected letters, digits");
  refused(META("[MQTT-1.5.4-1, 4.3.3-2]", "5", ""), 3, "4.3.3-2",
          "'4.3.3-2' is not a statement id (expected e.g. MQTT-4.3.3-2)");
  refused(META("[MQTT-1]", "5", ""), 3, "MQTT-1]", "'MQTT-1' is not a statement id");
  refused(META("{a: b}", "5", ""), 3, "{a: b}", "spec: expected a list such as [a, b], got a mapping");
  refused(META("[MQTT-1.5.4-1]", "4.0", ""), 4, "4.0", "version: expected 5 or 3.1.1, got '4.0'");
  refused(META("[MQTT-1.5.4-1]", "5", "level: must\n"), 5, "must", "level: expected MUST, SHOULD or MAY");
  refused(META("[MQTT-1.5.4-1]", "5", "needs: [retain, telepathy]\n"), 5, "telepathy",
          "needs: unknown feature 'telepathy' (expected retain, wildcard");
  refused(META("[MQTT-1.5.4-1]", "5", "timeout: 5\n"), 5, ": ^5",
          "timeout: expected a duration such as 500ms, 2s or 1.5s, got '5'");
  refused("id: a\ntitle: {x: y}\nspec: [MQTT-1.5.4-1]\nversion: 5\nclients: [c]\nsteps: [{c: close}]\n",
          2, "{x: y}", "title: expected a single value, got a mapping");
}

static void client_errors(void **state) {
  (void)state;
  const char *m = "id: a\ntitle: t\nspec: [MQTT-1.5.4-1]\nversion: 5\n";
  char buf[512];
  snprintf(buf, sizeof buf, "%sclients: [c, c]\nsteps: [{c: close}]\n", m);
  refused(buf, 5, "c]", "client 'c' is declared twice");
  snprintf(buf, sizeof buf, "%sclients: [wait]\nsteps: [{wait: 1s}]\n", m);
  refused(buf, 5, "wait", "a client may not be called 'wait'");
  snprintf(buf, sizeof buf, "%sclients: [a.b]\nsteps: [{wait: 1s}]\n", m);
  refused(buf, 5, "a.b", "client name 'a.b': expected letters, digits, '-' or '_'");
  snprintf(buf, sizeof buf, "%sclients: c\nsteps: [{c: close}]\n", m);
  refused(buf, 5, ": ^c", "clients: expected a list of names");
  snprintf(buf, sizeof buf, "%sclients: {c: {ignore: [pong]}}\nsteps: [{c: close}]\n", m);
  refused(buf, 5, "pong", "ignore: 'pong' is not a packet type");
  snprintf(buf, sizeof buf, "%sclients: {c: {colour: red}}\nsteps: [{c: close}]\n", m);
  refused(buf, 5, "colour",
          "unknown client option 'colour' (expected ignore, version or transport)");
  snprintf(buf, sizeof buf, "%sclients: {c: {transport: pigeon}}\nsteps: [{c: close}]\n", m);
  refused(buf, 5, "pigeon", "transport: expected tcp or websocket, got 'pigeon'");
  snprintf(buf, sizeof buf, "%sclients: {c: {transport: websocket}}\nsteps: [{c: {pingreq: {}, "
           "ws_opcode: ping}}]\n", m);
  refused(buf, 6, "ping}", "ws_opcode: expected text, binary or continuation, got 'ping'");
  snprintf(buf, sizeof buf, "%sclients: [c]\nsteps: [{c: {close: {}, ws_opcode: text}}]\n",
           m);
  refused(buf, 6, "ws_opcode", "ws_opcode applies to sending steps only");
  /* A websocket client makes the scenario need a WebSocket listener. */
  snprintf(buf, sizeof buf, "%sclients: {c: {transport: websocket}, d: {}}\n"
           "steps: [{c: {pingreq: {}, ws_opcode: text}}]\n", m);
  mqs_diag d;
  mqs_scenario *s = load(buf, &d);
  assert_non_null(s);
  assert_true(s->clients[0].websocket);
  assert_false(s->clients[1].websocket);
  assert_true(s->needs & MQS_NEED_WEBSOCKET);
  assert_true(s->steps[0].has_ws_opcode);
  assert_int_equal(s->steps[0].ws_opcode, 1);
  mqs_scenario_free(s);
}

static void step_errors(void **state) {
  (void)state;
  refused(HEAD "  - e: close\n", 7, "e:",
          "'e' is not a client of this scenario (expected one of: c, d; or wait, repeat)");
  refused(HEAD "  - c: close\n    d: close\n", 8, "d:", "one client or keyword per step: 'c' and 'd'");
  refused(HEAD "  - [c]\n", 7, "[c]", "a step: expected CLIENT: {action...}");
  refused(HEAD "  - c: {publish: {topic: a}, subscribe: {topic: b}}\n", 7, "subscribe",
          "one action per step: 'publish' and 'subscribe'");
  refused(HEAD "  - c: {fly: {}}\n", 7, "fly", "unknown action 'fly' (expected open, reopen, close");
  refused(HEAD "  - c: {timeout: 1s}\n", 7, "{timeout", "c: the action is missing");
  refused(HEAD "  - c: {close: {}, timeout: 1s}\n", 7, "timeout",
          "timeout: this step does not wait for anything");
  refused(HEAD "  - c: {close: now}\n", 7, "now", "close takes no arguments");
  refused(HEAD "  - c: {drop: gently}\n", 7, "gently", "drop: expected reset or half_close, got 'gently'");
  refused(HEAD "  - c: {pingreq: {}, split: 0}\n", 7, "0}", "split: expected a piece size of at least 1 byte");
  refused(HEAD "  - c: {pingreq: {}, split: [3, 2]}\n", 7, "2]", "split: offsets must be above 0 and ascending");
  refused(HEAD "  - c: {expect_nothing: 250ms, split: 2}\n", 7, "split", "split applies to sending steps only");
  refused(HEAD "  - c: {expect_nothing: soon}\n", 7, "soon", "expect_nothing: expected a duration");
  refused(HEAD "  - c: {pingreq: {}, save: {a: id}}\n", 7, "save", "save goes with expect");
  refused(HEAD "  - c: expect\n", 7, "expect", "expect needs a value");
  refused(HEAD "  - wait: forever\n", 7, "forever", "wait: expected a duration such as 500ms");
  refused(HEAD "  - repeat: {times: 0, steps: [{c: close}]}\n", 7, "0,", "times: expected at least 1");
  refused(HEAD "  - repeat: {times: 2}\n", 7, "{times", "repeat: steps is missing");
  refused(HEAD "  - repeat: {times: 2, steps: [{c: close}], every: 1s}\n", 7, "every",
          "unknown field 'every' of repeat (expected times, as, steps)");
  refused(HEAD "  - repeat: {times: 2, steps: []}\n", 7, "[]", "steps: expected a non-empty list of steps");
  refused(HEAD "  - c: {expect: pingresp, else_na: \"\"}\n", 7, "\"\"", "else_na: say why");
  refused(HEAD "  - c: {pingreq: {}, else_na: x}\n", 7, "else_na", "else_na goes with expect");
  refused(HEAD "  - c: {expect: puback, id: 1, else_na: {reason: x}}\n", 7, "reason",
          "else_na: 'reason' is not a field this step checks");
}

static void send_errors(void **state) {
  (void)state;
  refused(HEAD "  - c: {publish: {topic: a, qos: 4}}\n", 7, "4}", "qos: expected a number from 0 to 3, got '4'");
  refused(HEAD "  - c: {publish: {topic: a, colour: red}}\n", 7, "colour",
          "unknown field 'colour' for publish (expected one of: topic, qos, retain");
  refused(HEAD "  - c: {publish: {topic: a, retain: maybe}}\n", 7, "maybe",
          "retain: expected true or false, got 'maybe'");
  refused(HEAD "  - c: {publish: {topic: a, qos: 1, properties: {topic_alais: 1}}}\n", 7, "topic_alais",
          "unknown property 'topic_alais'");
  refused(HEAD "  - c: {publish: {topic: a, properties: {topic_alias: 70000}}}\n", 7, "70000",
          "topic_alias: expected a number from 0 to 65535, got '70000'");
  refused(HEAD "  - c: {publish: {topic: \"a/+\"}}\n", 7, "publish",
          "this publish breaks a rule: violation at offset 6: TOPIC_WILDCARD");
  refused(HEAD "  - c: {publish: {topic: a, flags: 3}}\n", 7, "3}",
          "flags: the fixed header flags are set only with raw: true");
  refused(HEAD "  - c: {puback: {}}\n", 7, "{}", "puback: the id is missing");
  refused(HEAD "  - c: {puback: {id: 1, reason: happy}}\n", 7, "happy",
          "reason: 'happy' is not a reason code of puback in MQTT 5.0");
  refused(HEAD "  - c: {subscribe: {topic: a, filters: [b]}}\n", 7, ": ^a,", "give either topic or filters, not both");
  refused(HEAD "  - c: {subscribe: {filters: [{qos: 1}]}}\n", 7, "{qos", "filter: the topic is missing");
  refused(HEAD "  - c: {subscribe: {filters: [{topic: a, colour: 1}]}}\n", 7, "colour",
          "unknown field 'colour' in a filter (expected topic, qos, no_local");
  refused(HEAD "  - c: {connect: {will: {payload: x}}}\n", 7, "{payload", "will: the topic is missing");
  refused(HEAD "  - c: {connect: {properties: [1]}}\n", 7, "[1]", "properties: expected a mapping");
  refused(HEAD "  - c: {connect: {properties: {user: [[a]]}}}\n", 7, "[a]",
          "user: expected [key, value] or {key: value}");
  refused(HEAD "  - c: {send_hex: \"10 0g\"}\n", 7, "\"10", "hex: not hex");
  refused(HEAD "  - c: {send: [{publish: {topic: a}}, {frob: 1}]}\n", 7, "frob",
          "send: 'frob' is not a packet type or hex");
  refused(HEAD "  - c: {send: []}\n", 7, "[]", "send: expected a list of packets");
  refused(HEAD "  - c: {publish: {topic: \"${nope}/a\"}}\n", 7, "\"${nope}",
          "unknown variable '${nope}' (expected ${prefix}, a repeat counter, or a name saved with save:)");
  refused(HEAD "  - c: {publish: {topic: \"${prefix/a\"}}\n", 7, "\"${", "'${' without a closing '}'");
  refused(HEAD "  - c: {publish: {topic: \"${a-b}\"}}\n", 7, "\"${", "may hold only letters, digits and '_'");
  /* 3.1.1 clients have no properties and no AUTH. */
  refused("id: a\ntitle: t\nspec: [MQTT-1.5.3-1]\nversion: 3.1.1\nclients: [c]\nsteps:\n"
          "  - c: {publish: {topic: a, properties: {topic_alias: 1}}}\n",
          7, "{topic_alias", "properties exist only in MQTT 5.0");
  refused("id: a\ntitle: t\nspec: [MQTT-1.5.3-1]\nversion: 3.1.1\nclients: [c]\nsteps:\n  - c: auth\n",
          7, "auth", "auth exists only in MQTT 5.0");
  /* A variable saved anywhere is known; raw packets are not validated. */
  mqs_scenario *s = accepted(HEAD "  - c: {expect: publish, save: {t: topic}}\n"
                                  "  - c: {publish: {topic: \"${t}/x\"}}\n"
                                  "  - c: {publish: {raw: true, topic: \"a/+\", qos: 3}}\n");
  mqs_scenario_free(s);
}

static void expect_errors(void **state) {
  (void)state;
  refused(HEAD "  - c: {expect: pong}\n", 7, "pong", "expect: 'pong' is not a packet type (expected connack");
  refused(HEAD "  - c: {expect: pingresp, reason: success}\n", 7, "reason",
          "'reason' is not a field of pingresp (expected one of: flags)");
  refused(HEAD "  - c: {expect: suback, reasons: [granted_qos_7]}\n", 7, "granted_qos_7",
          "'granted_qos_7' is not a reason code of suback in MQTT 5.0 (expected a name such as granted_qos_1");
  refused(HEAD "  - c: {expect: suback, reasons: granted_qos_1}\n", 7, "granted_qos_1}",
          "expected a list such as [granted_qos_1]");
  refused(HEAD "  - c: {expect: publish, qos: [1, 2]}\n", 7, "[1, 2]",
          "expected a single value, got a list (for several acceptable values write {one_of: [...]})");
  refused(HEAD "  - c: {expect: publish, qos: {between: [1, 2]}}\n", 7, "{between",
          "not a matcher (expected a value, any, absent, {one_of");
  refused(HEAD "  - c: {expect: publish, qos: {one_of: []}}\n", 7, "[]", "one_of: expected a non-empty list");
  refused(HEAD "  - c: {expect: publish, topic: {range: [1, 2]}}\n", 7, "{range", "a range needs a numeric field");
  refused(HEAD "  - c: {expect: publish, id: {range: [1]}}\n", 7, "[1]", "range: expected [low, high]");
  refused(HEAD "  - c: {expect: publish, id: x7}\n", 7, "x7", "expected a number, got 'x7'");
  refused(HEAD "  - c: {expect: publish, retain: sometimes}\n", 7, "sometimes",
          "expected true or false, got 'sometimes'");
  refused(HEAD "  - c: {expect: publish, payload_hex: \"zz\"}\n", 7, "\"zz", "not hex");
  refused(HEAD "  - c: {expect: puback, properties: {topic_alias: 1}}\n", 7, "topic_alias",
          "a puback has no topic_alias property");
  refused(HEAD "  - c: {expect: puback, properties: {nonsense: 1}}\n", 7, "nonsense", "unknown property 'nonsense'");
  refused(HEAD "  - c: {expect: puback, properties: {user: [[a]]}}\n", 7, "[a]",
          "a user property: expected [key, value]");
  refused(HEAD "  - c: {expect: puback, save: {x: reasons}}\n", 7, "reasons", "'reasons' is not a field of puback");
  refused(HEAD "  - c: {expect: suback, save: {x: reasons}}\n", 7, "reasons",
          "save: 'reasons' is a list; save a single value");
  refused(HEAD "  - c: {expect: puback, save: {a-b: id}}\n", 7, "a-b", "save: a variable name may hold only");
  refused(HEAD "  - c: {expect_bytes: \"50 0\"}\n", 7, "\"50", "a byte is written with two characters");
  refused(HEAD "  - c: {expect_bytes: \"50 xx\"}\n", 7, "\"50",
          "unexpected 'x' at character 4 (expected hex digits or ?? for any byte)");
  refused(HEAD "  - c: {expect_unordered: [{expect: puback, timeout: 1s}]}\n", 7, "1s",
          "timeout goes on the expect_unordered step");
  refused(HEAD "  - c: {expect_unordered: [puback]}\n", 7, "puback", "expected {expect: TYPE, field: value, ...}");
  refused(HEAD "  - c: {expect_close: {before: maybe}}\n", 7, "maybe", "before: expected none, optional or required");
  refused(HEAD "  - c: {expect_close: {packet: puback}}\n", 7, "puback", "packet: expected disconnect or connack");
  refused(HEAD "  - c: {expect_close: {reason: weird}}\n", 7, "weird", "'weird' is not a reason code of disconnect");
  refused(HEAD "  - c: {expect_close: {when: now}}\n", 7, "when", "unknown field 'when' of expect_close");
  refused("id: a\ntitle: t\nspec: [MQTT-1.5.3-1]\nversion: 3.1.1\nclients: [c]\nsteps:\n"
          "  - c: {expect_close: {before: optional}}\n",
          7, "{before", "a 3.1.1 server never sends DISCONNECT");
  refused("id: a\ntitle: t\nspec: [MQTT-1.5.3-1]\nversion: 3.1.1\nclients: [c]\nsteps:\n"
          "  - c: {expect: puback, reason: success}\n",
          7, "reason", "a 3.1.1 puback has no reason code");
  refused("id: a\ntitle: t\nspec: [MQTT-1.5.3-1]\nversion: 3.1.1\nclients: [c]\nsteps:\n"
          "  - c: {expect: unsuback, reasons: []}\n",
          7, "reasons", "a 3.1.1 unsuback has no reason codes");
}

static void matchers_compile(void **state) {
  (void)state;
  mqs_scenario *s = accepted(
      HEAD "  - c:\n"
           "      expect: publish\n"
           "      id: any\n"
           "      qos: {range: [1, 2]}\n"
           "      topic: {one_of: [a, \"${prefix}/b\"]}\n"
           "      payload: {hex: \"00 01\"}\n"
           "      dup: absent\n"
           "      retain: {eq: true}\n"
           "      properties: {topic_alias: {min: 1}, user: [[k, v], {k2: v2}], subscription_id: 5}\n");
  const mqs_expect *e = s->steps[0].expect;
  assert_int_equal(e->n_checks, 9);
  assert_int_equal(e->checks[0].m.kind, MQS_M_ANY);
  assert_int_equal(e->checks[1].m.kind, MQS_M_RANGE);
  assert_int_equal(e->checks[2].m.kind, MQS_M_ONE_OF);
  assert_int_equal(e->checks[2].m.n_sub, 2);
  assert_int_equal(e->checks[3].m.type, MQS_FT_HEX);
  assert_int_equal(e->checks[4].m.kind, MQS_M_ABSENT);
  assert_int_equal(e->checks[5].m.kind, MQS_M_EQ);
  assert_string_equal(e->checks[6].name, "properties.topic_alias");
  assert_int_equal(e->checks[6].m.kind, MQS_M_RANGE);
  assert_null(e->checks[6].m.high);
  assert_int_equal(e->checks[7].m.kind, MQS_M_LIST);
  assert_int_equal(e->checks[7].m.sub[1].kind, MQS_M_PAIR);
  assert_int_equal(e->checks[8].m.kind, MQS_M_LIST); /* one Subscription Identifier: a list of one */
  assert_int_equal(e->checks[8].m.n_sub, 1);
  mqs_scenario_free(s);
}

static void file_errors(void **state) {
  (void)state;
  mqs_diag d;
  assert_null(mqs_scenario_load("/nonexistent/x.yaml", &d));
  assert_string_equal(d.file, "/nonexistent/x.yaml");
  assert_int_equal(d.line, 0);
  assert_non_null(strstr(d.msg, "cannot open: No such file"));
  char msg[600];
  mqs_diag_format(&d, msg, sizeof msg);
  assert_string_equal(msg, "/nonexistent/x.yaml: cannot open: No such file or directory");
  /* A real file: the diagnostic names it. */
  char path[] = "/tmp/mqs-load-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char text[] = HEAD "  - c: {expect: pong}\n";
  assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
  close(fd);
  assert_null(mqs_scenario_load(path, &d));
  mqs_diag_format(&d, msg, sizeof msg);
  char want[128];
  snprintf(want, sizeof want, "%s:7:17: expect: 'pong'", path);
  assert_memory_equal(msg, want, strlen(want));
  unlink(path);
}

/* A deep or self-referring document cannot exhaust the stack. */
static void deep_nesting(void **state) {
  (void)state;
  char buf[4096] = "id: ";
  for (int i = 0; i < 100; i++) strcat(buf, "[");
  for (int i = 0; i < 100; i++) strcat(buf, "]");
  strcat(buf, "\n");
  mqs_diag d;
  assert_null(load(buf, &d));
  assert_non_null(strstr(d.msg, "nested more than 64 levels deep"));
}

/* Aliases cannot multiply a small file into a huge tree (fuzz_scenario:
 * `mqspec validate` took minutes and gigabytes on nine lines of them). */
static void alias_expansion(void **state) {
  (void)state;
  char buf[4096];
  int k = snprintf(buf, sizeof buf, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 9; i++) {
    k += snprintf(buf + k, sizeof buf - (size_t)k, "a%d: &a%d [", i, i);
    for (int j = 0; j < 10; j++)
      k += snprintf(buf + k, sizeof buf - (size_t)k, "%s*a%d", j ? ", " : "", i - 1);
    k += snprintf(buf + k, sizeof buf - (size_t)k, "]\n");
  }
  mqs_diag d;
  assert_null(load(buf, &d));
  assert_non_null(strstr(d.msg, "more than 100000 values"));
  assert_true(d.line >= 1 && d.line <= 9 && d.col >= 1);
  /* A few aliases are still YAML the loader reads. */
  mqs_scenario *s = accepted("id: &i t.alias\ntitle: *i\nspec: [MQTT-3.12.4-1]\nversion: 5\n"
                             "clients: [c]\nsteps:\n  - &ping {c: pingreq}\n  - *ping\n");
  assert_string_equal(s->title, "t.alias");
  mqs_scenario_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_file_becomes_steps), cmocka_unit_test(defaults),
      cmocka_unit_test(file_level_errors),       cmocka_unit_test(metadata_errors),
      cmocka_unit_test(client_errors),           cmocka_unit_test(step_errors),
      cmocka_unit_test(send_errors),             cmocka_unit_test(expect_errors),
      cmocka_unit_test(matchers_compile),        cmocka_unit_test(file_errors),
      cmocka_unit_test(deep_nesting),            cmocka_unit_test(alias_expansion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
