/* fuzz/fuzz_scenario.c — the scenario loader on arbitrary text: YAML
 * (libyaml) to the node tree, then the checks of load.c and load_expect.c,
 * the path of `mqspec validate` after the file is read; no network.
 *
 * fuzz-link: mqs_engine
 * fuzz-srcs: harness/arena.c harness/build.c harness/fields.c harness/hex.c harness/load.c harness/load_expect.c harness/match.c harness/node.c harness/scram.c harness/value.c harness/vars.c
 * fuzz-ldflags: -lyaml -lcrypto
 * fuzz-dict: fuzz/scenario.dict
 * (the loader's sources from mqs_engine, and libyaml)
 *
 * Input: the text of a scenario file. Besides what ASan and UBSan catch
 * (and leaks: everything is freed):
 *  - the same text loads to the same verdict twice: both accepted, with the
 *    same id, version, clients and step counts, or both refused with the
 *    same line, column and message;
 *  - a refusal names where: line and column from 1, inside the text, and a
 *    message, formatted as "FILE:LINE:COL: MSG"; only a text with no
 *    document in it (or out of memory) is refused as a whole;
 *  - an accepted scenario has an id, a version of 4 or 5, a title, and at
 *    least as many steps counted with repeat bodies as without. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scenario.h"

#define FILE_NAME "fuzz.yaml"

/* An upper bound on the line a position in text can have: any byte that
 * can be (part of) a line break starts a line in libyaml (LF, CR, NEL, LS,
 * PS, also as UTF-16 halves), and at the end of the stream libyaml breaks
 * the last line if it did not end with one (an error at the end of
 * "a: [b" is at line 2, column 1). */
static void bounds(const uint8_t *p, size_t n, size_t *lines) {
  *lines = 2;
  for (size_t i = 0; i < n; i++)
    if (p[i] == '\n' || p[i] == '\r' || p[i] == 0x85 || p[i] == 0xA8 || p[i] == 0xA9) ++*lines;
}

static void check_refused(const mqs_diag *d, const uint8_t *data, size_t size) {
  FUZZ_CHECK(d->msg[0] != '\0', "refused without a message");
  FUZZ_CHECK(d->file && strcmp(d->file, FILE_NAME) == 0, "diagnostic names file '%s'",
             d->file ? d->file : "(null)");
  char text[700];
  mqs_diag_format(d, text, sizeof text);
  if (d->line == 0) {
    /* Whole-file messages: nothing in the text to point at. */
    FUZZ_CHECK(d->col == 0, "line 0, column %d: %s", d->col, text);
    FUZZ_CHECK(strstr(d->msg, "the file is empty") || strstr(d->msg, "out of memory"),
               "a message without line:col: %s", text);
    return;
  }
  size_t lines;
  bounds(data, size, &lines);
  FUZZ_CHECK(d->line >= 1 && (size_t)d->line <= lines, "line %d of a text of %zu lines: %s",
             d->line, lines, text);
  FUZZ_CHECK(d->col >= 1 && (size_t)d->col <= size + 1, "column %d in a text of %zu bytes: %s",
             d->col, size, text);
  char head[64];
  int k = snprintf(head, sizeof head, "%s:%d:%d: ", FILE_NAME, d->line, d->col);
  FUZZ_CHECK(k > 0 && strncmp(text, head, (size_t)k) == 0, "formatted as '%s'", text);
}

static void check_accepted(const mqs_scenario *s) {
  FUZZ_CHECK(s->id && s->id[0], "accepted without an id");
  FUZZ_CHECK(s->title, "accepted without a title");
  FUZZ_CHECK(s->version == 4 || s->version == 5, "version %d", s->version);
  FUZZ_CHECK(s->n_steps_total >= s->n_steps, "%zu steps in all, %zu at the top",
             s->n_steps_total, s->n_steps);
  for (size_t i = 0; i < s->n_clients; i++)
    FUZZ_CHECK(s->clients[i].name && (s->clients[i].version == 4 || s->clients[i].version == 5),
               "client %zu", i);
}

static void same(const mqs_scenario *a, const mqs_scenario *b) {
  FUZZ_CHECK(strcmp(a->id, b->id) == 0 && a->version == b->version &&
                 a->n_clients == b->n_clients && a->n_steps == b->n_steps &&
                 a->n_steps_total == b->n_steps_total && a->n_vars == b->n_vars &&
                 a->needs == b->needs && a->level == b->level,
             "loaded twice, two different scenarios ('%s', '%s')", a->id, b->id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mqs_diag d1, d2;
  mqs_scenario *a = mqs_scenario_parse(FILE_NAME, (const char *)data, size, &d1);
  mqs_scenario *b = mqs_scenario_parse(FILE_NAME, (const char *)data, size, &d2);
  FUZZ_CHECK(!a == !b, "loaded twice: accepted once, refused once (%s)", a ? d2.msg : d1.msg);
  if (a) {
    check_accepted(a);
    same(a, b);
  } else {
    check_refused(&d1, data, size);
    FUZZ_CHECK(d1.line == d2.line && d1.col == d2.col && strcmp(d1.msg, d2.msg) == 0,
               "refused twice, differently: %d:%d %s / %d:%d %s", d1.line, d1.col, d1.msg,
               d2.line, d2.col, d2.msg);
  }
  mqs_scenario_free(a);
  mqs_scenario_free(b);
  return 0;
}
