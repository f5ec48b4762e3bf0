/* harness/report_junit.c — JUnit XML, in the shape Jenkins, GitLab and the
 * GitHub test-report actions read:
 *
 *   <testsuites name tests failures errors skipped time>
 *     <testsuite name tests failures errors skipped time timestamp>
 *       <properties><property name="broker" value="..."/>...</properties>
 *       <testcase classname="mqtt5.3.3-publish" name="<scenario id>" time file>
 *         <properties><property name="statement" value="MQTT-3.3.1-4"/>...</properties>
 *         <failure message type>text</failure> | <error .../> | <skipped message/>
 *       </testcase>
 *
 * Verdicts map as: fail -> <failure type="MUST|SHOULD|MAY">, error ->
 * <error>, n/a -> <skipped>. A fail or error listed in --expect-fail is
 * written as <skipped> with the reason, not as a failure: the run's exit
 * code does not count it, and the CI reading this file must not either, or
 * a known deviation would keep the pipeline red. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "mqs/err.h"
#include "report.h"
#include "report_util.h"

/* The message attribute is a one-line summary; the element holds the rest. */
#define SUMMARY_MAX 300

typedef struct {
  unsigned tests, failures, errors, skipped;
} counts;

static bool expected(const mqs_scenario_result *r) {
  return r->expected_fail && (r->verdict == MQS_VERDICT_FAIL || r->verdict == MQS_VERDICT_ERROR);
}

static counts count(const mqs_run_result *run) {
  counts c = {0};
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    c.tests++;
    if (expected(r) || r->verdict == MQS_VERDICT_NA)
      c.skipped++;
    else if (r->verdict == MQS_VERDICT_FAIL)
      c.failures++;
    else if (r->verdict == MQS_VERDICT_ERROR)
      c.errors++;
  }
  return c;
}

static void attr(FILE *f, const char *name, const char *value) {
  fprintf(f, " %s=\"", name);
  mqs_xml_str(f, value, true);
  putc('"', f);
}

static void attr_seconds(FILE *f, const char *name, uint64_t us) {
  fprintf(f, " %s=\"%llu.%06llu\"", name, (unsigned long long)(us / 1000000),
          (unsigned long long)(us % 1000000));
}

/* The first line of text, cut at SUMMARY_MAX bytes on a character boundary. */
static void attr_summary(FILE *f, const char *name, const char *prefix, const char *text) {
  fprintf(f, " %s=\"", name);
  mqs_xml_str(f, prefix, true);
  if (text) {
    size_t n = strcspn(text, "\r\n");
    size_t keep = mqs_utf8_prefix(text, n, SUMMARY_MAX);
    mqs_xml_strn(f, text, keep, true);
    if (keep < n) fputs("...", f);
  }
  putc('"', f);
}

static void property(FILE *f, const char *indent, const char *name, const char *value) {
  fprintf(f, "%s<property", indent);
  attr(f, "name", name);
  attr(f, "value", value);
  fputs("/>\n", f);
}

/* "mqtt5", "mqtt311" or "mqtt31" for protocol level 5, 4 or 3. */
static const char *version_prefix(int version) {
  switch (version) {
  case 3: return "mqtt31";
  case 4: return "mqtt311";
  case 5: return "mqtt5";
  }
  return "mqtt";
}

