/* tests/harness/test_match.c — field matchers against decoded packets: every
 * encoding the specification allows matches (a 5.0 PUBACK with Success is 2,
 * 3 or 4 bytes), nothing else does, and a mismatch says which field and what
 * it held. Also byte patterns, captures and ${variables} in expected values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "match.h"
#include "mqs/codec.h"

typedef struct {
  mqs_arena a;
  mqs_expect e;
  mqs_vars vars;
  mqs_hexbuf bytes;
  mqs_packet p;
} fx;

static const char *const known[] = {"prefix", "x", "alias"};

/* Compile an expect mapping written in YAML flow style. */
static void expect_of(fx *f, const char *yaml, int version) {
  mqs_node *root;
  mqs_diag d;
  if (mqs_node_parse("t.yaml", yaml, strlen(yaml), &f->a, &root, &d) < 0 ||
      mqs_expect_compile(&f->a, root, version, known, 3, &f->e, &d) < 0)
    fail_msg("%s: %d:%d %s", yaml, d.line, d.col, d.msg);
}

/* Decode hex as a packet from a server. */
static void packet_of(fx *f, const char *hex, int version) {
  mqs_hex_error he;
  f->bytes.len = 0;
  assert_int_equal(mqs_hex_parse(hex, strlen(hex), &f->bytes, &he), 0);
  mqs_decode_opts o = {.version = (mqs_version)version, .from = MQS_FROM_SERVER};
  mqs_violation why;
  ssize_t n = mqs_decode_ex(f->bytes.p, f->bytes.len, &o, &f->p, &why);
  if (n != (ssize_t)f->bytes.len) fail_msg("%s does not decode (%zd)", hex, n);
}

/* 1 match, 0 mismatch (why filled), -1 error. */
static int try_match(fx *f, int version, mqs_str topic, char *why, size_t cap) {
  mqs_match_ctx c = {{&f->vars, NULL, 0, &f->a}, version, topic};
  mqs_diag d = {0};
  int r = mqs_match_packet(&f->e, &f->p, &c, why, cap, &d);
  if (r < 0) snprintf(why, cap, "%d:%d %s", d.line, d.col, d.msg);
  return r;
}

static void matches(const char *yaml, const char *hex, int version) {
  fx f = {0};
  char why[600];
  expect_of(&f, yaml, version);
  packet_of(&f, hex, version);
  int r = try_match(&f, version, (mqs_str){NULL, 0}, why, sizeof why);
  if (r != 1) fail_msg("%s should match %s (v%d): %s", yaml, hex, version, why);
  mqs_hexbuf_free(&f.bytes);
  mqs_arena_free(&f.a);
}

static void differs(const char *yaml, const char *hex, int version, const char *words) {
  fx f = {0};
  char why[600];
  expect_of(&f, yaml, version);
  packet_of(&f, hex, version);
  int r = try_match(&f, version, (mqs_str){NULL, 0}, why, sizeof why);
  if (r != 0 || !strstr(why, words))
    fail_msg("%s vs %s: got %d '%s', expected a mismatch saying '%s'", yaml, hex, r, why, words);
  mqs_hexbuf_free(&f.bytes);
  mqs_arena_free(&f.a);
}

