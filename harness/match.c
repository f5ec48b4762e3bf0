/* harness/match.c — field matchers against decoded packets. */
#include "match.h"
#include "scram.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "mqs/reason.h"
#include "value.h"

typedef struct {
  char *p;
  size_t cap, len;
} sbuf;

static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *b, const char *fmt, ...) {
  if (b->len >= b->cap) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n > 0) b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

static bool printable(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x20 || p[i] == 0x7F || p[i] == '"' || p[i] == '\\') return false;
  return true;
}

static void sb_bytes(sbuf *b, const uint8_t *p, size_t n) {
  if (printable(p, n)) {
    sb_put(b, "\"%.*s\"", (int)(n > 200 ? 200 : n), (const char *)p);
    if (n > 200) sb_put(b, "...");
    return;
  }
  sb_put(b, "hex(");
  for (size_t i = 0; i < n && i < 64; i++) sb_put(b, "%s%02x", i ? " " : "", p[i]);
  sb_put(b, n > 64 ? " ...)" : ")");
}

static void sb_int(sbuf *b, uint64_t v, mqs_field_type t, int pt, int version) {
  if (t == MQS_FT_REASON || t == MQS_FT_REASONS) {
    const char *k = v <= 255 ? mqs_reason_key((uint8_t)v, pt, version) : NULL;
    sb_put(b, "0x%02llx %s", (unsigned long long)v, k ? k : "(not a reason code of this packet)");
  } else if (t == MQS_FT_BOOL) {
    sb_put(b, "%s", v == 1 ? "true" : v == 0 ? "false" : "?");
  } else {
    sb_put(b, "%llu", (unsigned long long)v);
  }
}

void mqs_fval_describe(const mqs_fval *v, mqs_field_type t, int pt, int version, char *buf,
                       size_t cap) {
  sbuf b = {buf, cap, 0};
  buf[0] = '\0';
  switch (v->kind) {
  case MQS_FV_ABSENT: sb_put(&b, "absent"); break;
  case MQS_FV_INT: sb_int(&b, v->i, t, pt, version); break;
  case MQS_FV_BYTES: sb_bytes(&b, v->p, v->len); break;
  case MQS_FV_INTS:
    sb_put(&b, "[");
    for (size_t i = 0; i < v->n_ints; i++) {
      if (i) sb_put(&b, ", ");
      sb_int(&b, v->ints[i], t, pt, version);
    }
    sb_put(&b, "]");
    break;
  case MQS_FV_PAIRS: {
    uint32_t cur = 0;
    mqs_str_pair kv;
    sb_put(&b, "[");
    for (int i = 0; mqs_props_next_user(v->props, &cur, &kv); i++) {
      sb_put(&b, "%s[", i ? ", " : "");
      sb_bytes(&b, kv.key.p, kv.key.len);
      sb_put(&b, ", ");
      sb_bytes(&b, kv.value.p, kv.value.len);
      sb_put(&b, "]");
    }
    sb_put(&b, "]");
    break;
  }
  }
}

/* An expected scalar, expanded. */
static int expand(mqs_match_ctx *c, const mqs_node *n, const char **s, size_t *len, mqs_diag *d) {
  return mqs_expand(&c->x, n, s, len, d);
}

static int expected_int(mqs_match_ctx *c, const mqs_node *n, mqs_field_type t, int pt,
                        uint64_t *out, mqs_diag *d) {
  const char *s;
  size_t len;
  bool b;
  if (expand(c, n, &s, &len, d) < 0) return -1;
  if (t == MQS_FT_BOOL && mqs_parse_bool(s, &b) == 0) return *out = b, 0;
  if (t == MQS_FT_REASON || t == MQS_FT_REASONS) {
    int r = mqs_parse_reason(s, len, pt, c->version);
    if (r >= 0) return *out = (uint64_t)r, 0;
    return mqs_diag_at(d, n, "'%s' is not a reason code of %s", s, mqs_packet_type_key(pt));
  }
  if (mqs_parse_uint(s, len, UINT64_MAX >> 1, out) == 0) return 0;
  return mqs_diag_at(d, n, "expected a number, got '%s'", s);
}

