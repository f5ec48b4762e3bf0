/* tests/harness/test_print.c — the packet and violation printers: exact
 * text for people, valid JSON for programs, snprintf semantics for both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "mqs/codec.h"
#include "mqs/print.h"

/* ---- a strict JSON checker (RFC 8259), enough to reject what a printer
 * could get wrong: raw control characters, bad escapes, ill-formed UTF-8,
 * unbalanced brackets, trailing commas, trailing text. ---- */

typedef struct {
  const char *s;
  size_t i, n;
  int depth;
} jp;

static void ws(jp *j) {
  while (j->i < j->n && strchr(" \t\r\n", j->s[j->i]) && j->s[j->i])
    j->i++;
}

static bool lit(jp *j, const char *w) {
  size_t k = strlen(w);
  if (j->n - j->i < k || memcmp(j->s + j->i, w, k) != 0) return false;
  j->i += k;
  return true;
}

static bool jstring(jp *j) {
  if (j->i >= j->n || j->s[j->i] != '"') return false;
  j->i++;
  while (j->i < j->n) {
    unsigned char c = (unsigned char)j->s[j->i];
    if (c == '"') {
      j->i++;
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      j->i++;
      if (j->i >= j->n) return false;
      char e = j->s[j->i++];
      if (e == 'u') {
        for (int k = 0; k < 4; k++, j->i++)
          if (j->i >= j->n || !strchr("0123456789abcdefABCDEF", j->s[j->i]) || !j->s[j->i])
            return false;
      } else if (!strchr("\"\\/bfnrt", e) || !e) {
        return false;
      }
      continue;
    }
    if (c < 0x80) {
      j->i++;
      continue;
    }
    /* well-formed UTF-8 only */
    size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (k == 0 || c > 0xF4 || j->n - j->i < k) return false;
    uint32_t v = c & (0x7F >> k);
    for (size_t m = 1; m < k; m++) {
      unsigned char d = (unsigned char)j->s[j->i + m];
      if ((d & 0xC0) != 0x80) return false;
      v = v << 6 | (d & 0x3F);
    }
    if ((k == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (k == 4 && v < 0x10000) ||
        v > 0x10FFFF)
      return false;
    j->i += k;
  }
  return false;
}

static bool jnumber(jp *j) {
  size_t start = j->i;
  if (j->i < j->n && j->s[j->i] == '-') j->i++;
  if (j->i >= j->n || j->s[j->i] < '0' || j->s[j->i] > '9') return false;
  if (j->s[j->i] == '0')
    j->i++;
  else
    while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
      j->i++;
  return j->i > start;
}

static bool jvalue(jp *j);

static bool jcontainer(jp *j, char open, char close, bool object) {
  if (j->s[j->i] != open || ++j->depth > 64) return false;
  j->i++;
  ws(j);
  if (j->i < j->n && j->s[j->i] == close) {
    j->i++;
    j->depth--;
    return true;
  }
  for (;;) {
    ws(j);
    if (object) {
      if (!jstring(j)) return false;
      ws(j);
      if (j->i >= j->n || j->s[j->i] != ':') return false;
      j->i++;
    }
    if (!jvalue(j)) return false;
    ws(j);
    if (j->i >= j->n) return false;
    if (j->s[j->i] == ',') {
      j->i++;
      continue;
    }
    if (j->s[j->i] == close) {
      j->i++;
      j->depth--;
      return true;
    }
    return false;
  }
}

static bool jvalue(jp *j) {
  ws(j);
  if (j->i >= j->n) return false;
  switch (j->s[j->i]) {
  case '{': return jcontainer(j, '{', '}', true);
  case '[': return jcontainer(j, '[', ']', false);
  case '"': return jstring(j);
  case 't': return lit(j, "true");
  case 'f': return lit(j, "false");
  case 'n': return lit(j, "null");
  default: return jnumber(j);
  }
}

static bool json_valid(const char *s) {
  jp j = {s, 0, strlen(s), 0};
  if (!jvalue(&j)) return false;
  ws(&j);
  return j.i == j.n;
}

static void test_json_checker(void **state) {
  (void)state;
  assert_true(json_valid("{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u0001\\\"\",\"d\":true}"));
  assert_true(json_valid("\"\xc3\xa9\""));
  assert_false(json_valid("{\"a\":1,}"));
  assert_false(json_valid("{\"a\":1"));
  assert_false(json_valid("\"\x01\""));
  assert_false(json_valid("\"\xff\""));
  assert_false(json_valid("\"\\x41\""));
  assert_false(json_valid("{} x"));
  assert_false(json_valid("[01]"));
}

/* ---- helpers ---- */

typedef size_t (*packet_printer)(const mqs_packet *, mqs_version, char *, size_t);

static char *print_packet(packet_printer f, const mqs_packet *p, mqs_version v) {
  size_t n = f(p, v, NULL, 0);
  char *s = malloc(n + 1);
  assert_non_null(s);
  assert_int_equal(f(p, v, s, n + 1), n);
  assert_int_equal(strlen(s), n);
  return s;
}

/* Every cap from 0 to the full length and a little beyond: the same return
 * value, a NUL-terminated prefix, and not one byte written past cap. */
static void check_snprintf(packet_printer pf, const mqs_packet *p, mqs_version v,
                           const mqs_violation *why,
                           size_t (*vf)(const mqs_violation *, char *, size_t)) {
  size_t n = pf ? pf(p, v, NULL, 0) : vf(why, NULL, 0);
  char *full = malloc(n + 1), *buf = malloc(n + 16);
  assert_non_null(full);
  assert_non_null(buf);
  assert_int_equal(pf ? pf(p, v, full, n + 1) : vf(why, full, n + 1), n);
  for (size_t cap = 0; cap <= n + 3; cap++) {
    memset(buf, 0x5A, n + 16);
    size_t r = pf ? pf(p, v, buf, cap) : vf(why, buf, cap);
    if (r != n) fail_msg("cap %zu: returned %zu, want %zu", cap, r, n);
    size_t kept = cap == 0 ? 0 : (cap - 1 < n ? cap - 1 : n);
    if (cap > 0) {
      assert_memory_equal(buf, full, kept);
      if (buf[kept] != '\0') fail_msg("cap %zu: no NUL at %zu", cap, kept);
    }
    for (size_t k = cap; k < n + 16; k++)
      if (buf[k] != 0x5A) fail_msg("cap %zu: byte %zu written", cap, k);
  }
  free(full);
  free(buf);
}

typedef struct {
  mqs_version v;
  const char *hex;
  const char *line; /* the expected one-line text, or NULL */
} vector;

/* Decoded packets of both versions, with the one-line form expected. */
static const vector vectors[] = {
    {MQS_V5,
     "10 2c 00 04 4d 51 54 54 05 ce 00 3c 08 11 00 00 00 3c 21 00 14 00 02 63 31"
     " 05 18 00 00 00 0a 00 01 77 00 03 62 79 65 00 01 75 00 02 70 77",
     "CONNECT v5 client_id=\"c1\" clean_start=1 keep_alive=60 will{qos=1 retain=0 topic=\"w\" "
     "payload(3)=\"bye\" props{will_delay=10}} username=\"u\" password(2) "
     "props{session_expiry=60, receive_max=20}"},
    {MQS_V5, "20 09 00 00 06 22 00 0a 21 00 64",
     "CONNACK session_present=0 reason=success props{receive_max=100, topic_alias_max=10}"},
    {MQS_V5, "82 11 00 01 02 0b 05 00 03 61 2f 62 05 00 03 63 2f 23 12",
     "SUBSCRIBE id=1 filters=[\"a/b\" qos=1 nl=1 rap=0 rh=0, \"c/#\" qos=2 nl=0 rap=0 rh=1] "
     "props{subscription_ids=[5]}"},
    {MQS_V5, "90 05 00 01 00 01 87", "SUBACK id=1 reasons=[granted_qos_1, not_authorized]"},
    {MQS_V5,
     "32 1e 00 03 61 2f 62 00 07 11 01 01 02 00 00 00 3c 23 00 03 26 00 01 6b 00 01 76"
     " 68 65 6c 6c 6f",
     "PUBLISH qos=1 id=7 retain=0 dup=0 topic=\"a/b\" payload(5)=\"hello\" "
     "props{payload_format=1, message_expiry=60, topic_alias=3, user[\"k\"=\"v\"]}"},
    {MQS_V5, "40 02 00 07", "PUBACK id=7 reason=success"},
    {MQS_V5, "40 03 00 07 10", "PUBACK id=7 reason=no_matching_subscribers"},
    {MQS_V5, "62 03 00 05 92", "PUBREL id=5 reason=packet_identifier_not_found"},
    {MQS_V5, "a2 07 00 02 00 00 02 61 62", "UNSUBSCRIBE id=2 filters=[\"ab\"]"},
    {MQS_V5, "b0 04 00 02 00 00", "UNSUBACK id=2 reasons=[success]"},
    {MQS_V5, "e0 08 00 06 1f 00 03 62 79 65",
     "DISCONNECT reason=normal_disconnection props{reason_string=\"bye\"}"},
    {MQS_V5, "f0 06 18 04 15 00 01 6d",
     "AUTH reason=continue_authentication props{auth_method=\"m\"}"},
    /* correlation data not readable, a payload that is one U+0000 */
    {MQS_V5, "30 0e 00 01 74 09 08 00 01 72 09 00 02 00 ff 00",
     "PUBLISH qos=0 retain=0 dup=0 topic=\"t\" payload(1)=hex:00 "
     "props{response_topic=\"r\", correlation_data(2)=hex:00ff}"},
    {MQS_V5, "c0 00", "PINGREQ"},
    {MQS_V5, "d0 00", "PINGRESP"},
    {MQS_V311, "10 0e 00 04 4d 51 54 54 04 02 00 1e 00 02 63 31",
     "CONNECT v3.1.1 client_id=\"c1\" clean_start=1 keep_alive=30"},
    {MQS_V311, "20 02 00 05", "CONNACK session_present=0 reason=not_authorized"},
    {MQS_V311, "90 04 00 01 00 80", "SUBACK id=1 reasons=[granted_qos_0, failure]"},
    {MQS_V311, "35 08 00 01 61 00 02 01 02 ff",
     "PUBLISH qos=2 id=2 retain=1 dup=0 topic=\"a\" payload(3)=hex:0102ff"},
    {MQS_V311, "40 02 00 07", "PUBACK id=7"},
    {MQS_V311, "b0 02 00 0b", "UNSUBACK id=11"},
    {MQS_V311, "e0 00", "DISCONNECT"},
    {MQS_V31, "10 17 00 06 4d 51 49 73 64 70 03 c2 00 3c 00 02 63 31 00 01 75 00 02 70 77",
     "CONNECT v3.1 client_id=\"c1\" clean_start=1 keep_alive=60 username=\"u\" password(2)"},
};
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

/* Decode vector i into *p; the bytes stay alive in *b (free it). */
static void decode_vector(size_t i, mqs_hexbuf *b, mqs_packet *p) {
  mqs_violation why;
  memset(b, 0, sizeof *b);
  assert_int_equal(mqs_hex_parse(vectors[i].hex, strlen(vectors[i].hex), b, NULL), 0);
  memset(p, 0, sizeof *p);
  memset(&why, 0, sizeof why);
  ssize_t r = mqs_decode(b->p, b->len, vectors[i].v, p, &why);
  if (r != (ssize_t)b->len)
    fail_msg("vector %zu (%s) decodes to %zd, rule %s at %zu", i, vectors[i].hex, r,
             mqs_rule_name(why.rule) ? mqs_rule_name(why.rule) : "-", why.offset);
}

static void test_lines(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VECTORS; i++) {
    mqs_hexbuf b;
    mqs_packet p;
    decode_vector(i, &b, &p);
    char *s = print_packet(mqs_print, &p, vectors[i].v);
    if (vectors[i].line && strcmp(s, vectors[i].line) != 0)
      fail_msg("vector %zu:\n got  %s\n want %s", i, s, vectors[i].line);
    assert_null(strchr(s, '\n'));
    free(s);
    mqs_hexbuf_free(&b);
  }
}

