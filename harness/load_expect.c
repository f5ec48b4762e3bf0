/* harness/load_expect.c — compiling `expect:` steps: the packet type, a
 * matcher per field, and `save:`. Literal values are checked here, once;
 * values with ${variables} are checked when they are known. */
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "mqs/reason.h"
#include "scenario.h"
#include "value.h"
#include "vars.h"

typedef struct {
  mqs_arena *a;
  int pt; /* packet type the values belong to */
  int version;
  const char *const *known;
  size_t n_known;
  mqs_diag *d;
} cx;

static const char matcher_forms[] =
    "a value, any, absent, {one_of: [...]}, {not: ...}, {range: [low, high]}, {min: n, max: n}, "
    "{eq: value} or {hex: \"..\"}";

static bool list_type(mqs_field_type t) {
  return t == MQS_FT_REASONS || t == MQS_FT_INTS || t == MQS_FT_PAIRS;
}

static mqs_field_type element_type(mqs_field_type t) {
  return t == MQS_FT_REASONS ? MQS_FT_REASON : t == MQS_FT_INTS ? MQS_FT_INT : t;
}

/* Check a literal scalar against the field's type; templates wait. */
static int check_literal(cx *c, const mqs_node *n, mqs_field_type t) {
  if (n->kind != MQS_NODE_SCALAR)
    return mqs_diag_at(c->d, n, "expected a single value, got %s", mqs_node_what(n));
  const char *s;
  size_t len;
  mqs_expander x = {NULL, c->known, c->n_known, c->a};
  if (mqs_expand(&x, n, &s, &len, c->d) < 0) return -1;
  if (mqs_template_has(n)) return 0;
  uint64_t v;
  bool b;
  switch (t) {
  case MQS_FT_INT:
    if (mqs_parse_uint(s, len, 0xFFFFFFFFu, &v) < 0)
      return mqs_diag_at(c->d, n, "expected a number, got '%s'", s);
    return 0;
  case MQS_FT_BOOL:
    if (mqs_parse_bool(s, &b) < 0)
      return mqs_diag_at(c->d, n, "expected true or false, got '%s'", s);
    return 0;
  case MQS_FT_REASON:
    if (mqs_parse_reason(s, len, c->pt, c->version) < 0)
      return mqs_diag_at(c->d, n,
                         "'%s' is not a reason code of %s in MQTT %s (expected a name such as "
                         "%s, or a number)",
                         s, mqs_packet_type_key(c->pt), c->version >= 5 ? "5.0" : "3.1.1",
                         c->pt == MQS_SUBACK ? "granted_qos_1" : "success");
    return 0;
  case MQS_FT_HEX: {
    mqs_hexbuf hb = {0};
    mqs_hex_error e;
    int rc = mqs_hex_parse(s, len, &hb, &e);
    mqs_hexbuf_free(&hb);
    if (rc != 0) return mqs_diag_at(c->d, n, "not hex: %s", e.msg);
    return 0;
  }
  default: return 0;
  }
}

static int compile(cx *c, const mqs_node *n, mqs_field_type t, mqs_matcher *m);

static int compile_pair(cx *c, const mqs_node *n, mqs_matcher *m) {
  m->kind = MQS_M_PAIR;
  m->type = MQS_FT_BYTES;
  if (n->kind == MQS_NODE_SEQ && n->n == 2) {
    m->value = n->items[0];
    m->high = n->items[1];
  } else if (n->kind == MQS_NODE_MAP && n->n == 1) {
    m->value = n->keys[0];
    m->high = n->items[0];
  } else {
    return mqs_diag_at(c->d, n, "a user property: expected [key, value] or {key: value}, got %s",
                       mqs_node_what(n));
  }
  if (check_literal(c, m->value, MQS_FT_BYTES) < 0) return -1;
  return check_literal(c, m->high, MQS_FT_BYTES);
}

static int compile_list(cx *c, const mqs_node *n, mqs_field_type t, mqs_matcher *m) {
  m->kind = MQS_M_LIST;
  m->type = t;
  m->n_sub = n->kind == MQS_NODE_SEQ ? n->n : 1;
  m->sub = mqs_arena_alloc(c->a, (m->n_sub ? m->n_sub : 1) * sizeof *m->sub);
  if (!m->sub) return mqs_diag_at(c->d, n, "out of memory");
  for (size_t i = 0; i < m->n_sub; i++) {
    const mqs_node *item = n->kind == MQS_NODE_SEQ ? n->items[i] : n;
    int rc = t == MQS_FT_PAIRS ? compile_pair(c, item, &m->sub[i])
                               : compile(c, item, element_type(t), &m->sub[i]);
    if (rc < 0) return -1;
  }
  return 0;
}

