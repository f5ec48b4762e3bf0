/* harness/vars.h — scenario variables and ${name} templates.
 *
 * A scalar in a scenario may hold ${name}: the run's unique ${prefix}, a
 * repeat counter, or a value saved from a packet that arrived earlier
 * (`save: {alias: properties.topic_alias}`). Values are bytes (a saved
 * payload may hold anything); numbers are kept as decimal text. */
#ifndef MQS_VARS_H
#define MQS_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "node.h"

typedef struct {
  char *name;
  char *val; /* NUL-terminated, len bytes */
  size_t len;
} mqs_var;

typedef struct {
  mqs_var *v;
  size_t n, cap;
} mqs_vars;

/* Set (or replace) a variable. Returns 0 or -1 when out of memory. */
int mqs_vars_set(mqs_vars *vs, const char *name, const void *val, size_t len);
int mqs_vars_set_uint(mqs_vars *vs, const char *name, unsigned long v);
const mqs_var *mqs_vars_get(const mqs_vars *vs, const char *name, size_t name_len);
void mqs_vars_free(mqs_vars *vs);

/* Whether a scalar holds a ${...} template. */
bool mqs_template_has(const mqs_node *n);

/* Expansion context. With vars NULL (checking a file without running it),
 * every ${name} must be in known[] (names a scenario may define) and
 * expands to the placeholder "1". */
typedef struct {
  const mqs_vars *vars;
  const char *const *known;
  size_t n_known;
  mqs_arena *a; /* where expanded text goes */
} mqs_expander;

/* Expand scalar n into *out (NUL-terminated, *len bytes; the node's own
 * text when there is nothing to expand). Returns 0, or -1 with *d naming
 * the node: "${" without "}", an empty or ill-formed name, an unknown
 * variable, out of memory. */
int mqs_expand(const mqs_expander *x, const mqs_node *n, const char **out, size_t *len,
               mqs_diag *d);

#endif