static void test_json_of_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VECTORS; i++) {
    mqs_hexbuf b;
    mqs_packet p;
    decode_vector(i, &b, &p);
    char *s = print_packet(mqs_print_json, &p, vectors[i].v);
    if (!json_valid(s)) fail_msg("vector %zu: not JSON: %s", i, s);
    assert_null(strchr(s, '\n'));
    assert_non_null(strstr(s, "\"notes\":["));
    free(s);
    mqs_hexbuf_free(&b);
  }
}

static void test_snprintf_semantics(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VECTORS; i++) {
    mqs_hexbuf b;
    mqs_packet p;
    decode_vector(i, &b, &p);
    check_snprintf(mqs_print, &p, vectors[i].v, NULL, NULL);
    check_snprintf(mqs_print_json, &p, vectors[i].v, NULL, NULL);
    mqs_hexbuf_free(&b);
  }
}

static void test_json_fields(void **state) {
  (void)state;
  mqs_hexbuf b;
  mqs_packet p;
  decode_vector(4, &b, &p); /* the v5 PUBLISH */
  char *s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_string_equal(s, "{\"type\":\"PUBLISH\",\"flags\":2,\"remaining\":30,\"qos\":1,"
                         "\"dup\":false,\"retain\":false,\"id\":7,\"topic\":\"a/b\","
                         "\"payload\":{\"len\":5,\"utf8\":\"hello\"},\"properties\":{"
                         "\"payload_format\":1,\"message_expiry\":60,\"topic_alias\":3,"
                         "\"user\":[[\"k\",\"v\"]]},\"notes\":[]}");
  free(s);
  mqs_hexbuf_free(&b);
  decode_vector(12, &b, &p); /* binary correlation data, U+0000 payload */
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_non_null(strstr(s, "\"payload\":{\"len\":1,\"hex\":\"00\"}"));
  assert_non_null(strstr(s, "\"correlation_data\":{\"len\":2,\"hex\":\"00ff\"}"));
  free(s);
  mqs_hexbuf_free(&b);
}