static int compile_range(cx *c, const mqs_node *lo, const mqs_node *hi, mqs_field_type t,
                         mqs_matcher *m, const mqs_node *at) {
  if (t != MQS_FT_INT && t != MQS_FT_REASON)
    return mqs_diag_at(c->d, at, "a range needs a numeric field");
  m->kind = MQS_M_RANGE;
  m->value = lo;
  m->high = hi;
  if (lo && check_literal(c, lo, MQS_FT_INT) < 0) return -1;
  if (hi && check_literal(c, hi, MQS_FT_INT) < 0) return -1;
  return 0;
}

static int compile(cx *c, const mqs_node *n, mqs_field_type t, mqs_matcher *m) {
  memset(m, 0, sizeof *m);
  m->at = n;
  m->type = t;
  if (n->kind == MQS_NODE_SCALAR && !n->quoted && strcmp(n->text, "any") == 0) {
    m->kind = MQS_M_ANY;
    return 0;
  }
  if (n->kind == MQS_NODE_SCALAR && !n->quoted && strcmp(n->text, "absent") == 0) {
    m->kind = MQS_M_ABSENT;
    return 0;
  }
  if (n->kind == MQS_NODE_MAP && n->n == 1) {
    const char *k = n->keys[0]->text;
    const mqs_node *v = n->items[0];
    if (strcmp(k, "one_of") == 0) {
      if (v->kind != MQS_NODE_SEQ || v->n == 0)
        return mqs_diag_at(c->d, v, "one_of: expected a non-empty list of alternatives, got %s",
                           mqs_node_what(v));
      m->kind = MQS_M_ONE_OF;
      m->n_sub = v->n;
      m->sub = mqs_arena_alloc(c->a, v->n * sizeof *m->sub);
      if (!m->sub) return mqs_diag_at(c->d, v, "out of memory");
      for (size_t i = 0; i < v->n; i++)
        if (compile(c, v->items[i], t, &m->sub[i]) < 0) return -1;
      return 0;
    }
    if (strcmp(k, "not") == 0) {
      m->kind = MQS_M_NOT;
      m->n_sub = 1;
      m->sub = mqs_arena_alloc(c->a, sizeof *m->sub);
      if (!m->sub) return mqs_diag_at(c->d, v, "out of memory");
      return compile(c, v, t, &m->sub[0]);
    }
    if (strcmp(k, "range") == 0) {
      if (v->kind != MQS_NODE_SEQ || v->n != 2)
        return mqs_diag_at(c->d, v, "range: expected [low, high], got %s", mqs_node_what(v));
      return compile_range(c, v->items[0], v->items[1], t, m, n);
    }
    if (strcmp(k, "eq") == 0) {
      if (list_type(t)) return compile_list(c, v, t, m);
      m->kind = MQS_M_EQ;
      m->value = v;
      return check_literal(c, v, t);
    }
    if (strcmp(k, "hex") == 0 && (t == MQS_FT_BYTES || t == MQS_FT_HEX)) {
      m->kind = MQS_M_EQ;
      m->type = MQS_FT_HEX;
      m->value = v;
      return check_literal(c, v, MQS_FT_HEX);
    }
  }
  if (n->kind == MQS_NODE_MAP && n->n >= 1 && n->n <= 2) {
    const mqs_node *lo = mqs_node_get(n, "min"), *hi = mqs_node_get(n, "max");
    if ((lo || hi) && (size_t)(!!lo + !!hi) == n->n) return compile_range(c, lo, hi, t, m, n);
  }
  if (n->kind == MQS_NODE_MAP)
    return mqs_diag_at(c->d, n, "not a matcher (expected %s)", matcher_forms);
  if (list_type(t)) {
    if (n->kind == MQS_NODE_SEQ || t == MQS_FT_INTS) return compile_list(c, n, t, m);
    return mqs_diag_at(c->d, n, "expected a list such as [granted_qos_1], got %s",
                       mqs_node_what(n));
  }
  if (n->kind == MQS_NODE_SEQ)
    return mqs_diag_at(c->d, n,
                       "expected a single value, got a list (for several acceptable values "
                       "write {one_of: [...]})");
  m->kind = MQS_M_EQ;
  m->value = n;
  return check_literal(c, n, t);
}

