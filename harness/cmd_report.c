/* harness/cmd_report.c — `mqspec report RUN.json... --html DIR`: render the
 * JSON of one or more runs (`mqspec run --json`) as one HTML report, the
 * brokers side by side in the order given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json_read.h"
#include "mqs/err.h"
#include "report.h"

static const char usage_text[] =
    "Usage: mqspec report RUN.json... --html DIR [--name LABEL]...\n"
    "\n"
    "Render runs written by 'mqspec run --json' as one HTML report, the brokers\n"
    "side by side (in the order given): a summary, a statement x broker verdict\n"
    "matrix, and per scenario the verdicts, what failed and the wire transcripts.\n"
    "DIR/index.html opens from disk: no script, no network.\n"
    "\n"
    "Options:\n"
    "  --html DIR   write DIR/index.html (DIR is created if missing)\n"
    "  --name LABEL the column of the next run's broker (repeatable, in order;\n"
    "               default: the run's broker_name, else its HOST:PORT)\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0 written, 2 a usage error or an unreadable run file.\n";

int mqs_cmd_report(int argc, char **argv) {
  const char *html = NULL;
  const char **files = calloc((size_t)(argc > 0 ? argc : 1), sizeof *files);
  const char **labels = calloc((size_t)(argc > 0 ? argc : 1), sizeof *labels);
  if (!files || !labels) {
    free(files);
    free(labels);
    return MQS_EXIT_USAGE;
  }
  size_t n = 0, n_labels = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage_text, stdout);
      free(files);
      free(labels);
      return MQS_EXIT_OK;
    } else if (strcmp(a, "--html") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "mqspec report: --html needs a value\nTry 'mqspec report --help'.\n");
        free(files);
        free(labels);
        return MQS_EXIT_USAGE;
      }
      html = argv[++i];
    } else if (strcmp(a, "--name") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "mqspec report: --name needs a value\nTry 'mqspec report --help'.\n");
        free(files);
        free(labels);
        return MQS_EXIT_USAGE;
      }
      labels[n_labels++] = argv[++i];
    } else if (strncmp(a, "--html=", 7) == 0) {
      html = a + 7;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "mqspec report: unknown option '%s'\nTry 'mqspec report --help'.\n", a);
      free(files);
      free(labels);
      return MQS_EXIT_USAGE;
    } else {
      files[n++] = a;
    }
  }
  if (n_labels > n) {
    fprintf(stderr, "mqspec report: %zu --name for %zu run files\n", n_labels, n);
    free(files);
    free(labels);
    return MQS_EXIT_USAGE;
  }
  if (n == 0 || !html) {
    fprintf(stderr, "mqspec report: %s\nTry 'mqspec report --help'.\n",
            n == 0 ? "give one or more run JSON files" : "give --html DIR");
    free(files);
    free(labels);
    return MQS_EXIT_USAGE;
  }
  mqs_json **runs = calloc(n, sizeof *runs);
  int rc = MQS_EXIT_OK;
  if (!runs) rc = MQS_EXIT_USAGE;
  for (size_t i = 0; rc == MQS_EXIT_OK && i < n; i++) {
    char err[512] = "";
    runs[i] = mqs_json_parse_file(files[i], err, sizeof err);
    if (!runs[i]) {
      fprintf(stderr, "mqspec report: %s\n", err);
      rc = MQS_EXIT_USAGE;
    } else if (runs[i]->type != MQS_JSON_OBJECT || !mqs_json_get(runs[i], "scenarios")) {
      fprintf(stderr, "mqspec report: %s: not the JSON of 'mqspec run --json'\n", files[i]);
      rc = MQS_EXIT_USAGE;
    }
  }
  if (rc == MQS_EXIT_OK) {
    int w = mqs_report_html((const struct mqs_json *const *)runs, labels, n, html);
    if (w < 0) {
      fprintf(stderr, "mqspec report: cannot write %s/index.html: %s\n", html,
              w == MQS_EIO ? strerror(errno) : mqs_strerror(w));
      rc = MQS_EXIT_USAGE;
    } else {
      printf("%s/index.html: %zu run%s\n", html, n, n == 1 ? "" : "s");
    }
  }
  for (size_t i = 0; runs && i < n; i++)
    mqs_json_free(runs[i]);
  free(runs);
  free(files);
  free(labels);
  return rc;
}