/* ---- packets built by hand: what decode never gives ---- */

static mqs_str str(const char *s) { return (mqs_str){(const uint8_t *)s, (uint32_t)strlen(s)}; }

static void test_escaping(void **state) {
  (void)state;
  /* quote, backslash, control byte, DEL, a C1 control, e-acute, an invalid byte */
  static const uint8_t topic[] = "q\"b\\c\x01"
                                 "d\x7f"
                                 "e\xc2\x85"
                                 "f\xc3\xa9g\xff";
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = (mqs_str){topic, sizeof topic - 1};
  p.publish.payload = str("x");
  char *s = print_packet(mqs_print, &p, MQS_V5);
  assert_string_equal(s, "PUBLISH qos=0 retain=0 dup=0 "
                         "topic=\"q\\\"b\\\\c\\x01d\\x7fe\\xc2\\x85f\xc3\xa9g\\xff\" "
                         "payload(1)=\"x\"");
  free(s);
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  /* not UTF-8: JSON carries the topic as hex */
  assert_non_null(strstr(s, "\"topic\":{\"hex\":\"7122625c6301647f65c28566c3a967ff\"}"));
  free(s);

  /* well-formed UTF-8 with controls: JSON escapes them as \u00XX */
  static const uint8_t ctl[] = "a\"\\\x01\x1f\x7f\xc3\xa9";
  p.publish.topic = (mqs_str){ctl, sizeof ctl - 1};
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"topic\":\"a\\\"\\\\\\u0001\\u001f\\u007f\xc3\xa9\""));
  free(s);
}