static bool is_version_dir(const char *s, size_t n) {
  static const char *const names[] = {"v5", "v311", "v31", "v3.1.1", "v3.1", "v50", "v5.0"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return true;
  return false;
}

/* The spec chapter a scenario belongs to, for the classname that CI tools
 * group by. Scenario files live in scenarios/<version>/<chapter>/ ("3.3-publish"),
 * so the file's folder is it; a file directly in the version folder falls
 * back to the first part of the id after the version ("v5.qos2.x" -> "qos2"). */
static void chapter(const mqs_scenario_result *r, const char **s, size_t *n) {
  const char *file = r->file ? r->file : "";
  const char *slash = strrchr(file, '/');
  if (slash) {
    const char *dir = slash;
    while (dir > file && dir[-1] != '/')
      dir--;
    size_t len = (size_t)(slash - dir);
    if (len > 0 && !is_version_dir(dir, len) && !(len == 9 && memcmp(dir, "scenarios", 9) == 0)) {
      *s = dir;
      *n = len;
      return;
    }
  }
  const char *id = r->id ? r->id : "";
  const char *dot = strchr(id, '.');
  if (dot && is_version_dir(id, (size_t)(dot - id)))
    id = dot + 1;
  else if (strncmp(id, "v3.1.1.", 7) == 0)
    id += 7;
  *s = id;
  *n = strcspn(id, ".");
  if (*n == 0) {
    *s = "misc";
    *n = 4;
  }
}

static void write_classname(FILE *f, const mqs_scenario_result *r) {
  const char *s;
  size_t n;
  chapter(r, &s, &n);
  fprintf(f, " classname=\"%s.", version_prefix(r->version));
  mqs_xml_strn(f, s, n, true);
  putc('"', f);
}

/* The element text: the message, then where the failing step is. */
static void write_body(FILE *f, const mqs_scenario_result *r, const char *text) {
  mqs_xml_str(f, text, false);
  if (r->failed_step >= 0 || r->failed_line) {
    fprintf(f, "%s(step %d", text && *text ? "\n\n" : "", r->failed_step);
    if (r->failed_line) {
      fputs(" at ", f);
      mqs_xml_str(f, r->failed_line, false);
    }
    putc(')', f);
  }
}

static void write_testcase(FILE *f, const mqs_scenario_result *r) {
  fputs("    <testcase", f);
  write_classname(f, r);
  attr(f, "name", r->id);
  attr_seconds(f, "time", r->duration_us);
  if (r->file) attr(f, "file", r->file);
  fputs(">\n      <properties>\n", f);
  for (size_t k = 0; k < r->n_statements; k++)
    property(f, "        ", "statement", r->statements[k]);
  for (size_t k = 0; k < r->n_tags; k++)
    property(f, "        ", "tag", r->tags[k]);
  property(f, "        ", "title", r->title);
  property(f, "        ", "level", mqs_level_name(r->level));
  property(f, "        ", "verdict", mqs_verdict_name(r->verdict));
  if (r->expected_fail)
    property(f, "        ", "expect_fail", r->expect_reason ? r->expect_reason : "");
  fputs("      </properties>\n", f);

  if (expected(r)) {
    fputs("      <skipped", f);
    attr_summary(f, "message", "expected failure: ", r->expect_reason ? r->expect_reason : "");
    fputs(">", f);
    write_body(f, r, r->message);
    fputs("</skipped>\n", f);
  } else if (r->verdict == MQS_VERDICT_NA) {
    fputs("      <skipped", f);
    attr_summary(f, "message", "not applicable: ", r->na_reason);
    fputs("/>\n", f);
  } else if (r->verdict == MQS_VERDICT_FAIL) {
    fputs("      <failure", f);
    attr_summary(f, "message", "", r->message);
    attr(f, "type", mqs_level_name(r->level));
    fputs(">", f);
    write_body(f, r, r->message);
    fputs("</failure>\n", f);
  } else if (r->verdict == MQS_VERDICT_ERROR) {
    fputs("      <error", f);
    attr_summary(f, "message", "", r->message);
    attr(f, "type", "error");
    fputs(">", f);
    write_body(f, r, r->message);
    fputs("</error>\n", f);
  } else if (r->expected_fail) {
    /* Listed as a known deviation but it passed: the broker may have been fixed. */
    fputs("      <system-out>listed in --expect-fail but passed", f);
    if (r->expect_reason) {
      fputs(" (", f);
      mqs_xml_str(f, r->expect_reason, false);
      putc(')', f);
    }
    fputs("</system-out>\n", f);
  }
  fputs("    </testcase>\n", f);
}

static void write_counts(FILE *f, counts c) {
  fprintf(f, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\"", c.tests, c.failures,
          c.errors, c.skipped);
}

int mqs_report_junit(const mqs_run_result *run, const char *path) {
  FILE *f = mqs_report_create(path);
  if (!f) return MQS_EIO;
  counts c = count(run);
  char when[32];
  mqs_report_iso8601(run->started_unix_ms, 0, when, sizeof when);
  const char *label = run->broker_name ? run->broker_name : run->broker;

  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mqspec\"", f);
  write_counts(f, c);
  attr_seconds(f, "time", run->duration_us);
  fputs(">\n  <testsuite", f);
  fputs(" name=\"mqspec", f);
  if (label) {
    fputs(": ", f);
    mqs_xml_str(f, label, true);
  }
  putc('"', f);
  write_counts(f, c);
  attr_seconds(f, "time", run->duration_us);
  attr(f, "timestamp", when);
  fputs(">\n    <properties>\n", f);
  property(f, "      ", "broker", run->broker ? run->broker : "");
  property(f, "      ", "broker_name", run->broker_name ? run->broker_name : "");
  fputs("    </properties>\n", f);
  for (size_t i = 0; i < run->n; i++)
    write_testcase(f, &run->results[i]);
  fputs("  </testsuite>\n</testsuites>\n", f);
  return mqs_report_close(f, 0);
}
