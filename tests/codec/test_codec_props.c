/* tests/codec/test_codec_props.c — MQTT 5.0 properties in every packet:
 * each of the 27 properties put in each packet type (and the will), built
 * by hand from the specification's table (2.2.2.2): accepted where allowed,
 * PROP_NOT_ALLOWED at its identifier elsewhere; each non-repeatable one
 * twice is PROP_DUPLICATE at the second identifier; values out of range;
 * thousands of user properties. */
#include <stdlib.h>

#include "codec/helpers.h"
#include "codec/spec_tables.h"

#define N_SPEC spec_props_count
#define spec   spec_props

/* Packet templates: first byte, bytes before the property length, base
 * properties, bytes after the properties. kind 0 is the will. */
static const struct {
  int kind;
  uint8_t first;
  const char *before, *base, *after;
} tpl[] = {
    {1, 0x10, "00 04 'MQTT' 05 02 00 3C", "", "00 01 'c'"},
    {0, 0x10, "00 04 'MQTT' 05 06 00 3C 00 00 01 'c'", "", "00 01 't' 00 00"},
    {2, 0x20, "00 00", "", ""},
    {3, 0x30, "00 01 'a'", "", "'x'"},
    {4, 0x40, "00 01 00", "", ""},
    {5, 0x50, "00 01 00", "", ""},
    {6, 0x62, "00 01 00", "", ""},
    {7, 0x70, "00 01 00", "", ""},
    {8, 0x82, "00 01", "", "00 01 'a' 00"},
    {9, 0x90, "00 01", "", "00"},
    {10, 0xA2, "00 01", "", "00 01 'a'"},
    {11, 0xB0, "00 01", "", "00"},
    {14, 0xE0, "00", "", ""},
    {15, 0xF0, "18", "15 00 01 'm'", ""}, /* AUTH needs its method */
};
#define N_TPL (sizeof tpl / sizeof tpl[0])

static const char *value_hex(int type) {
  switch (type) {
  case T_BYTE: return "01";
  case T_U16: return "00 0A";
  case T_U32: return "00 00 10 00";
  case T_VBI: return "01";
  case T_UTF8: return "00 01 'a'";
  case T_BIN: return "00 01 'a'";
  default: return "00 01 'a' 00 01 'b'";
  }
}

typedef struct {
  uint8_t buf[512];
  size_t len;
  size_t prop_off[4]; /* offset of each added property's identifier */
  size_t value_off[4];
} built;

/* Build packet t with props[] (each: id and value hex) added after the
 * template's base properties. All lengths stay below 128 (one-byte VBIs). */
static void build(built *b, size_t t, const uint8_t *ids, const char *const *values, size_t n,
                  const char *extra_base) {
  uint8_t props[256], before[64], after[64];
  size_t pl = hex_parse(tpl[t].base, props, sizeof props);
  if (extra_base) pl += hex_parse(extra_base, props + pl, sizeof props - pl);
  size_t rel[4], relv[4];
  for (size_t i = 0; i < n; i++) {
    rel[i] = pl;
    props[pl++] = ids[i];
    relv[i] = pl;
    pl += hex_parse(values[i], props + pl, sizeof props - pl);
  }
  size_t bl = hex_parse(tpl[t].before, before, sizeof before);
  size_t al = hex_parse(tpl[t].after, after, sizeof after);
  size_t rl = bl + 1 + pl + al;
  assert_true(rl < 128 && pl < 128);
  b->buf[0] = tpl[t].first;
  b->buf[1] = (uint8_t)rl;
  memcpy(b->buf + 2, before, bl);
  b->buf[2 + bl] = (uint8_t)pl;
  memcpy(b->buf + 3 + bl, props, pl);
  memcpy(b->buf + 3 + bl + pl, after, al);
  b->len = 2 + rl;
  for (size_t i = 0; i < n; i++) {
    b->prop_off[i] = 3 + bl + rel[i];
    b->value_off[i] = 3 + bl + relv[i];
  }
}

static const mqs_props *props_of(const mqs_packet *p, int kind) {
  switch (kind) {
  case 0: return &p->connect.will_props;
  case 1: return &p->connect.props;
  case 2: return &p->connack.props;
  case 3: return &p->publish.props;
  case 8:
  case 10: return &p->subscribe.props;
  case 9:
  case 11: return &p->suback.props;
  case 14: return &p->disconnect.props;
  case 15: return &p->auth.props;
  default: return &p->ack.props;
  }
}

