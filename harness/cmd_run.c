/* harness/cmd_run.c — `mqspec run`, `mqspec list` and `mqspec validate`:
 * load scenarios, select, run them against a broker, report, exit. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bundled.h"
#include "catalog.h"
#include "cmd.h"
#include "corpus.h"
#include "engine.h"
#include "mqs/tcp.h"
#include "report.h"
#include "value.h"

#ifndef MQS_SCENARIOS_DIR
#define MQS_SCENARIOS_DIR "scenarios"
#endif

static const char usage_text[] =
    "Usage: mqspec run [OPTIONS] [ID-GLOB | FILE.yaml]...\n"
    "       mqspec list [OPTIONS] [ID-GLOB]...      (the same as run --list)\n"
    "       mqspec validate FILE|DIR...            (the same as run --check)\n"
    "\n"
    "Run declarative conformance scenarios against an MQTT broker, check every byte\n"
    "that comes back, and report a verdict per scenario and per normative statement.\n"
    "\n"
    "Broker:\n"
    "  --broker HOST:PORT    the broker to test (default: start the bundled\n"
    "                        mqspec-broker on a free loopback port, with a WebSocket\n"
    "                        listener and one user, alice/secret, and stop it after)\n"
    "  --broker-ws HOST:PORT[/PATH]\n"
    "                        its MQTT over WebSocket listener (path default /mqtt):\n"
    "                        without it the WebSocket scenarios are n/a (the bundled\n"
    "                        broker has one)\n"
    "  --websocket           every client connects over WebSocket, not TCP\n"
    "  --name LABEL          the broker's name in reports (default: HOST:PORT, or\n"
    "                        mqspec-broker)\n"
    "\n"
    "Selection (within one kind any may match; every kind given must):\n"
    "  ID-GLOB               scenario ids, '*' and '?' allowed: 'v5.qos2.*'\n"
    "  FILE.yaml             run this scenario file\n"
    "  --tag TAG             scenarios tagged TAG (repeatable)\n"
    "  --spec ID             scenarios that check statement ID, glob allowed:\n"
    "                        MQTT-4.3.3-2, 'MQTT-3.3.*' (repeatable)\n"
    "  --version 311|5       one protocol version\n"
    "  --scenarios DIR       where to find scenarios (repeatable; default ./scenarios if\n"
    "                        it exists, else " MQS_SCENARIOS_DIR ")\n"
    "  --list                print what would run, by version and spec chapter, and stop\n"
    "  --check               load and check the scenario files, and stop\n"
    "\n"
    "Verdicts:\n"
    "  --expect-fail FILE    known deviations, one per line: 'ID-or-statement reason';\n"
    "                        their failures are reported but do not fail the run\n"
    "  --strict              SHOULD and MAY failures fail the run too\n"
    "  --without FEATURES    features the broker lacks, comma-separated (retain,\n"
    "                        wildcard, shared, sub_id, topic_alias, qos1, qos2): the\n"
    "                        scenarios that need them are n/a\n"
    "\n"
    "Running:\n"
    "  -j, --jobs N          scenarios at once (default: the number of cores)\n"
    "  --step-timeout DUR    how long a step waits, unless the scenario says (default 5s)\n"
    "  --timeout DUR         how long a scenario may take, unless it says (default 60s)\n"
    "\n"
    "Reports:\n"
    "  --junit FILE          JUnit XML for CI\n"
    "  --json FILE           JSON with every byte of every transcript and its timing\n"
    "  --pcap DIR            one pcap per scenario (Wireshark decodes them as MQTT)\n"
    "  --html DIR            DIR/index.html: summary, statement matrix, transcripts\n"
    "  --save-corpus DIR     the traffic as fuzz seeds, named by SHA-256, in\n"
    "                        DIR/fuzz_decode_v311|fuzz_decode_v5 (each packet),\n"
    "                        DIR/fuzz_props (each 5.0 property block) and\n"
    "                        DIR/fuzz_broker (what the harness sent, per scenario);\n"
    "                        files already there are kept (see fuzz/README.md)\n"
    "  --color, --no-color   colour the console (default: when it is a terminal)\n"
    "  -q, --quiet           print failures and the summary only\n"
    "  -v, --verbose         print the wire transcript (time, client, direction,\n"
    "                        decoded packet) of each failed scenario; twice: of all\n"
    "\n"
    "Exit status: 0 everything passed, was n/a, or is listed in --expect-fail;\n"
    "1 a scenario failed (a MUST, or any level with --strict) or met an error;\n"
    "2 a usage error or a broken scenario file: nothing was run.\n";

typedef struct {
  const char *broker;
  const char *broker_ws; /* HOST:PORT[/PATH] of its WebSocket listener */
  const char *name;      /* --name: the broker's label in reports */
  bool websocket;        /* every client over WebSocket */
  const char **dirs;
  size_t n_dirs;
  const char **files;
  size_t n_files;
  mqs_selection sel;
  bool list, check, strict, quiet;
  int verbose; /* -v: transcripts of failures; -vv: of every scenario */
  int colour; /* -1: when a terminal */
  unsigned jobs, without;
  uint32_t step_timeout_ms, timeout_ms;
  const char *expect_fail, *junit, *json, *pcap, *html, *corpus;
} run_args;

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt,
                                                             ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "mqspec %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'mqspec %s --help'.\n", cmd);
  va_end(ap);
  return MQS_EXIT_USAGE;
}