int mqs_matcher_compile(mqs_arena *a, const mqs_node *n, mqs_field_type t, int pt, int version,
                        const char *const *known, size_t n_known, mqs_matcher *m, mqs_diag *d) {
  cx c = {a, pt, version, known, n_known, d};
  return compile(&c, n, t, m);
}

/* A field of packet type pt by name: "id", or "properties.KEY" for save. */
static int resolve_field(cx *c, const mqs_node *at, const char *name, mqs_field_id *field,
                         uint8_t *prop, mqs_field_type *type) {
  char list[256];
  if (strncmp(name, "properties.", 11) == 0) {
    const mqs_prop_info *pi = mqs_prop_by_key(name + 11);
    if (!pi)
      return mqs_diag_at(c->d, at, "unknown property '%s' (expected a name such as topic_alias)",
                         name + 11);
    if (c->version < 5) return mqs_diag_at(c->d, at, "properties exist only in MQTT 5.0");
    if (!(pi->allowed & (1u << c->pt)))
      return mqs_diag_at(c->d, at, "a %s has no %s property", mqs_packet_type_key(c->pt),
                         pi->key);
    *field = MQS_F_PROP;
    *prop = pi->id;
    *type = mqs_prop_field_type(pi->id);
    return 0;
  }
  const mqs_field_info *fi = mqs_field_find(name);
  if (!fi || !(fi->packets & (1u << c->pt))) {
    mqs_fields_list(c->pt, list, sizeof list);
    return mqs_diag_at(c->d, at, "'%s' is not a field of %s (expected one of: %s)", name,
                       mqs_packet_type_key(c->pt), list[0] ? list : "none");
  }
  if (c->version < 5 && fi->id == MQS_F_REASON && c->pt != MQS_CONNACK)
    return mqs_diag_at(c->d, at, "a 3.1.1 %s has no reason code", mqs_packet_type_key(c->pt));
  if (c->version < 5 && fi->id == MQS_F_REASONS && c->pt == MQS_UNSUBACK)
    return mqs_diag_at(c->d, at, "a 3.1.1 unsuback has no reason codes");
  *field = fi->id;
  *prop = 0;
  *type = fi->type;
  return 0;
}

static int add_check(cx *c, mqs_expect *e, const mqs_node *key, const char *name,
                     const mqs_node *v, size_t cap) {
  if (e->n_checks == cap) return mqs_diag_at(c->d, key, "too many fields");
  mqs_check *k = &e->checks[e->n_checks];
  mqs_field_type t;
  if (resolve_field(c, key, name, &k->field, &k->prop, &t) < 0) return -1;
  k->name = name;
  if (compile(c, v, t, &k->m) < 0) return -1;
  e->n_checks++;
  return 0;
}

/* {scram_client_final: {password: TEXT, client_first: TEXT}} */
static int compile_scram_save(cx *c, const mqs_node *m, mqs_save *s) {
  const mqs_node *v = mqs_node_get(m, "scram_client_final");
  if (m->n != 1 || !v || v->kind != MQS_NODE_MAP)
    return mqs_diag_at(c->d, m, "save: expected a field name, or {scram_client_final: "
                                "{password: ..., client_first: ...}}");
  if (c->pt != MQS_AUTH && c->pt != MQS_CONNACK)
    return mqs_diag_at(c->d, m, "save: scram_client_final reads the Authentication Data of an "
                                "AUTH (or CONNACK)");
  const mqs_node *pw = mqs_node_get(v, "password"), *cf = mqs_node_get(v, "client_first");
  if (!pw || !cf || v->n != 2)
    return mqs_diag_at(c->d, v, "scram_client_final: expected {password: ..., client_first: ...}");
  if (mqs_node_text(pw, "password", &s->scram_password, c->d) < 0 ||
      mqs_node_text(cf, "client_first", &s->scram_client_first, c->d) < 0)
    return -1;
  if (!strstr(s->scram_client_first, ",,"))
    return mqs_diag_at(c->d, cf, "client_first: expected the message as sent, \"n,,n=USER,r=NONCE\"");
  s->at = m;
  return 0;
}

