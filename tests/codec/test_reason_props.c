/* tests/codec/test_reason_props.c — reason.h (names, the packets allowed to
 * carry each code, keys), props.h (the table of 27 properties, block
 * decode), packet type names and the error table, each against the
 * specification's tables written out in spec_tables.c. */
#include <ctype.h>
#include <stdlib.h>

#include "codec/helpers.h"
#include "codec/spec_tables.h"

static unsigned spec_reason_packets(uint8_t code) {
  for (size_t i = 0; i < spec_reasons_count; i++)
    if (spec_reasons[i].code == code) return spec_reasons[i].packets;
  return 0;
}

static void test_reason_names(void **state) {
  (void)state;
  static const struct {
    uint8_t code;
    int t;
    const char *name;
  } cases[] = {
      {0x00, MQS_CONNACK, "Success"},
      {0x00, MQS_PUBACK, "Success"},
      {0x00, MQS_PUBREL, "Success"},
      {0x00, MQS_UNSUBACK, "Success"},
      {0x00, MQS_AUTH, "Success"},
      {0x00, MQS_DISCONNECT, "Normal disconnection"},
      {0x00, MQS_SUBACK, "Granted QoS 0"},
      {0x01, MQS_SUBACK, "Granted QoS 1"},
      {0x02, MQS_SUBACK, "Granted QoS 2"},
      {0x04, MQS_DISCONNECT, "Disconnect with Will Message"},
      {0x10, MQS_PUBACK, "No matching subscribers"},
      {0x11, MQS_UNSUBACK, "No subscription existed"},
      {0x18, MQS_AUTH, "Continue authentication"},
      {0x19, MQS_AUTH, "Re-authenticate"},
      {0x81, MQS_DISCONNECT, "Malformed Packet"},
      {0x82, MQS_CONNACK, "Protocol Error"},
      {0x87, MQS_SUBACK, "Not authorized"},
      {0x92, MQS_PUBCOMP, "Packet Identifier not found"},
      {0x95, MQS_DISCONNECT, "Packet too large"},
      {0x9E, MQS_SUBACK, "Shared Subscriptions not supported"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *n = mqs_reason_name(cases[i].code, cases[i].t, 5);
    CHECKF(n && strcmp(n, cases[i].name) == 0, "%#04x in %s: \"%s\", want \"%s\"", cases[i].code,
           mqs_packet_type_name(cases[i].t), n ? n : "NULL", cases[i].name);
  }
  /* Not allowed there: no name. */
  assert_null(mqs_reason_name(0x92, MQS_PUBACK, 5));
  assert_null(mqs_reason_name(0x04, MQS_PUBACK, 5));
  assert_null(mqs_reason_name(0x01, MQS_PUBACK, 5));
  assert_null(mqs_reason_name(0x00, MQS_PUBLISH, 5));
  assert_null(mqs_reason_name(0x03, MQS_SUBACK, 5));
}

/* The whole matrix: 256 codes x 15 packet types, against table 2-6. */
static void test_reason_allowed_v5(void **state) {
  (void)state;
  int failures = 0;
  for (int code = 0; code < 256; code++) {
    unsigned want = spec_reason_packets((uint8_t)code);
    for (int t = 1; t <= 15; t++) {
      bool w = (want >> t) & 1;
      bool got = mqs_reason_allowed((uint8_t)code, t, 5);
      if (got != w) {
        print_error("code %#04x in %s: allowed %d, want %d\n", code, mqs_packet_type_name(t), got,
                    w);
        failures++;
      }
      const char *n = mqs_reason_name((uint8_t)code, t, 5);
      if ((n != NULL) != w) {
        print_error("code %#04x in %s: name %s\n", code, mqs_packet_type_name(t), n ? n : "NULL");
        failures++;
      }
    }
  }
  assert_int_equal(failures, 0);
  /* The ones the brief spells out. */
  assert_true(mqs_reason_allowed(0x92, MQS_PUBREL, 5));
  assert_true(mqs_reason_allowed(0x92, MQS_PUBCOMP, 5));
  assert_false(mqs_reason_allowed(0x92, MQS_PUBACK, 5));
  assert_false(mqs_reason_allowed(0x92, MQS_PUBREC, 5));
  assert_true(mqs_reason_allowed(0x04, MQS_DISCONNECT, 5));
  for (int t = 1; t <= 15; t++)
    if (t != MQS_DISCONNECT) assert_false(mqs_reason_allowed(0x04, t, 5));
}

/* 3.1.1: CONNACK return codes 0..5 (table 3.1), SUBACK 0, 1, 2, 0x80. */
static void test_reason_v311(void **state) {
  (void)state;
  for (int version = 3; version <= 4; version++) {
    for (int code = 0; code < 256; code++) {
      bool c = code <= 5;
      assert_int_equal(mqs_reason_allowed((uint8_t)code, MQS_CONNACK, version), c);
      assert_int_equal(mqs_reason_name((uint8_t)code, MQS_CONNACK, version) != NULL, c);
      if (version == 4) {
        bool s = code <= 2 || code == 0x80;
        assert_int_equal(mqs_reason_allowed((uint8_t)code, MQS_SUBACK, 4), s);
        assert_int_equal(mqs_reason_name((uint8_t)code, MQS_SUBACK, 4) != NULL, s);
      }
    }
  }
  /* Not the 5.0 names: 0x05 is a CONNACK return code in 3.1.1 only. */
  assert_false(mqs_reason_allowed(0x05, MQS_CONNACK, 5));
  assert_false(mqs_reason_allowed(0x87, MQS_CONNACK, 4));
}

static bool key_ok(const char *k) {
  if (!k || !*k) return false;
  for (; *k; k++)
    if (!(islower((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '_')) return false;
  return true;
}

static void test_reason_keys(void **state) {
  (void)state;
  assert_string_equal(mqs_reason_key(0x01, MQS_SUBACK, 5), "granted_qos_1");
  assert_string_equal(mqs_reason_key(0x87, MQS_CONNACK, 5), "not_authorized");
  int failures = 0;
  for (int code = 0; code < 256; code++) {
    for (int t = 1; t <= 15; t++) {
      if (!mqs_reason_allowed((uint8_t)code, t, 5)) continue;
      const char *k = mqs_reason_key((uint8_t)code, t, 5);
      if (!key_ok(k) || mqs_reason_from_key(k, t, 5) != code) {
        print_error("code %#04x in %s: key \"%s\" -> %d\n", code, mqs_packet_type_name(t),
                    k ? k : "NULL", k ? mqs_reason_from_key(k, t, 5) : -2);
        failures++;
      }
    }
  }
  static const int v311[] = {MQS_CONNACK, MQS_SUBACK};
  for (int i = 0; i < 2; i++)
    for (int code = 0; code < 256; code++) {
      if (!mqs_reason_allowed((uint8_t)code, v311[i], 4)) continue;
      const char *k = mqs_reason_key((uint8_t)code, v311[i], 4);
      if (!key_ok(k) || mqs_reason_from_key(k, v311[i], 4) != code) {
        print_error("3.1.1 code %#04x in %s: key \"%s\"\n", code, mqs_packet_type_name(v311[i]),
                    k ? k : "NULL");
        failures++;
      }
    }
  assert_int_equal(failures, 0);
  /* Distinct keys within a packet type. */
  for (int t = 1; t <= 15; t++)
    for (int a = 0; a < 256; a++)
      for (int b = a + 1; b < 256; b++) {
        if (!mqs_reason_allowed((uint8_t)a, t, 5) || !mqs_reason_allowed((uint8_t)b, t, 5))
          continue;
        assert_string_not_equal(mqs_reason_key((uint8_t)a, t, 5), mqs_reason_key((uint8_t)b, t, 5));
      }
  assert_int_equal(mqs_reason_from_key("no_such_reason", MQS_PUBACK, 5), -1);
  assert_int_equal(mqs_reason_from_key("granted_qos_1", MQS_PUBACK, 5), -1);
  assert_int_equal(mqs_reason_from_key("", MQS_PUBACK, 5), -1);
}

static void test_prop_table(void **state) {
  (void)state;
  static const mqs_prop_type types[] = {MQS_PT_BYTE, MQS_PT_U16,    MQS_PT_U32, MQS_PT_VBI,
                                        MQS_PT_UTF8, MQS_PT_BINARY, MQS_PT_PAIR};
  size_t n = 0;
  const mqs_prop_info *tab = mqs_prop_table(&n);
  assert_non_null(tab);
  assert_int_equal(n, 27);
  assert_int_equal(spec_props_count, 27);
  for (size_t i = 0; i < n; i++) {
    if (i) assert_true(tab[i].id > tab[i - 1].id);
    assert_ptr_equal(mqs_prop_lookup(tab[i].id), &tab[i]);
  }
  for (size_t i = 0; i < spec_props_count; i++) {
    const spec_prop *s = &spec_props[i];
    const mqs_prop_info *p = mqs_prop_lookup(s->id);
    CHECKF(p != NULL, "property %#04x missing", s->id);
    CHECKF(p->id == s->id, "property %#04x: id %#04x", s->id, p->id);
    CHECKF(p->type == types[s->type], "property %#04x (%s): type %d, want %d", s->id, s->name,
           p->type, types[s->type]);
    CHECKF(p->allowed == s->allowed, "property %#04x (%s): allowed %#06x, want %#06x", s->id,
           s->name, p->allowed, s->allowed);
    CHECKF(p->name && strcmp(p->name, s->name) == 0, "property %#04x: name \"%s\", want \"%s\"",
           s->id, p->name ? p->name : "NULL", s->name);
    CHECKF(key_ok(p->key), "property %#04x: key \"%s\"", s->id, p->key ? p->key : "NULL");
  }
  assert_string_equal(mqs_prop_lookup(0x23)->key, "topic_alias");
  size_t undefined = 0;
  for (unsigned id = 0; id < 300; id++) {
    bool defined = false;
    for (size_t i = 0; i < spec_props_count; i++)
      defined |= spec_props[i].id == id;
    if (!defined) {
      CHECKF(mqs_prop_lookup(id) == NULL, "undefined property %#x has an entry", id);
      undefined++;
    }
  }
  assert_int_equal(undefined, 300 - 27);
}

/* mqs_props_decode on its own: consumed bytes, offsets from base. */
static void test_props_decode_block(void **state) {
  (void)state;
  mqs_guard g = {0};
  size_t len;
  uint8_t *pkt = hex_alloc("30 0F 00 01 'a' 0B 23 00 05 26 00 01 'k' 00 00 01 01", &len);
  const uint8_t *in = guard_place(&g, pkt, len);
  mqs_props pr;
  mqs_violation why;
  uint32_t notes = 0;
  memset(&pr, 0, sizeof pr);
  /* The block alone, ending at the end of the input. */
  ssize_t r = mqs_props_decode(in + 5, len - 5, MQS_PUBLISH, in, &pr, &notes, &why);
  assert_int_equal(r, 12);
  assert_int_equal(pr.present, MQS_PROP_BIT(0x23) | MQS_PROP_BIT(0x26) | MQS_PROP_BIT(0x01));
  assert_int_equal(pr.topic_alias, 5);
  assert_int_equal(pr.n_user, 1);
  assert_int_equal(pr.payload_format, 1);
  assert_int_equal(pr.raw.len, 11);
  assert_ptr_equal(pr.raw.p, in + 6);
  /* Cut one byte short: the property length runs past it. */
  r = mqs_props_decode(in + 5, len - 6, MQS_PUBLISH, in, &pr, &notes, &why);
  assert_int_equal(r, MQS_EMALFORMED);
  assert_int_equal(why.rule, MQS_RULE_TRUNCATED);
  assert_int_equal(why.offset, 5);
  /* Not allowed in a PUBACK: offset counted from base. */
  r = mqs_props_decode(in + 5, len - 5, MQS_PUBACK, in, &pr, &notes, &why);
  assert_true(r < 0);
  assert_int_equal(why.rule, MQS_RULE_PROP_NOT_ALLOWED);
  assert_int_equal(why.offset, 6);
  /* Will properties: Topic Alias is not one of them. */
  r = mqs_props_decode(in + 5, len - 5, MQS_WILL_PROPS, in, &pr, &notes, &why);
  assert_int_equal(why.rule, MQS_RULE_PROP_NOT_ALLOWED);
  free(pkt);
  guard_release(&g);
}

static void test_packet_type_names(void **state) {
  (void)state;
  static const char *const names[] = {NULL,        "CONNECT",  "CONNACK",     "PUBLISH",
                                      "PUBACK",    "PUBREC",   "PUBREL",      "PUBCOMP",
                                      "SUBSCRIBE", "SUBACK",   "UNSUBSCRIBE", "UNSUBACK",
                                      "PINGREQ",   "PINGRESP", "DISCONNECT",  "AUTH"};
  for (int t = 1; t <= 15; t++)
    assert_string_equal(mqs_packet_type_name(t), names[t]);
  assert_null(mqs_packet_type_name(0));
  assert_null(mqs_packet_type_name(16));
  assert_null(mqs_packet_type_name(-1));
}

static void test_error_table(void **state) {
  (void)state;
#define ERR_ROW(name, value, msg)                                                                  \
  assert_int_equal(name, value);                                                                   \
  assert_string_equal(mqs_strerror(value), msg);                                                   \
  assert_string_equal(mqs_errname(value), #name);
  MQS_ERR_TABLE(ERR_ROW)
#undef ERR_ROW
  assert_string_equal(mqs_strerror(-1000), "unknown error");
  assert_string_equal(mqs_errname(-1000), "MQS_UNKNOWN");
  assert_string_equal(mqs_errname(7), "MQS_UNKNOWN");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reason_names),      cmocka_unit_test(test_reason_allowed_v5),
      cmocka_unit_test(test_reason_v311),       cmocka_unit_test(test_reason_keys),
      cmocka_unit_test(test_prop_table),        cmocka_unit_test(test_props_decode_block),
      cmocka_unit_test(test_packet_type_names), cmocka_unit_test(test_error_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