static void test_truncation(void **state) {
  (void)state;
  static uint8_t text[100], bin[100], utf[100];
  memset(text, 'a', sizeof text);
  for (size_t i = 0; i < sizeof bin; i++)
    bin[i] = (uint8_t)i;
  /* 63 'b' then e-acute across the 64-byte cut */
  memset(utf, 'b', sizeof utf);
  utf[63] = 0xc3;
  utf[64] = 0xa9;
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = str("t");

  p.publish.payload = (mqs_str){text, sizeof text};
  char *s = print_packet(mqs_print, &p, MQS_V5);
  char want[512];
  snprintf(want, sizeof want, "PUBLISH qos=0 retain=0 dup=0 topic=\"t\" payload(100)=\"%.64s\"...",
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  assert_string_equal(s, want);
  free(s);

  p.publish.payload = (mqs_str){bin, sizeof bin};
  s = print_packet(mqs_print, &p, MQS_V5);
  char hex[200] = "";
  for (size_t i = 0; i < 64; i++)
    snprintf(hex + 2 * i, 3, "%02x", bin[i]);
  snprintf(want, sizeof want, "PUBLISH qos=0 retain=0 dup=0 topic=\"t\" payload(100)=hex:%s...",
           hex);
  assert_string_equal(s, want);
  free(s);
  /* JSON: the whole payload */
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"payload\":{\"len\":100,\"hex\":\"000102"));
  assert_non_null(strstr(s, "3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b"
                            "5c5d5e5f60616263\"}"));
  free(s);

  p.publish.payload = (mqs_str){utf, sizeof utf};
  s = print_packet(mqs_print, &p, MQS_V5);
  snprintf(want, sizeof want, "PUBLISH qos=0 retain=0 dup=0 topic=\"t\" payload(100)=\"%.63s\"...",
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  assert_string_equal(s, want);
  free(s);
}

