/* tests/harness/test_report_html.c — the HTML report of the synthetic run
 * (every verdict, a failure with hostile text, split packets): the page is
 * written, has the summary, the matrix and each scenario, shows the failing
 * scenario's message and transcript, and escapes everything. Also two runs
 * side by side, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_read.h"
#include "mqs/err.h"
#include "report.h"
#include "report_fixture.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *s = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&s, &n);
  assert_non_null(m);
  char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, k, m);
  fclose(f);
  assert_int_equal(fclose(m), 0);
  return s;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  return n;
}

static char *tmpdir(void) {
  char tmpl[] = "/tmp/mqs-html-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static void test_single_run(void **state) {
  (void)state;
  fx_run fx;
  fx_build(&fx);
  char *dir = tmpdir();
  char sub[256];
  snprintf(sub, sizeof sub, "%s/new/html", dir); /* created if missing */
  assert_int_equal(mqs_report_html_run(&fx.run, sub), 0);
  char path[300];
  snprintf(path, sizeof path, "%s/index.html", sub);
  char *page = slurp(path);
  assert_non_null(strstr(page, "<!DOCTYPE html>"));
  assert_non_null(strstr(page, "</html>"));
  /* nothing loads from elsewhere, nothing runs */
  assert_null(strstr(page, "<script"));
  assert_null(strstr(page, "http://"));
  assert_null(strstr(page, "https://"));
  assert_null(strstr(page, "<link"));
  /* summary, matrix, every scenario with an anchor */
  assert_non_null(strstr(page, "id=\"summary\""));
  assert_non_null(strstr(page, "id=\"matrix\""));
  for (size_t i = 0; i < fx.run.n; i++) {
    char anchor[300];
    snprintf(anchor, sizeof anchor, "<section class=\"scenario\" id=\"s-%s\">", fx.run.results[i].id);
    assert_int_equal(count(page, anchor), 1);
    snprintf(anchor, sizeof anchor, "href=\"#s-%s\"", fx.run.results[i].id);
    if (fx.run.results[i].n_statements) assert_true(count(page, anchor) >= 1);
  }
  /* the failing scenario: its message escaped, open, with its transcript */
  assert_non_null(strstr(page, "expected PUBACK &lt;id=7&gt; &amp; &quot;ok&quot;, got"));
  assert_null(strstr(page, "<id=7>"));
  assert_null(strstr(page, "\x1b"));
  assert_null(strstr(page, "\x01"));
  assert_null(strstr(page, "\xff\xfe"));
  assert_non_null(strstr(page, "A 70 KB PUBLISH &lt;arrives&gt; &amp; is &quot;forwarded&quot;"));
  assert_non_null(strstr(page, "<details class=\"run\" open>"));
  assert_non_null(strstr(page, "scenarios/v5/3.3-publish/big.yaml:17"));
  assert_non_null(strstr(page, "\xE2\x86\x92 sent"));
  assert_non_null(strstr(page, "\xE2\x86\x90 received"));
  assert_non_null(strstr(page, "CONNACK"));
  assert_non_null(strstr(page, "PUBLISH"));
  assert_non_null(strstr(page, "<td class=\"hex\">"));
  /* the codec's rejections are shown as such */
  assert_non_null(strstr(page, "rejected ("));
  /* verdict cells of every kind */
  assert_non_null(strstr(page, "class=\"v fail\""));
  assert_non_null(strstr(page, "class=\"v pass\""));
  free(page);
  /* run.json next to it, which is what was rendered */
  snprintf(path, sizeof path, "%s/run.json", sub);
  char err[256];
  mqs_json *doc = mqs_json_parse_file(path, err, sizeof err);
  assert_non_null(doc);

  /* the same run twice, side by side: two columns everywhere */
  const struct mqs_json *runs[2] = {doc, doc};
  snprintf(sub, sizeof sub, "%s/two", dir);
  static const char *const labels[2] = {"first <b>", NULL};
  assert_int_equal(mqs_report_html(runs, labels, 2, sub), 0);
  snprintf(path, sizeof path, "%s/index.html", sub);
  page = slurp(path);
  assert_int_equal(count(page, "<tr class=\"run\">"), 2);
  assert_int_equal(count(page, "expected PUBACK &lt;id=7&gt;"), 2);
  assert_non_null(strstr(page, "<th>first &lt;b&gt;</th>"));
  assert_null(strstr(page, "first <b>"));
  /* the 70 KB PUBLISH is cut in the page */
  assert_non_null(strstr(page, "bytes in all)"));
  free(page);

  assert_int_equal(mqs_report_html(runs, NULL, 0, sub), MQS_EINVAL);
  assert_int_equal(mqs_report_html(runs, NULL, 1, "/proc/no/such/dir"), MQS_EIO);
  mqs_json_free(doc);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
  fx_free(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