static int expected_bytes(mqs_match_ctx *c, const mqs_node *n, bool hex, const uint8_t **p,
                          size_t *len, mqs_diag *d) {
  const char *s;
  if (expand(c, n, &s, len, d) < 0) return -1;
  *p = (const uint8_t *)s;
  if (!hex) return 0;
  mqs_hexbuf hb = {0};
  mqs_hex_error e;
  if (mqs_hex_parse(s, *len, &hb, &e) != 0) {
    mqs_hexbuf_free(&hb);
    return mqs_diag_at(d, n, "not hex: %s", e.msg);
  }
  uint8_t *copy = mqs_arena_alloc(c->x.a, hb.len);
  if (!copy) {
    mqs_hexbuf_free(&hb);
    return mqs_diag_at(d, n, "out of memory");
  }
  if (hb.len) memcpy(copy, hb.p, hb.len);
  *p = copy;
  *len = hb.len;
  mqs_hexbuf_free(&hb);
  return 0;
}

/* A value as written, or expanded when it holds ${variables} with values. */
static const char *shown(const mqs_expander *x, const mqs_node *n) {
  const char *s;
  size_t len;
  mqs_diag d;
  if (x && mqs_template_has(n) && mqs_expand(x, n, &s, &len, &d) == 0) return s;
  return n->text;
}

static void describe_matcher(sbuf *b, const mqs_matcher *m, const mqs_expander *x) {
  switch (m->kind) {
  case MQS_M_ANY: sb_put(b, "any"); break;
  case MQS_M_ABSENT: sb_put(b, "absent"); break;
  case MQS_M_EQ:
    if (m->type == MQS_FT_BYTES) sb_put(b, "\"%s\"", shown(x, m->value));
    else if (m->type == MQS_FT_HEX) sb_put(b, "hex(%s)", shown(x, m->value));
    else sb_put(b, "%s", shown(x, m->value));
    break;
  case MQS_M_RANGE:
    sb_put(b, "%s..%s", m->value ? shown(x, m->value) : "", m->high ? shown(x, m->high) : "");
    break;
  case MQS_M_ONE_OF:
  case MQS_M_LIST:
    sb_put(b, m->kind == MQS_M_ONE_OF ? "one of [" : "[");
    for (size_t i = 0; i < m->n_sub; i++) {
      if (i) sb_put(b, ", ");
      describe_matcher(b, &m->sub[i], x);
    }
    sb_put(b, "]");
    break;
  case MQS_M_PAIR: sb_put(b, "[\"%s\", \"%s\"]", shown(x, m->value), shown(x, m->high)); break;
  case MQS_M_NOT:
    sb_put(b, "not ");
    describe_matcher(b, &m->sub[0], x);
    break;
  }
}

static int match(const mqs_matcher *m, const mqs_fval *v, int pt, mqs_match_ctx *c, mqs_diag *d);

static int match_list(const mqs_matcher *m, const mqs_fval *v, int pt, mqs_match_ctx *c,
                      mqs_diag *d) {
  if (v->kind == MQS_FV_INTS) {
    if (v->n_ints != m->n_sub) return 0;
    for (size_t i = 0; i < m->n_sub; i++) {
      mqs_fval one = {.kind = MQS_FV_INT, .i = v->ints[i]};
      int r = match(&m->sub[i], &one, pt, c, d);
      if (r <= 0) return r;
    }
    return 1;
  }
  if (v->kind != MQS_FV_PAIRS) return 0;
  uint32_t cur = 0;
  mqs_str_pair kv;
  size_t i = 0;
  for (; mqs_props_next_user(v->props, &cur, &kv); i++) {
    if (i >= m->n_sub) return 0;
    const uint8_t *k, *val;
    size_t kl, vl;
    if (expected_bytes(c, m->sub[i].value, false, &k, &kl, d) < 0 ||
        expected_bytes(c, m->sub[i].high, false, &val, &vl, d) < 0)
      return -1;
    if (kl != kv.key.len || memcmp(k, kv.key.p, kl) != 0 || vl != kv.value.len ||
        memcmp(val, kv.value.p, vl) != 0)
      return 0;
  }
  return i == m->n_sub;
}

