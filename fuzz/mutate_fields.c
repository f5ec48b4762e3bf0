/* fuzz/mutate_fields.c — edit one field of a decoded packet, to be
 * re-encoded with MQS_ENC_RAW (see mutate_int.h). The edits aim at the
 * classes in BAD-INPUTS.md: identifiers 0, QoS 3, reserved flags, wrong
 * reason codes, wildcards and bad UTF-8 in strings, missing will or user
 * fields, properties not allowed or out of range, long lists. */
#include <string.h>

#include "fuzz.h"
#include "mutate_int.h"

static const struct {
  const char *s;
  size_t len;
} tokens[] = {
#define T(s)                                                                                       \
  { s, sizeof s - 1 }
    T(""),
    T("+"),
    T("#"),
    T("/"),
    T("a/+/b"),
    T("a/#"),
    T("#/a"),
    T("a+"),
    T("+a/b"),
    T("a/b#"),
    T("$share/g/a"),
    T("$share//a"),
    T("$share/g"),
    T("$share/g/"),
    T("$share/+/a"),
    T("$SYS/x"),
    T("$SYS/#"),
    T("+/+"),
    T("MQTT"),
    T("MQIsdp"),
    T("mqtt"),
    T("\0"),
    T("a\0b"),
    T("\xc0\x80"),         /* overlong U+0000 */
    T("\xed\xa0\x80"),     /* surrogate */
    T("\xf4\x90\x80\x80"), /* above U+10FFFF */
    T("\xe2\x82"),         /* cut short */
    T("\x80"),
    T("\x01"),
    T("\x7f"),
    T("\xc2\x80"),
    T("\xef\xbf\xbf"), /* non-character */
    T("\xef\xb7\x90"), /* non-character */
#undef T
};

/* Every 5.0 reason code, the 3.1.1 return codes, and a byte no table has. */
static const uint8_t reasons[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85,
    0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2, 0x7F, 0xFF};
static const uint32_t u8s[] = {0, 1, 2, 0x7F, 0x80, 0xFF};
static const uint32_t u16s[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF};
static const uint32_t u32s[] = {0, 1, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF};
/* Subscription Identifier: 0 is forbidden, 268,435,455 the largest. */
static const uint32_t vbis[] = {0, 1, 127, 128, 16383, 16384, 2097152, 268435455, 268435456};

static void set_token(mqs_str *f, fuzz_rng *r) {
  size_t k = rng_below(r, sizeof tokens / sizeof tokens[0]);
  f->p = (const uint8_t *)tokens[k].s;
  f->len = (uint32_t)tokens[k].len;
}

/* A new value for a string or binary field. Absent (p NULL) only where
 * may_absent: for a required field it means "left off the wire". */
static void mut_str(mqs_str *f, bool may_absent, fuzz_rng *r, fuzz_arena *a) {
  static const uint32_t longs[] = {64, 127, 128, 255, 256, 1000, 4000};
  static const char *const fills[] = {"a", "a/", "+/", "/", "\xc3\xa9"};
  uint8_t *b;
  switch (rng_below(r, 7)) {
  case 0:
    f->p = may_absent && rng_below(r, 2) ? NULL : (const uint8_t *)"";
    f->len = 0;
    return;
  case 1: set_token(f, r); return;
  case 2: { /* byte mutation of the current value */
    size_t cap = f->len + 32;
    if (!(b = arena_alloc(a, cap))) return;
    if (f->len) memcpy(b, f->p, f->len);
    size_t n = f->len ? f->len : 1;
    if (!f->len) b[0] = 'a';
    f->p = b;
    f->len = (uint32_t)LLVMFuzzerMutate(b, n, cap);
    return;
  }
  case 3: { /* long: many bytes, many levels */
    uint32_t n = PICK(r, longs);
    const char *fill = PICK(r, fills);
    size_t fl = strlen(fill);
    if (!(b = arena_alloc(a, n))) return;
    for (uint32_t i = 0; i < n; i++)
      b[i] = (uint8_t)fill[i % fl];
    f->p = b;
    f->len = n;
    return;
  }
  case 4: { /* the current value with a token inserted */
    mqs_str t;
    set_token(&t, r);
    size_t at = rng_below(r, f->len + 1);
    if (!(b = arena_alloc(a, f->len + t.len))) return;
    if (at) memcpy(b, f->p, at);
    if (t.len) memcpy(b + at, t.p, t.len);
    if (f->len > at) memcpy(b + at + t.len, f->p + at, f->len - at);
    f->p = b;
    f->len += t.len;
    return;
  }
  case 5: /* shorter */
    if (f->p) f->len = rng_below(r, f->len + 1);
    return;
  default: /* the value of another field's kind: random bytes */
    if (!(b = arena_alloc(a, 8))) return;
    for (int i = 0; i < 8; i++)
      b[i] = (uint8_t)rng_next(r);
    f->p = b;
    f->len = 1 + rng_below(r, 8);
    return;
  }
}