static void v5_acks_in_every_encoding(void **state) {
  (void)state;
  /* PUBACK, PUBREC, PUBCOMP: id only; with reason 0; with reason 0 and empty properties. */
  static const char *const types[] = {"puback", "pubrec", "pubcomp"};
  static const char *const first[] = {"40", "50", "70"};
  for (int i = 0; i < 3; i++) {
    char y[128], h2[32], h3[32], h4[32];
    snprintf(y, sizeof y, "{expect: %s, id: 7, reason: success}", types[i]);
    snprintf(h2, sizeof h2, "%s 02 00 07", first[i]);
    snprintf(h3, sizeof h3, "%s 03 00 07 00", first[i]);
    snprintf(h4, sizeof h4, "%s 04 00 07 00 00", first[i]);
    matches(y, h2, 5);
    matches(y, h3, 5);
    matches(y, h4, 5);
  }
  matches("{expect: pubrel, id: 7, reason: success}", "62 02 00 07", 5);
  matches("{expect: pubrel, id: 7, reason: success}", "62 03 00 07 00", 5);
  matches("{expect: pubrel, id: 7, reason: success}", "62 04 00 07 00 00", 5);
  /* A reason string does not stop it matching. */
  matches("{expect: puback, id: 7, reason: success}", "40 08 00 07 00 04 1f 00 01 78", 5);
  /* Other reason codes. */
  differs("{expect: puback, id: 7, reason: success}", "40 03 00 07 10", 5,
          "reason: expected success, got 0x10 no_matching_subscribers");
  matches("{expect: puback, reason: {one_of: [success, no_matching_subscribers]}}", "40 03 00 07 10", 5);
  matches("{expect: puback, reason: 0x10}", "40 03 00 07 10", 5);
  matches("{expect: pubcomp, reason: packet_identifier_not_found}", "70 03 00 07 92", 5);
  differs("{expect: puback, id: 8}", "40 02 00 07", 5, "id: expected 8, got 7");
  /* not: any present value the inner matcher refuses. */
  matches("{expect: puback, id: {not: 8}}", "40 02 00 07", 5);
  differs("{expect: puback, id: {not: 7}}", "40 02 00 07", 5, "id: expected not 7, got 7");
  matches("{expect: puback, reason: {not: {min: 0x80}}}", "40 03 00 07 10", 5);
  differs("{expect: puback, reason: {not: {one_of: [success, 0x10]}}}", "40 03 00 07 10", 5,
          "expected not one of");
  differs("{expect: puback}", "50 02 00 07", 5, "expected PUBACK, got PUBREC");
  /* DISCONNECT: no body means Normal disconnection. */
  matches("{expect: disconnect, reason: normal_disconnection}", "e0 00", 5);
  matches("{expect: disconnect, reason: success}", "e0 01 00", 5);
  matches("{expect: disconnect, reason: {min: 0x80}}", "e0 01 81", 5);
  differs("{expect: disconnect, reason: {min: 0x80}}", "e0 00", 5, "expected 0x80.., got 0x00");
}

static void v311_acks(void **state) {
  (void)state;
  matches("{expect: puback, id: 0x1234}", "40 02 12 34", 4);
  matches("{expect: connack, reason: accepted, session_present: false}", "20 02 00 00", 4);
  matches("{expect: connack, reason: identifier_rejected}", "20 02 00 02", 4);
  matches("{expect: connack, session_present: true}", "20 02 01 00", 4);
  matches("{expect: suback, id: 1, reasons: [granted_qos_2, failure]}", "90 04 00 01 02 80", 4);
  differs("{expect: suback, reasons: [granted_qos_2]}", "90 04 00 01 02 80", 4,
          "reasons: expected [granted_qos_2], got [0x02 granted_qos_2, 0x80 failure]");
  matches("{expect: unsuback, id: 9}", "b0 02 00 09", 4);
}

static void v5_suback_and_connack(void **state) {
  (void)state;
  matches("{expect: suback, id: 1, reasons: [granted_qos_1, granted_qos_0]}", "90 05 00 01 00 01 00", 5);
  /* Element matchers: a lower grant is allowed, a higher one is not. */
  const char *le1 = "{expect: suback, reasons: [{one_of: [granted_qos_0, granted_qos_1, {min: 0x80}]}]}";
  matches(le1, "90 04 00 01 00 00", 5);
  matches(le1, "90 04 00 01 00 87", 5);
  differs(le1, "90 04 00 01 00 02", 5, "reasons: expected [one of [granted_qos_0, granted_qos_1, 0x80..]]");
  differs("{expect: suback, reasons: [granted_qos_1]}", "90 05 00 01 00 01 01", 5, "got [0x01 granted_qos_1, 0x01");
  matches("{expect: unsuback, reasons: [success, no_subscription_existed]}", "b0 05 00 01 00 00 11", 5);
  /* CONNACK properties: present, absent, ranges. */
  const char *ca = "20 0d 00 00 0a 22 00 0a 12 00 04 61 62 63 64";
  matches("{expect: connack, reason: success, properties: {assigned_client_id: any, topic_alias_max: "
          "{min: 1}, retain_available: absent}}",
          ca, 5);
  matches("{expect: connack, properties: {assigned_client_id: abcd, topic_alias_max: {range: [10, 10]}}}",
          ca, 5);
  differs("{expect: connack, properties: {server_keep_alive: any}}", ca, 5,
          "properties.server_keep_alive: expected any, got absent");
  differs("{expect: connack, properties: {topic_alias_max: absent}}", ca, 5,
          "properties.topic_alias_max: expected absent, got 10");
  differs("{expect: connack, session_present: true}", ca, 5, "session_present: expected true, got false");
}

