/* harness/catalog.h — finding scenario files, loading them, selecting
 * which to run, and the list of known deviations (--expect-fail). */
#ifndef MQS_CATALOG_H
#define MQS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

typedef struct {
  mqs_scenario **s;
  size_t n, cap;
} mqs_catalog;

/* Load every *.yaml / *.yml under path (a directory, searched
 * recursively, or one file), in path order. Each broken file is printed
 * to err as "FILE:LINE:COL: message"; returns the number of broken files
 * (0: all loaded), or -1 when path itself cannot be read (also printed). */
int mqs_catalog_add(mqs_catalog *c, const char *path, FILE *err);
/* Two scenarios with one id: printed to err; returns how many. */
int mqs_catalog_check_ids(const mqs_catalog *c, FILE *err);
void mqs_catalog_free(mqs_catalog *c);

/* Which scenarios to run: within a kind any may match, every kind given must. */
typedef struct {
  const char **ids; /* globs on the id */
  size_t n_ids;
  const char **tags;
  size_t n_tags;
  const char **specs; /* globs on statement ids: MQTT-3.3.1-*, or exact */
  size_t n_specs;
  int version; /* 0: both; 4 or 5 */
} mqs_selection;

bool mqs_selected(const mqs_scenario *s, const mqs_selection *sel);

/* --expect-fail: "ID-or-statement-or-glob  reason", '#' comments. */
typedef struct {
  char *pattern;
  char *reason;
  int line;
  bool used;
} mqs_expect_entry;

typedef struct {
  mqs_expect_entry *e;
  size_t n;
  char *file;
} mqs_expect_list;

/* Read a list. Returns 0, or -1 with a message "FILE:LINE: ..." on err. */
int mqs_expect_list_load(mqs_expect_list *l, const char *path, FILE *err);
/* The entry that covers s (by id, then by any of its statements), or NULL. */
mqs_expect_entry *mqs_expect_list_find(mqs_expect_list *l, const mqs_scenario *s);
void mqs_expect_list_free(mqs_expect_list *l);

#endif
