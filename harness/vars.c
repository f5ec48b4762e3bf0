/* harness/vars.c — variable store (linear: a scenario has a handful) and
 * ${name} expansion. */
#include "vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

const mqs_var *mqs_vars_get(const mqs_vars *vs, const char *name, size_t name_len) {
  if (!vs) return NULL;
  for (size_t i = 0; i < vs->n; i++)
    if (strlen(vs->v[i].name) == name_len && memcmp(vs->v[i].name, name, name_len) == 0)
      return &vs->v[i];
  return NULL;
}

int mqs_vars_set(mqs_vars *vs, const char *name, const void *val, size_t len) {
  char *copy = malloc(len + 1);
  if (!copy) return -1;
  if (len) memcpy(copy, val, len);
  copy[len] = '\0';
  mqs_var *v = (mqs_var *)mqs_vars_get(vs, name, strlen(name));
  if (!v) {
    if (vs->n == vs->cap) {
      size_t cap = vs->cap ? vs->cap * 2 : 8;
      mqs_var *nv = realloc(vs->v, cap * sizeof *nv);
      if (!nv) goto fail;
      vs->v = nv;
      vs->cap = cap;
    }
    v = &vs->v[vs->n];
    v->name = strdup(name);
    if (!v->name) goto fail;
    v->val = NULL;
    vs->n++;
  }
  free(v->val);
  v->val = copy;
  v->len = len;
  return 0;
fail:
  free(copy);
  return -1;
}

int mqs_vars_set_uint(mqs_vars *vs, const char *name, unsigned long v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%lu", v);
  return mqs_vars_set(vs, name, buf, (size_t)n);
}

void mqs_vars_free(mqs_vars *vs) {
  for (size_t i = 0; i < vs->n; i++) {
    free(vs->v[i].name);
    free(vs->v[i].val);
  }
  free(vs->v);
  memset(vs, 0, sizeof *vs);
}

bool mqs_template_has(const mqs_node *n) {
  if (!n || n->kind != MQS_NODE_SCALAR) return false;
  for (size_t i = 0; i + 1 < n->len; i++)
    if (n->text[i] == '$' && n->text[i + 1] == '{') return true;
  return false;
}

static bool known_name(const mqs_expander *x, const char *s, size_t n) {
  for (size_t i = 0; i < x->n_known; i++)
    if (strlen(x->known[i]) == n && memcmp(x->known[i], s, n) == 0) return true;
  return false;
}

int mqs_expand(const mqs_expander *x, const mqs_node *n, const char **out, size_t *len,
               mqs_diag *d) {
  if (!mqs_template_has(n)) {
    *out = n->text;
    *len = n->len;
    return 0;
  }
  /* Two passes: measure, then write. */
  char *buf = NULL;
  size_t total = 0;
  for (int pass = 0; pass < 2; pass++) {
    size_t o = 0;
    for (size_t i = 0; i < n->len;) {
      if (n->text[i] != '$' || i + 1 >= n->len || n->text[i + 1] != '{') {
        if (buf) buf[o] = n->text[i];
        o++, i++;
        continue;
      }
      const char *name = n->text + i + 2;
      const char *end = memchr(name, '}', n->len - (i + 2));
      if (!end) return mqs_diag_at(d, n, "'${' without a closing '}' in \"%s\"", n->text);
      size_t nl = (size_t)(end - name);
      if (nl == 0) return mqs_diag_at(d, n, "empty variable name '${}'");
      for (size_t k = 0; k < nl; k++)
        if (!name_char(name[k]))
          return mqs_diag_at(d, n, "variable name '%.*s' may hold only letters, digits and '_'",
                             (int)nl, name);
      const char *val = "1"; /* the placeholder when only checking */
      size_t vl = 1;
      if (x->vars) {
        const mqs_var *v = mqs_vars_get(x->vars, name, nl);
        if (!v) return mqs_diag_at(d, n, "variable '${%.*s}' has no value yet", (int)nl, name);
        val = v->val;
        vl = v->len;
      } else if (!known_name(x, name, nl)) {
        return mqs_diag_at(d, n,
                           "unknown variable '${%.*s}' (expected ${prefix}, a repeat counter, "
                           "or a name saved with save:)",
                           (int)nl, name);
      }
      if (buf) memcpy(buf + o, val, vl);
      o += vl;
      i += 2 + nl + 1;
    }
    if (pass == 0) {
      total = o;
      buf = mqs_arena_alloc(x->a, total + 1);
      if (!buf) return mqs_diag_at(d, n, "out of memory");
    }
  }
  buf[total] = '\0';
  *out = buf;
  *len = total;
  return 0;
}
