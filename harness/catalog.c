/* harness/catalog.c — scenario files on disk, selection, --expect-fail. */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool yaml_name(const char *name) {
  size_t n = strlen(name);
  return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
         (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int push(mqs_catalog *c, mqs_scenario *s) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    mqs_scenario **p = realloc(c->s, cap * sizeof *p);
    if (!p) return -1;
    c->s = p;
    c->cap = cap;
  }
  c->s[c->n++] = s;
  return 0;
}

static int load_file(mqs_catalog *c, const char *path, FILE *err) {
  mqs_diag d;
  mqs_scenario *s = mqs_scenario_load(path, &d);
  if (!s) {
    char msg[700];
    mqs_diag_format(&d, msg, sizeof msg);
    fprintf(err, "%s\n", msg);
    return 1;
  }
  if (push(c, s) < 0) {
    mqs_scenario_free(s);
    fprintf(err, "%s: out of memory\n", path);
    return 1;
  }
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(mqs_catalog *c, const char *dir, FILE *err, int depth) {
  if (depth > 16) return 0;
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(err, "%s: cannot read the directory: %s\n", dir, strerror(errno));
    return 1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int bad = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) break;
      names = p;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (!names[n]) break;
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  /* Sorted, so that runs and lists come out in the same order everywhere. */
  if (n > 1) qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode)) bad += walk(c, names[i], err, depth + 1);
    else if (yaml_name(names[i])) bad += load_file(c, names[i], err);
    free(names[i]);
  }
  free(names);
  return bad;
}

int mqs_catalog_add(mqs_catalog *c, const char *path, FILE *err) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(err, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) return walk(c, path, err, 0);
  return load_file(c, path, err);
}

int mqs_catalog_check_ids(const mqs_catalog *c, FILE *err) {
  int dups = 0;
  for (size_t i = 0; i < c->n; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->s[i]->id, c->s[j]->id) == 0) {
        fprintf(err, "%s: id '%s' is already the id of %s (ids must be unique)\n", c->s[i]->file,
                c->s[i]->id, c->s[j]->file);
        dups++;
        break;
      }
  return dups;
}

void mqs_catalog_free(mqs_catalog *c) {
  for (size_t i = 0; i < c->n; i++) mqs_scenario_free(c->s[i]);
  free(c->s);
  memset(c, 0, sizeof *c);
}

static bool any_glob(const char *const *pats, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (fnmatch(pats[i], s, 0) == 0) return true;
  return false;
}

bool mqs_selected(const mqs_scenario *s, const mqs_selection *sel) {
  if (sel->version && s->version != sel->version) return false;
  if (sel->n_ids && !any_glob(sel->ids, sel->n_ids, s->id)) return false;
  if (sel->n_tags) {
    bool hit = false;
    for (size_t i = 0; i < s->n_tags && !hit; i++)
      for (size_t k = 0; k < sel->n_tags && !hit; k++) hit = strcmp(s->tags[i], sel->tags[k]) == 0;
    if (!hit) return false;
  }
  if (sel->n_specs) {
    bool hit = false;
    for (size_t i = 0; i < s->n_statements && !hit; i++)
      hit = any_glob(sel->specs, sel->n_specs, s->statements[i]);
    if (!hit) return false;
  }
  return true;
}

int mqs_expect_list_load(mqs_expect_list *l, const char *path, FILE *err) {
  memset(l, 0, sizeof *l);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
    return -1;
  }
  l->file = strdup(path);
  char buf[2048];
  int line = 0, rc = 0;
  size_t cap = 0;
  while (fgets(buf, sizeof buf, f)) {
    line++;
    size_t len = strlen(buf);
    if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
      fprintf(err, "%s:%d: line longer than %zu characters\n", path, line, sizeof buf - 2);
      rc = -1;
      break;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                   buf[len - 1] == '\t'))
      buf[--len] = '\0';
    char *p = buf;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#') continue;
    char *end = p;
    while (*end && *end != ' ' && *end != '\t') end++;
    char *reason = end;
    while (*reason == ' ' || *reason == '\t') reason++;
    if (!*reason) {
      fprintf(err,
              "%s:%d: expected a scenario id or statement id, then the reason it is expected "
              "to fail (got only '%s')\n",
              path, line, p);
      rc = -1;
      break;
    }
    *end = '\0';
    if (l->n == cap) {
      cap = cap ? cap * 2 : 16;
      mqs_expect_entry *e = realloc(l->e, cap * sizeof *e);
      if (!e) {
        rc = -1;
        break;
      }
      l->e = e;
    }
    l->e[l->n] = (mqs_expect_entry){strdup(p), strdup(reason), line, false};
    l->n++;
  }
  fclose(f);
  if (rc < 0) mqs_expect_list_free(l);
  return rc;
}

mqs_expect_entry *mqs_expect_list_find(mqs_expect_list *l, const mqs_scenario *s) {
  for (size_t i = 0; i < l->n; i++)
    if (fnmatch(l->e[i].pattern, s->id, 0) == 0) return &l->e[i];
  for (size_t i = 0; i < l->n; i++)
    for (size_t k = 0; k < s->n_statements; k++)
      if (strcmp(l->e[i].pattern, s->statements[k]) == 0) return &l->e[i];
  return NULL;
}

void mqs_expect_list_free(mqs_expect_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->e[i].pattern);
    free(l->e[i].reason);
  }
  free(l->e);
  free(l->file);
  memset(l, 0, sizeof *l);
}