static int compile_saves(cx *c, const mqs_node *m, mqs_expect *e) {
  if (m->kind != MQS_NODE_MAP)
    return mqs_diag_at(c->d, m, "save: expected a mapping {name: field}, got %s",
                       mqs_node_what(m));
  e->saves = mqs_arena_alloc(c->a, (m->n ? m->n : 1) * sizeof *e->saves);
  if (!e->saves) return mqs_diag_at(c->d, m, "out of memory");
  for (size_t i = 0; i < m->n; i++) {
    mqs_save *s = &e->saves[e->n_saves];
    const mqs_node *path = m->items[i];
    const char *name;
    mqs_field_type t;
    if (path->kind == MQS_NODE_MAP) { /* a computed value: only SCRAM for now */
      if (compile_scram_save(c, path, s) < 0) return -1;
      path = s->at;
      name = "properties.auth_data";
    } else if (mqs_node_text(path, "save", &name, c->d) < 0) {
      return -1;
    }
    if (resolve_field(c, path, name, &s->field, &s->prop, &t) < 0) return -1;
    if (t == MQS_FT_PAIRS || t == MQS_FT_REASONS)
      return mqs_diag_at(c->d, path, "save: '%s' is a list; save a single value", name);
    for (const char *p = m->keys[i]->text; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_'))
        return mqs_diag_at(c->d, m->keys[i],
                           "save: a variable name may hold only letters, digits and '_'");
    s->var = m->keys[i]->text;
    s->at = m->items[i];
    e->n_saves++;
  }
  return 0;
}

/* Keys of an expect mapping that are not fields. */
static bool step_key(const char *k) {
  return strcmp(k, "expect") == 0 || strcmp(k, "timeout") == 0 || strcmp(k, "note") == 0 ||
         strcmp(k, "save") == 0 || strcmp(k, "else_na") == 0 || strcmp(k, "or_close") == 0;
}

int mqs_expect_compile(mqs_arena *a, const mqs_node *map, int version, const char *const *known,
                       size_t n_known, mqs_expect *e, mqs_diag *d) {
  memset(e, 0, sizeof *e);
  e->at = map;
  const mqs_node *tn = mqs_node_get(map, "expect");
  const char *tname;
  if (!tn) return mqs_diag_at(d, map, "expect: the packet type is missing");
  if (mqs_node_text(tn, "expect", &tname, d) < 0) return -1;
  e->type = mqs_packet_type_from_name(tname);
  if (!e->type)
    return mqs_diag_at(d, tn,
                       "expect: '%s' is not a packet type (expected connack, publish, puback, "
                       "pubrec, pubrel, pubcomp, suback, unsuback, pingresp, disconnect or auth)",
                       tname);
  if (e->type == MQS_AUTH && version < 5)
    return mqs_diag_at(d, tn, "expect: auth exists only in MQTT 5.0");
  cx c = {a, e->type, version, known, n_known, d};
  size_t cap = 0;
  for (size_t i = 0; i < map->n; i++) {
    const mqs_node *v = map->items[i];
    if (step_key(map->keys[i]->text)) continue;
    cap += strcmp(map->keys[i]->text, "properties") == 0 && v->kind == MQS_NODE_MAP ? v->n : 1;
  }
  e->checks = mqs_arena_alloc(a, (cap ? cap : 1) * sizeof *e->checks);
  if (!e->checks) return mqs_diag_at(d, map, "out of memory");
  for (size_t i = 0; i < map->n; i++) {
    const mqs_node *key = map->keys[i], *v = map->items[i];
    const char *k = key->text;
    if (strcmp(k, "save") == 0) {
      if (compile_saves(&c, v, e) < 0) return -1;
      continue;
    }
    if (step_key(k)) continue;
    if (strcmp(k, "properties") != 0) {
      if (add_check(&c, e, key, k, v, cap) < 0) return -1;
      continue;
    }
    if (version < 5) return mqs_diag_at(d, key, "properties exist only in MQTT 5.0");
    if (v->kind != MQS_NODE_MAP)
      return mqs_diag_at(d, v, "properties: expected a mapping such as {topic_alias: 1}, got %s",
                         mqs_node_what(v));
    for (size_t j = 0; j < v->n; j++) {
      size_t len = strlen(v->keys[j]->text) + 12;
      char *name = mqs_arena_alloc(a, len);
      if (!name) return mqs_diag_at(d, v, "out of memory");
      snprintf(name, len, "properties.%s", v->keys[j]->text);
      if (add_check(&c, e, v->keys[j], name, v->items[j], cap) < 0) return -1;
    }
  }
  return 0;
}
