/* fuzz/fuzz_print.c — the printers: mqs_print, mqs_print_json and the
 * violation printers, on decoded packets and on built ones.
 *
 * Input: a control byte, then either a packet stream (bit 2 clear: every
 * packet decoded with the version of bits 0-1 is printed, every rejection
 * has its violation printed) or the fields of one packet taken from the
 * bytes (bit 2 set: values decode never produces, such as unknown types,
 * reason codes not allowed, unknown property bits and note bits).
 *
 * For every text: the size is the same whatever the cap; every cap gives
 * a NUL-terminated prefix of the whole text and writes nothing past cap
 * (exact-size heap buffers, so ASan sees it); the one-line form is one
 * line of well-formed UTF-8 without control characters; the JSON form is
 * one valid JSON object (json_check.h). */
#include <string.h>

#include "fuzz.h"
#include "guard.h"
#include "input.h"
#include "json_check.h"
#include "mqs/codec.h"
#include "mqs/print.h"
#include "stream.h"

typedef struct {
  const char *name;
  bool json;
  size_t (*packet)(const mqs_packet *, mqs_version, char *, size_t);
  size_t (*violation)(const mqs_violation *, char *, size_t);
} printer;

static const printer printers[] = {
    {"mqs_print", false, mqs_print, NULL},
    {"mqs_print_json", true, mqs_print_json, NULL},
    {"mqs_print_violation", false, NULL, mqs_print_violation},
    {"mqs_print_violation_json", true, NULL, mqs_print_violation_json},
};

static size_t run(const printer *pr, const void *what, mqs_version v, char *buf, size_t cap) {
  return pr->packet ? pr->packet(what, v, buf, cap) : pr->violation(what, buf, cap);
}

static void check_text(const printer *pr, const char *s, size_t n) {
  size_t at = 0;
  if (pr->json) {
    const char *err = json_check(s, n, &at);
    FUZZ_CHECK(err == NULL, "%s: invalid JSON at %zu: %s\n  %s", pr->name, at, err, s);
    return;
  }
  uint32_t notes = 0;
  mqs_rule r = mqs_utf8_check((const uint8_t *)s, n, &at, &notes);
  FUZZ_CHECK(r == MQS_RULE_NONE, "%s: %s at %zu\n  %s", pr->name, mqs_rule_name(r), at, s);
  FUZZ_CHECK(!(notes & MQS_NOTE_CONTROL_CHAR), "%s: a control character\n  %s", pr->name, s);
}

/* The text at one cap, in a buffer of exactly that size. */
static void check_cap(const printer *pr, const void *what, mqs_version v, const char *full,
                      size_t n, size_t cap) {
  /* Exactly cap bytes before ASan's redzone; cap 0 gets one byte to
   * watch, which must stay untouched. */
  char *b = (char *)fuzz_guard_room(GUARD_OUTPUT, cap ? cap : 1);
  b[0] = 'X';
  size_t m = run(pr, what, v, b, cap);
  FUZZ_CHECK(m == n, "%s: cap %zu says %zu bytes, cap 0 said %zu", pr->name, cap, m, n);
  if (cap == 0) {
    FUZZ_CHECK(b[0] == 'X', "%s: wrote into a zero-size buffer", pr->name);
  } else {
    size_t k = cap - 1 < n ? cap - 1 : n;
    FUZZ_CHECK(b[k] == '\0' && memcmp(b, full, k) == 0, "%s: cap %zu is not a prefix", pr->name,
               cap);
  }
  fuzz_guard_done(GUARD_OUTPUT, (uint8_t *)b);
}

static void check_printer(const printer *pr, const void *what, mqs_version v) {
  size_t n = run(pr, what, v, NULL, 0);
  char *full = (char *)fuzz_guard_room(GUARD_INPUT, n + 1);
  FUZZ_CHECK(run(pr, what, v, full, n + 1) == n, "%s: size changed", pr->name);
  FUZZ_CHECK(strlen(full) == n, "%s: %zu bytes before a NUL, %zu said", pr->name, strlen(full), n);
  check_text(pr, full, n);
  /* Every cap for short texts; for long ones the edges and a few caps
   * spread over the text (every cap would be quadratic: one print each,
   * and a violation's JSON alone is some 300 bytes). */
  if (n <= 48) {
    for (size_t cap = 0; cap <= n; cap++)
      check_cap(pr, what, v, full, n, cap);
  } else {
    size_t caps[] = {0, 1, 2, n / 7, n / 3, n / 2, 2 * n / 3, n - 2, n - 1, n};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
      check_cap(pr, what, v, full, n, caps[i]);
  }
  fuzz_guard_done(GUARD_INPUT, (uint8_t *)full);
}

/* Packets printed per input: past a few, a long stream of rejected bytes
 * only prints the same violations again. */
#define MAX_STEPS 16

static void print_step(const fuzz_step *s, const mqs_decode_opts *o, void *arg) {
  unsigned *steps = arg;
  if (++*steps > MAX_STEPS) return;
  if (s->rc > 0) {
    check_printer(&printers[0], s->packet, o->version);
    check_printer(&printers[1], s->packet, o->version);
  } else {
    check_printer(&printers[2], s->why, o->version);
    check_printer(&printers[3], s->why, o->version);
  }
}

/* ---- built packets ------------------------------------------------------ */

