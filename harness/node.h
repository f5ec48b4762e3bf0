/* harness/node.h — a YAML file as a small tree that remembers where each
 * node was written, and the diagnostics that point there.
 *
 * Read with libyaml, then copied into an arena: the loader and the engine
 * walk this tree, and every message about a scenario file names the file,
 * line and column of the node it is about. */
#ifndef MQS_NODE_H
#define MQS_NODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

typedef enum { MQS_NODE_SCALAR, MQS_NODE_MAP, MQS_NODE_SEQ } mqs_node_kind;

typedef struct mqs_node mqs_node;
struct mqs_node {
  mqs_node_kind kind;
  int line, col;    /* where the node starts, from 1 */
  bool quoted;      /* a scalar written in quotes (or as a block) */
  const char *text; /* scalar: NUL-terminated ("" for an empty value) */
  size_t len;       /* scalar: bytes (a "\0" escape may put NULs inside) */
  size_t n;         /* map: pairs; seq: items */
  mqs_node **keys;  /* map: the keys, all scalars, no two alike */
  mqs_node **items; /* map: the values; seq: the items */
};

/* What was wrong in a user's file and where: "FILE:LINE:COL: MSG". */
typedef struct {
  const char *file;
  int line, col; /* from 1; 0 when the message is about the whole file */
  char msg[480];
} mqs_diag;

/* Parse YAML text into a tree in a. One document, no more; its root may
 * be any node. Returns 0, or -1 with *d set (syntax errors, a duplicate
 * key, a key that is not a scalar, nesting deeper than 64, an empty file). */
int mqs_node_parse(const char *file, const char *text, size_t len, mqs_arena *a,
                   mqs_node **root, mqs_diag *d);
/* Read and parse a file; an unreadable file is a diagnostic too. */
int mqs_node_load_file(const char *path, mqs_arena *a, mqs_node **root, mqs_diag *d);

/* The value of key in a map, or NULL (also when m is not a map). */
const mqs_node *mqs_node_get(const mqs_node *m, const char *key);
/* "a mapping", "a list", "a scalar" (or "an empty value"), for messages. */
const char *mqs_node_what(const mqs_node *n);
bool mqs_node_is(const mqs_node *n, const char *text); /* a scalar equal to text */

/* Set *d to a message about node at (NULL: the whole file). */
__attribute__((format(printf, 3, 4))) void mqs_diag_report(mqs_diag *d, const mqs_node *at,
                                                           const char *fmt, ...);
/* The same, as an expression worth -1, so a loader can write
 * `return mqs_diag_at(d, n, "...")`; a macro so that the compiler sees the
 * -1 and knows the caller's outputs are not used after it (gcc -O3 would
 * otherwise warn that they may be uninitialised). */
#define mqs_diag_at(d, at, ...) (mqs_diag_report((d), (at), __VA_ARGS__), -1)
int mqs_diag_vat(mqs_diag *d, const mqs_node *at, const char *fmt, va_list ap);
/* "FILE:LINE:COL: MSG" (or "FILE: MSG") into buf. */
void mqs_diag_format(const mqs_diag *d, char *buf, size_t cap);

#endif