static void mut_id(uint16_t *id, fuzz_rng *r) {
  uint16_t choices[] = {0, 1, 2, 0xFFFF, (uint16_t)(*id + 1), (uint16_t)rng_next(r)};
  *id = PICK(r, choices);
}

static void mut_reason(uint8_t *rc, fuzz_rng *r) {
  *rc = rng_below(r, 8) ? PICK(r, reasons) : (uint8_t)rng_next(r);
}

/* ---- properties --------------------------------------------------------- */

static bool set_num(mqs_props *p, unsigned id, uint32_t v) {
  switch (id) {
  case MQS_PROP_PAYLOAD_FORMAT: p->payload_format = (uint8_t)v; return true;
  case MQS_PROP_REQUEST_PROBLEM_INFO: p->request_problem_info = (uint8_t)v; return true;
  case MQS_PROP_REQUEST_RESPONSE_INFO: p->request_response_info = (uint8_t)v; return true;
  case MQS_PROP_MAX_QOS: p->max_qos = (uint8_t)v; return true;
  case MQS_PROP_RETAIN_AVAILABLE: p->retain_available = (uint8_t)v; return true;
  case MQS_PROP_WILDCARD_AVAILABLE: p->wildcard_available = (uint8_t)v; return true;
  case MQS_PROP_SUB_ID_AVAILABLE: p->sub_id_available = (uint8_t)v; return true;
  case MQS_PROP_SHARED_AVAILABLE: p->shared_available = (uint8_t)v; return true;
  case MQS_PROP_SERVER_KEEP_ALIVE: p->server_keep_alive = (uint16_t)v; return true;
  case MQS_PROP_RECEIVE_MAX: p->receive_max = (uint16_t)v; return true;
  case MQS_PROP_TOPIC_ALIAS_MAX: p->topic_alias_max = (uint16_t)v; return true;
  case MQS_PROP_TOPIC_ALIAS: p->topic_alias = (uint16_t)v; return true;
  case MQS_PROP_MESSAGE_EXPIRY: p->message_expiry = v; return true;
  case MQS_PROP_SESSION_EXPIRY: p->session_expiry = v; return true;
  case MQS_PROP_WILL_DELAY: p->will_delay = v; return true;
  case MQS_PROP_MAX_PACKET_SIZE: p->max_packet_size = v; return true;
  default: return false;
  }
}

static mqs_str *str_field(mqs_props *p, unsigned id) {
  switch (id) {
  case MQS_PROP_CONTENT_TYPE: return &p->content_type;
  case MQS_PROP_RESPONSE_TOPIC: return &p->response_topic;
  case MQS_PROP_CORRELATION_DATA: return &p->correlation_data;
  case MQS_PROP_ASSIGNED_CLIENT_ID: return &p->assigned_client_id;
  case MQS_PROP_AUTH_METHOD: return &p->auth_method;
  case MQS_PROP_AUTH_DATA: return &p->auth_data;
  case MQS_PROP_RESPONSE_INFO: return &p->response_info;
  case MQS_PROP_SERVER_REFERENCE: return &p->server_reference;
  case MQS_PROP_REASON_STRING: return &p->reason_string;
  default: return NULL;
  }
}

