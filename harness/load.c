/* harness/load.c — a scenario file: metadata, clients and steps.
 *
 * Every mistake is reported with the file, line and column of the node at
 * fault and what was expected there; the first one stops the load (later
 * messages about a half-understood file mislead more than they help). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "scenario.h"
#include "value.h"
#include "vars.h"

#define MAX_REPEAT 100000u

typedef struct {
  mqs_scenario *s;
  mqs_diag *d;
  const char **known; /* variable names the scenario defines */
  size_t n_known, cap_known;
} ld;

static const char top_keys[] =
    "id, title, spec, version, level, tags, needs, timeout, step_timeout, clients, steps, "
    "description";

static const char *const need_names[] = {"retain", "wildcard", "shared", "sub_id",
                                         "topic_alias", "qos1", "qos2", "websocket"};
#define N_NEEDS (sizeof need_names / sizeof need_names[0])

unsigned mqs_need_from_name(const char *name) {
  for (size_t i = 0; i < N_NEEDS; i++)
    if (strcmp(need_names[i], name) == 0) return 1u << i;
  return 0;
}

const char *mqs_need_name(unsigned need) {
  for (size_t i = 0; i < N_NEEDS; i++)
    if (need == 1u << i) return need_names[i];
  return "?";
}

const char *mqs_need_names(void) {
  return "retain, wildcard, shared, sub_id, topic_alias, qos1, qos2, websocket";
}

static void *alloc(ld *l, size_t n) { return mqs_arena_alloc(&l->s->arena, n ? n : 1); }

static int oom(ld *l, const mqs_node *at) { return mqs_diag_at(l->d, at, "out of memory"); }

static int add_known(ld *l, const char *name, const mqs_node *at) {
  for (size_t i = 0; i < l->n_known; i++)
    if (strcmp(l->known[i], name) == 0) return 0;
  if (l->n_known == l->cap_known) {
    size_t cap = l->cap_known ? l->cap_known * 2 : 16;
    const char **k = alloc(l, cap * sizeof *k);
    if (!k) return oom(l, at);
    if (l->n_known) memcpy(k, l->known, l->n_known * sizeof *k);
    l->known = k;
    l->cap_known = cap;
  }
  l->known[l->n_known++] = name;
  return 0;
}

/* Every name a step saves or a repeat counts with, wherever it is: a
 * template may use a name saved by an earlier step only, but checking
 * the order is the engine's job (it says "has no value yet"). */
static int collect_vars(ld *l, const mqs_node *n, int depth) {
  if (!n || depth > 64) return 0;
  if (n->kind == MQS_NODE_MAP) {
    for (size_t i = 0; i < n->n; i++) {
      const char *k = n->keys[i]->text;
      const mqs_node *v = n->items[i];
      if (strcmp(k, "save") == 0 && v->kind == MQS_NODE_MAP) {
        for (size_t j = 0; j < v->n; j++) {
          if (add_known(l, v->keys[j]->text, v->keys[j]) < 0) return -1;
          if (v->items[j]->kind == MQS_NODE_MAP) { /* scram_client_final: NAME_server too */
            size_t len = strlen(v->keys[j]->text) + 8;
            char *server = mqs_arena_alloc(&l->s->arena, len);
            if (!server) return oom(l, v);
            snprintf(server, len, "%s_server", v->keys[j]->text);
            if (add_known(l, server, v->keys[j]) < 0) return -1;
          }
        }
      } else if (strcmp(k, "as") == 0 && v->kind == MQS_NODE_SCALAR) {
        if (add_known(l, v->text, v) < 0) return -1;
      }
      if (collect_vars(l, v, depth + 1) < 0) return -1;
    }
  } else if (n->kind == MQS_NODE_SEQ) {
    for (size_t i = 0; i < n->n; i++)
      if (collect_vars(l, n->items[i], depth + 1) < 0) return -1;
  }
  return 0;
}

static bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '-' || c == '_';
}

static int word(ld *l, const mqs_node *n, const char *what, const char **out) {
  if (mqs_node_text(n, what, out, l->d) < 0) return -1;
  if (!**out) return mqs_diag_at(l->d, n, "%s: expected a value, got an empty one", what);
  return 0;
}

/* A list of words, or one word. */
static int words(ld *l, const mqs_node *n, const char *what, const char ***out, size_t *count) {
  size_t cnt = n->kind == MQS_NODE_SEQ ? n->n : 1;
  if (n->kind == MQS_NODE_MAP)
    return mqs_diag_at(l->d, n, "%s: expected a list such as [a, b], got %s", what,
                       mqs_node_what(n));
  const char **v = alloc(l, cnt * sizeof *v);
  if (!v) return oom(l, n);
  for (size_t i = 0; i < cnt; i++)
    if (word(l, n->kind == MQS_NODE_SEQ ? n->items[i] : n, what, &v[i]) < 0) return -1;
  *out = v;
  *count = cnt;
  return 0;
}