static void build_props(fuzz_input *in, mqs_props *p, mqs_str_pair *users, uint32_t *sub_ids) {
  /* One value per statement: the order arguments are evaluated in is
   * unspecified, and gcc (replay) and clang (fuzzing) must agree. */
  uint64_t present = (uint64_t)in_u32(in) << 32;
  present |= in_u32(in);
  *p = (mqs_props){.present = present};
  p->payload_format = in_u8(in);
  p->max_qos = in_u8(in);
  p->receive_max = in_u16(in);
  p->topic_alias = in_u16(in);
  p->message_expiry = in_u32(in);
  p->session_expiry = in_u32(in);
  p->max_packet_size = in_u32(in);
  p->content_type = in_str(in);
  p->correlation_data = in_str(in);
  p->reason_string = in_str(in);
  p->auth_data = in_str(in);
  p->n_user = in_u8(in) % 4;
  for (uint32_t i = 0; i < p->n_user; i++) {
    users[i].key = in_str(in);
    users[i].value = in_str(in);
  }
  p->user = p->n_user ? users : NULL;
  p->n_sub_id = in_u8(in) % 4;
  for (uint32_t i = 0; i < p->n_sub_id; i++)
    sub_ids[i] = in_u32(in);
  p->sub_ids = p->n_sub_id ? sub_ids : NULL;
}

static void print_built(fuzz_input *in, mqs_version v) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  mqs_str_pair users[2][4];
  uint32_t sub_ids[2][4];
  mqs_sub filters[4];
  p.type = (mqs_packet_type)(in_u8(in) % 17); /* 0 and 16 are no type */
  p.flags = in_u8(in) & 0x0F;
  p.remaining = in_u32(in);
  p.notes = in_u8(in) & 0x0F ? in_u32(in) : 0;
  switch (p.type) {
  case MQS_CONNECT: {
    mqs_connect *k = &p.connect;
    k->level = in_u8(in);
    k->protocol_name = in_str(in);
    k->flags = in_u8(in);
    k->clean_start = k->flags & 2;
    k->will = k->flags & 4;
    k->will_qos = (k->flags >> 3) & 3;
    k->will_retain = k->flags & 0x20;
    k->keep_alive = in_u16(in);
    k->client_id = in_str(in);
    k->will_topic = in_str(in);
    k->will_payload = in_str(in);
    k->username = in_str(in);
    k->password = in_str(in);
    build_props(in, &k->props, users[0], sub_ids[0]);
    build_props(in, &k->will_props, users[1], sub_ids[1]);
    break;
  }
  case MQS_CONNACK:
    p.connack.flags = in_u8(in);
    p.connack.session_present = p.connack.flags & 1;
    p.connack.reason = in_u8(in);
    build_props(in, &p.connack.props, users[0], sub_ids[0]);
    break;
  case MQS_PUBLISH:
    p.publish.qos = in_u8(in) & 3;
    p.publish.dup = p.flags & 8;
    p.publish.retain = p.flags & 1;
    p.publish.id = in_u16(in);
    p.publish.topic = in_str(in);
    p.publish.payload = in_str(in);
    build_props(in, &p.publish.props, users[0], sub_ids[0]);
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE:
    p.subscribe.id = in_u16(in);
    p.subscribe.n_filters = in_u8(in) % 5;
    for (uint32_t i = 0; i < p.subscribe.n_filters; i++) {
      filters[i].filter = in_str(in);
      filters[i].options = in_u8(in);
    }
    p.subscribe.filters = filters;
    build_props(in, &p.subscribe.props, users[0], sub_ids[0]);
    break;
  case MQS_SUBACK:
  case MQS_UNSUBACK: {
    p.suback.id = in_u16(in);
    mqs_str r = in_str(in);
    p.suback.reasons = r.p;
    p.suback.n_reasons = r.p ? r.len : 0;
    build_props(in, &p.suback.props, users[0], sub_ids[0]);
    break;
  }
  case MQS_DISCONNECT:
  case MQS_AUTH:
    p.disconnect.reason = in_u8(in);
    build_props(in, &p.disconnect.props, users[0], sub_ids[0]);
    break;
  case MQS_PINGREQ:
  case MQS_PINGRESP: break;
  default: /* PUBACK..PUBCOMP, and the non-types */
    p.ack.id = in_u16(in);
    p.ack.reason = in_u8(in);
    build_props(in, &p.ack.props, users[0], sub_ids[0]);
    break;
  }
  check_printer(&printers[0], &p, v);
  check_printer(&printers[1], &p, v);
  /* A violation for any rule, as decode or validating encode fills it. */
  mqs_violation why;
  memset(&why, 0, sizeof why);
  mqs_rule rule = (mqs_rule)(in_u8(in) % MQS_RULE_COUNT);
  uint8_t type = in_u8(in) & 0x0F;
  mqs_violation_set(&why, rule, (int)v, type, in_u32(in));
  check_printer(&printers[2], &why, v);
  check_printer(&printers[3], &why, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mqs_version versions[4] = {MQS_V311, MQS_V5, MQS_V31, MQS_V5};
  if (size == 0) return 0;
  mqs_version v = versions[data[0] & 3];
  if (data[0] & 4) {
    fuzz_input in = {data + 1, size - 1};
    print_built(&in, v);
    return 0;
  }
  mqs_decode_opts o = {.version = v};
  unsigned steps = 0;
  fuzz_stream_walk(data + 1, size - 1, &o, print_step, &steps);
  return 0;
}
