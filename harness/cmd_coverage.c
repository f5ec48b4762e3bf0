/* harness/cmd_coverage.c — `mqspec coverage`: which statements of the
 * catalog (scenarios/catalog/) the scenarios check, by which scenarios, and
 * the share of testable statements covered per version and chapter; given
 * the JSON of a run (`mqspec run --json`), each statement's verdict on that
 * broker as well. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "catalog.h"
#include "cmd.h"
#include "json_read.h"
#include "node.h"
#include "scenario.h"

#ifndef MQS_SCENARIOS_DIR
#define MQS_SCENARIOS_DIR "scenarios"
#endif

static const char usage_text[] =
    "Usage: mqspec coverage [OPTIONS]\n"
    "\n"
    "Read the statement catalog and the scenarios, and print for every statement\n"
    "that a client-side harness can test against a broker which scenarios check it,\n"
    "then the share covered per version and per chapter of the specification.\n"
    "\n"
    "Options:\n"
    "  --scenarios DIR   the scenarios (default ./scenarios if it exists, else\n"
    "                    " MQS_SCENARIOS_DIR ")\n"
    "  --catalog DIR     the catalog: v311.catalog and v5.catalog (default DIR/catalog\n"
    "                    of the scenarios directory)\n"
    "  --version V       only 5 (5.0) or 3.1.1 (311)\n"
    "  --uncovered       list only the testable statements no scenario checks\n"
    "  --summary         only the percentages\n"
    "  --min PCT         exit 1 when a version covers less than PCT percent\n"
    "  --run RUN.json    also give each statement's verdict in that run (the JSON\n"
    "                    of 'mqspec run --json'): fail when a scenario checking it\n"
    "                    failed (fail* when listed in --expect-fail, fail~ at SHOULD\n"
    "                    or MAY), error, pass\n"
    "                    when all that ran passed, n/a, or 'not run'\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0, 1 (below --min), 2 (a wrong option, an unreadable catalog or\n"
    "scenario file).\n";

/* A statement's verdict in a run, from the scenarios that check it: the
 * worst of them, in this order (a failure outweighs everything). */
typedef enum { V_NOT_RUN, V_NA, V_PASS, V_ERROR, V_FAIL } run_verdict;

typedef struct {
  const char *id, *section, *text;
  bool testable;
  const char **by; /* scenario ids that name it */
  size_t n_by;
  run_verdict verdict;
  bool all_fails_expected; /* every failing scenario was a listed deviation */
  bool any_must_failed;    /* a failing scenario was at level MUST (not SHOULD / MAY) */
} stmt;

typedef struct {
  const char *label, *file;
  int version; /* 4 or 5, as mqs_scenario.version */
  stmt *s;
  size_t n;
} version_cat;

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "mqspec coverage: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'mqspec coverage --help'.\n");
  return MQS_EXIT_USAGE;
}

static const char *scalar(const mqs_node *m, const char *key) {
  const mqs_node *v = mqs_node_get(m, key);
  return v && v->kind == MQS_NODE_SCALAR ? v->text : NULL;
}

/* Read one catalog file into vc; its strings live in a. */
static int load_catalog(version_cat *vc, const char *path, mqs_arena *a) {
  mqs_node *root = NULL;
  mqs_diag d;
  if (mqs_node_load_file(path, a, &root, &d) != 0) {
    fprintf(stderr, "mqspec coverage: %s:%d:%d: %s\n", path, d.line, d.col, d.msg);
    return -1;
  }
  const mqs_node *list = mqs_node_get(root, "statements");
  if (!list || list->kind != MQS_NODE_SEQ) {
    fprintf(stderr, "mqspec coverage: %s: no list 'statements'\n", path);
    return -1;
  }
  vc->s = mqs_arena_alloc(a, (list->n ? list->n : 1) * sizeof *vc->s);
  if (!vc->s) return -1;
  for (size_t i = 0; i < list->n; i++) {
    const mqs_node *e = list->items[i];
    stmt *s = &vc->s[vc->n];
    s->id = scalar(e, "id");
    s->section = scalar(e, "section");
    s->text = scalar(e, "text");
    const char *t = scalar(e, "testable");
    if (!s->id || !s->section || !t) {
      fprintf(stderr, "mqspec coverage: %s:%d: an entry without id, section or testable\n", path,
              e->line);
      return -1;
    }
    s->testable = strcmp(t, "true") == 0;
    vc->n++;
  }
  return 0;
}