static int parse_version(ld *l, const mqs_node *n, int *out) {
  const char *s;
  if (mqs_node_text(n, "version", &s, l->d) < 0) return -1;
  if (strcmp(s, "5") == 0 || strcmp(s, "5.0") == 0) *out = 5;
  else if (strcmp(s, "3.1.1") == 0 || strcmp(s, "311") == 0 || strcmp(s, "4") == 0) *out = 4;
  else return mqs_diag_at(l->d, n, "version: expected 5 or 3.1.1, got '%s'", s);
  return 0;
}

/* MQTT-<digits>(.<digits>)*-<digits>, as the specifications write them. */
static bool statement_id(const char *s) {
  if (strncmp(s, "MQTT-", 5) != 0) return false;
  const char *p = s + 5;
  int groups = 0;
  for (;;) {
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9') p++;
    groups++;
    if (*p == '.') p++;
    else break;
  }
  if (*p != '-' || groups < 2) return false;
  p++;
  if (!(*p >= '0' && *p <= '9')) return false;
  while (*p >= '0' && *p <= '9') p++;
  return *p == '\0';
}

static int client_index(ld *l, const char *name) {
  for (size_t i = 0; i < l->s->n_clients; i++)
    if (strcmp(l->s->clients[i].name, name) == 0) return (int)i;
  return -1;
}

static int packet_types_mask(ld *l, const mqs_node *n, uint32_t *mask) {
  const char **names;
  size_t cnt;
  if (words(l, n, "ignore", &names, &cnt) < 0) return -1;
  for (size_t i = 0; i < cnt; i++) {
    mqs_packet_type t = mqs_packet_type_from_name(names[i]);
    if (!t)
      return mqs_diag_at(l->d, n->kind == MQS_NODE_SEQ ? n->items[i] : n,
                         "ignore: '%s' is not a packet type (expected e.g. pingresp, publish)",
                         names[i]);
    *mask |= 1u << t;
  }
  return 0;
}

static int client_name_ok(ld *l, const mqs_node *n, const char *name) {
  if (strcmp(name, "wait") == 0 || strcmp(name, "repeat") == 0 || strcmp(name, "note") == 0)
    return mqs_diag_at(l->d, n, "a client may not be called '%s' (a step keyword)", name);
  for (const char *p = name; *p; p++)
    if (!id_char(*p) || *p == '.')
      return mqs_diag_at(l->d, n, "client name '%s': expected letters, digits, '-' or '_'", name);
  if (client_index(l, name) >= 0)
    return mqs_diag_at(l->d, n, "client '%s' is declared twice", name);
  return 0;
}

static int load_clients(ld *l, const mqs_node *n) {
  mqs_scenario *s = l->s;
  if (n->kind == MQS_NODE_SCALAR || (n->kind != MQS_NODE_MAP && n->kind != MQS_NODE_SEQ) ||
      n->n == 0)
    return mqs_diag_at(l->d, n, "clients: expected a list of names such as [pub, sub], or a "
                                "mapping name: {ignore: [...], version: ...}");
  s->clients = alloc(l, n->n * sizeof *s->clients);
  if (!s->clients) return oom(l, n);
  for (size_t i = 0; i < n->n; i++) {
    mqs_client_def *c = &s->clients[i];
    const mqs_node *name = n->kind == MQS_NODE_MAP ? n->keys[i] : n->items[i];
    if (word(l, name, "client name", &c->name) < 0) return -1;
    if (client_name_ok(l, name, c->name) < 0) return -1;
    c->version = s->version;
    c->at = name;
    s->n_clients++;
    if (n->kind != MQS_NODE_MAP) continue;
    const mqs_node *o = n->items[i];
    if (o->kind == MQS_NODE_SCALAR && o->len == 0) continue;
    if (o->kind != MQS_NODE_MAP)
      return mqs_diag_at(l->d, o, "client %s: expected options {ignore: [...], version: ...}, got %s",
                         c->name, mqs_node_what(o));
    for (size_t k = 0; k < o->n; k++) {
      const char *key = o->keys[k]->text;
      if (strcmp(key, "ignore") == 0) {
        if (packet_types_mask(l, o->items[k], &c->ignore) < 0) return -1;
      } else if (strcmp(key, "version") == 0) {
        if (parse_version(l, o->items[k], &c->version) < 0) return -1;
      } else if (strcmp(key, "transport") == 0) {
        const char *t;
        if (word(l, o->items[k], "transport", &t) < 0) return -1;
        if (strcmp(t, "websocket") != 0 && strcmp(t, "tcp") != 0)
          return mqs_diag_at(l->d, o->items[k], "transport: expected tcp or websocket, got '%s'", t);
        c->websocket = strcmp(t, "websocket") == 0;
        if (c->websocket) s->needs |= MQS_NEED_WEBSOCKET;
      } else {
        return mqs_diag_at(l->d, o->keys[k],
                           "unknown client option '%s' (expected ignore, version or transport)",
                           key);
      }
    }
  }
  return 0;
}

