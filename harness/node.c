/* harness/node.c — YAML text to an mqs_node tree with libyaml's document
 * API; positions come from libyaml's marks (0-based, reported from 1). */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deep enough for any scenario, shallow enough that a hostile file (or an
 * alias that refers to itself) cannot exhaust the stack. */
#define MAX_DEPTH 64
/* Aliases make a tree out of a graph: nine lines of ten aliases each to the
 * line above are 10^9 nodes ("billion laughs"). A budget on the nodes
 * made, aliases counted each time they are used, keeps a hostile file from
 * taking the memory and the time; no scenario comes near it (the largest
 * in the suite has a few hundred). */
#define MAX_NODES 100000

typedef struct {
  yaml_document_t *doc;
  mqs_arena *a;
  mqs_diag *d;
  const char *file;
  size_t nodes; /* made so far */
} conv;

static int oom(conv *c) { return mqs_diag_at(c->d, NULL, "out of memory"); }

static void mark_diag(mqs_diag *d, yaml_mark_t m) {
  d->line = (int)m.line + 1;
  d->col = (int)m.column + 1;
}

static int convert(conv *c, yaml_node_t *y, int depth, mqs_node **out);

static int convert_map(conv *c, yaml_node_t *y, int depth, mqs_node *n) {
  size_t count = (size_t)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
  n->kind = MQS_NODE_MAP;
  n->keys = mqs_arena_alloc(c->a, (count ? count : 1) * sizeof *n->keys);
  n->items = mqs_arena_alloc(c->a, (count ? count : 1) * sizeof *n->items);
  if (!n->keys || !n->items) return oom(c);
  for (size_t i = 0; i < count; i++) {
    yaml_node_pair_t *pair = &y->data.mapping.pairs.start[i];
    mqs_node *k, *v;
    if (convert(c, yaml_document_get_node(c->doc, pair->key), depth + 1, &k) < 0) return -1;
    if (k->kind != MQS_NODE_SCALAR)
      return mqs_diag_at(c->d, k, "a key must be a plain word, not %s", mqs_node_what(k));
    for (size_t j = 0; j < n->n; j++)
      if (n->keys[j]->len == k->len && memcmp(n->keys[j]->text, k->text, k->len) == 0)
        return mqs_diag_at(c->d, k, "duplicate key '%s' (first at line %d)", k->text,
                           n->keys[j]->line);
    if (convert(c, yaml_document_get_node(c->doc, pair->value), depth + 1, &v) < 0) return -1;
    n->keys[n->n] = k;
    n->items[n->n] = v;
    n->n++;
  }
  return 0;
}

static int convert(conv *c, yaml_node_t *y, int depth, mqs_node **out) {
  mqs_node *n = mqs_arena_alloc(c->a, sizeof *n);
  if (!n) return oom(c);
  n->line = (int)y->start_mark.line + 1;
  n->col = (int)y->start_mark.column + 1;
  *out = n;
  if (depth > MAX_DEPTH)
    return mqs_diag_at(c->d, n, "nested more than %d levels deep", MAX_DEPTH);
  if (++c->nodes > MAX_NODES)
    return mqs_diag_at(c->d, n, "more than %d values (aliases that repeat large parts of the file?)",
                       MAX_NODES);
  switch (y->type) {
  case YAML_SCALAR_NODE:
    n->kind = MQS_NODE_SCALAR;
    n->len = y->data.scalar.length;
    n->text = mqs_arena_strndup(c->a, (const char *)y->data.scalar.value, n->len);
    if (!n->text) return oom(c);
    n->quoted = y->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    /* "~" and "null" are YAML's empty values; treat them as "" like a bare key: */
    if (!n->quoted && (strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0)) {
      n->text = "";
      n->len = 0;
    }
    return 0;
  case YAML_SEQUENCE_NODE: {
    size_t count = (size_t)(y->data.sequence.items.top - y->data.sequence.items.start);
    n->kind = MQS_NODE_SEQ;
    n->items = mqs_arena_alloc(c->a, (count ? count : 1) * sizeof *n->items);
    if (!n->items) return oom(c);
    for (size_t i = 0; i < count; i++) {
      yaml_node_t *item = yaml_document_get_node(c->doc, y->data.sequence.items.start[i]);
      if (convert(c, item, depth + 1, &n->items[i]) < 0) return -1;
      n->n++;
    }
    return 0;
  }
  case YAML_MAPPING_NODE: return convert_map(c, y, depth, n);
  default: return mqs_diag_at(c->d, n, "unsupported YAML node");
  }
}

