/* tests/codec/helpers.c — see helpers.h. */
#include "codec/helpers.h"

#include <stdio.h>
#include <stdlib.h>

mqs_str S(const char *s) {
  mqs_str r = {NULL, 0};
  if (s) {
    r.p = (const uint8_t *)s;
    r.len = (uint32_t)strlen(s);
  }
  return r;
}

mqs_str B(const void *p, size_t len) {
  mqs_str r = {(const uint8_t *)p, (uint32_t)len};
  return r;
}

int strcmp_null(const char *a, const char *b) {
  if (!a || !b) return a == b ? 0 : 1;
  return strcmp(a, b);
}

ssize_t err_for_reason(uint8_t reason) {
  if (reason == 0x81) return MQS_EMALFORMED;
  if (reason == 0x95) return MQS_ETOOLARGE;
  return MQS_EPROTOCOL;
}

ssize_t dec_hex_ex(mqs_guard *g, const char *hex, const mqs_decode_opts *o, mqs_packet *p,
                   mqs_violation *why) {
  size_t len;
  uint8_t *bytes = hex_alloc(hex, &len);
  ssize_t r = guard_decode(g, bytes, len, o, p, why);
  free(bytes);
  return r;
}

ssize_t dec_hex(mqs_guard *g, const char *hex, mqs_version v, mqs_packet *p, mqs_violation *why) {
  mqs_decode_opts o = {.version = v, .from = MQS_FROM_ANY};
  return dec_hex_ex(g, hex, &o, p, why);
}

void dec_ok(mqs_guard *g, const char *hex, mqs_version v, mqs_packet *p) {
  mqs_violation why;
  size_t len = hex_parse(hex, NULL, 0);
  ssize_t r = dec_hex(g, hex, v, p, &why);
  CHECKF(r == (ssize_t)len, "decode v%d of [%s]: got %zd (%s), rule %s at %zu, want %zu", v, hex, r,
         mqs_errname((int)r), mqs_rule_name(why.rule), why.offset, len);
}