static int load_steps(ld *l, const mqs_node *n, mqs_step **out, size_t *count, int depth);

/* Bytes a send would write, built now with placeholders to find mistakes. */
static int check_item(ld *l, const mqs_step *st, const mqs_send_item *it) {
  mqs_arena scratch = {0};
  mqs_hexbuf out = {0};
  mqs_build_ctx c = {{NULL, l->known, l->n_known, &scratch},
                     l->s->clients[st->client].version,
                     "x",
                     NULL};
  int rc = mqs_build_item(it, &c, &out, l->d);
  mqs_hexbuf_free(&out);
  mqs_arena_free(&scratch);
  return rc;
}

static int send_item(ld *l, mqs_step *st, const mqs_node *key, const mqs_node *v,
                     mqs_send_item *it) {
  it->at = key;
  if (strcmp(key->text, "hex") == 0 || strcmp(key->text, "send_hex") == 0) {
    it->is_hex = true;
    it->hex = v;
    if (!v || v->kind != MQS_NODE_SCALAR)
      return mqs_diag_at(l->d, v, "hex: expected text such as \"c0 00\", got %s", mqs_node_what(v));
    return check_item(l, st, it);
  }
  it->type = mqs_packet_type_from_name(key->text);
  if (!it->type) return -2; /* not a packet: the caller says what was expected */
  if (v && v->kind == MQS_NODE_SCALAR && v->len == 0 && !v->quoted) v = NULL; /* `pingreq:` */
  it->fields = v;
  const mqs_node *raw = mqs_node_get(v, "raw");
  if (raw && mqs_node_bool(raw, "raw", &it->raw, l->d) < 0) return -1;
  if (it->type == MQS_AUTH && l->s->clients[st->client].version < 5 && !it->raw)
    return mqs_diag_at(l->d, key, "auth exists only in MQTT 5.0 (write raw: true to send it)");
  return check_item(l, st, it);
}

/* split: N (pieces of N bytes) or [a, b, ...] (cut at these offsets). */
static int load_split(ld *l, mqs_step *st, const mqs_node *v) {
  uint64_t x;
  if (v->kind == MQS_NODE_SCALAR) {
    if (mqs_node_uint(v, "split", 1u << 20, &x, l->d) < 0) return -1;
    if (x == 0) return mqs_diag_at(l->d, v, "split: expected a piece size of at least 1 byte");
    st->split_every = (uint32_t)x;
    return 0;
  }
  if (v->kind != MQS_NODE_SEQ || v->n == 0)
    return mqs_diag_at(l->d, v, "split: expected a piece size or a list of offsets, got %s",
                       mqs_node_what(v));
  st->split_at = alloc(l, v->n * sizeof *st->split_at);
  if (!st->split_at) return oom(l, v);
  for (size_t i = 0; i < v->n; i++) {
    if (mqs_node_uint(v->items[i], "split offset", 1u << 24, &x, l->d) < 0) return -1;
    if (x == 0 || (i > 0 && x <= st->split_at[i - 1]))
      return mqs_diag_at(l->d, v->items[i], "split: offsets must be above 0 and ascending");
    st->split_at[i] = (uint32_t)x;
  }
  st->n_split_at = v->n;
  return 0;
}