#define MAX_LIST 64

/* The user properties as an array in a (decode leaves them as raw bytes),
 * with room for extra more entries. */
static mqs_str_pair *users_array(mqs_props *p, size_t extra, fuzz_arena *a) {
  mqs_str_pair *arr = arena_alloc(a, (MAX_LIST + extra) * sizeof *arr);
  if (!arr) return NULL;
  uint32_t cur = 0, n = 0;
  while (n < MAX_LIST && mqs_props_next_user(p, &cur, &arr[n]))
    n++;
  p->user = arr;
  p->n_user = n;
  return arr;
}

static void mut_users(mqs_props *p, fuzz_rng *r, fuzz_arena *a) {
  uint32_t many = 1 + rng_below(r, 1u << rng_below(r, 9)); /* mostly few, up to 256 */
  mqs_str_pair *arr = users_array(p, many, a);
  if (!arr) return;
  uint32_t n = p->n_user;
  switch (rng_below(r, 4)) {
  case 0: { /* one more, with edited strings */
    mqs_str_pair kv = n ? arr[rng_below(r, n)]
                        : (mqs_str_pair){{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}};
    if (rng_below(r, 2))
      mut_str(&kv.key, false, r, a);
    else
      mut_str(&kv.value, false, r, a);
    arr[n++] = kv;
    break;
  }
  case 1: /* the last one dropped */
    if (n) n--;
    break;
  case 2: /* many: the limits of a receiver that keeps them */
    for (uint32_t i = 0; i < many; i++) {
      mqs_str_pair kv =
          n ? arr[0] : (mqs_str_pair){{(const uint8_t *)"k", 1}, {(const uint8_t *)"", 0}};
      arr[n++] = kv;
    }
    break;
  default: /* one edited in place */
    if (n)
      mut_str(rng_below(r, 2) ? &arr[rng_below(r, n)].key : &arr[rng_below(r, n)].value, false, r,
              a);
    break;
  }
  p->n_user = n;
  if (n)
    p->present |= MQS_PROP_BIT(MQS_PROP_USER);
  else
    p->present &= ~MQS_PROP_BIT(MQS_PROP_USER);
}

static void mut_sub_ids(mqs_props *p, fuzz_rng *r, fuzz_arena *a) {
  uint32_t *arr = arena_alloc(a, (MAX_LIST + 1) * sizeof *arr);
  if (!arr) return;
  uint32_t cur = 0, n = 0;
  while (n < MAX_LIST && mqs_props_next_sub_id(p, &cur, &arr[n]))
    n++;
  if (n && rng_below(r, 3) == 0)
    n--;
  else
    arr[n++] = rng_below(r, 4) ? PICK(r, vbis) : rng_next(r) & 0x0FFFFFFF;
  p->sub_ids = arr;
  p->n_sub_id = n;
  if (n)
    p->present |= MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
  else
    p->present &= ~MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
}

/* Add, change or drop one property: any identifier in the table, allowed
 * in this packet or not. */