static int match(const mqs_matcher *m, const mqs_fval *v, int pt, mqs_match_ctx *c, mqs_diag *d) {
  uint64_t lo, hi;
  switch (m->kind) {
  case MQS_M_ANY: return v->kind != MQS_FV_ABSENT;
  case MQS_M_ABSENT: return v->kind == MQS_FV_ABSENT;
  case MQS_M_ONE_OF:
    for (size_t i = 0; i < m->n_sub; i++) {
      int r = match(&m->sub[i], v, pt, c, d);
      if (r != 0) return r;
    }
    return 0;
  case MQS_M_RANGE:
    if (v->kind != MQS_FV_INT) return 0;
    if (m->value && expected_int(c, m->value, MQS_FT_INT, pt, &lo, d) < 0) return -1;
    if (m->high && expected_int(c, m->high, MQS_FT_INT, pt, &hi, d) < 0) return -1;
    return (!m->value || v->i >= lo) && (!m->high || v->i <= hi);
  case MQS_M_LIST:
  case MQS_M_PAIR: return match_list(m, v, pt, c, d);
  case MQS_M_NOT: {
    if (v->kind == MQS_FV_ABSENT) return 0;
    int r = match(&m->sub[0], v, pt, c, d);
    return r < 0 ? r : !r;
  }
  case MQS_M_EQ:
    if (m->type == MQS_FT_BYTES || m->type == MQS_FT_HEX) {
      const uint8_t *p;
      size_t len;
      if (v->kind != MQS_FV_BYTES) return 0;
      if (expected_bytes(c, m->value, m->type == MQS_FT_HEX, &p, &len, d) < 0) return -1;
      return len == v->len && (len == 0 || memcmp(p, v->p, len) == 0);
    }
    if (v->kind != MQS_FV_INT) return 0;
    if (expected_int(c, m->value, m->type, pt, &lo, d) < 0) return -1;
    return v->i == lo;
  }
  return 0;
}

int mqs_match_value(const mqs_matcher *m, const mqs_fval *v, int pt, mqs_match_ctx *c, char *why,
                    size_t cap, mqs_diag *d) {
  int r = match(m, v, pt, c, d);
  if (r == 0 && why) {
    sbuf b = {why, cap, 0};
    char got[320];
    sb_put(&b, "expected ");
    describe_matcher(&b, m, &c->x);
    mqs_fval_describe(v, m->type, pt, c->version, got, sizeof got);
    sb_put(&b, ", got %s", got);
  }
  return r;
}

int mqs_match_packet(const mqs_expect *e, const mqs_packet *p, mqs_match_ctx *c, char *why,
                     size_t cap, mqs_diag *d) {
  return mqs_match_packet_ex(e, p, c, why, cap, d, NULL);
}

int mqs_match_packet_ex(const mqs_expect *e, const mqs_packet *p, mqs_match_ctx *c, char *why,
                        size_t cap, mqs_diag *d, const mqs_check **failed) {
  if (failed) *failed = NULL;
  if (why && cap) why[0] = '\0';
  if (p->type != e->type) {
    if (why)
      snprintf(why, cap, "expected %s, got %s", mqs_packet_type_name(e->type),
               mqs_packet_type_name(p->type));
    return 0;
  }
  for (size_t i = 0; i < e->n_checks; i++) {
    const mqs_check *k = &e->checks[i];
    mqs_fval v;
    if (!mqs_field_get(p, k->field, k->prop, c->topic, &v)) v.kind = MQS_FV_ABSENT;
    char one[480];
    int r = mqs_match_value(&k->m, &v, p->type, c, one, sizeof one, d);
    if (r < 0) return -1;
    if (r == 0) {
      if (why) snprintf(why, cap, "%s: %s", k->name, one);
      if (failed) *failed = k;
      return 0;
    }
  }
  return 1;
}

/* save: {NAME: {scram_client_final: ...}}: NAME and NAME_server from the
 * server-first message in v. */