static void test_built_props(void **state) {
  (void)state;
  static const mqs_str_pair users[] = {{{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v1", 2}},
                                       {{(const uint8_t *)"k2", 2}, {(const uint8_t *)"", 0}}};
  static const uint32_t sub_ids[] = {1, 268435455};
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.qos = 2;
  p.publish.id = 9;
  p.publish.dup = true;
  p.publish.topic = str("");
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS) |
                            MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE) | MQS_PROP_BIT(MQS_PROP_USER) |
                            MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
  p.publish.props.topic_alias = 4;
  p.publish.props.content_type = str("text/plain");
  p.publish.props.n_user = 2;
  p.publish.props.user = users;
  p.publish.props.n_sub_id = 2;
  p.publish.props.sub_ids = sub_ids;
  char *s = print_packet(mqs_print, &p, MQS_V5);
  assert_string_equal(s, "PUBLISH qos=2 id=9 retain=0 dup=1 topic=\"\" payload(0) "
                         "props{content_type=\"text/plain\", subscription_ids=[1, 268435455], "
                         "topic_alias=4, user[\"k1\"=\"v1\", \"k2\"=\"\"]}");
  free(s);
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"payload\":{\"len\":0,\"utf8\":\"\"}"));
  assert_non_null(strstr(s, "\"subscription_ids\":[1,268435455]"));
  assert_non_null(strstr(s, "\"user\":[[\"k1\",\"v1\"],[\"k2\",\"\"]]"));
  free(s);
  check_snprintf(mqs_print, &p, MQS_V5, NULL, NULL);
  check_snprintf(mqs_print_json, &p, MQS_V5, NULL, NULL);
}

