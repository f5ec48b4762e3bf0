/* harness/report_console.c — one line per scenario as it finishes, the
 * failure's detail under it, and the summary last (what a person reads
 * first when a CI job fails is its end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define GREY "\033[90m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *paint(bool colour, const char *c) { return colour ? c : ""; }

static void duration(char *buf, size_t cap, uint64_t us) {
  if (us < 10000) snprintf(buf, cap, "%.1f ms", (double)us / 1000.0);
  else if (us < 10000000) snprintf(buf, cap, "%llu ms", (unsigned long long)(us / 1000));
  else snprintf(buf, cap, "%.1f s", (double)us / 1e6);
}

/* The label and colour of a result. */
static const char *label(const mqs_scenario_result *r, const char **colour) {
  switch (r->verdict) {
  case MQS_VERDICT_PASS:
    *colour = GREEN;
    return r->expected_fail ? "PASS*" : "PASS";
  case MQS_VERDICT_NA: *colour = GREY; return "N/A";
  case MQS_VERDICT_ERROR: *colour = r->expected_fail ? YELLOW : RED; return r->expected_fail ? "XERROR" : "ERROR";
  case MQS_VERDICT_FAIL:
    if (r->expected_fail) {
      *colour = YELLOW;
      return "XFAIL";
    }
    *colour = r->level == MQS_LEVEL_MUST ? RED : YELLOW;
    return "FAIL";
  }
  *colour = "";
  return "?";
}

static void indented(FILE *f, const char *text, const char *lead) {
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    fprintf(f, "%s%.*s\n", lead, (int)n, p);
    p += n + (nl ? 1 : 0);
  }
}

void mqs_report_console_line(FILE *f, const mqs_scenario_result *r, bool colour) {
  const char *c;
  const char *what = label(r, &c);
  char took[32];
  duration(took, sizeof took, r->duration_us);
  fprintf(f, "%s%-6s%s %s", paint(colour, c), what, paint(colour, RESET), r->id);
  if (r->level != MQS_LEVEL_MUST) fprintf(f, " [%s]", mqs_level_name(r->level));
  fprintf(f, " %s(%s)%s\n", paint(colour, GREY), took, paint(colour, RESET));
  if (r->verdict == MQS_VERDICT_NA && r->na_reason) indented(f, r->na_reason, "       ");
  if ((r->verdict == MQS_VERDICT_FAIL || r->verdict == MQS_VERDICT_ERROR) && r->message) {
    if (r->n_statements) {
      fprintf(f, "       checks:");
      for (size_t i = 0; i < r->n_statements; i++) fprintf(f, " %s", r->statements[i]);
      fprintf(f, " (%s)\n", mqs_level_name(r->level));
    }
    indented(f, r->message, "       ");
  }
  if (r->expected_fail && r->expect_reason)
    fprintf(f, "       %sexpected to fail: %s%s\n", paint(colour, GREY), r->expect_reason,
            paint(colour, RESET));
  if (r->verdict == MQS_VERDICT_PASS && r->expected_fail)
    fprintf(f, "       listed in --expect-fail but passed: the entry may be stale\n");
  fflush(f);
}

/* Whether statement st is in list[0..n). */
static bool listed(const char *const *list, size_t n, const char *st) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], st) == 0) return true;
  return false;
}

/* Per statement: how many were checked, and which broke (with the scenarios). */
static void statements(FILE *f, const mqs_run_result *run, bool colour) {
  size_t cap = 0;
  for (size_t i = 0; i < run->n; i++) cap += run->results[i].n_statements;
  const char **seen = calloc(cap ? cap : 1, sizeof *seen);
  const char **broken = calloc(cap ? cap : 1, sizeof *broken);
  if (!seen || !broken) goto out;
  size_t n_seen = 0, n_broken = 0;
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    /* A MUST that failed breaks its statements; a SHOULD or MAY scenario only
     * reports advice not taken, which is in the list above. */
    bool bad = !r->expected_fail && r->verdict == MQS_VERDICT_FAIL && r->level == MQS_LEVEL_MUST;
    for (size_t k = 0; k < r->n_statements; k++) {
      if (!listed(seen, n_seen, r->statements[k])) seen[n_seen++] = r->statements[k];
      if (bad && !listed(broken, n_broken, r->statements[k])) broken[n_broken++] = r->statements[k];
    }
  }
  fprintf(f, "%zu normative statements checked, %zu broken (MUST)", n_seen, n_broken);
  for (size_t b = 0; b < n_broken; b++) {
    fprintf(f, "%s%s%s%s", b ? "" : ":", "\n  ", paint(colour, RED), broken[b]);
    fprintf(f, "%s by", paint(colour, RESET));
    for (size_t i = 0; i < run->n; i++) {
      const mqs_scenario_result *r = &run->results[i];
      if (r->expected_fail || r->verdict != MQS_VERDICT_FAIL || r->level != MQS_LEVEL_MUST) continue;
      if (listed(r->statements, r->n_statements, broken[b])) fprintf(f, " %s", r->id);
    }
  }
  fprintf(f, "\n");
out:
  free(seen);
  free(broken);
}

void mqs_report_console_summary(FILE *f, const mqs_run_result *run, bool colour) {
  size_t pass = 0, fail = 0, na = 0, err = 0, xfail = 0, soft = 0;
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    if (r->expected_fail && (r->verdict == MQS_VERDICT_FAIL || r->verdict == MQS_VERDICT_ERROR))
      xfail++;
    else if (r->verdict == MQS_VERDICT_PASS) pass++;
    else if (r->verdict == MQS_VERDICT_NA) na++;
    else if (r->verdict == MQS_VERDICT_ERROR) err++;
    else if (r->level == MQS_LEVEL_MUST) fail++;
    else soft++;
  }
  char took[32];
  duration(took, sizeof took, run->duration_us);
  fprintf(f, "\n%s%zu scenarios against %s in %s:%s %zu pass, %zu fail", paint(colour, BOLD),
          run->n, run->broker ? run->broker : "?", took, paint(colour, RESET), pass, fail);
  if (soft) fprintf(f, ", %zu SHOULD/MAY fail", soft);
  fprintf(f, ", %zu n/a, %zu error, %zu expected fail\n", na, err, xfail);
  bool header = false;
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    if (r->expected_fail || (r->verdict != MQS_VERDICT_FAIL && r->verdict != MQS_VERDICT_ERROR))
      continue;
    if (!header) fprintf(f, "Not passed:\n");
    header = true;
    const char *c;
    const char *what = label(r, &c);
    fprintf(f, "  %s%-6s%s %s", paint(colour, c), what, paint(colour, RESET), r->id);
    for (size_t k = 0; k < r->n_statements; k++) fprintf(f, " %s", r->statements[k]);
    if (r->level != MQS_LEVEL_MUST) fprintf(f, " [%s]", mqs_level_name(r->level));
    if (r->failed_line) fprintf(f, "  at %s", r->failed_line);
    fprintf(f, "\n");
  }
  statements(f, run, colour);
  fflush(f);
}