static int push(const char ***arr, size_t *n, const char *v) {
  const char **p = realloc((void *)*arr, (*n + 1) * sizeof *p);
  if (!p) return -1;
  p[(*n)++] = v;
  *arr = p;
  return 0;
}

/* --opt VALUE or --opt=VALUE */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *matched) {
  const char *a = argv[*i];
  size_t n = strlen(opt);
  *matched = false;
  if (strncmp(a, opt, n) != 0) return NULL;
  if (a[n] == '=') return *matched = true, a + n + 1;
  if (a[n] != '\0') return NULL;
  *matched = true;
  if (*i + 1 >= argc) return NULL;
  return argv[++*i];
}

static bool is_file_arg(const char *a) {
  size_t n = strlen(a);
  struct stat st;
  bool yaml = (n > 5 && strcmp(a + n - 5, ".yaml") == 0) || (n > 4 && strcmp(a + n - 4, ".yml") == 0);
  return yaml && stat(a, &st) == 0 && S_ISREG(st.st_mode);
}

static int parse_without(const char *cmd, const char *v, unsigned *out) {
  char *copy = strdup(v), *save = NULL;
  if (!copy) return MQS_EXIT_USAGE;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    unsigned bit = mqs_need_from_name(t);
    if (!bit) {
      int rc = usage_error(cmd, "--without: unknown feature '%s' (expected %s)", t, mqs_need_names());
      free(copy);
      return rc;
    }
    *out |= bit;
  }
  free(copy);
  return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, run_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *v;
    bool m;
#define VALUE(opt)                                                                               \
  (v = opt_value(argc, argv, &i, opt, &m), m)