static void test_odd_packets(void **state) {
  (void)state;
  mqs_packet p;
  memset(&p, 0, sizeof p);
  /* a type outside 1..15, as a raw encode might hold */
  p.type = (mqs_packet_type)0;
  p.flags = 3;
  char *s = print_packet(mqs_print, &p, MQS_V5);
  assert_string_equal(s, "TYPE_0 flags=0x3 remaining=0");
  free(s);
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"type\":null"));
  free(s);
  /* wrong fixed-header flags are shown; notes are named */
  p.type = MQS_PINGREQ;
  p.flags = 1;
  p.notes = MQS_NOTE_CONTROL_CHAR | MQS_NOTE_PAYLOAD_NOT_UTF8;
  s = print_packet(mqs_print, &p, MQS_V5);
  assert_string_equal(s, "PINGREQ flags=0x1 notes[control_char, payload_not_utf8]");
  free(s);
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"notes\":[\"control_char\",\"payload_not_utf8\"]"));
  free(s);
  /* a reason code no table knows: hex */
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBACK;
  p.ack.id = 1;
  p.ack.reason = 0x7e;
  s = print_packet(mqs_print, &p, MQS_V5);
  assert_string_equal(s, "PUBACK id=1 reason=0x7e");
  free(s);
  s = print_packet(mqs_print_json, &p, MQS_V5);
  assert_true(json_valid(s));
  assert_non_null(strstr(s, "\"reason_code\":126,\"reason\":null"));
  free(s);
}

/* ---- violations ---- */

static void test_violations(void **state) {
  (void)state;
  mqs_violation why;
  memset(&why, 0, sizeof why);
  mqs_violation_set(&why, MQS_RULE_QOS_3, MQS_V311, MQS_PUBLISH, 12);
  char buf[512];
  size_t n = mqs_print_violation(&why, buf, sizeof buf);
  assert_int_equal(n, strlen(buf));
  assert_string_equal(buf, "violation at offset 12: QOS_3 \xe2\x80\x94 PUBLISH has both QoS bits "
                           "set [MQTT-3.3.1-4, reason 0x81 Malformed Packet]");
  check_snprintf(NULL, NULL, MQS_V5, &why, mqs_print_violation);
  check_snprintf(NULL, NULL, MQS_V5, &why, mqs_print_violation_json);
  n = mqs_print_violation_json(&why, buf, sizeof buf);
  assert_int_equal(n, strlen(buf));
  assert_true(json_valid(buf));
  assert_non_null(strstr(buf, "\"rule\":\"QOS_3\""));
  assert_non_null(strstr(buf, "\"offset\":12"));
  assert_non_null(strstr(buf, "\"statement\":\"MQTT-3.3.1-4\""));
  assert_non_null(strstr(buf, "\"reason_code\":129"));

  /* a rule without a statement id names its section */
  mqs_violation_set(&why, MQS_RULE_RL_TOO_LONG, MQS_V5, MQS_PUBLISH, 4);
  mqs_print_violation(&why, buf, sizeof buf);
  assert_non_null(strstr(buf, "[section 1.5.5, reason 0x81 Malformed Packet]"));
  mqs_print_violation_json(&why, buf, sizeof buf);
  assert_true(json_valid(buf));
  assert_non_null(strstr(buf, "\"statement\":null"));

  /* every rule of the table prints as valid JSON in both versions */
  for (int r = 1; r < MQS_RULE_COUNT; r++) {
    for (int v = MQS_V311; v <= MQS_V5; v++) {
      mqs_violation_set(&why, (mqs_rule)r, v, 0, 0);
      mqs_print_violation_json(&why, buf, sizeof buf);
      if (!json_valid(buf)) fail_msg("rule %d: %s", r, buf);
      assert_true(mqs_print_violation(&why, buf, sizeof buf) < sizeof buf);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_checker),    cmocka_unit_test(test_lines),
      cmocka_unit_test(test_json_of_vectors), cmocka_unit_test(test_snprintf_semantics),
      cmocka_unit_test(test_json_fields),     cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_truncation),      cmocka_unit_test(test_built_props),
      cmocka_unit_test(test_odd_packets),     cmocka_unit_test(test_violations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