static int save_scram(const mqs_save *s, const mqs_fval *v, mqs_vars *vars) {
  char final[512], server[128], name[128];
  const char *why = NULL;
  if (v->kind != MQS_FV_BYTES ||
      mqs_scram_client_final(s->scram_password, s->scram_client_first, (const char *)v->p, v->len,
                             final, sizeof final, server, sizeof server, &why) < 0)
    return 0; /* nothing saved: the step that uses ${NAME} says it has no value */
  snprintf(name, sizeof name, "%s_server", s->var);
  if (mqs_vars_set(vars, s->var, final, strlen(final)) < 0 ||
      mqs_vars_set(vars, name, server, strlen(server)) < 0)
    return -1;
  return 0;
}

int mqs_match_save(const mqs_expect *e, const mqs_packet *p, mqs_str topic, mqs_vars *vars) {
  for (size_t i = 0; i < e->n_saves; i++) {
    const mqs_save *s = &e->saves[i];
    mqs_fval v;
    if (!mqs_field_get(p, s->field, s->prop, topic, &v)) continue;
    if (s->scram_password) {
      if (save_scram(s, &v, vars) < 0) return -1;
      continue;
    }
    int rc = 0;
    if (v.kind == MQS_FV_INT) rc = mqs_vars_set_uint(vars, s->var, (unsigned long)v.i);
    else if (v.kind == MQS_FV_BYTES) rc = mqs_vars_set(vars, s->var, v.p, v.len);
    else if (v.kind == MQS_FV_INTS && v.n_ints) rc = mqs_vars_set_uint(vars, s->var, v.ints[0]);
    /* An absent field saves nothing: a later ${name} says "has no value yet". */
    if (rc < 0) return -1;
  }
  return 0;
}

void mqs_expect_describe(const mqs_expect *e, const mqs_expander *x, char *buf, size_t cap) {
  sbuf b = {buf, cap, 0};
  buf[0] = '\0';
  sb_put(&b, "%s", mqs_packet_type_name(e->type));
  for (size_t i = 0; i < e->n_checks; i++) {
    sb_put(&b, " %s=", e->checks[i].name);
    describe_matcher(&b, &e->checks[i].m, x);
  }
}

static int hexdigit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Walk the pattern: calls back per byte with its value, or -1 for "??". */
static long pattern_walk(const char *t, size_t n, const uint8_t *bytes, size_t len, long *bad) {
  long count = 0;
  *bad = -1;
  for (size_t i = 0; i < n;) {
    char ch = t[i];
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      i++;
      continue;
    }
    if (i + 1 >= n) return -1;
    int want;
    if (ch == '?' && t[i + 1] == '?') {
      want = -1;
    } else {
      int hi = hexdigit(ch), lo = hexdigit(t[i + 1]);
      if (hi < 0 || lo < 0) return -1;
      want = hi << 4 | lo;
    }
    if (bytes && *bad < 0 && want >= 0 && ((size_t)count >= len || bytes[count] != want))
      *bad = count;
    count++;
    i += 2;
  }
  return count;
}

long mqs_pattern_len(const char *text, size_t tlen) {
  long bad;
  return pattern_walk(text, tlen, NULL, 0, &bad);
}

int mqs_pattern_match(const char *text, size_t tlen, const uint8_t *bytes, size_t len, char *why,
                      size_t cap) {
  long bad;
  long n = pattern_walk(text, tlen, bytes, len, &bad);
  if (n < 0) {
    if (why) snprintf(why, cap, "not a byte pattern: \"%s\"", text);
    return -1;
  }
  if (bad >= 0) {
    if (why) {
      if ((size_t)bad < len)
        snprintf(why, cap, "byte %ld differs: got %02x", bad, bytes[bad]);
      else
        snprintf(why, cap, "%zu bytes, the pattern has %ld", len, n);
    }
    return 0;
  }
  if ((size_t)n != len) {
    if (why) snprintf(why, cap, "%zu bytes, the pattern has %ld", len, n);
    return 0;
  }
  return 1;
}
