/* tests/harness/test_report_writers.c — JUnit and JSON writers on the edges
 * the fixture run does not reach: an empty run, a listed deviation that
 * passed, long and missing text, files that cannot be written.
 * (check_reports.py parses the fixture run's reports with python3.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mqs/err.h"
#include "report.h"

/* Write run with writer into a temporary file; return its text. */
static char *render(int (*writer)(const mqs_run_result *, const char *),
                    const mqs_run_result *run) {
  char path[] = "/tmp/mqs-report-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(writer(run, path), 0);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *text = calloc(1, 1 << 20);
  assert_non_null(text);
  size_t n = fread(text, 1, (1 << 20) - 1, f);
  assert_true(n > 0);
  fclose(f);
  unlink(path);
  return text;
}

static void contains(const char *text, const char *want) {
  if (!strstr(text, want)) fail_msg("missing [%s] in:\n%s", want, text);
}

static void lacks(const char *text, const char *unwanted) {
  if (strstr(text, unwanted)) fail_msg("unexpected [%s] in:\n%s", unwanted, text);
}

static void test_empty_run(void **state) {
  (void)state;
  mqs_run_result run = {0}; /* no broker name, no scenarios */
  char *x = render(mqs_report_junit, &run);
  contains(x, "<testsuites name=\"mqspec\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"");
  contains(x, "timestamp=\"1970-01-01T00:00:00\"");
  contains(x, "</testsuites>\n");
  free(x);
  char *j = render(mqs_report_json, &run);
  contains(j, "\"broker\":null");
  contains(j, "\"statements\":[]");
  contains(j, "\"scenarios\":[]}");
  contains(j, "\"totals\":{\"scenarios\":0,\"pass\":0,\"fail\":0,\"n/a\":0,\"error\":0,"
              "\"expected_fail\":0}");
  free(j);
}

/* A scenario listed in --expect-fail that passed is a pass, with a note. */
static void test_expected_fail_that_passed(void **state) {
  (void)state;
  mqs_scenario_result r = {.id = "v5.x.y",
                           .version = 5,
                           .verdict = MQS_VERDICT_PASS,
                           .expected_fail = true,
                           .expect_reason = "bug <7>",
                           .failed_step = -1};
  mqs_run_result run = {.broker = "h:1", .results = &r, .n = 1};
  char *x = render(mqs_report_junit, &run);
  contains(x, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\"");
  contains(x, "<system-out>listed in --expect-fail but passed (bug &lt;7&gt;)</system-out>");
  contains(x, "classname=\"mqtt5.x\"");
  lacks(x, "<skipped");
  free(x);
  char *j = render(mqs_report_json, &run);
  contains(j, "\"expected_fail\":true");
  contains(j, "\"totals\":{\"scenarios\":1,\"pass\":1,\"fail\":0,\"n/a\":0,\"error\":0,"
              "\"expected_fail\":0}");
  free(j);
}

/* The message attribute is the first line, cut on a character boundary;
 * the element keeps the whole text. SHOULD-level failures say so in type. */
static void test_long_message(void **state) {
  (void)state;
  char msg[1200];
  memset(msg, 'a', 298);
  memcpy(msg + 298, "\xe2\x82\xac", 3); /* a euro sign across byte 300 */
  memset(msg + 301, 'b', 600);
  strcpy(msg + 901, "\nsecond");
  mqs_scenario_result r = {.id = "id",
                           .version = 4,
                           .verdict = MQS_VERDICT_FAIL,
                           .level = MQS_LEVEL_SHOULD,
                           .message = msg,
                           .failed_step = 2,
                           .failed_line = "f.yaml:3"};
  mqs_run_result run = {.results = &r, .n = 1};
  char *x = render(mqs_report_junit, &run);
  char want[400] = " message=\"";
  memset(want + 10, 'a', 298);
  strcpy(want + 308, "...\" type=\"SHOULD\">");
  contains(x, want);
  contains(x, "bbbb\nsecond\n\n(step 2 at f.yaml:3)</failure>");
  contains(x, "classname=\"mqtt311.id\"");
  free(x);
}

/* Missing optional text is written as empty or null, never crashes. */
static void test_missing_fields(void **state) {
  (void)state;
  mqs_scenario_result r[2] = {
      {.verdict = MQS_VERDICT_ERROR, .failed_step = -1},
      {.verdict = MQS_VERDICT_NA, .failed_step = -1, .version = 3},
  };
  mqs_run_result run = {.results = r, .n = 2};
  char *x = render(mqs_report_junit, &run);
  contains(x, "<error message=\"\" type=\"error\"></error>");
  contains(x, "<skipped message=\"not applicable: \"/>");
  contains(x, "classname=\"mqtt.misc\" name=\"\"");
  contains(x, "classname=\"mqtt31.misc\"");
  free(x);
  char *j = render(mqs_report_json, &run);
  contains(j, "\"id\":null,\"title\":null,\"file\":null");
  contains(j, "\"message\":null,\"na_reason\":null");
  free(j);
}

static void test_unwritable(void **state) {
  (void)state;
  mqs_run_result run = {0};
  /* Missing parent directories are created, but not inside a file. */
  assert_int_equal(mqs_report_junit(&run, "/dev/null/x.xml"), MQS_EIO);
  assert_int_equal(mqs_report_json(&run, "/dev/null/sub/x.json"), MQS_EIO);
  /* the disk fills up while writing */
  if (access("/dev/full", W_OK) == 0) {
    assert_int_equal(mqs_report_junit(&run, "/dev/full"), MQS_EIO);
    assert_int_equal(mqs_report_json(&run, "/dev/full"), MQS_EIO);
  }
}

/* `--junit out/new/junit.xml` works when out/new does not exist yet. */
static void test_creates_parent_dirs(void **state) {
  (void)state;
  char dir[] = "/tmp/mqs-report-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  mqs_run_result run = {0};
  snprintf(path, sizeof path, "%s/a/b/junit.xml", dir);
  assert_int_equal(mqs_report_junit(&run, path), 0);
  assert_int_equal(access(path, R_OK), 0);
  unlink(path);
  snprintf(path, sizeof path, "%s/a/c/run.json", dir);
  assert_int_equal(mqs_report_json(&run, path), 0);
  assert_int_equal(access(path, R_OK), 0);
  unlink(path);
  char sub[128];
  const char *subs[] = {"a/b", "a/c", "a"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
    assert_int_equal(rmdir(sub), 0);
  }
  assert_int_equal(rmdir(dir), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_run),    cmocka_unit_test(test_expected_fail_that_passed),
      cmocka_unit_test(test_long_message), cmocka_unit_test(test_missing_fields),
      cmocka_unit_test(test_unwritable),
      cmocka_unit_test(test_creates_parent_dirs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