static int load_close(ld *l, mqs_step *st, const mqs_node *v) {
  int version = l->s->clients[st->client].version;
  st->before = version >= 5 ? MQS_BEFORE_OPTIONAL : MQS_BEFORE_NONE;
  st->before_type = MQS_DISCONNECT;
  if (!v || (v->kind == MQS_NODE_SCALAR && v->len == 0)) return 0;
  if (v->kind != MQS_NODE_MAP)
    return mqs_diag_at(l->d, v, "expect_close: expected {} or {before, packet, reason}, got %s",
                       mqs_node_what(v));
  const mqs_node *reason = NULL;
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->text, *s;
    const mqs_node *x = v->items[i];
    if (strcmp(k, "before") == 0) {
      if (mqs_node_text(x, k, &s, l->d) < 0) return -1;
      if (strcmp(s, "none") == 0) st->before = MQS_BEFORE_NONE;
      else if (strcmp(s, "optional") == 0) st->before = MQS_BEFORE_OPTIONAL;
      else if (strcmp(s, "required") == 0) st->before = MQS_BEFORE_REQUIRED;
      else return mqs_diag_at(l->d, x, "before: expected none, optional or required, got '%s'", s);
    } else if (strcmp(k, "packet") == 0) {
      if (mqs_node_text(x, k, &s, l->d) < 0) return -1;
      st->before_type = mqs_packet_type_from_name(s);
      if (st->before_type != MQS_DISCONNECT && st->before_type != MQS_CONNACK)
        return mqs_diag_at(l->d, x, "packet: expected disconnect or connack, got '%s'", s);
    } else if (strcmp(k, "reason") == 0) {
      reason = x;
    } else {
      return mqs_diag_at(l->d, v->keys[i],
                         "unknown field '%s' of expect_close (expected before, packet, reason)", k);
    }
  }
  if (st->before_type == MQS_DISCONNECT && version < 5 && st->before != MQS_BEFORE_NONE)
    return mqs_diag_at(l->d, v, "expect_close: a 3.1.1 server never sends DISCONNECT "
                                "(write packet: connack, or before: none)");
  if (reason) {
    st->before_reason = alloc(l, sizeof *st->before_reason);
    if (!st->before_reason) return oom(l, reason);
    if (mqs_matcher_compile(&l->s->arena, reason, MQS_FT_REASON, st->before_type, version,
                            l->known, l->n_known, st->before_reason, l->d) < 0)
      return -1;
  }
  return 0;
}

/* expect_bytes: pairs of hex digits or "??", white space between them optional. */
static int check_pattern(ld *l, const mqs_node *v) {
  if (v->kind != MQS_NODE_SCALAR || v->len == 0)
    return mqs_diag_at(l->d, v, "expect_bytes: expected bytes such as \"50 02 00 ??\", got %s",
                       mqs_node_what(v));
  mqs_expander x = {NULL, l->known, l->n_known, &l->s->arena};
  const char *s;
  size_t len;
  if (mqs_expand(&x, v, &s, &len, l->d) < 0) return -1;
  if (mqs_template_has(v)) return 0;
  size_t digits = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (digits % 2) break;
      continue;
    }
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != '?')
      return mqs_diag_at(l->d, v,
                         "expect_bytes: unexpected '%c' at character %zu (expected hex digits "
                         "or ?? for any byte)",
                         c, i + 1);
    digits++;
  }
  if (digits % 2)
    return mqs_diag_at(l->d, v, "expect_bytes: a byte is written with two characters (odd count)");
  return 0;
}

static const char action_list[] =
    "open, reopen, close, drop, half_close, a packet (connect, publish, subscribe, ...), send, "
    "send_hex, expect, expect_bytes, expect_unordered, expect_close or expect_nothing";

static bool modifier(const char *k) {
  return strcmp(k, "timeout") == 0 || strcmp(k, "split") == 0 || strcmp(k, "gap") == 0 ||
         strcmp(k, "note") == 0 || strcmp(k, "else_na") == 0 || strcmp(k, "ws_opcode") == 0 ||
         strcmp(k, "or_close") == 0;
}

static int simple_action(const char *a, mqs_step_kind *k) {
  if (strcmp(a, "open") == 0) *k = MQS_STEP_OPEN;
  else if (strcmp(a, "reopen") == 0) *k = MQS_STEP_REOPEN;
  else if (strcmp(a, "close") == 0) *k = MQS_STEP_CLOSE;
  else if (strcmp(a, "drop") == 0 || strcmp(a, "reset") == 0) *k = MQS_STEP_DROP;
  else if (strcmp(a, "half_close") == 0) *k = MQS_STEP_HALF_CLOSE;
  else return -1;
  return 0;
}

static int load_expect_list(ld *l, mqs_step *st, const mqs_node *v) {
  int version = l->s->clients[st->client].version;
  if (v->kind != MQS_NODE_SEQ || v->n == 0)
    return mqs_diag_at(l->d, v,
                       "expect_unordered: expected a list of {expect: TYPE, field: value}, got %s",
                       mqs_node_what(v));
  st->expect = alloc(l, v->n * sizeof *st->expect);
  if (!st->expect) return oom(l, v);
  for (size_t i = 0; i < v->n; i++) {
    const mqs_node *e = v->items[i];
    if (e->kind != MQS_NODE_MAP)
      return mqs_diag_at(l->d, e, "expected {expect: TYPE, field: value, ...}, got %s",
                         mqs_node_what(e));
    if (mqs_node_get(e, "timeout"))
      return mqs_diag_at(l->d, mqs_node_get(e, "timeout"),
                         "timeout goes on the expect_unordered step, not on one packet");
    if (mqs_expect_compile(&l->s->arena, e, version, l->known, l->n_known, &st->expect[i], l->d) < 0)
      return -1;
  }
  st->n_expect = v->n;
  return 0;
}

