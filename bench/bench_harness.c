/* bench/bench_harness.c — what the harness itself costs, per step, and the
 * wall time of many runs against a broker.
 *
 *   bench_harness [--scenarios DIR] [--broker HOST:PORT] [--runs N] [--jobs N]
 *
 * Prints the cost of loading scenario files, building the packets of send
 * steps, matching expected packets and writing reports, each in µs per step
 * over the whole scenario tree; then the wall time of N runs (default 1,000)
 * of a 10-step scenario against the broker (default: the bundled
 * mqspec-broker, started on a free port), one at a time and side by side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build.h"
#include "bundled.h"
#include "catalog.h"
#include "engine.h"
#include "match.h"
#include "mqs/tcp.h"
#include "report.h"

#ifndef MQS_BENCH_BUILD_TYPE
#define MQS_BENCH_BUILD_TYPE "?"
#endif

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

typedef struct {
  size_t sends, expects, steps;
} counts;

static void count_steps(const mqs_step *s, size_t n, counts *c) {
  for (size_t i = 0; i < n; i++) {
    if (s[i].kind == MQS_STEP_REPEAT) {
      count_steps(s[i].body, s[i].n_body, c);
      continue;
    }
    c->steps++;
    if (s[i].kind == MQS_STEP_SEND) c->sends++;
    if (s[i].kind == MQS_STEP_EXPECT) c->expects++;
  }
}

/* Build every send step's bytes, with every variable set to a value. */
static size_t build_all(const mqs_scenario *sc, const mqs_step *s, size_t n, mqs_vars *vars,
                        mqs_arena *a, mqs_hexbuf *out) {
  size_t built = 0;
  uint16_t next = 1;
  for (size_t i = 0; i < n; i++) {
    if (s[i].kind == MQS_STEP_REPEAT) {
      built += build_all(sc, s[i].body, s[i].n_body, vars, a, out);
      continue;
    }
    if (s[i].kind != MQS_STEP_SEND) continue;
    mqs_build_ctx b = {{vars, NULL, 0, a}, sc->clients[s[i].client].version, "mqsbenchclient", &next};
    for (size_t k = 0; k < s[i].n_items; k++) {
      mqs_diag d;
      out->len = 0;
      if (mqs_build_item(&s[i].items[k], &b, out, &d) == 0) built++;
    }
    mqs_arena_reset(a);
  }
  return built;
}