static ssize_t decode_built(mqs_guard *g, const built *b, mqs_packet *p, mqs_violation *why) {
  mqs_decode_opts o = {.version = MQS_V5, .from = MQS_FROM_ANY};
  return guard_decode(g, b->buf, b->len, &o, p, why);
}

static void describe(char *ctx, size_t cap, size_t t, uint8_t id, const built *b) {
  char hex[400];
  snprintf(ctx, cap, "property %#04x in %s%s [%s]", id,
           tpl[t].kind ? mqs_packet_type_name(tpl[t].kind) : "will",
           tpl[t].kind ? "" : " properties", hex_format(b->buf, b->len, hex, sizeof hex));
}

/* Each property, once, in each packet: allowed or PROP_NOT_ALLOWED. */
static void test_property_matrix(void **state) {
  (void)state;
  mqs_guard g = {0};
  int failures = 0, accepted = 0, refused = 0;
  for (size_t s = 0; s < N_SPEC; s++) {
    for (size_t t = 0; t < N_TPL; t++) {
      built b;
      char ctx[600];
      const char *val = value_hex(spec[s].type);
      /* Authentication Data needs an Authentication Method (3.1.2.11.10);
       * AUTH already has one in its base. */
      bool allowed = (spec[s].allowed >> tpl[t].kind) & 1;
      const char *extra =
          spec[s].id == 0x16 && allowed && tpl[t].kind != 15 ? "15 00 01 'm'" : NULL;
      if (spec[s].id == 0x15 && tpl[t].kind == 15) continue; /* the base has it */
      build(&b, t, &spec[s].id, &val, 1, extra);
      describe(ctx, sizeof ctx, t, spec[s].id, &b);
      mqs_packet p;
      mqs_violation why;
      ssize_t r = decode_built(&g, &b, &p, &why);
      if (allowed) {
        accepted++;
        if (r != (ssize_t)b.len) {
          print_error("%s: allowed, but decode gave %zd rule %s at %zu\n", ctx, r,
                      mqs_rule_name(why.rule), why.offset);
          failures++;
        } else if (!mqs_props_has(props_of(&p, tpl[t].kind), (mqs_prop_id)spec[s].id)) {
          print_error("%s: decoded, but not marked present\n", ctx);
          failures++;
        }
      } else {
        refused++;
        if (r != err_for_reason(mqs_rule_reason(MQS_RULE_PROP_NOT_ALLOWED)) ||
            why.rule != MQS_RULE_PROP_NOT_ALLOWED || why.offset != b.prop_off[0]) {
          print_error("%s: want PROP_NOT_ALLOWED at %zu, got %zd rule %s at %zu\n", ctx,
                      b.prop_off[0], r, mqs_rule_name(why.rule), why.offset);
          failures++;
        }
      }
    }
  }
  print_message("property matrix: %d accepted, %d refused\n", accepted, refused);
  assert_int_equal(failures, 0);
  guard_release(&g);
}

/* Twice: user properties and a PUBLISH's subscription identifiers may
 * repeat; anything else is PROP_DUPLICATE at the second identifier. */
static void test_property_duplicates(void **state) {
  (void)state;
  mqs_guard g = {0};
  int failures = 0;
  for (size_t s = 0; s < N_SPEC; s++) {
    for (size_t t = 0; t < N_TPL; t++) {
      if (!((spec[s].allowed >> tpl[t].kind) & 1)) continue;
      if (spec[s].id == 0x15 && tpl[t].kind == 15) continue;
      built b;
      char ctx[600];
      const char *val = value_hex(spec[s].type);
      const char *vals[2] = {val, val};
      uint8_t ids[2] = {spec[s].id, spec[s].id};
      const char *extra = spec[s].id == 0x16 && tpl[t].kind != 15 ? "15 00 01 'm'" : NULL;
      build(&b, t, ids, vals, 2, extra);
      describe(ctx, sizeof ctx, t, spec[s].id, &b);
      mqs_packet p;
      mqs_violation why;
      ssize_t r = decode_built(&g, &b, &p, &why);
      bool repeatable = spec[s].id == 0x26 || (spec[s].id == 0x0B && tpl[t].kind == 3);
      if (repeatable) {
        const mqs_props *pr = props_of(&p, tpl[t].kind);
        if (r != (ssize_t)b.len || (spec[s].id == 0x26 ? pr->n_user : pr->n_sub_id) != 2) {
          print_error("%s twice: want accepted with a count of 2, got %zd rule %s\n", ctx, r,
                      mqs_rule_name(why.rule));
          failures++;
        }
      } else if (r != err_for_reason(mqs_rule_reason(MQS_RULE_PROP_DUPLICATE)) ||
                 why.rule != MQS_RULE_PROP_DUPLICATE || why.offset != b.prop_off[1]) {
        print_error("%s twice: want PROP_DUPLICATE at %zu, got %zd rule %s at %zu\n", ctx,
                    b.prop_off[1], r, mqs_rule_name(why.rule), why.offset);
        failures++;
      }
    }
  }
  assert_int_equal(failures, 0);
  guard_release(&g);
}