/* The action of a client step: which key it is and what it holds. */
static int load_action(ld *l, mqs_step *st, const mqs_node *key, const mqs_node *v,
                       const mqs_node *map) {
  const char *a = key->text;
  int version = l->s->clients[st->client].version;
  if (simple_action(a, &st->kind) == 0) {
    if (st->kind == MQS_STEP_DROP && v && v->kind == MQS_NODE_SCALAR && v->len) {
      if (strcmp(v->text, "half_close") == 0) st->kind = MQS_STEP_HALF_CLOSE;
      else if (strcmp(v->text, "reset") != 0)
        return mqs_diag_at(l->d, v, "drop: expected reset or half_close, got '%s'", v->text);
    } else if (v && !(v->kind == MQS_NODE_SCALAR && v->len == 0) &&
               !(v->kind == MQS_NODE_MAP && v->n == 0)) {
      return mqs_diag_at(l->d, v, "%s takes no arguments (write '%s: {}' or just '%s')", a, a, a);
    }
    return 0;
  }
  static const char *const need_value[] = {"expect", "expect_bytes", "expect_unordered",
                                           "expect_nothing", "send", "send_hex"};
  for (size_t i = 0; !v && i < sizeof need_value / sizeof need_value[0]; i++)
    if (strcmp(a, need_value[i]) == 0)
      return mqs_diag_at(l->d, key, "%s needs a value (write it as %s: ...)", a, a);
  if (strcmp(a, "expect") == 0) {
    st->kind = MQS_STEP_EXPECT;
    st->expect = alloc(l, sizeof *st->expect);
    if (!st->expect) return oom(l, key);
    st->n_expect = 1;
    return mqs_expect_compile(&l->s->arena, map, version, l->known, l->n_known, st->expect, l->d);
  }
  if (strcmp(a, "expect_bytes") == 0) {
    st->kind = MQS_STEP_EXPECT_BYTES;
    st->pattern = v;
    return check_pattern(l, v);
  }
  if (strcmp(a, "expect_unordered") == 0) {
    st->kind = MQS_STEP_EXPECT_UNORDERED;
    return load_expect_list(l, st, v);
  }
  if (strcmp(a, "expect_close") == 0) {
    st->kind = MQS_STEP_EXPECT_CLOSE;
    return load_close(l, st, v);
  }
  if (strcmp(a, "expect_nothing") == 0) {
    st->kind = MQS_STEP_EXPECT_NOTHING;
    return mqs_node_duration(v, "expect_nothing", &st->ms, l->d);
  }
  st->kind = MQS_STEP_SEND;
  if (strcmp(a, "send") == 0) {
    if (v->kind != MQS_NODE_SEQ || v->n == 0)
      return mqs_diag_at(l->d, v, "send: expected a list of packets ({publish: {...}}) and "
                                  "{hex: \"..\"}, all written at once");
    st->items = alloc(l, v->n * sizeof *st->items);
    if (!st->items) return oom(l, v);
    for (size_t i = 0; i < v->n; i++) {
      const mqs_node *it = v->items[i];
      if (it->kind != MQS_NODE_MAP || it->n != 1)
        return mqs_diag_at(l->d, it, "send: each item is one packet {TYPE: {fields}} or "
                                     "{hex: \"..\"}, got %s", mqs_node_what(it));
      int rc = send_item(l, st, it->keys[0], it->items[0], &st->items[i]);
      if (rc == -2)
        return mqs_diag_at(l->d, it->keys[0], "send: '%s' is not a packet type or hex",
                           it->keys[0]->text);
      if (rc < 0) return -1;
    }
    st->n_items = v->n;
    return 0;
  }
  st->items = alloc(l, sizeof *st->items);
  if (!st->items) return oom(l, key);
  st->n_items = 1;
  int rc = send_item(l, st, key, v, st->items);
  if (rc == -2)
    return mqs_diag_at(l->d, key, "unknown action '%s' (expected %s)", a, action_list);
  return rc;
}