static bool str_same(mqs_str a, mqs_str b) {
  if (!a.p || !b.p) return a.p == b.p && a.len == 0 && b.len == 0;
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Payloads and other always-present fields: absent and empty are the same. */
static bool bytes_same(mqs_str a, mqs_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void show(const char *label, mqs_str s) {
  char buf[200];
  if (!s.p)
    print_error("  %s: (absent)\n", label);
  else
    print_error("  %s: len %u [%s]\n", label, s.len, hex_format(s.p, s.len, buf, sizeof buf));
}

void check_str(const char *ctx, mqs_str got, const char *want) {
  if (str_same(got, S(want))) return;
  show("got", got);
  show("want", S(want));
  FAILF("%s: string differs", ctx);
}

void check_bin(const char *ctx, mqs_str got, const void *want, size_t len) {
  if (got.p && got.len == len && (len == 0 || memcmp(got.p, want, len) == 0)) return;
  show("got", got);
  show("want", B(want, len));
  FAILF("%s: binary differs", ctx);
}

#define EQ_STR(field, cmp)                                                                         \
  do {                                                                                             \
    if (!cmp(a->field, b->field)) {                                                                \
      show("a", a->field);                                                                         \
      show("b", b->field);                                                                         \
      FAILF("%s: %s differs", ctx, #field);                                                        \
    }                                                                                              \
  } while (0)
#define EQ_INT(field)                                                                              \
  CHECKF(a->field == b->field, "%s: %s differs: %lld vs %lld", ctx, #field, (long long)a->field,   \
         (long long)b->field)

void check_props_eq(const char *ctx, const mqs_props *a, const mqs_props *b) {
  CHECKF(a->present == b->present, "%s: props present %#llx vs %#llx", ctx,
         (unsigned long long)a->present, (unsigned long long)b->present);
#define IF(id) if (mqs_props_has(a, MQS_PROP_##id))
  IF(PAYLOAD_FORMAT) EQ_INT(payload_format);
  IF(REQUEST_PROBLEM_INFO) EQ_INT(request_problem_info);
  IF(REQUEST_RESPONSE_INFO) EQ_INT(request_response_info);
  IF(MAX_QOS) EQ_INT(max_qos);
  IF(RETAIN_AVAILABLE) EQ_INT(retain_available);
  IF(WILDCARD_AVAILABLE) EQ_INT(wildcard_available);
  IF(SUB_ID_AVAILABLE) EQ_INT(sub_id_available);
  IF(SHARED_AVAILABLE) EQ_INT(shared_available);
  IF(SERVER_KEEP_ALIVE) EQ_INT(server_keep_alive);
  IF(RECEIVE_MAX) EQ_INT(receive_max);
  IF(TOPIC_ALIAS_MAX) EQ_INT(topic_alias_max);
  IF(TOPIC_ALIAS) EQ_INT(topic_alias);
  IF(MESSAGE_EXPIRY) EQ_INT(message_expiry);
  IF(SESSION_EXPIRY) EQ_INT(session_expiry);
  IF(WILL_DELAY) EQ_INT(will_delay);
  IF(MAX_PACKET_SIZE) EQ_INT(max_packet_size);
  IF(CONTENT_TYPE) EQ_STR(content_type, str_same);
  IF(RESPONSE_TOPIC) EQ_STR(response_topic, str_same);
  IF(CORRELATION_DATA) EQ_STR(correlation_data, str_same);
  IF(ASSIGNED_CLIENT_ID) EQ_STR(assigned_client_id, str_same);
  IF(AUTH_METHOD) EQ_STR(auth_method, str_same);
  IF(AUTH_DATA) EQ_STR(auth_data, str_same);
  IF(RESPONSE_INFO) EQ_STR(response_info, str_same);
  IF(SERVER_REFERENCE) EQ_STR(server_reference, str_same);
  IF(REASON_STRING) EQ_STR(reason_string, str_same);
#undef IF
  EQ_INT(n_user);
  EQ_INT(n_sub_id);
  uint32_t ca = 0, cb = 0, i = 0;
  mqs_str_pair pa, pb;
  for (;; i++) {
    bool ha = mqs_props_next_user(a, &ca, &pa), hb = mqs_props_next_user(b, &cb, &pb);
    CHECKF(ha == hb, "%s: user property %u present in one only", ctx, i);
    if (!ha) break;
    CHECKF(str_same(pa.key, pb.key) && str_same(pa.value, pb.value), "%s: user property %u differs",
           ctx, i);
  }
  CHECKF(i == a->n_user, "%s: iterated %u user properties, n_user %u", ctx, i, a->n_user);
  uint32_t sa, sb;
  ca = cb = 0;
  for (i = 0;; i++) {
    bool ha = mqs_props_next_sub_id(a, &ca, &sa), hb = mqs_props_next_sub_id(b, &cb, &sb);
    CHECKF(ha == hb, "%s: subscription identifier %u present in one only", ctx, i);
    if (!ha) break;
    CHECKF(sa == sb, "%s: subscription identifier %u: %u vs %u", ctx, i, sa, sb);
  }
  CHECKF(i == a->n_sub_id, "%s: iterated %u sub ids, n_sub_id %u", ctx, i, a->n_sub_id);
}

static mqs_str default_name(uint8_t level) { return level == 3 ? S("MQIsdp") : S("MQTT"); }

void check_packet_eq(const char *ctx, const mqs_packet *a, const mqs_packet *b, mqs_version v) {
  bool v5 = v == MQS_V5;
  EQ_INT(type);
  switch (a->type) {
  case MQS_CONNECT: {
    const mqs_connect *ca = &a->connect, *cb = &b->connect;
    CHECKF(ca->level == cb->level, "%s: level %d vs %d", ctx, ca->level, cb->level);
    mqs_str na = ca->protocol_name.p ? ca->protocol_name : default_name(ca->level);
    mqs_str nb = cb->protocol_name.p ? cb->protocol_name : default_name(cb->level);
    CHECKF(str_same(na, nb), "%s: protocol name differs", ctx);
    CHECKF(ca->clean_start == cb->clean_start, "%s: clean_start", ctx);
    CHECKF(ca->will == cb->will, "%s: will", ctx);
    CHECKF(ca->will_retain == cb->will_retain, "%s: will_retain", ctx);
    CHECKF(ca->will_qos == cb->will_qos, "%s: will_qos", ctx);
    CHECKF(ca->keep_alive == cb->keep_alive, "%s: keep_alive", ctx);
    {
      const mqs_connect *x = ca, *y = cb;
#define EQ_C(field)                                                                                \
  do {                                                                                             \
    if (!str_same(x->field, y->field)) {                                                           \
      show("a", x->field);                                                                         \
      show("b", y->field);                                                                         \
      FAILF("%s: CONNECT %s differs", ctx, #field);                                                \
    }                                                                                              \
  } while (0)
      EQ_C(client_id);
      EQ_C(username);
      EQ_C(password);
      if (ca->will) {
        EQ_C(will_topic);
        CHECKF(bytes_same(x->will_payload, y->will_payload), "%s: will payload", ctx);
      }
#undef EQ_C
    }
    if (v5) {
      check_props_eq(ctx, &ca->props, &cb->props);
      if (ca->will) check_props_eq(ctx, &ca->will_props, &cb->will_props);
    }
    break;
  }
  case MQS_CONNACK:
    CHECKF(a->connack.session_present == b->connack.session_present, "%s: session_present", ctx);
    CHECKF(a->connack.reason == b->connack.reason, "%s: reason %#x vs %#x", ctx, a->connack.reason,
           b->connack.reason);
    if (v5) check_props_eq(ctx, &a->connack.props, &b->connack.props);
    break;
  case MQS_PUBLISH: {
    const mqs_publish *x = &a->publish, *y = &b->publish;
    CHECKF(x->qos == y->qos && x->dup == y->dup && x->retain == y->retain,
           "%s: PUBLISH qos/dup/retain %d%d%d vs %d%d%d", ctx, x->qos, x->dup, x->retain, y->qos,
           y->dup, y->retain);
    CHECKF(x->id == y->id, "%s: PUBLISH id %u vs %u", ctx, x->id, y->id);
    CHECKF(bytes_same(x->topic, y->topic), "%s: PUBLISH topic", ctx);
    CHECKF(bytes_same(x->payload, y->payload), "%s: PUBLISH payload", ctx);
    if (v5) check_props_eq(ctx, &x->props, &y->props);
    break;
  }
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    CHECKF(a->ack.id == b->ack.id, "%s: ack id %u vs %u", ctx, a->ack.id, b->ack.id);
    if (v5) {
      CHECKF(a->ack.reason == b->ack.reason, "%s: ack reason %#x vs %#x", ctx, a->ack.reason,
             b->ack.reason);
      check_props_eq(ctx, &a->ack.props, &b->ack.props);
    }
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: {
    const mqs_subscribe *x = &a->subscribe, *y = &b->subscribe;
    CHECKF(x->id == y->id, "%s: id %u vs %u", ctx, x->id, y->id);
    CHECKF(x->n_filters == y->n_filters, "%s: n_filters %u vs %u", ctx, x->n_filters, y->n_filters);
    uint32_t cx = 0, cy = 0, i = 0;
    mqs_sub fx, fy;
    for (;; i++) {
      bool hx = mqs_sub_next(x, &cx, &fx), hy = mqs_sub_next(y, &cy, &fy);
      CHECKF(hx == hy, "%s: filter %u present in one only", ctx, i);
      if (!hx) break;
      CHECKF(bytes_same(fx.filter, fy.filter), "%s: filter %u differs", ctx, i);
      if (a->type == MQS_SUBSCRIBE)
        CHECKF(fx.options == fy.options, "%s: filter %u options %#x vs %#x", ctx, i, fx.options,
               fy.options);
    }
    CHECKF(i == x->n_filters, "%s: iterated %u filters, n_filters %u", ctx, i, x->n_filters);
    if (v5) check_props_eq(ctx, &x->props, &y->props);
    break;
  }
  case MQS_SUBACK:
  case MQS_UNSUBACK: {
    const mqs_suback *x = &a->suback, *y = &b->suback;
    CHECKF(x->id == y->id, "%s: id %u vs %u", ctx, x->id, y->id);
    CHECKF(x->n_reasons == y->n_reasons, "%s: n_reasons %u vs %u", ctx, x->n_reasons, y->n_reasons);
    CHECKF(x->n_reasons == 0 || memcmp(x->reasons, y->reasons, x->n_reasons) == 0,
           "%s: reason codes differ", ctx);
    if (v5) check_props_eq(ctx, &x->props, &y->props);
    break;
  }
  case MQS_DISCONNECT:
  case MQS_AUTH:
    if (v5) {
      CHECKF(a->disconnect.reason == b->disconnect.reason, "%s: reason %#x vs %#x", ctx,
             a->disconnect.reason, b->disconnect.reason);
      check_props_eq(ctx, &a->disconnect.props, &b->disconnect.props);
    }
    break;
  default: break;
  }
}

void check_encodes_to(const char *ctx, const mqs_packet *p, mqs_version v, const uint8_t *want,
                      size_t len) {
  mqs_guard g = {0};
  char h1[600], h2[600];
  ssize_t size = mqs_encode_size(p, v, 0);
  CHECKF(size == (ssize_t)len, "%s: mqs_encode_size %zd, want %zu", ctx, size, len);
  /* Every smaller cap is refused, and nothing is written past it (the
   * guard page would fault). Long packets: a sample of caps. */
  for (size_t cap = 0; cap < len; cap++) {
    if (len > 600 && cap > 8 && cap + 8 < len && cap % 97 != 0) continue;
    uint8_t *out = guard_out(&g, cap);
    ssize_t r = mqs_encode(p, v, 0, out, cap);
    CHECKF(r == MQS_ENOSPC, "%s: cap %zu of %zu: got %zd, want MQS_ENOSPC", ctx, cap, len, r);
  }
  uint8_t *out = guard_out(&g, len);
  ssize_t r = mqs_encode(p, v, 0, out, len);
  CHECKF(r == (ssize_t)len, "%s: encode returned %zd (%s), want %zu", ctx, r, mqs_errname((int)r),
         len);
  if (memcmp(out, want, len) != 0)
    FAILF("%s: encoded bytes differ\n  got  %s\n  want %s", ctx,
          hex_format(out, len, h1, sizeof h1), hex_format(want, len, h2, sizeof h2));
  /* A larger cap: the same bytes, and the ones after left alone. */
  out = guard_out(&g, len + 16);
  r = mqs_encode(p, v, 0, out, len + 16);
  CHECKF(r == (ssize_t)len, "%s: encode with a larger cap returned %zd", ctx, r);
  CHECKF(memcmp(out, want, len) == 0, "%s: encoded bytes differ with a larger cap", ctx);
  for (size_t i = len; i < len + 16; i++)
    CHECKF(out[i] == 0xA5, "%s: byte %zu written past the packet", ctx, i);
  guard_release(&g);
}

void check_encodes_to_hex(const char *ctx, const mqs_packet *p, mqs_version v, const char *hex) {
  size_t len;
  uint8_t *want = hex_alloc(hex, &len);
  check_encodes_to(ctx, p, v, want, len);
  free(want);
}

size_t check_roundtrip(const char *ctx, const mqs_packet *p, mqs_version v) {
  mqs_guard g = {0};
  mqs_violation why = {0};
  ssize_t size = mqs_encode_size(p, v, 0);
  CHECKF(size > 0, "%s: mqs_encode_size %zd (%s)", ctx, size, mqs_errname((int)size));
  uint8_t *first = malloc((size_t)size);
  assert_non_null(first);
  uint8_t *out = guard_out(&g, (size_t)size);
  ssize_t r = mqs_encode_ex(p, v, 0, out, (size_t)size, &why);
  CHECKF(r == size, "%s: encode %zd (%s), rule %s", ctx, r, mqs_errname((int)r),
         mqs_rule_name(why.rule));
  memcpy(first, out, (size_t)size);

  mqs_guard gd = {0};
  mqs_packet d;
  mqs_decode_opts o = {.version = v, .from = MQS_FROM_ANY};
  r = guard_decode(&gd, first, (size_t)size, &o, &d, &why);
  CHECKF(r == size, "%s: decode of our own encoding: %zd (%s), rule %s at %zu", ctx, r,
         mqs_errname((int)r), mqs_rule_name(why.rule), why.offset);
  check_packet_eq(ctx, p, &d, v);
  check_encodes_to(ctx, &d, v, first, (size_t)size);
  guard_release(&gd);
  guard_release(&g);
  free(first);
  return (size_t)size;
}

void check_users(const char *ctx, const mqs_props *p, const char *const *kv, size_t n_pairs) {
  CHECKF(p->n_user == n_pairs, "%s: n_user %u, want %zu", ctx, p->n_user, n_pairs);
  uint32_t c = 0;
  mqs_str_pair up;
  for (size_t i = 0; i < n_pairs; i++) {
    CHECKF(mqs_props_next_user(p, &c, &up), "%s: user property %zu missing", ctx, i);
    check_str(ctx, up.key, kv[2 * i]);
    check_str(ctx, up.value, kv[2 * i + 1]);
  }
  CHECKF(!mqs_props_next_user(p, &c, &up), "%s: more than %zu user properties", ctx, n_pairs);
}

void check_sub_ids(const char *ctx, const mqs_props *p, const uint32_t *ids, size_t n) {
  CHECKF(p->n_sub_id == n, "%s: n_sub_id %u, want %zu", ctx, p->n_sub_id, n);
  uint32_t c = 0, id;
  for (size_t i = 0; i < n; i++) {
    CHECKF(mqs_props_next_sub_id(p, &c, &id), "%s: sub id %zu missing", ctx, i);
    CHECKF(id == ids[i], "%s: sub id %zu is %u, want %u", ctx, i, id, ids[i]);
  }
  CHECKF(!mqs_props_next_sub_id(p, &c, &id), "%s: more than %zu sub ids", ctx, n);
}

void check_filters(const char *ctx, const mqs_subscribe *s, const char *const *filters,
                   const uint8_t *options, size_t n) {
  CHECKF(s->n_filters == n, "%s: n_filters %u, want %zu", ctx, s->n_filters, n);
  uint32_t c = 0;
  mqs_sub f;
  for (size_t i = 0; i < n; i++) {
    CHECKF(mqs_sub_next(s, &c, &f), "%s: filter %zu missing", ctx, i);
    check_str(ctx, f.filter, filters[i]);
    if (options)
      CHECKF(f.options == options[i], "%s: filter %zu options %#x, want %#x", ctx, i, f.options,
             options[i]);
  }
  CHECKF(!mqs_sub_next(s, &c, &f), "%s: more than %zu filters", ctx, n);
}