static void bench_parts(const char *dir) {
  mqs_catalog cat = {0};
  double t0 = now_us();
  int bad = mqs_catalog_add(&cat, dir, stderr);
  double load_once = now_us() - t0;
  if (bad || cat.n == 0) {
    fprintf(stderr, "bench_harness: cannot load the scenarios in %s\n", dir);
    exit(2);
  }
  counts c = {0};
  for (size_t i = 0; i < cat.n; i++) count_steps(cat.s[i]->steps, cat.s[i]->n_steps, &c);

  /* Load: parse and check every file, again and again. */
  int rounds = 20;
  t0 = now_us();
  for (int r = 0; r < rounds; r++) {
    mqs_catalog again = {0};
    mqs_catalog_add(&again, dir, stderr);
    mqs_catalog_free(&again);
  }
  double load = (now_us() - t0) / rounds;

  /* Encode: the packets of every send step, variables filled in. */
  mqs_vars vars = {0};
  for (size_t i = 0; i < cat.n; i++)
    for (size_t v = 0; v < cat.s[i]->n_vars; v++) mqs_vars_set(&vars, cat.s[i]->vars[v], "7", 1);
  mqs_arena a = {0};
  mqs_hexbuf out = {0};
  size_t built = 0;
  rounds = 200;
  t0 = now_us();
  for (int r = 0; r < rounds; r++)
    for (size_t i = 0; i < cat.n; i++)
      built += build_all(cat.s[i], cat.s[i]->steps, cat.s[i]->n_steps, &vars, &a, &out);
  double encode = (now_us() - t0) / (double)(built ? built : 1);

  /* Match: a 5.0 PUBLISH with properties against a typical expectation. */
  static const uint8_t pub[] = {0x32, 0x1a, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x05, 0x10,
                                0x26, 0x00, 0x01, 'k',  0x00, 0x01, '1', 0x26, 0x00, 0x01,
                                'k',  0x00, 0x01, '2',  0x0b, 0x03, 'h', 'i'};
  const char *yaml = "{expect: publish, topic: a/b, qos: {range: [1, 2]}, id: any, payload: hi, "
                     "properties: {user: [[k, \"1\"], [k, \"2\"]], topic_alias: absent}}";
  mqs_node *root;
  mqs_diag d;
  mqs_expect e;
  mqs_arena ea = {0};
  if (mqs_node_parse("bench", yaml, strlen(yaml), &ea, &root, &d) < 0 ||
      mqs_expect_compile(&ea, root, 5, NULL, 0, &e, &d) < 0) {
    fprintf(stderr, "bench_harness: %s\n", d.msg);
    exit(2);
  }
  int matches = 200000, ok = 0;
  t0 = now_us();
  for (int r = 0; r < matches; r++) {
    mqs_packet p;
    mqs_violation why;
    mqs_decode_opts o = {.version = MQS_V5, .from = MQS_FROM_SERVER};
    mqs_decode_ex(pub, sizeof pub, &o, &p, &why);
    mqs_match_ctx mc = {{&vars, NULL, 0, &a}, 5, {NULL, 0}};
    ok += mqs_match_packet(&e, &p, &mc, NULL, 0, &d) == 1;
    mqs_arena_reset(&a);
  }
  double match = (now_us() - t0) / matches;

  printf("scenario tree: %zu files, %zu steps (%zu sends, %zu expects); first load %.0f µs\n",
         cat.n, c.steps, c.sends, c.expects, load_once);
  printf("  load   %8.2f µs per step   (%.0f µs for the whole tree: parse, check, build-check)\n",
         load / (double)c.steps, load);
  printf("  encode %8.2f µs per packet (%zu packets built by fields, variables expanded)\n", encode,
         built / 200);
  printf("  match  %8.2f µs per expect (decode + 9 field checks; %d of %d matched)\n", match, ok,
         matches);
  mqs_hexbuf_free(&out);
  mqs_arena_free(&a);
  mqs_arena_free(&ea);
  mqs_vars_free(&vars);
  mqs_catalog_free(&cat);
}

static const char ten_steps[] =
    "id: bench.ten-steps\n"
    "title: ten steps\n"
    "spec: [MQTT-3.12.4-1]\n"
    "version: 5\n"
    "clients: [c]\n"
    "steps:\n"
    "  - c: connect\n"
    "  - c: {expect: connack, reason: success}\n"
    "  - c: {subscribe: {id: 1, topic: \"${prefix}/t\", qos: 1}}\n"
    "  - c: {expect: suback, id: 1}\n"
    "  - c: {publish: {topic: \"${prefix}/t\", qos: 1, id: 2, payload: bench}}\n"
    "  - c: {expect_unordered: [{expect: puback, id: 2}, {expect: publish, payload: bench, save: {pid: id}}]}\n"
    "  - c: {puback: {id: \"${pid}\"}}\n"
    "  - c: pingreq\n"
    "  - c: {expect: pingresp}\n"
    "  - c: disconnect\n";

static double run_many(mqs_scenario *sc, size_t runs, unsigned jobs, const char *host,
                       uint16_t port, size_t *passed, mqs_run_result *keep) {
  mqs_scenario **list = malloc(runs * sizeof *list);
  mqs_scenario_result *res = calloc(runs, sizeof *res);
  for (size_t i = 0; i < runs; i++) list[i] = sc;
  mqs_engine_opts o = {.host = host,
                       .port = port,
                       .jobs = jobs,
                       .step_timeout_ms = 5000,
                       .scenario_timeout_ms = 30000,
                       .run_tag = "b"};
  double t0 = now_us();
  mqs_engine_run(list, runs, &o, res);
  double wall = now_us() - t0;
  *passed = 0;
  for (size_t i = 0; i < runs; i++) *passed += res[i].verdict == MQS_VERDICT_PASS;
  if (keep) {
    keep->results = res;
    keep->n = runs;
  } else {
    for (size_t i = 0; i < runs; i++) mqs_result_clear(&res[i]);
    free(res);
  }
  free(list);
  return wall;
}