static void publish_fields(void **state) {
  (void)state;
  /* QoS 1, id 5, topic a/b, properties: user (k,1) (k,2), sub id 3, payload "hi". */
  const char *pub = "32 1a 00 03 61 2f 62 00 05 10 26 00 01 6b 00 01 31 26 00 01 6b 00 01 32 0b 03 68 69";
  matches("{expect: publish, topic: a/b, qos: 1, id: 5, dup: false, retain: false, payload: hi}", pub, 5);
  matches("{expect: publish, payload_hex: \"68 69\", payload: {hex: \"6869\"}}", pub, 5);
  matches("{expect: publish, properties: {user: [[k, \"1\"], {k: \"2\"}], subscription_id: 3}}", pub, 5);
  matches("{expect: publish, properties: {subscription_id: [3], topic_alias: absent}}", pub, 5);
  differs("{expect: publish, properties: {user: [[k, \"2\"], [k, \"1\"]]}}", pub, 5,
          "properties.user: expected [[\"k\", \"2\"], [\"k\", \"1\"]], got [[\"k\", \"1\"], [\"k\", \"2\"]]");
  differs("{expect: publish, properties: {user: [[k, \"1\"]]}}", pub, 5, "properties.user");
  differs("{expect: publish, payload: ho}", pub, 5, "payload: expected \"ho\", got \"hi\"");
  differs("{expect: publish, qos: {range: [2, 2]}}", pub, 5, "qos: expected 2..2, got 1");
  /* QoS 0: no identifier on the wire. */
  matches("{expect: publish, id: absent, qos: 0}", "30 05 00 01 61 00 78", 5);
  differs("{expect: publish, id: any}", "30 05 00 01 61 00 78", 5, "id: expected any, got absent");
  /* Binary payloads are shown in hex. */
  differs("{expect: publish, payload: x}", "30 06 00 01 61 00 00 ff", 5, "got hex(00 ff)");
}

static void alias_resolution_and_templates(void **state) {
  (void)state;
  fx f = {0};
  char why[600];
  /* An empty topic with a Topic Alias: the engine passes the resolved topic. */
  expect_of(&f, "{expect: publish, topic: \"${prefix}/t\", properties: {topic_alias: \"${alias}\"}}", 5);
  packet_of(&f, "30 06 00 00 03 23 00 02", 5);
  assert_int_equal(mqs_vars_set(&f.vars, "prefix", "mqs1", 4), 0);
  assert_int_equal(mqs_vars_set_uint(&f.vars, "alias", 2), 0);
  mqs_str resolved = {(const uint8_t *)"mqs1/t", 6};
  assert_int_equal(try_match(&f, 5, resolved, why, sizeof why), 1);
  /* The same packet without resolution has an empty topic. */
  assert_int_equal(try_match(&f, 5, (mqs_str){NULL, 0}, why, sizeof why), 0);
  assert_non_null(strstr(why, "topic: expected \"mqs1/t\", got \"\""));
  /* A variable with no value yet is an error, not a mismatch. */
  mqs_vars_free(&f.vars);
  assert_int_equal(try_match(&f, 5, resolved, why, sizeof why), -1);
  assert_non_null(strstr(why, "variable '${prefix}' has no value yet"));
  mqs_vars_free(&f.vars);
  mqs_hexbuf_free(&f.bytes);
  mqs_arena_free(&f.a);
}