/* Values outside what a property allows (chapter 3, per property). */
static void test_property_values(void **state) {
  (void)state;
  /* rel: offset of the offending byte within the value, or -1 for the
   * property's identifier. */
  static const struct {
    int kind;
    uint8_t id;
    const char *value;
    mqs_rule rule; /* NONE: accepted */
    int rel;
  } cases[] = {
      {3, 0x01, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {3, 0x01, "FF", MQS_RULE_PROP_VALUE_INVALID, 0},
      {0, 0x01, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {3, 0x01, "00", MQS_RULE_NONE, 0},
      {1, 0x17, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {1, 0x19, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {1, 0x17, "00", MQS_RULE_NONE, 0},
      {1, 0x21, "00 00", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x21, "00 00", MQS_RULE_PROP_VALUE_INVALID, 0},
      {1, 0x21, "FF FF", MQS_RULE_NONE, 0},
      {1, 0x27, "00 00 00 00", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x27, "00 00 00 00", MQS_RULE_PROP_VALUE_INVALID, 0},
      {1, 0x22, "00 00", MQS_RULE_NONE, 0}, /* Topic Alias Maximum 0: no aliases */
      {2, 0x24, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x24, "00", MQS_RULE_NONE, 0},
      {2, 0x25, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x28, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x29, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x2A, "02", MQS_RULE_PROP_VALUE_INVALID, 0},
      {2, 0x13, "00 00", MQS_RULE_NONE, 0},
      {3, 0x23, "00 00", MQS_RULE_TOPIC_ALIAS_ZERO, 0},
      {3, 0x23, "FF FF", MQS_RULE_NONE, 0},
      {3, 0x0B, "00", MQS_RULE_SUB_ID_ZERO, 0},
      {8, 0x0B, "00", MQS_RULE_SUB_ID_ZERO, 0},
      {8, 0x0B, "FF FF FF 7F", MQS_RULE_NONE, 0}, /* 268,435,455 */
      {3, 0x08, "00 03 'a/#'", MQS_RULE_RESPONSE_TOPIC_WILDCARD, 4},
      {0, 0x08, "00 03 'a/+'", MQS_RULE_RESPONSE_TOPIC_WILDCARD, 4},
      {3, 0x08, "00 02 C0 80", MQS_RULE_UTF8_INVALID, 2},
      {3, 0x03, "00 02 'a' 00", MQS_RULE_UTF8_NULL, 3},
      {2, 0x12, "00 01 FF", MQS_RULE_UTF8_INVALID, 2},
      {4, 0x1F, "00 03 ED A0 80", MQS_RULE_UTF8_INVALID, 2},
      {3, 0x09, "00 03 00 C0 FF", MQS_RULE_NONE, 0}, /* binary: anything goes */
      {1, 0x16, "00 02 C0 80", MQS_RULE_AUTH_DATA_WITHOUT_METHOD, -1},
      {4, 0x26, "00 01 'k' 00 02 ED A0", MQS_RULE_UTF8_PAIR_INVALID, 5},
      {4, 0x26, "00 00 00 00", MQS_RULE_NONE, 0}, /* empty key and value */
      {3, 0x01, "", MQS_RULE_TRUNCATED, 0},       /* no value at all */
  };
  mqs_guard g = {0};
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t t = 0;
    while (tpl[t].kind != cases[i].kind)
      t++;
    built b;
    char ctx[600];
    build(&b, t, &cases[i].id, &cases[i].value, 1, NULL);
    describe(ctx, sizeof ctx, t, cases[i].id, &b);
    mqs_packet p;
    mqs_violation why;
    ssize_t r = decode_built(&g, &b, &p, &why);
    if (cases[i].rule == MQS_RULE_NONE) {
      if (r != (ssize_t)b.len) {
        print_error("%s: want accepted, got %zd rule %s\n", ctx, r, mqs_rule_name(why.rule));
        failures++;
      }
      continue;
    }
    size_t want_off = cases[i].rel < 0 ? b.prop_off[0] : b.value_off[0] + (size_t)cases[i].rel;
    if (r != err_for_reason(mqs_rule_reason(cases[i].rule)) || why.rule != cases[i].rule ||
        why.offset != want_off) {
      print_error("%s: want %s at %zu, got %zd rule %s at %zu\n", ctx, mqs_rule_name(cases[i].rule),
                  want_off, r, mqs_rule_name(why.rule), why.offset);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
  guard_release(&g);
}

/* Thousands of user properties: accepted, counted, iterated in order, and
 * encoded back byte for byte (the property length needs 3 bytes). */
static void test_thousands_of_user_properties(void **state) {
  (void)state;
  enum { N = 5000 };
  size_t plen = (size_t)N * 9; /* 26 00 02 kk kk 00 02 vv vv */
  uint8_t *buf = malloc(plen + 32);
  assert_non_null(buf);
  size_t rl = 3 + 3 + plen + 2; /* topic "a", property length VBI, props, payload */
  size_t o = 0;
  buf[o++] = 0x30;
  buf[o++] = (uint8_t)(0x80 | (rl & 0x7F));
  buf[o++] = (uint8_t)(0x80 | ((rl >> 7) & 0x7F));
  buf[o++] = (uint8_t)(rl >> 14);
  buf[o++] = 0;
  buf[o++] = 1;
  buf[o++] = 'a';
  buf[o++] = (uint8_t)(0x80 | (plen & 0x7F));
  buf[o++] = (uint8_t)(0x80 | ((plen >> 7) & 0x7F));
  buf[o++] = (uint8_t)(plen >> 14);
  assert_true(rl >= 16384 && plen >= 16384 && (rl >> 14) < 128);
  for (unsigned i = 0; i < N; i++) {
    uint8_t e[9] = {0x26,
                    0,
                    2,
                    (uint8_t)('A' + i % 26),
                    (uint8_t)('a' + i / 26 % 26),
                    0,
                    2,
                    (uint8_t)('0' + i / 100 % 10),
                    (uint8_t)('0' + i % 100 / 10)};
    memcpy(buf + o, e, 9);
    o += 9;
  }
  buf[o++] = 'h';
  buf[o++] = 'i';
  mqs_guard g = {0};
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts opt = {.version = MQS_V5};
  ssize_t r = guard_decode(&g, buf, o, &opt, &p, &why);
  CHECKF(r == (ssize_t)o, "decode: %zd rule %s at %zu", r, mqs_rule_name(why.rule), why.offset);
  assert_int_equal(p.publish.props.n_user, N);
  uint32_t c = 0;
  mqs_str_pair up;
  for (unsigned i = 0; i < N; i++) {
    assert_true(mqs_props_next_user(&p.publish.props, &c, &up));
    assert_int_equal(up.key.len, 2);
    assert_int_equal(up.key.p[0], 'A' + i % 26);
    assert_int_equal(up.key.p[1], 'a' + i / 26 % 26);
    assert_int_equal(up.value.p[1], '0' + i % 100 / 10);
  }
  assert_false(mqs_props_next_user(&p.publish.props, &c, &up));
  check_bin("payload", p.publish.payload, "hi", 2);
  check_encodes_to("5000 user properties", &p, MQS_V5, buf, o);
  guard_release(&g);
  free(buf);
}

/* Will properties come back as will properties, not the CONNECT's. */
static void test_will_properties_kept_apart(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  const char *hex = "10 20 00 04 'MQTT' 05 06 00 3C | 05 11 00 00 00 07 | 00 01 'c'"
                    " | 05 18 00 00 00 09 | 00 01 't' | 00 02 'hi'";
  dec_ok(&g, hex, MQS_V5, &p);
  assert_int_equal(p.connect.props.present, MQS_PROP_BIT(0x11));
  assert_int_equal(p.connect.props.session_expiry, 7);
  assert_int_equal(p.connect.will_props.present, MQS_PROP_BIT(0x18));
  assert_int_equal(p.connect.will_props.will_delay, 9);
  check_str("will topic", p.connect.will_topic, "t");
  check_encodes_to_hex("will", &p, MQS_V5, hex);
  guard_release(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_property_matrix),
      cmocka_unit_test(test_property_duplicates),
      cmocka_unit_test(test_property_values),
      cmocka_unit_test(test_thousands_of_user_properties),
      cmocka_unit_test(test_will_properties_kept_apart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