static int load_client_step(ld *l, mqs_step *st, const mqs_node *key, const mqs_node *v) {
  st->client = client_index(l, key->text);
  if (v->kind == MQS_NODE_SCALAR) { /* - c: close, - c: pingreq */
    if (v->len == 0)
      return mqs_diag_at(l->d, v, "%s: expected an action (%s)", key->text, action_list);
    return load_action(l, st, v, NULL, NULL);
  }
  if (v->kind != MQS_NODE_MAP || v->n == 0)
    return mqs_diag_at(l->d, v, "%s: expected an action such as {expect: connack} (%s), got %s",
                       key->text, action_list, mqs_node_what(v));
  const mqs_node *action = NULL, *action_v = NULL;
  bool is_expect = mqs_node_get(v, "expect") != NULL;
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->text;
    if (modifier(k) || (is_expect && strcmp(k, "expect") != 0)) continue;
    if (strcmp(k, "save") == 0)
      return mqs_diag_at(l->d, v->keys[i], "save goes with expect");
    if (action)
      return mqs_diag_at(l->d, v->keys[i],
                         "one action per step: '%s' and '%s' (split them into two steps)",
                         action->text, k);
    action = v->keys[i];
    action_v = v->items[i];
  }
  if (!action)
    return mqs_diag_at(l->d, v, "%s: the action is missing (expected %s)", key->text, action_list);
  if (load_action(l, st, action, action_v, v) < 0) return -1;
  bool expecting = st->kind >= MQS_STEP_EXPECT && st->kind <= MQS_STEP_EXPECT_CLOSE;
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->text;
    const mqs_node *x = v->items[i];
    if (strcmp(k, "or_close") == 0) {
      if (st->kind != MQS_STEP_EXPECT)
        return mqs_diag_at(l->d, v->keys[i], "or_close goes with expect (one packet)");
      if (mqs_node_bool(x, "or_close", &st->or_close, l->d) < 0) return -1;
    } else if (strcmp(k, "else_na") == 0) {
      if (st->kind != MQS_STEP_EXPECT)
        return mqs_diag_at(l->d, v->keys[i], "else_na goes with expect (one packet)");
      const mqs_node *why = x;
      mqs_packet_type other =
          x->kind == MQS_NODE_MAP && x->n == 1 ? mqs_packet_type_from_name(x->keys[0]->text) : 0;
      if (other && other != st->expect->type) { /* {connack: why}: that packet instead */
        st->else_na_type = other;
        why = x->items[0];
      } else if (x->kind == MQS_NODE_MAP && x->n == 1) { /* {field: why}: that field only */
        st->else_na_field = x->keys[0]->text;
        why = x->items[0];
        bool found = false;
        for (size_t c = 0; c < st->expect->n_checks; c++)
          found = found || strcmp(st->expect->checks[c].name, st->else_na_field) == 0;
        if (!found)
          return mqs_diag_at(l->d, x->keys[0],
                             "else_na: '%s' is not a field this step checks", st->else_na_field);
      }
      if (mqs_node_text(why, "else_na", &st->else_na, l->d) < 0) return -1;
      if (!*st->else_na)
        return mqs_diag_at(l->d, why, "else_na: say why a mismatch means not applicable");
    } else if (strcmp(k, "timeout") == 0) {
      if (!expecting && st->kind != MQS_STEP_OPEN && st->kind != MQS_STEP_REOPEN &&
          st->kind != MQS_STEP_SEND)
        return mqs_diag_at(l->d, v->keys[i], "timeout: this step does not wait for anything");
      if (mqs_node_duration(x, "timeout", &st->timeout_ms, l->d) < 0) return -1;
      if (st->timeout_ms == 0) return mqs_diag_at(l->d, x, "timeout: must be above 0");
    } else if (strcmp(k, "ws_opcode") == 0) {
      static const char *const ops[] = {"continuation", "text", "binary"};
      const char *op;
      if (st->kind != MQS_STEP_SEND)
        return mqs_diag_at(l->d, v->keys[i], "ws_opcode applies to sending steps only");
      if (word(l, x, "ws_opcode", &op) < 0) return -1;
      for (uint8_t o = 0; o < 3; o++)
        if (strcmp(op, ops[o]) == 0) st->ws_opcode = o, st->has_ws_opcode = true;
      if (!st->has_ws_opcode)
        return mqs_diag_at(l->d, x, "ws_opcode: expected text, binary or continuation, got '%s'", op);
    } else if (strcmp(k, "split") == 0 || strcmp(k, "gap") == 0) {
      if (st->kind != MQS_STEP_SEND)
        return mqs_diag_at(l->d, v->keys[i], "%s applies to sending steps only", k);
      if (strcmp(k, "split") == 0 ? load_split(l, st, x) < 0
                                  : mqs_node_duration(x, "gap", &st->gap_ms, l->d) < 0)
        return -1;
    }
  }
  return 0;
}