int mqs_node_parse(const char *file, const char *text, size_t len, mqs_arena *a,
                   mqs_node **root, mqs_diag *d) {
  memset(d, 0, sizeof *d);
  d->file = file;
  yaml_parser_t p;
  yaml_document_t doc;
  int rc = -1;
  if (!yaml_parser_initialize(&p)) return mqs_diag_at(d, NULL, "out of memory");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  if (!yaml_parser_load(&p, &doc)) {
    mark_diag(d, p.problem_mark);
    snprintf(d->msg, sizeof d->msg, "YAML syntax: %s%s%s", p.problem ? p.problem : "error",
             p.context ? " " : "", p.context ? p.context : "");
    yaml_parser_delete(&p);
    return -1;
  }
  yaml_node_t *top = yaml_document_get_root_node(&doc);
  if (!top) {
    mqs_diag_report(d, NULL, "the file is empty (expected a scenario: a mapping with id, version, "
                         "clients and steps)");
    goto out;
  }
  conv c = {&doc, a, d, file, 0};
  if (convert(&c, top, 0, root) < 0) goto out;
  /* One scenario per file: a second document is a mistake, not a bonus. */
  yaml_document_t next;
  if (!yaml_parser_load(&p, &next)) {
    mark_diag(d, p.problem_mark);
    snprintf(d->msg, sizeof d->msg, "YAML syntax: %s", p.problem ? p.problem : "error");
    goto out;
  }
  yaml_node_t *second = yaml_document_get_root_node(&next);
  if (second) {
    mark_diag(d, second->start_mark);
    snprintf(d->msg, sizeof d->msg, "a second YAML document (expected one scenario per file)");
    yaml_document_delete(&next);
    goto out;
  }
  yaml_document_delete(&next);
  rc = 0;
out:
  yaml_document_delete(&doc);
  yaml_parser_delete(&p);
  return rc;
}

/* Scenario files are small; anything this large is not one. */
#define MAX_FILE (4u << 20)

int mqs_node_load_file(const char *path, mqs_arena *a, mqs_node **root, mqs_diag *d) {
  memset(d, 0, sizeof *d);
  d->file = path;
  FILE *f = fopen(path, "rb");
  if (!f) return mqs_diag_at(d, NULL, "cannot open: %s", strerror(errno));
  char *buf = malloc(MAX_FILE + 1);
  if (!buf) {
    fclose(f);
    return mqs_diag_at(d, NULL, "out of memory");
  }
  size_t n = fread(buf, 1, MAX_FILE + 1, f);
  int err = ferror(f) ? errno : 0;
  fclose(f);
  int rc;
  if (err)
    rc = mqs_diag_at(d, NULL, "cannot read: %s", strerror(err));
  else if (n > MAX_FILE)
    rc = mqs_diag_at(d, NULL, "larger than %u bytes: not a scenario file", MAX_FILE);
  else
    rc = mqs_node_parse(path, buf, n, a, root, d);
  free(buf);
  return rc;
}

const mqs_node *mqs_node_get(const mqs_node *m, const char *key) {
  if (!m || m->kind != MQS_NODE_MAP) return NULL;
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->keys[i]->text, key) == 0) return m->items[i];
  return NULL;
}

const char *mqs_node_what(const mqs_node *n) {
  if (!n) return "nothing";
  switch (n->kind) {
  case MQS_NODE_MAP: return "a mapping";
  case MQS_NODE_SEQ: return "a list";
  default: return n->len == 0 && !n->quoted ? "an empty value" : "a scalar";
  }
}

bool mqs_node_is(const mqs_node *n, const char *text) {
  return n && n->kind == MQS_NODE_SCALAR && strcmp(n->text, text) == 0;
}

int mqs_diag_vat(mqs_diag *d, const mqs_node *at, const char *fmt, va_list ap) {
  d->line = at ? at->line : 0;
  d->col = at ? at->col : 0;
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  return -1;
}

void mqs_diag_report(mqs_diag *d, const mqs_node *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mqs_diag_vat(d, at, fmt, ap);
  va_end(ap);
}

void mqs_diag_format(const mqs_diag *d, char *buf, size_t cap) {
  const char *file = d->file ? d->file : "<input>";
  if (d->line > 0)
    snprintf(buf, cap, "%s:%d:%d: %s", file, d->line, d->col, d->msg);
  else
    snprintf(buf, cap, "%s: %s", file, d->msg);
}