#define NEED()                                                                                   \
  do {                                                                                           \
    if (!v) return usage_error(cmd, "%s needs a value", arg);                                   \
  } while (0)
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(usage_text, stdout);
      return -1;
    } else if (VALUE("--broker")) {
      NEED();
      a->broker = v;
    } else if (VALUE("--broker-ws")) {
      NEED();
      a->broker_ws = v;
    } else if (VALUE("--name")) {
      NEED();
      a->name = v;
    } else if (strcmp(arg, "--websocket") == 0) {
      a->websocket = true;
    } else if (VALUE("--scenarios")) {
      NEED();
      push(&a->dirs, &a->n_dirs, v);
    } else if (VALUE("--tag")) {
      NEED();
      push(&a->sel.tags, &a->sel.n_tags, v);
    } else if (VALUE("--spec")) {
      NEED();
      push(&a->sel.specs, &a->sel.n_specs, v);
    } else if (VALUE("--version")) {
      NEED();
      if (strcmp(v, "5") == 0 || strcmp(v, "5.0") == 0) a->sel.version = 5;
      else if (strcmp(v, "311") == 0 || strcmp(v, "3.1.1") == 0 || strcmp(v, "4") == 0)
        a->sel.version = 4;
      else return usage_error(cmd, "--version: expected 311 or 5, got '%s'", v);
    } else if (strcmp(arg, "--list") == 0) {
      a->list = true;
    } else if (strcmp(arg, "--check") == 0) {
      a->check = true;
    } else if (strcmp(arg, "--strict") == 0) {
      a->strict = true;
    } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
      a->quiet = true;
    } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
      a->verbose++;
    } else if (strcmp(arg, "-vv") == 0) {
      a->verbose += 2;
    } else if (strcmp(arg, "--color") == 0 || strcmp(arg, "--colour") == 0) {
      a->colour = 1;
    } else if (strcmp(arg, "--no-color") == 0 || strcmp(arg, "--no-colour") == 0) {
      a->colour = 0;
    } else if (VALUE("--expect-fail")) {
      NEED();
      a->expect_fail = v;
    } else if (VALUE("--without")) {
      NEED();
      int rc = parse_without(cmd, v, &a->without);
      if (rc) return rc;
    } else if (VALUE("--jobs") || (strcmp(arg, "-j") == 0 && (v = i + 1 < argc ? argv[++i] : NULL, true)) ||
               (strncmp(arg, "-j", 2) == 0 && arg[2] && (v = arg + 2, true))) {
      uint64_t n;
      NEED();
      if (mqs_parse_uint(v, strlen(v), 4096, &n) < 0 || n == 0)
        return usage_error(cmd, "--jobs: expected a number from 1 to 4096, got '%s'", v);
      a->jobs = (unsigned)n;
    } else if (VALUE("--step-timeout")) {
      NEED();
      if (mqs_parse_duration(v, &a->step_timeout_ms) < 0 || !a->step_timeout_ms)
        return usage_error(cmd, "--step-timeout: expected a duration such as 500ms or 5s, got '%s'", v);
    } else if (VALUE("--timeout")) {
      NEED();
      if (mqs_parse_duration(v, &a->timeout_ms) < 0 || !a->timeout_ms)
        return usage_error(cmd, "--timeout: expected a duration such as 30s, got '%s'", v);
    } else if (VALUE("--junit")) {
      NEED();
      a->junit = v;
    } else if (VALUE("--json")) {
      NEED();
      a->json = v;
    } else if (VALUE("--html")) {
      NEED();
      a->html = v;
    } else if (VALUE("--pcap")) {
      NEED();
      a->pcap = v;
    } else if (VALUE("--save-corpus")) {
      NEED();
      a->corpus = v;
    } else if (arg[0] == '-' && arg[1]) {
      return usage_error(cmd, "unknown option '%s'", arg);
    } else if (is_file_arg(arg)) {
      push(&a->files, &a->n_files, arg);
    } else if (strstr(arg, ".yaml") || strstr(arg, ".yml")) {
      return usage_error(cmd, "%s: no such scenario file", arg);
    } else {
      push(&a->sel.ids, &a->sel.n_ids, arg);
    }
#undef VALUE
#undef NEED
  }
  return 0;
}

/* The scenarios: files given, and the directories (given or default). */
static int load_all(const char *cmd, run_args *a, mqs_catalog *cat) {
  int bad = 0;
  for (size_t i = 0; i < a->n_files; i++) bad += mqs_catalog_add(cat, a->files[i], stderr) != 0;
  if (a->n_dirs == 0 && (a->n_files == 0 || a->sel.n_ids)) {
    struct stat st;
    const char *dir = stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode) ? "scenarios"
                                                                        : MQS_SCENARIOS_DIR;
    if (a->n_files == 0 || a->sel.n_ids) push(&a->dirs, &a->n_dirs, dir);
  }
  for (size_t i = 0; i < a->n_dirs; i++) {
    int rc = mqs_catalog_add(cat, a->dirs[i], stderr);
    bad += rc != 0;
  }
  bad += mqs_catalog_check_ids(cat, stderr) != 0;
  if (bad) {
    fprintf(stderr, "mqspec %s: broken scenario files (above); nothing was run\n", cmd);
    return MQS_EXIT_USAGE;
  }
  return 0;
}