/* Reports: console lines, JSON and JUnit of those runs, per step. */
static void bench_reports(mqs_run_result *run, size_t steps) {
  FILE *null = fopen("/dev/null", "w");
  double t0 = now_us();
  for (size_t i = 0; i < run->n; i++) mqs_report_console_line(null, &run->results[i], false);
  mqs_report_console_summary(null, run, false);
  double console = now_us() - t0;
  fclose(null);
  t0 = now_us();
  int rc = mqs_report_json(run, "/dev/null");
  double json = now_us() - t0;
  t0 = now_us();
  rc |= mqs_report_junit(run, "/dev/null");
  double junit = now_us() - t0;
  double n = (double)(run->n * steps);
  printf("  report %8.2f µs per step   (console %.2f, JSON with decoded transcripts %.2f, JUnit %.2f)%s\n",
         (console + json + junit) / n, console / n, json / n, junit / n, rc ? " [a writer failed]" : "");
}

int main(int argc, char **argv) {
  const char *dir = "scenarios", *broker = NULL;
  size_t runs = 1000;
  unsigned jobs = 16;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--scenarios") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strcmp(argv[i], "--broker") == 0 && i + 1 < argc) broker = argv[++i];
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) jobs = (unsigned)atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_harness [--scenarios DIR] [--broker HOST:PORT] [--runs N] [--jobs N]\n");
      return 2;
    }
  }
  printf("bench_harness (%s build)\n", MQS_BENCH_BUILD_TYPE);
  bench_parts(dir);

  char host[MQS_TCP_HOST_MAX] = "127.0.0.1";
  uint16_t port = 0;
  mqs_bundled b = {.pid = -1, .out_fd = -1};
  if (broker) {
    if (mqs_tcp_parse_hostport(broker, host, sizeof host, &port, NULL) < 0) {
      fprintf(stderr, "bench_harness: --broker HOST:PORT\n");
      return 2;
    }
  } else {
    char err[1024];
    if (mqs_bundled_start(&b, err, sizeof err) < 0) {
      fprintf(stderr, "bench_harness: %s\n", err);
      return 2;
    }
    port = b.port;
  }
  mqs_diag d;
  mqs_scenario *sc = mqs_scenario_parse("ten-steps", ten_steps, strlen(ten_steps), &d);
  if (!sc) {
    fprintf(stderr, "bench_harness: %s\n", d.msg);
    return 2;
  }
  size_t passed;
  mqs_run_result run = {broker ? broker : "mqspec-broker", "bench", 0, 0, NULL, 0};
  double one = run_many(sc, runs, 1, host, port, &passed, &run);
  bench_reports(&run, sc->n_steps);
  for (size_t i = 0; i < run.n; i++) mqs_result_clear(&run.results[i]);
  free(run.results);
  printf("%zu runs of a %zu-step scenario against %s:\n", runs, sc->n_steps,
         broker ? broker : "mqspec-broker (bundled)");
  printf("  one at a time: %8.0f ms wall, %6.0f µs per run, %4.1f µs per step (%zu passed)\n",
         one / 1000, one / (double)runs, one / (double)(runs * sc->n_steps), passed);
  double par = run_many(sc, runs, jobs, host, port, &passed, NULL);
  printf("  %2u at a time:  %8.0f ms wall, %6.0f µs per run (%zu passed)\n", jobs, par / 1000,
         par / (double)runs, passed);
  mqs_scenario_free(sc);
  if (b.pid > 0) mqs_bundled_stop(&b);
  return 0;
}