static int add_by(stmt *s, const char *scenario_id) {
  for (size_t i = 0; i < s->n_by; i++)
    if (strcmp(s->by[i], scenario_id) == 0) return 0;
  const char **p = realloc((void *)s->by, (s->n_by + 1) * sizeof *p);
  if (!p) return -1;
  p[s->n_by++] = scenario_id;
  s->by = p;
  return 0;
}

static double pct(size_t part, size_t whole) {
  return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

/* The chapter of a section: "3.3.1" -> 3. */
static int chapter(const char *section) { return atoi(section); }

static const char *verdict_word(const stmt *s) {
  switch (s->verdict) {
  case V_FAIL: return s->all_fails_expected ? "fail*" : s->any_must_failed ? "FAIL" : "fail~";
  case V_ERROR: return "error";
  case V_PASS: return "pass";
  case V_NA: return "n/a";
  default: return "not run";
  }
}

/* The verdict counts of the testable statements, for the summary line. */
static void print_run_summary(const version_cat *vc, const char *broker) {
  size_t n[5] = {0}, expected = 0, optional = 0, uncovered = 0;
  for (size_t i = 0; i < vc->n; i++) {
    const stmt *s = &vc->s[i];
    if (!s->testable) continue;
    if (!s->n_by) {
      uncovered++;
      continue;
    }
    n[s->verdict]++;
    expected += s->verdict == V_FAIL && s->all_fails_expected;
    optional += s->verdict == V_FAIL && !s->all_fails_expected && !s->any_must_failed;
  }
  printf("  on %s: %zu pass, %zu fail (%zu known deviations, %zu at SHOULD/MAY), %zu error, "
         "%zu n/a, %zu not run, %zu without a scenario\n",
         broker, n[V_PASS], n[V_FAIL], expected, optional, n[V_ERROR], n[V_NA], n[V_NOT_RUN],
         uncovered);
}

static void print_version(const version_cat *vc, bool uncovered_only, bool summary,
                          const char *broker, double *out_pct) {
  size_t n_testable = 0, n_covered = 0;
  for (size_t i = 0; i < vc->n; i++)
    if (vc->s[i].testable) {
      n_testable++;
      n_covered += vc->s[i].n_by > 0;
    }
  printf("MQTT %s (%s): %zu statements, %zu testable against a broker\n", vc->label, vc->file,
         vc->n, n_testable);
  if (!summary) {
    for (size_t i = 0; i < vc->n; i++) {
      const stmt *s = &vc->s[i];
      if (!s->testable || (uncovered_only && s->n_by)) continue;
      if (broker)
        printf("  %-16s %-9s", s->id, s->n_by ? verdict_word(s) : "-");
      else
        printf("  %-16s %s", s->id, s->n_by ? "covered  " : "-        ");
      if (s->n_by) {
        for (size_t k = 0; k < s->n_by; k++)
          printf("%s%s", k ? ", " : "", s->by[k]);
      } else if (s->text) {
        printf("%s", s->text);
      }
      printf("\n");
    }
    printf("\n");
  }
  int last = -1;
  for (size_t i = 0; i < vc->n; i++) {
    int ch = chapter(vc->s[i].section);
    if (ch == last) continue;
    last = ch;
    size_t t = 0, c = 0;
    for (size_t k = 0; k < vc->n; k++)
      if (chapter(vc->s[k].section) == ch && vc->s[k].testable) {
        t++;
        c += vc->s[k].n_by > 0;
      }
    if (t == 0)
      printf("  chapter %-3d %4s   no testable statements\n", ch, "");
    else
      printf("  chapter %-3d %3zu/%-3zu %5.1f%%\n", ch, c, t, pct(c, t));
  }
  printf("  %-11s %3zu/%-3zu %5.1f%%\n", "total", n_covered, n_testable,
         pct(n_covered, n_testable));
  if (broker) print_run_summary(vc, broker);
  /* Statements scenarios name although the catalog says a broker cannot show them. */
  bool first = true;
  for (size_t i = 0; i < vc->n; i++)
    if (!vc->s[i].testable && vc->s[i].n_by) {
      printf("%s %s", first ? "  also named by scenarios, not testable:" : ",", vc->s[i].id);
      first = false;
    }
  if (!first) printf("\n");
  printf("\n");
  *out_pct = pct(n_covered, n_testable);
}

static stmt *find_stmt(version_cat *vc, const char *id) {
  for (size_t j = 0; j < vc->n; j++)
    if (strcmp(vc->s[j].id, id) == 0) return &vc->s[j];
  return NULL;
}

static run_verdict parse_verdict(const char *v) {
  if (!v) return V_ERROR;
  if (strcmp(v, "pass") == 0) return V_PASS;
  if (strcmp(v, "fail") == 0) return V_FAIL;
  if (strcmp(v, "n/a") == 0) return V_NA;
  return V_ERROR;
}

/* Fold the verdicts of a run's scenarios into the statements they check. A
 * statement counts only scenarios of its own version (3.1.1 and 5.0 share
 * many ids). Returns the broker's name for the report, or NULL on error. */
static const char *apply_run(version_cat vcs[2], const char *path, mqs_json **keep) {
  char err[512];
  mqs_json *run = mqs_json_parse_file(path, err, sizeof err);
  if (!run) {
    fprintf(stderr, "mqspec coverage: %s\n", err);
    return NULL;
  }
  *keep = run;
  const mqs_json *list = mqs_json_get(run, "scenarios");
  if (!list || list->type != MQS_JSON_ARRAY) {
    fprintf(stderr, "mqspec coverage: %s: not the JSON of 'mqspec run --json'\n", path);
    return NULL;
  }
  for (size_t i = 0; i < vcs[0].n + vcs[1].n; i++) {
    stmt *s = i < vcs[0].n ? &vcs[0].s[i] : &vcs[1].s[i - vcs[0].n];
    s->verdict = V_NOT_RUN;
    s->all_fails_expected = true;
    s->any_must_failed = false;
  }
  for (size_t i = 0; i < list->n; i++) {
    const mqs_json *sc = &list->items[i];
    version_cat *vc = mqs_json_number(mqs_json_get(sc, "version"), 0) == 5 ? &vcs[1] : &vcs[0];
    run_verdict v = parse_verdict(mqs_json_string(mqs_json_get(sc, "verdict")));
    const mqs_json *expected = mqs_json_get(sc, "expected_fail");
    bool listed = expected && expected->type == MQS_JSON_BOOL && expected->b;
    const char *level = mqs_json_string(mqs_json_get(sc, "level"));
    bool must = !level || strcmp(level, "MUST") == 0;
    const mqs_json *ids = mqs_json_get(sc, "statements");
    for (size_t k = 0; ids && ids->type == MQS_JSON_ARRAY && k < ids->n; k++) {
      stmt *s = find_stmt(vc, mqs_json_string(&ids->items[k]) ? ids->items[k].str : "");
      if (!s) continue;
      if (v == V_FAIL && !listed) s->all_fails_expected = false;
      if (v == V_FAIL && must && !listed) s->any_must_failed = true;
      if (v > s->verdict) s->verdict = v;
    }
  }
  const char *name = mqs_json_string(mqs_json_get(run, "broker_name"));
  const char *addr = mqs_json_string(mqs_json_get(run, "broker"));
  return name && *name ? name : addr && *addr ? addr : path;
}

int mqs_cmd_coverage(int argc, char **argv) {
  const char *dir = NULL, *catdir = NULL, *min_arg = NULL, *run_path = NULL;
  int only = 0;
  bool uncovered = false, summary = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage_text, stdout);
      return MQS_EXIT_OK;
    } else if (strcmp(a, "--uncovered") == 0) {
      uncovered = true;
    } else if (strcmp(a, "--summary") == 0) {
      summary = true;
    } else if (strcmp(a, "--scenarios") == 0 || strcmp(a, "--catalog") == 0 ||
               strcmp(a, "--version") == 0 || strcmp(a, "--min") == 0 ||
               strcmp(a, "--run") == 0) {
      if (i + 1 >= argc) return usage_error("%s needs a value", a);
      const char *v = argv[++i];
      if (a[2] == 'r')
        run_path = v;
      else if (a[2] == 's')
        dir = v;
      else if (a[2] == 'c')
        catdir = v;
      else if (a[2] == 'm')
        min_arg = v;
      else if (strcmp(v, "5") == 0 || strcmp(v, "5.0") == 0)
        only = 5;
      else if (strcmp(v, "3.1.1") == 0 || strcmp(v, "311") == 0 || strcmp(v, "4") == 0)
        only = 4;
      else
        return usage_error("--version takes 5 or 3.1.1, not '%s'", v);
    } else {
      return usage_error("unknown argument '%s'", a);
    }
  }
  double min = 0;
  if (min_arg) {
    char *end;
    min = strtod(min_arg, &end);
    if (*min_arg == '\0' || *end != '\0' || min < 0 || min > 100)
      return usage_error("--min takes a percentage from 0 to 100, not '%s'", min_arg);
  }
  if (!dir) {
    struct stat st;
    dir = stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode) ? "scenarios" : MQS_SCENARIOS_DIR;
  }
  char catbuf[4096];
  if (!catdir) {
    int len = snprintf(catbuf, sizeof catbuf, "%s/catalog", dir);
    if (len < 0 || (size_t)len >= sizeof catbuf)
      return usage_error("the scenarios path '%s' is too long", dir);
    catdir = catbuf;
  }

  version_cat vcs[2] = {{"3.1.1", NULL, 4, NULL, 0}, {"5.0", NULL, 5, NULL, 0}};
  const char *names[2] = {"v311.catalog", "v5.catalog"};
  char paths[2][4096];
  mqs_arena arena = {0};
  mqs_catalog cat = {0};
  mqs_json *run = NULL;
  const char *broker = NULL;
  int rc = MQS_EXIT_OK;
  for (int v = 0; v < 2; v++) {
    int len = snprintf(paths[v], sizeof paths[v], "%s/%s", catdir, names[v]);
    if (len < 0 || (size_t)len >= sizeof paths[v]) {
      rc = usage_error("the catalog path '%s' is too long", catdir);
      goto out;
    }
    vcs[v].file = paths[v];
    if (load_catalog(&vcs[v], paths[v], &arena) != 0) {
      rc = MQS_EXIT_USAGE;
      goto out;
    }
  }
  if (mqs_catalog_add(&cat, dir, stderr) != 0) {
    fprintf(stderr, "mqspec coverage: broken scenario files (above)\n");
    rc = MQS_EXIT_USAGE;
    goto out;
  }
  for (size_t i = 0; i < cat.n; i++) {
    const mqs_scenario *sc = cat.s[i];
    version_cat *vc = sc->version == 5 ? &vcs[1] : &vcs[0];
    for (size_t k = 0; k < sc->n_statements; k++) {
      bool found = false;
      for (size_t j = 0; j < vc->n && !found; j++)
        if (strcmp(vc->s[j].id, sc->statements[k]) == 0) {
          found = true;
          if (add_by(&vc->s[j], sc->id) != 0) {
            rc = MQS_EXIT_USAGE;
            goto out;
          }
        }
      if (!found)
        fprintf(stderr, "mqspec coverage: %s: %s is not in the MQTT %s catalog\n", sc->file,
                sc->statements[k], vc->label);
    }
  }
  if (run_path && !(broker = apply_run(vcs, run_path, &run))) {
    rc = MQS_EXIT_USAGE;
    goto out;
  }
  printf("%zu scenarios under %s; catalog %s\n", cat.n, dir, catdir);
  if (broker)
    printf("verdicts: the run in %s, against %s\n"
           "(FAIL: a MUST scenario failed; fail*: only listed deviations failed; fail~: only\n"
           "SHOULD/MAY scenarios failed; -: no scenario checks it)\n",
           run_path, broker);
  printf("\n");
  for (int v = 0; v < 2; v++) {
    if (only && vcs[v].version != only) continue;
    double p;
    print_version(&vcs[v], uncovered, summary, broker, &p);
    if (min_arg && p < min) {
      printf("MQTT %s: %.1f%% covered, below --min %.1f%%\n", vcs[v].label, p, min);
      rc = MQS_EXIT_FAIL;
    }
  }
out:
  for (int v = 0; v < 2; v++)
    for (size_t j = 0; j < vcs[v].n; j++)
      free((void *)vcs[v].s[j].by);
  mqs_catalog_free(&cat);
  mqs_arena_free(&arena);
  mqs_json_free(run);
  return rc;
}