static void list(mqs_scenario **s, size_t n) {
  char last[4096] = "";
  for (size_t i = 0; i < n; i++) {
    /* Group by directory: version and spec chapter. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s[i]->file);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else dir[0] = '\0';
    if (strcmp(dir, last) != 0) {
      printf("%s%s/\n", i ? "\n" : "", dir[0] ? dir : ".");
      snprintf(last, sizeof last, "%s", dir);
    }
    printf("  %-44s %-5s %-6s", s[i]->id, s[i]->version == 5 ? "5.0" : "3.1.1",
           mqs_level_name(s[i]->level));
    for (size_t k = 0; k < s[i]->n_statements; k++)
      printf("%s%s", k ? "," : " ", s[i]->statements[k]);
    printf("\n      %s", s[i]->title);
    if (s[i]->needs) {
      printf(" [needs:");
      for (unsigned bit = 1; bit <= s[i]->needs; bit <<= 1)
        if (s[i]->needs & bit) printf(" %s", mqs_need_name(bit));
      printf("]");
    }
    printf("\n");
  }
  printf("\n%zu scenarios\n", n);
}

typedef struct {
  mqs_scenario **sel;
  mqs_scenario_result *results;
  mqs_expect_list *xf;
  bool colour, quiet;
  int verbose;
} progress;

static void on_done(const mqs_scenario_result *r, void *arg) {
  progress *p = arg;
  mqs_scenario_result *res = (mqs_scenario_result *)r;
  mqs_expect_entry *e = p->xf->n ? mqs_expect_list_find(p->xf, p->sel[r - p->results]) : NULL;
  if (e) {
    e->used = true;
    res->expected_fail = true;
    res->expect_reason = e->reason;
  }
  if (p->quiet && (r->verdict == MQS_VERDICT_PASS || r->verdict == MQS_VERDICT_NA)) return;
  mqs_report_console_line(stdout, r, p->colour);
  bool bad = r->verdict == MQS_VERDICT_FAIL || r->verdict == MQS_VERDICT_ERROR;
  if (p->verbose > 1 || (p->verbose && bad)) mqs_report_console_transcript(stdout, r);
}

static volatile sig_atomic_t child_pid;

static void on_signal(int sig) {
  if (child_pid > 0) kill((pid_t)child_pid, SIGTERM);
  signal(sig, SIG_DFL);
  raise(sig);
}

static uint64_t unix_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static int write_reports(const run_args *a, const mqs_run_result *run) {
  int bad = 0;
  if (a->junit && mqs_report_junit(run, a->junit) < 0)
    fprintf(stderr, "mqspec run: cannot write %s: %s\n", a->junit, strerror(errno)), bad = 1;
  if (a->json && mqs_report_json(run, a->json) < 0)
    fprintf(stderr, "mqspec run: cannot write %s: %s\n", a->json, strerror(errno)), bad = 1;
  if (a->pcap && mqs_report_pcap_dir(run, a->pcap) < 0)
    fprintf(stderr, "mqspec run: cannot write pcaps in %s: %s\n", a->pcap, strerror(errno)), bad = 1;
  if (a->html && mqs_report_html_run(run, a->html) < 0)
    fprintf(stderr, "mqspec run: cannot write the HTML report in %s: %s\n", a->html, strerror(errno)), bad = 1;
  if (a->corpus) {
    mqs_corpus_stats st;
    if (mqs_corpus_save(run, a->corpus, &st) < 0)
      fprintf(stderr, "mqspec run: cannot write fuzz seeds in %s: %s\n", a->corpus, strerror(errno)), bad = 1;
    else if (!a->quiet)
      printf("fuzz seeds: %zu new in %s (%zu there already)\n", st.added, a->corpus, st.known);
  }
  return bad;
}

static int run_selected(run_args *a, mqs_scenario **sel, size_t n, mqs_expect_list *xf) {
  char host[MQS_TCP_HOST_MAX], ws_host[MQS_TCP_HOST_MAX], ws_path[256] = "/mqtt";
  uint16_t port, ws_port = 0;
  if (a->broker_ws) {
    char hostport[MQS_TCP_HOST_MAX + 8];
    const char *why = NULL, *slash = strchr(a->broker_ws, '/');
    size_t hl = slash ? (size_t)(slash - a->broker_ws) : strlen(a->broker_ws);
    snprintf(hostport, sizeof hostport, "%.*s", (int)hl, a->broker_ws);
    if (slash) snprintf(ws_path, sizeof ws_path, "%s", slash);
    if (mqs_tcp_parse_hostport(hostport, ws_host, sizeof ws_host, &ws_port, &why) < 0 ||
        ws_port == 0)
      return usage_error("run", "--broker-ws: expected HOST:PORT or HOST:PORT/PATH, got '%s'%s%s",
                         a->broker_ws, why ? ": " : "", why ? why : "");
  }
  if (a->websocket && a->broker && !a->broker_ws)
    return usage_error("run", "--websocket needs --broker-ws HOST:PORT[/PATH] with --broker%s", "");
  mqs_bundled bundled = {.pid = -1, .out_fd = -1};
  char broker_label[MQS_TCP_HOST_MAX + 64];
  if (a->broker) {
    const char *why = NULL;
    if (mqs_tcp_parse_hostport(a->broker, host, sizeof host, &port, &why) < 0 || port == 0)
      return usage_error("run", "--broker: expected HOST:PORT, got '%s'%s%s", a->broker,
                         why ? ": " : "", why ? why : "");
    snprintf(broker_label, sizeof broker_label, "%s", a->broker);
  } else {
    char err[1024];
    if (mqs_bundled_start(&bundled, err, sizeof err) < 0) {
      fprintf(stderr, "mqspec run: %s\n", err);
      return MQS_EXIT_USAGE;
    }
    child_pid = bundled.pid;
    snprintf(host, sizeof host, "127.0.0.1");
    port = bundled.port;
    if (!a->broker_ws) {
      snprintf(ws_host, sizeof ws_host, "127.0.0.1");
      ws_port = bundled.ws_port;
    }
    snprintf(broker_label, sizeof broker_label, "mqspec-broker (bundled, 127.0.0.1:%u)", port);
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  mqs_scenario_result *results = calloc(n, sizeof *results);
  if (!results) return MQS_EXIT_USAGE;
  char tag[16];
  snprintf(tag, sizeof tag, "%06x", (unsigned)((unix_ms() * 2654435761u) ^ (uint64_t)getpid()) & 0xFFFFFFu);
  bool colour = a->colour < 0 ? isatty(1) && !getenv("NO_COLOR") : a->colour;
  progress p = {sel, results, xf, colour, a->quiet, a->verbose};
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  mqs_engine_opts o = {
      .host = host,
      .port = port,
      .jobs = a->jobs ? a->jobs : (unsigned)(cores > 0 ? cores : 1),
      .step_timeout_ms = a->step_timeout_ms ? a->step_timeout_ms : 5000,
      .scenario_timeout_ms = a->timeout_ms ? a->timeout_ms : 60000,
      .without = a->without,
      .run_tag = tag,
      .ws_host = ws_host,
      .ws_port = ws_port,
      .ws_path = ws_path,
      .all_websocket = a->websocket,
      .on_done = on_done,
      .arg = &p,
  };
  mqs_run_result run = {broker_label, a->name ? a->name : a->broker ? a->broker : "mqspec-broker",
                        unix_ms(), 0, results, n};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = mqs_engine_run(sel, n, &o, results);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  run.duration_us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u +
                    (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000);
  if (bundled.pid > 0) {
    mqs_bundled_stop(&bundled);
    child_pid = 0;
  }
  int exit_code;
  if (rc < 0) {
    fprintf(stderr, "mqspec run: the event loop failed: %s\n", strerror(-rc));
    exit_code = MQS_EXIT_FAIL;
  } else {
    bool report_bad = write_reports(a, &run);
    mqs_report_console_summary(stdout, &run, colour);
    bool failed = mqs_run_failed(&run, a->strict);
    printf("%s\n", failed ? "FAILED" : "OK");
    exit_code = report_bad ? MQS_EXIT_USAGE : failed ? MQS_EXIT_FAIL : MQS_EXIT_OK;
  }
  for (size_t i = 0; i < n; i++) mqs_result_clear(&results[i]);
  free(results);
  return exit_code;
}

static int run_cmd(const char *cmd, int argc, char **argv, bool list_only, bool check_only) {
  run_args a;
  memset(&a, 0, sizeof a);
  a.colour = -1;
  a.list = list_only;
  a.check = check_only;
  int rc = parse_args(cmd, argc, argv, &a);
  mqs_catalog cat = {0};
  mqs_expect_list xf = {0};
  mqs_scenario **sel = NULL;
  if (rc) {
    rc = rc < 0 ? MQS_EXIT_OK : rc;
    goto out;
  }
  if ((rc = load_all(cmd, &a, &cat))) goto out;
  sel = calloc(cat.n ? cat.n : 1, sizeof *sel);
  size_t n = 0;
  for (size_t i = 0; sel && i < cat.n; i++)
    if (mqs_selected(cat.s[i], &a.sel)) sel[n++] = cat.s[i];
  if (a.check) {
    printf("%zu scenario files checked: no problems\n", cat.n);
    rc = MQS_EXIT_OK;
    goto out;
  }
  if (n == 0) {
    rc = usage_error(cmd, "no scenario matches the selection (%zu scenarios loaded)", cat.n);
    goto out;
  }
  if (a.list) {
    list(sel, n);
    rc = MQS_EXIT_OK;
    goto out;
  }
  if (a.expect_fail && mqs_expect_list_load(&xf, a.expect_fail, stderr) < 0) {
    rc = MQS_EXIT_USAGE;
    goto out;
  }
  /* An entry no scenario answers to is stale (a renamed scenario?): say so. */
  for (size_t i = 0; i < xf.n; i++) {
    bool any = false;
    for (size_t k = 0; k < cat.n && !any; k++) {
      mqs_expect_list one = {&xf.e[i], 1, NULL};
      any = mqs_expect_list_find(&one, cat.s[k]) != NULL;
    }
    if (!any)
      fprintf(stderr, "mqspec %s: note: %s:%d: '%s' matches no scenario\n", cmd, xf.file,
              xf.e[i].line, xf.e[i].pattern);
  }
  rc = run_selected(&a, sel, n, &xf);
out:
  free(sel);
  mqs_expect_list_free(&xf);
  mqs_catalog_free(&cat);
  free((void *)a.dirs);
  free((void *)a.files);
  free((void *)a.sel.ids);
  free((void *)a.sel.tags);
  free((void *)a.sel.specs);
  return rc;
}

int mqs_cmd_run(int argc, char **argv) { return run_cmd("run", argc, argv, false, false); }

int mqs_cmd_list(int argc, char **argv) { return run_cmd("list", argc, argv, true, false); }

int mqs_cmd_validate(int argc, char **argv) {
  if (argc < 2) return usage_error("validate", "give one or more scenario files or directories");
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(usage_text, stdout);
      return MQS_EXIT_OK;
    }
  mqs_catalog cat = {0};
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') {
      mqs_catalog_free(&cat);
      return usage_error("validate", "unknown option '%s'", argv[i]);
    }
    bad += mqs_catalog_add(&cat, argv[i], stderr) != 0;
  }
  bad += mqs_catalog_check_ids(&cat, stderr) != 0;
  if (!bad) printf("%zu scenario files checked: no problems\n", cat.n);
  mqs_catalog_free(&cat);
  return bad ? MQS_EXIT_USAGE : MQS_EXIT_OK;
}