static void mut_props(mqs_props *p, fuzz_rng *r, fuzz_arena *a) {
  size_t count;
  const mqs_prop_info *table = mqs_prop_table(&count);
  const mqs_prop_info *pi = &table[rng_below(r, (uint32_t)count)];
  if (rng_below(r, 16) == 0) {
    memset(p, 0, sizeof *p);
    return;
  }
  if (pi->id == MQS_PROP_USER) {
    mut_users(p, r, a);
    return;
  }
  if (pi->id == MQS_PROP_SUBSCRIPTION_ID) {
    mut_sub_ids(p, r, a);
    return;
  }
  if (mqs_props_has(p, pi->id) && rng_below(r, 3) == 0) {
    p->present &= ~MQS_PROP_BIT(pi->id);
    return;
  }
  p->present |= MQS_PROP_BIT(pi->id);
  mqs_str *s = str_field(p, pi->id);
  if (s) {
    if (!s->p) *s = (mqs_str){(const uint8_t *)"x", 1};
    mut_str(s, false, r, a);
    return;
  }
  uint32_t v = pi->type == MQS_PT_BYTE  ? PICK(r, u8s)
               : pi->type == MQS_PT_U16 ? PICK(r, u16s)
                                        : PICK(r, u32s);
  if (rng_below(r, 4) == 0) v = rng_next(r);
  set_num(p, pi->id, v);
}

/* ---- per packet type ---------------------------------------------------- */

/* Connect Flags: flip one bit; fields follow the byte, except that a field
 * newly flagged stays missing (USERNAME_MISSING and friends). */
static void connect_flag(mqs_connect *k, fuzz_rng *r) {
  uint8_t f = (uint8_t)(k->flags ^ (1u << rng_below(r, 8)));
  k->flags = f;
  k->clean_start = f & 0x02;
  k->will = f & 0x04;
  k->will_qos = (f >> 3) & 0x03;
  k->will_retain = f & 0x20;
  if (!(f & 0x40)) k->password.p = NULL;
  if (!(f & 0x80)) k->username.p = NULL;
}

static bool mut_connect(mqs_connect *k, int v, fuzz_rng *r, fuzz_arena *a) {
  static const uint8_t levels[] = {3, 4, 5, 2, 6, 0x83, 0xFF};
  switch (rng_below(r, 11)) {
  case 0: k->level = PICK(r, levels); return true;
  case 1: mut_str(&k->protocol_name, true, r, a); return true;
  case 2: connect_flag(k, r); return true;
  case 3: k->keep_alive = (uint16_t)(rng_below(r, 2) ? rng_next(r) : rng_below(r, 2)); return true;
  case 4: mut_str(&k->client_id, true, r, a); return true;
  case 5: mut_str(&k->will_topic, true, r, a); return true;
  case 6: mut_str(&k->will_payload, true, r, a); return true;
  case 7: mut_str(&k->username, true, r, a); return true;
  case 8: mut_str(&k->password, true, r, a); return true;
  case 9: k->will_qos = (uint8_t)rng_below(r, 4); return true;
  default:
    if (v < MQS_V5) return false;
    mut_props(k->will && rng_below(r, 2) ? &k->will_props : &k->props, r, a);
    return true;
  }
}

static bool mut_publish(mqs_packet *p, int v, fuzz_rng *r, fuzz_arena *a) {
  mqs_publish *m = &p->publish;
  /* Half the time the fixed header follows the edit, half the time it
   * keeps the old bits, so the body and the header disagree. */
  bool sync = rng_below(r, 2);
  switch (rng_below(r, 7)) {
  case 0: m->qos = (uint8_t)rng_below(r, 4); break;
  case 1: m->dup = !m->dup; break;
  case 2: m->retain = !m->retain; break;
  case 3: mut_id(&m->id, r); return true;
  case 4: mut_str(&m->topic, true, r, a); return true;
  case 5: mut_str(&m->payload, true, r, a); return true;
  default:
    if (v < MQS_V5) return false;
    mut_props(&m->props, r, a);
    return true;
  }
  if (sync) p->flags = (uint8_t)((m->dup ? 8 : 0) | (m->qos & 3) << 1 | (m->retain ? 1 : 0));
  return true;
}