static int load_repeat(ld *l, mqs_step *st, const mqs_node *v, int depth) {
  st->kind = MQS_STEP_REPEAT;
  st->client = -1;
  if (v->kind != MQS_NODE_MAP)
    return mqs_diag_at(l->d, v, "repeat: expected {times: N, as: name, steps: [...]}, got %s",
                       mqs_node_what(v));
  const mqs_node *times = NULL, *steps = NULL;
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->text;
    if (strcmp(k, "times") == 0) times = v->items[i];
    else if (strcmp(k, "steps") == 0) steps = v->items[i];
    else if (strcmp(k, "as") == 0) {
      if (word(l, v->items[i], "as", &st->var) < 0) return -1;
    } else
      return mqs_diag_at(l->d, v->keys[i], "unknown field '%s' of repeat (expected times, as, steps)",
                         k);
  }
  if (!times) return mqs_diag_at(l->d, v, "repeat: times is missing");
  if (!steps) return mqs_diag_at(l->d, v, "repeat: steps is missing");
  uint64_t n;
  if (mqs_node_uint(times, "times", MAX_REPEAT, &n, l->d) < 0) return -1;
  if (n == 0) return mqs_diag_at(l->d, times, "times: expected at least 1");
  st->times = (uint32_t)n;
  return load_steps(l, steps, &st->body, &st->n_body, depth + 1);
}

static int load_step(ld *l, mqs_step *st, const mqs_node *n, int depth) {
  st->at = n;
  st->client = -1;
  if (n->kind != MQS_NODE_MAP || n->n == 0)
    return mqs_diag_at(l->d, n, "a step: expected CLIENT: {action...}, wait: DURATION or "
                                "repeat: {...}, got %s", mqs_node_what(n));
  const mqs_node *key = NULL, *v = NULL;
  for (size_t i = 0; i < n->n; i++) {
    if (strcmp(n->keys[i]->text, "note") == 0) continue;
    if (key)
      return mqs_diag_at(l->d, n->keys[i],
                         "one client or keyword per step: '%s' and '%s' (use two steps)",
                         key->text, n->keys[i]->text);
    key = n->keys[i];
    v = n->items[i];
  }
  if (!key) { /* `- note: ...` between steps: documentation only */
    st->kind = MQS_STEP_NOTE;
    return mqs_node_text(mqs_node_get(n, "note"), "note", &st->var, l->d);
  }
  if (strcmp(key->text, "wait") == 0) {
    st->kind = MQS_STEP_WAIT;
    return mqs_node_duration(v, "wait", &st->ms, l->d);
  }
  if (strcmp(key->text, "repeat") == 0) return load_repeat(l, st, v, depth);
  if (client_index(l, key->text) < 0) {
    char names[200] = "";
    size_t o = 0;
    for (size_t i = 0; i < l->s->n_clients && o < sizeof names; i++)
      o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                            l->s->clients[i].name);
    return mqs_diag_at(l->d, key,
                       "'%s' is not a client of this scenario (expected one of: %s; or wait, "
                       "repeat)",
                       key->text, names);
  }
  return load_client_step(l, st, key, v);
}

static int load_steps(ld *l, const mqs_node *n, mqs_step **out, size_t *count, int depth) {
  if (depth > 8) return mqs_diag_at(l->d, n, "repeat nested more than 8 deep");
  if (n->kind != MQS_NODE_SEQ || n->n == 0)
    return mqs_diag_at(l->d, n, "steps: expected a non-empty list of steps, got %s",
                       mqs_node_what(n));
  mqs_step *steps = alloc(l, n->n * sizeof *steps);
  if (!steps) return oom(l, n);
  for (size_t i = 0; i < n->n; i++) {
    if (load_step(l, &steps[i], n->items[i], depth) < 0) return -1;
    l->s->n_steps_total++;
  }
  *out = steps;
  *count = n->n;
  return 0;
}