static void captures(void **state) {
  (void)state;
  fx f = {0};
  expect_of(&f, "{expect: connack, save: {x: properties.assigned_client_id, alias: "
                "properties.topic_alias_max, prefix: properties.server_keep_alive}}",
            5);
  packet_of(&f, "20 0d 00 00 0a 22 00 0a 12 00 04 61 62 63 64", 5);
  assert_int_equal(mqs_match_save(&f.e, &f.p, (mqs_str){NULL, 0}, &f.vars), 0);
  const mqs_var *v = mqs_vars_get(&f.vars, "x", 1);
  assert_non_null(v);
  assert_string_equal(v->val, "abcd");
  v = mqs_vars_get(&f.vars, "alias", 5);
  assert_non_null(v);
  assert_string_equal(v->val, "10");
  /* An absent field saves nothing. */
  assert_null(mqs_vars_get(&f.vars, "prefix", 6));
  /* A packet id, then the topic after alias resolution. */
  expect_of(&f, "{expect: publish, save: {x: id, alias: topic}}", 5);
  packet_of(&f, "32 0b 00 00 01 c8 03 23 00 01 68 69 21", 5);
  assert_int_equal(mqs_match_save(&f.e, &f.p, (mqs_str){(const uint8_t *)"a/b", 3}, &f.vars), 0);
  assert_string_equal(mqs_vars_get(&f.vars, "x", 1)->val, "456");
  assert_string_equal(mqs_vars_get(&f.vars, "alias", 5)->val, "a/b");
  mqs_vars_free(&f.vars);
  mqs_hexbuf_free(&f.bytes);
  mqs_arena_free(&f.a);
}

static void describe(void **state) {
  (void)state;
  fx f = {0};
  char buf[300];
  expect_of(&f, "{expect: puback, id: 7, reason: {one_of: [success, 0x10]}, properties: {user: [[a, b]]}}", 5);
  mqs_expect_describe(&f.e, NULL, buf, sizeof buf);
  assert_string_equal(buf, "PUBACK id=7 reason=one of [success, 0x10] properties.user=[[\"a\", \"b\"]]");
  /* With values for the variables, the description shows them. */
  expect_of(&f, "{expect: publish, topic: \"${prefix}/a\", id: \"${x}\"}", 5);
  mqs_expander x = {&f.vars, NULL, 0, &f.a};
  mqs_expect_describe(&f.e, &x, buf, sizeof buf);
  assert_string_equal(buf, "PUBLISH topic=\"${prefix}/a\" id=${x}"); /* no values yet */
  assert_int_equal(mqs_vars_set(&f.vars, "prefix", "mqs9", 4), 0);
  assert_int_equal(mqs_vars_set_uint(&f.vars, "x", 12), 0);
  mqs_expect_describe(&f.e, &x, buf, sizeof buf);
  assert_string_equal(buf, "PUBLISH topic=\"mqs9/a\" id=12");
  mqs_vars_free(&f.vars);
  mqs_arena_free(&f.a);
}

static void byte_patterns(void **state) {
  (void)state;
  const uint8_t ack[] = {0x50, 0x02, 0x00, 0x07};
  char why[200];
  assert_int_equal(mqs_pattern_match("50 02 00 07", 11, ack, 4, why, sizeof why), 1);
  assert_int_equal(mqs_pattern_match("50020007", 8, ack, 4, why, sizeof why), 1);
  assert_int_equal(mqs_pattern_match("50 ?? 00 ??", 11, ack, 4, why, sizeof why), 1);
  assert_int_equal(mqs_pattern_match("50 02 00 08", 11, ack, 4, why, sizeof why), 0);
  assert_string_equal(why, "byte 3 differs: got 07");
  /* Trailing bytes the statement does not allow: a longer packet fails. */
  assert_int_equal(mqs_pattern_match("50 02 00", 8, ack, 4, why, sizeof why), 0);
  assert_string_equal(why, "4 bytes, the pattern has 3");
  assert_int_equal(mqs_pattern_match("50 02 00 07 00", 14, ack, 4, why, sizeof why), 0);
  assert_int_equal(mqs_pattern_match("50 0", 4, ack, 4, why, sizeof why), -1);
  assert_int_equal(mqs_pattern_match("zz", 2, ack, 4, why, sizeof why), -1);
  assert_int_equal(mqs_pattern_len("?? ?? 01", 8), 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(v5_acks_in_every_encoding),
      cmocka_unit_test(v311_acks),
      cmocka_unit_test(v5_suback_and_connack),
      cmocka_unit_test(publish_fields),
      cmocka_unit_test(alias_resolution_and_templates),
      cmocka_unit_test(captures),
      cmocka_unit_test(describe),
      cmocka_unit_test(byte_patterns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