static bool mut_subscribe(mqs_packet *p, int v, fuzz_rng *r, fuzz_arena *a) {
  mqs_subscribe *s = &p->subscribe;
  uint32_t op = rng_below(r, 6);
  if (op == 0) {
    mut_id(&s->id, r);
    return true;
  }
  if (op == 1) {
    if (v < MQS_V5) return false;
    mut_props(&s->props, r, a);
    return true;
  }
  mqs_sub *arr = arena_alloc(a, (MAX_LIST + 1) * sizeof *arr);
  if (!arr) return false;
  uint32_t cur = 0, n = 0;
  while (n < MAX_LIST && mqs_sub_next(s, &cur, &arr[n]))
    n++;
  s->filters = arr;
  uint32_t i = rng_below(r, n);
  switch (op) {
  case 2:
    if (n) mut_str(&arr[i].filter, true, r, a);
    break;
  case 3: /* options: a random byte, or one bit flipped */
    if (n)
      arr[i].options =
          (uint8_t)(rng_below(r, 2) ? rng_next(r) : arr[i].options ^ (1u << rng_below(r, 8)));
    break;
  case 4:
    arr[n] = n ? arr[i] : (mqs_sub){{(const uint8_t *)"#", 1}, 0};
    mut_str(&arr[n++].filter, false, r, a);
    break;
  default:
    if (n) arr[i] = arr[--n];
    break;
  }
  s->n_filters = n;
  return true;
}

static bool mut_suback(mqs_suback *s, int v, fuzz_rng *r, fuzz_arena *a) {
  switch (rng_below(r, 3)) {
  case 0: mut_id(&s->id, r); return true;
  case 1: {
    uint8_t *arr = arena_alloc(a, s->n_reasons + 1);
    if (!arr) return false;
    if (s->n_reasons) memcpy(arr, s->reasons, s->n_reasons);
    if (s->n_reasons && rng_below(r, 4) == 0)
      s->n_reasons = rng_below(r, 2) ? 0 : s->n_reasons - 1;
    else if (s->n_reasons && rng_below(r, 2))
      mut_reason(&arr[rng_below(r, s->n_reasons)], r);
    else
      mut_reason(&arr[s->n_reasons++], r);
    s->reasons = arr;
    return true;
  }
  default:
    if (v < MQS_V5) return false;
    mut_props(&s->props, r, a);
    return true;
  }
}

bool mutate_field(mqs_packet *p, int v, fuzz_rng *r, fuzz_arena *a) {
  if (rng_below(r, 10) == 0) { /* a fixed-header flag bit, whatever the type */
    p->flags ^= (uint8_t)(1u << rng_below(r, 4));
    return true;
  }
  switch (p->type) {
  case MQS_CONNECT: return mut_connect(&p->connect, v, r, a);
  case MQS_CONNACK:
    switch (rng_below(r, 3)) {
    case 0: p->connack.flags ^= (uint8_t)(1u << rng_below(r, 8)); return true;
    case 1: mut_reason(&p->connack.reason, r); return true;
    default:
      if (v < MQS_V5) return false;
      mut_props(&p->connack.props, r, a);
      return true;
    }
  case MQS_PUBLISH: return mut_publish(p, v, r, a);
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    switch (rng_below(r, 3)) {
    case 0: mut_id(&p->ack.id, r); return true;
    case 1: mut_reason(&p->ack.reason, r); return true;
    default:
      if (v < MQS_V5) return false;
      mut_props(&p->ack.props, r, a);
      return true;
    }
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: return mut_subscribe(p, v, r, a);
  case MQS_SUBACK:
  case MQS_UNSUBACK: return mut_suback(&p->suback, v, r, a);
  case MQS_DISCONNECT:
  case MQS_AUTH:
    if (v < MQS_V5) return false;
    if (rng_below(r, 2))
      mut_reason(&p->disconnect.reason, r);
    else
      mut_props(&p->disconnect.props, r, a);
    return true;
  case MQS_PINGREQ:
  case MQS_PINGRESP: p->flags ^= (uint8_t)(1u << rng_below(r, 4)); return true;
  }
  return false;
}