static int load_meta(ld *l, const mqs_node *root) {
  mqs_scenario *s = l->s;
  const mqs_node *v;
  static const char *const known[] = {"id",      "title",   "spec",         "version",
                                      "level",   "tags",    "needs",        "timeout",
                                      "clients", "steps",   "step_timeout", "description"};
  for (size_t i = 0; i < root->n; i++) {
    bool ok = false;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
      ok = ok || strcmp(known[k], root->keys[i]->text) == 0;
    if (!ok)
      return mqs_diag_at(l->d, root->keys[i], "unknown key '%s' (expected one of: %s)",
                         root->keys[i]->text, top_keys);
  }
  static const char *const required[] = {"id", "title", "spec", "version", "clients", "steps"};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (!mqs_node_get(root, required[i]))
      return mqs_diag_at(l->d, root, "'%s' is missing (a scenario needs %s)", required[i],
                         "id, title, spec, version, clients and steps");
  if (word(l, mqs_node_get(root, "id"), "id", &s->id) < 0) return -1;
  for (const char *p = s->id; *p; p++)
    if (!id_char(*p))
      return mqs_diag_at(l->d, mqs_node_get(root, "id"),
                         "id '%s': expected letters, digits, '.', '-' or '_'", s->id);
  if (word(l, mqs_node_get(root, "title"), "title", &s->title) < 0) return -1;
  v = mqs_node_get(root, "spec");
  if (words(l, v, "spec", &s->statements, &s->n_statements) < 0) return -1;
  for (size_t i = 0; i < s->n_statements; i++)
    if (!statement_id(s->statements[i]))
      return mqs_diag_at(l->d, v->kind == MQS_NODE_SEQ ? v->items[i] : v,
                         "spec: '%s' is not a statement id (expected e.g. MQTT-4.3.3-2)",
                         s->statements[i]);
  if (parse_version(l, mqs_node_get(root, "version"), &s->version) < 0) return -1;
  if ((v = mqs_node_get(root, "level"))) {
    const char *lv;
    if (word(l, v, "level", &lv) < 0) return -1;
    if (strcmp(lv, "MUST") == 0) s->level = MQS_LEVEL_MUST;
    else if (strcmp(lv, "SHOULD") == 0) s->level = MQS_LEVEL_SHOULD;
    else if (strcmp(lv, "MAY") == 0) s->level = MQS_LEVEL_MAY;
    else return mqs_diag_at(l->d, v, "level: expected MUST, SHOULD or MAY, got '%s'", lv);
  }
  if ((v = mqs_node_get(root, "tags")) && words(l, v, "tags", &s->tags, &s->n_tags) < 0) return -1;
  if ((v = mqs_node_get(root, "needs"))) {
    const char **names;
    size_t cnt;
    if (words(l, v, "needs", &names, &cnt) < 0) return -1;
    for (size_t i = 0; i < cnt; i++) {
      unsigned bit = mqs_need_from_name(names[i]);
      if (!bit)
        return mqs_diag_at(l->d, v->kind == MQS_NODE_SEQ ? v->items[i] : v,
                           "needs: unknown feature '%s' (expected %s)", names[i], mqs_need_names());
      s->needs |= bit;
    }
  }
  if ((v = mqs_node_get(root, "timeout")) &&
      mqs_node_duration(v, "timeout", &s->timeout_ms, l->d) < 0)
    return -1;
  if ((v = mqs_node_get(root, "step_timeout")) &&
      mqs_node_duration(v, "step_timeout", &s->step_timeout_ms, l->d) < 0)
    return -1;
  if ((v = mqs_node_get(root, "description")) && v->kind != MQS_NODE_SCALAR)
    return mqs_diag_at(l->d, v, "description: expected text, got %s", mqs_node_what(v));
  return 0;
}

static mqs_scenario *load(mqs_scenario *s, mqs_node *root, mqs_diag *d) {
  ld l = {s, d, NULL, 0, 0};
  if (root->kind != MQS_NODE_MAP)
    goto fail_at_root;
  if (load_meta(&l, root) < 0) goto fail;
  if (add_known(&l, "prefix", root) < 0 || collect_vars(&l, mqs_node_get(root, "steps"), 0) < 0)
    goto fail;
  if (load_clients(&l, mqs_node_get(root, "clients")) < 0) goto fail;
  if (load_steps(&l, mqs_node_get(root, "steps"), &s->steps, &s->n_steps, 0) < 0) goto fail;
  s->vars = l.known;
  s->n_vars = l.n_known;
  return s;
fail_at_root:
  mqs_diag_report(d, root, "expected a scenario: a mapping with %s, got %s", top_keys,
              mqs_node_what(root));
fail:
  mqs_scenario_free(s);
  return NULL;
}

static mqs_scenario *fresh(const char *file, mqs_diag *d) {
  mqs_scenario *s = calloc(1, sizeof *s);
  if (!s) {
    memset(d, 0, sizeof *d);
    d->file = file;
    mqs_diag_report(d, NULL, "out of memory");
    return NULL;
  }
  s->file = mqs_arena_strndup(&s->arena, file, strlen(file));
  return s;
}

mqs_scenario *mqs_scenario_load(const char *path, mqs_diag *d) {
  mqs_scenario *s = fresh(path, d);
  mqs_node *root;
  if (!s) return NULL;
  if (mqs_node_load_file(s->file, &s->arena, &root, d) < 0) {
    d->file = path; /* s->file dies with s */
    mqs_scenario_free(s);
    return NULL;
  }
  d->file = path;
  return load(s, root, d);
}

mqs_scenario *mqs_scenario_parse(const char *file, const char *text, size_t len, mqs_diag *d) {
  mqs_scenario *s = fresh(file, d);
  mqs_node *root;
  if (!s) return NULL;
  if (mqs_node_parse(s->file, text, len, &s->arena, &root, d) < 0) {
    d->file = file;
    mqs_scenario_free(s);
    return NULL;
  }
  d->file = file;
  return load(s, root, d);
}

void mqs_scenario_free(mqs_scenario *s) {
  if (!s) return;
  mqs_arena_free(&s->arena);
  free(s);
}
