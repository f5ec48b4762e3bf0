/* tests/harness/report_gen.c — write every report of the fixture run, and
 * what they must show, into a directory for the checking scripts:
 *
 *   report_gen DIR   ->  DIR/junit.xml DIR/report.json DIR/pcap/<id>.pcap DIR/expect.json
 *
 * Exits non-zero when a writer fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"
#include "report.h"
#include "report_fixture.h"

static int check(const char *what, int rc) {
  if (rc != 0) fprintf(stderr, "report_gen: %s: %s\n", what, mqs_strerror(rc));
  return rc != 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: report_gen DIR\n");
    return 2;
  }
  size_t n = strlen(argv[1]) + 32;
  char *path = malloc(n);
  if (!path) return 1;
  fx_run f;
  fx_build(&f);
  int bad = 0;
  snprintf(path, n, "%s/junit.xml", argv[1]);
  bad |= check(path, mqs_report_junit(&f.run, path));
  snprintf(path, n, "%s/report.json", argv[1]);
  bad |= check(path, mqs_report_json(&f.run, path));
  snprintf(path, n, "%s/pcap", argv[1]);
  bad |= check(path, mqs_report_pcap_dir(&f.run, path));
  snprintf(path, n, "%s/expect.json", argv[1]);
  if (fx_write_expect(&f, path) != 0) {
    fprintf(stderr, "report_gen: cannot write %s\n", path);
    bad = 1;
  }
  fx_free(&f);
  free(path);
  return bad;
}
