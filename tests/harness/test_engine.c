/* tests/harness/test_engine.c — the engine against scripted brokers on real
 * loopback sockets: variables and captures, repeat, parallel runs, and every
 * way a broker can misbehave (garbage, half a packet, a flood, silence, a
 * refused connection), each ending in a verdict within its timeouts.
 *
 * A scripted broker runs in a thread with blocking sockets. Its script is a
 * list of commands separated by ';', run for each connection it accepts:
 *   r         read one packet (it is recorded)
 *   w HEX     write these bytes
 *   c / x     close (FIN) / reset (RST)
 *   p MS      pause
 *   f         flood: write PUBLISH packets until the peer goes away
 *   e         read until the end of the stream */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "hex.h"
#include "mqs/tcp.h"

typedef struct {
  int lfd;
  uint16_t port;
  const char *script;
  pthread_t th;
  volatile int stop;
  pthread_mutex_t mu;
  mqs_hexbuf got; /* every packet read, one after another */
  int conns;
} fake;

static int read_full(int fd, uint8_t *p, size_t n) {
  size_t o = 0;
  while (o < n) {
    ssize_t r = read(fd, p + o, n - o);
    if (r <= 0) return -1;
    o += (size_t)r;
  }
  return 0;
}

static int read_packet(fake *f, int fd) {
  uint8_t b[65536];
  size_t n = 0;
  if (read_full(fd, b, 2) < 0) return -1;
  n = 2;
  uint32_t rl = b[1] & 0x7F, mul = 128;
  while (b[n - 1] & 0x80) {
    if (n >= 5 || read_full(fd, b + n, 1) < 0) return -1;
    rl += (b[n] & 0x7Fu) * mul;
    mul *= 128;
    n++;
  }
  if (rl > sizeof b - n || read_full(fd, b + n, rl) < 0) return -1;
  pthread_mutex_lock(&f->mu);
  mqs_hexbuf_append(&f->got, b, n + rl);
  pthread_mutex_unlock(&f->mu);
  return 0;
}

static void run_script(fake *f, int fd) {
  char *copy = strdup(f->script), *save = NULL;
  struct timeval tv = {5, 0}; /* a test must not hang on a harness that stopped */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  for (char *cmd = strtok_r(copy, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) {
    while (*cmd == ' ') cmd++;
    if (cmd[0] == 'r') {
      if (read_packet(f, fd) < 0) break;
    } else if (cmd[0] == 'w') {
      mqs_hexbuf hb = {0};
      mqs_hex_error e;
      if (mqs_hex_parse(cmd + 1, strlen(cmd + 1), &hb, &e) == 0 && hb.len)
        (void)!write(fd, hb.p, hb.len);
      mqs_hexbuf_free(&hb);
    } else if (cmd[0] == 'c') {
      break;
    } else if (cmd[0] == 'x') {
      struct linger l = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      break;
    } else if (cmd[0] == 'p') {
      long ms = atol(cmd + 1);
      struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    } else if (cmd[0] == 'f') {
      static uint8_t pub[4096];
      pub[0] = 0x30, pub[1] = 0xFD, pub[2] = 0x1F; /* remaining 4093 */
      pub[3] = 0x00, pub[4] = 0x01, pub[5] = 'f', pub[6] = 0x00;
      while (!f->stop && write(fd, pub, sizeof pub) > 0) {
      }
      break;
    } else if (cmd[0] == 'e') {
      uint8_t b[4096];
      while (read(fd, b, sizeof b) > 0) {
      }
      break;
    }
  }
  free(copy);
  close(fd);
}

typedef struct {
  fake *f;
  int fd;
} conn_arg;

static void *conn_thread(void *p) {
  conn_arg *a = p;
  run_script(a->f, a->fd);
  free(a);
  return NULL;
}

static void *serve(void *p) {
  fake *f = p;
  pthread_t threads[64];
  int n = 0;
  while (!f->stop) {
    struct pollfd pfd = {f->lfd, POLLIN, 0};
    if (poll(&pfd, 1, 20) <= 0) continue;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0) continue;
    conn_arg *a = malloc(sizeof *a);
    a->f = f;
    a->fd = fd;
    f->conns++;
    if (n < 64) pthread_create(&threads[n++], NULL, conn_thread, a);
    else run_script(f, fd), free(a);
  }
  for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
  return NULL;
}

/* rcvbuf > 0: a small receive buffer (set before listen, so accepted
 * sockets have it and the kernel does not grow it). */
static void fake_start_rcvbuf(fake *f, const char *script, int rcvbuf) {
  memset(f, 0, sizeof *f);
  f->script = script;
  pthread_mutex_init(&f->mu, NULL);
  f->lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) setsockopt(f->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(f->lfd, 64), 0);
  socklen_t len = sizeof a;
  getsockname(f->lfd, (struct sockaddr *)&a, &len);
  f->port = ntohs(a.sin_port);
  pthread_create(&f->th, NULL, serve, f);
}

static void fake_start(fake *f, const char *script) { fake_start_rcvbuf(f, script, 0); }

/* Stop accepting and wait for every connection's script to end. */
static void fake_join(fake *f) {
  f->stop = 1;
  pthread_join(f->th, NULL);
}

static void fake_free(fake *f) {
  close(f->lfd);
  mqs_hexbuf_free(&f->got);
  pthread_mutex_destroy(&f->mu);
}

static void fake_stop(fake *f) {
  fake_join(f);
  fake_free(f);
}

static const uint8_t *find(const mqs_hexbuf *b, const void *what, size_t n) {
  for (size_t i = 0; i + n <= b->len; i++)
    if (memcmp(b->p + i, what, n) == 0) return b->p + i;
  return NULL;
}

static mqs_scenario *scenario(const char *yaml) {
  mqs_diag d;
  mqs_scenario *s = mqs_scenario_parse("test.yaml", yaml, strlen(yaml), &d);
  if (!s) fail_msg("%d:%d %s\n%s", d.line, d.col, d.msg, yaml);
  return s;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run one scenario against port; the result is the caller's to clear. */
static void run1(const char *yaml, uint16_t port, uint32_t step_ms, mqs_scenario_result *r,
                 mqs_scenario **sc) {
  *sc = scenario(yaml);
  mqs_engine_opts o = {.host = "127.0.0.1",
                       .port = port,
                       .jobs = 1,
                       .step_timeout_ms = step_ms,
                       .scenario_timeout_ms = 10000,
                       .run_tag = "t"};
  memset(r, 0, sizeof *r);
  assert_int_equal(mqs_engine_run(sc, 1, &o, r), 0);
}

static void verdict(const char *yaml, uint16_t port, mqs_verdict want, const char *words) {
  mqs_scenario *sc;
  mqs_scenario_result r;
  run1(yaml, port, 400, &r, &sc);
  const char *msg = r.message ? r.message : r.na_reason ? r.na_reason : "";
  if (r.verdict != want || (words && !strstr(msg, words)))
    fail_msg("verdict %s '%s', wanted %s with '%s'", mqs_verdict_name(r.verdict), msg,
             mqs_verdict_name(want), words ? words : "");
  mqs_result_clear(&r);
  mqs_scenario_free(sc);
}

#define V5_HEAD "id: t\ntitle: t\nspec: [MQTT-3.12.4-1]\nversion: 5\n"
#define CONNACK_OK "w 20 03 00 00 00"

static void captures_and_variables(void **state) {
  (void)state;
  fake f;
  /* CONNACK, then a QoS 1 PUBLISH a/b with id 0x1234 and payload hi; record what comes back. */
  fake_start(&f, "r;" CONNACK_OK ";w 32 0a 00 03 61 2f 62 12 34 00 68 69;r;r;e");
  mqs_scenario *sc;
  mqs_scenario_result r;
  run1(V5_HEAD "clients: [c]\nsteps:\n"
               "  - c: connect\n"
               "  - c: {expect: connack}\n"
               "  - c: {expect: publish, id: 0x1234, save: {pid: id, t: topic, body: payload}}\n"
               "  - c: {puback: {id: \"${pid}\"}}\n"
               "  - c: {publish: {topic: \"${t}/${prefix}\", payload: \"${body}:${pid}\"}}\n",
       f.port, 400, &r, &sc);
  assert_int_equal(r.verdict, MQS_VERDICT_PASS);
  fake_join(&f); /* the broker has read everything: its script ends with "e" */
  /* What the broker got: CONNECT with the default client id (prefix, client
   * letter, name), PUBACK 12 34, and the PUBLISH built from the captures. */
  static const uint8_t ack[] = {0x40, 0x02, 0x12, 0x34};
  assert_non_null(find(&f.got, ack, 4));
  assert_non_null(find(&f.got, "mqst0000ac", 10));
  assert_non_null(find(&f.got, "a/b/mqst0000", 12));
  assert_non_null(find(&f.got, "hi:4660", 7));
  mqs_result_clear(&r);
  mqs_scenario_free(sc);
  fake_free(&f);
}

static void repeat_and_step_names(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";r;w d0 00;r;w d0 00;r;w d0 00;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - repeat: {times: 3, as: i, steps: [{c: pingreq}, {c: {expect_bytes: \"d0 00\"}}]}\n",
          f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  /* Two answers only: the third iteration fails, and the message names it. */
  fake_start(&f, "r;" CONNACK_OK ";r;w d0 00;r;w d0 00;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - repeat: {times: 3, steps: [{c: pingreq}, {c: {expect: pingresp}}]}\n",
          f.port, MQS_VERDICT_FAIL, "step 3.2 (iteration 3)");
  fake_stop(&f);
}

static void broker_garbage(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;w ff ff ff ff ff 01;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "bytes that are not an MQTT packet");
  fake_stop(&f);
  /* A packet that frames but breaks a rule: the rule is named. */
  fake_start(&f, "r;w 20 02 02 00;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "a packet that breaks a rule");
  fake_stop(&f);
}

static void broker_half_packet(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;w 20 03 00;c");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "the connection closed in the middle of a packet");
  fake_stop(&f);
  fake_start(&f, "r;w 20 03 00;e");
  uint64_t t0 = now_ms();
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "3 bytes of an incomplete packet");
  assert_true(now_ms() - t0 < 3000);
  fake_stop(&f);
}

static void broker_silent_or_gone(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;e");
  uint64_t t0 = now_ms();
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "timed out after 400 ms");
  assert_true(now_ms() - t0 < 3000);
  fake_stop(&f);
  fake_start(&f, "r;x");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n", f.port,
          MQS_VERDICT_FAIL, "the connection was reset by the broker");
  fake_stop(&f);
  /* Nothing listens: an error, not a verdict on a broker. */
  int port = mqs_tcp_free_port();
  assert_true(port > 0);
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n", (uint16_t)port, MQS_VERDICT_ERROR,
          "cannot connect to 127.0.0.1");
}

static void broker_flood(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";f");
  uint64_t t0 = now_ms();
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n  - wait: 20s\n",
          f.port, MQS_VERDICT_FAIL, "flood: client c received more than");
  assert_true(now_ms() - t0 < 15000);
  fake_stop(&f);
}

/* A broker that stops reading: the harness's writes stall, and the step
 * that cannot finish its write fails at its timeout instead of blocking. */
static void broker_stops_reading(void **state) {
  (void)state;
  fake f;
  fake_start_rcvbuf(&f, "r;" CONNACK_OK ";p 1500", 4096);
  char payload[4097];
  memset(payload, 'z', 4096);
  payload[4096] = '\0';
  char *y = malloc(8192);
  snprintf(y, 8192,
           V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                   "  - repeat: {times: 5000, steps: [{c: {publish: {topic: a, payload: %s}}}]}\n",
           payload);
  uint64_t t0 = now_ms();
  verdict(y, f.port, MQS_VERDICT_FAIL, "the broker stopped reading");
  assert_true(now_ms() - t0 < 3000);
  free(y);
  fake_stop(&f);
}

static void not_applicable_from_connack(void **state) {
  (void)state;
  fake f;
  /* Retain Available 0. */
  fake_start(&f, "r;w 20 05 00 00 02 25 00;e");
  verdict(V5_HEAD "needs: [retain]\nclients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n",
          f.port, MQS_VERDICT_NA, "the broker's CONNACK says Retain Available 0");
  fake_stop(&f);
  /* No Topic Alias Maximum at all means 0. */
  fake_start(&f, "r;" CONNACK_OK ";e");
  verdict(V5_HEAD "needs: [topic_alias]\nclients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n",
          f.port, MQS_VERDICT_NA, "no Topic Alias Maximum");
  fake_stop(&f);
  /* Maximum QoS 1 for a scenario that needs QoS 2. */
  fake_start(&f, "r;w 20 05 00 00 02 24 01;e");
  verdict(V5_HEAD "needs: [qos2]\nclients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n",
          f.port, MQS_VERDICT_NA, "Maximum QoS 1");
  fake_stop(&f);
  /* else_na for one field: a refusal is n/a, a success without the property fails. */
  const char *cid = V5_HEAD "clients: [c]\nsteps:\n  - c: {connect: {client_id: \"\"}}\n"
                            "  - c: {expect: connack, reason: success, properties: {assigned_client_id: any},"
                            " else_na: {reason: refuses empty ids}}\n";
  fake_start(&f, "r;w 20 03 00 85 00;e");
  verdict(cid, f.port, MQS_VERDICT_NA, "refuses empty ids");
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";e");
  verdict(cid, f.port, MQS_VERDICT_FAIL, "properties.assigned_client_id: expected any, got absent");
  fake_stop(&f);
  /* else_na for another packet type: a CONNACK refusing the method instead of an AUTH. */
  const char *scram = V5_HEAD "clients: [c]\nsteps:\n"
                              "  - c: {connect: {properties: {auth_method: SCRAM-SHA-256}}}\n"
                              "  - c: {expect: auth, reason: continue_authentication,"
                              " else_na: {connack: no SCRAM here}}\n";
  fake_start(&f, "r;w 20 03 00 8c 00;e");
  verdict(scram, f.port, MQS_VERDICT_NA, "no SCRAM here");
  fake_stop(&f);
  fake_start(&f, "r;w f0 00;e"); /* an AUTH, but Success: that still fails */
  verdict(scram, f.port, MQS_VERDICT_FAIL, "reason");
  fake_stop(&f);
  /* A lower grant than asked, with else_na. */
  fake_start(&f, "r;" CONNACK_OK ";r;w 90 04 00 01 00 01;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {subscribe: {id: 1, topic: a, qos: 2}}\n"
                  "  - c: {expect: suback, reasons: [granted_qos_2], else_na: granted less}\n",
          f.port, MQS_VERDICT_NA, "granted less");
  fake_stop(&f);
}

static void expect_close_reasons(void **state) {
  (void)state;
  fake f;
  const char *y = V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                          "  - c: {send_hex: \"c0 01 00\"}\n"
                          "  - c: {expect_close: {reason: malformed_packet}}\n";
  fake_start(&f, "r;" CONNACK_OK ";w e0 01 81;c");
  verdict(y, f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";c");
  verdict(y, f.port, MQS_VERDICT_PASS, NULL); /* a DISCONNECT first is optional */
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";w e0 01 82;c");
  verdict(y, f.port, MQS_VERDICT_FAIL, "expected malformed_packet, got 0x82 protocol_error");
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";e");
  verdict(y, f.port, MQS_VERDICT_FAIL, "the connection is still open");
  fake_stop(&f);
  /* Without a reason matcher: any error code (0x80 or more), not 0x00. */
  fake_start(&f, "r;" CONNACK_OK ";w e0 00;c");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {expect_close: {}}\n",
          f.port, MQS_VERDICT_FAIL, "reason code 0x00 is not an error");
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";w 40 02 00 01;c");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {expect_close: {before: required}}\n",
          f.port, MQS_VERDICT_FAIL, "a packet arrived instead of the close");
  fake_stop(&f);
}

/* or_close: the packet, or the broker closing (5.0: perhaps after a DISCONNECT >= 0x80). */
static void expect_or_close(void **state) {
  (void)state;
  fake f;
  const char *y = V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                          "  - c: {publish: {topic: a, qos: 1, id: 1}}\n"
                          "  - c: {expect: puback, id: 1, or_close: true}\n";
  fake_start(&f, "r;" CONNACK_OK ";r;w 40 02 00 01;e");
  verdict(y, f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";r;c");
  verdict(y, f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";r;w e0 01 87;c");
  verdict(y, f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";r;w e0 00;c"); /* a normal DISCONNECT is no refusal */
  verdict(y, f.port, MQS_VERDICT_FAIL, "DISCONNECT");
  fake_stop(&f);
  fake_start(&f, "r;" CONNACK_OK ";r;e"); /* neither */
  verdict(y, f.port, MQS_VERDICT_FAIL, "timed out");
  fake_stop(&f);
}

static void unordered_and_ignore(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";r;r;w 40 02 00 07;w 90 04 00 01 00 00;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {send: [{subscribe: {id: 1, topic: a}}, {publish: {topic: a, qos: 1, id: 7}}]}\n"
                  "  - c: {expect_unordered: [{expect: suback, id: 1}, {expect: puback, id: 7}]}\n",
          f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  /* A PINGRESP nobody asked for: skipped by a client that ignores it, a failure otherwise. */
  const char *script = "r;" CONNACK_OK ";w d0 00;r;w 90 04 00 01 00 00;e";
  fake_start(&f, script);
  verdict(V5_HEAD "clients: {c: {ignore: [pingresp]}}\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {subscribe: {id: 1, topic: a}}\n  - c: {expect: suback, id: 1}\n",
          f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  fake_start(&f, script);
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {subscribe: {id: 1, topic: a}}\n  - c: {expect: suback, id: 1}\n",
          f.port, MQS_VERDICT_FAIL, "expected SUBACK, got PINGRESP");
  fake_stop(&f);
  /* Nothing for a while: a packet inside the window fails it. */
  fake_start(&f, "r;" CONNACK_OK ";p 100;w d0 00;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n  - c: {expect_nothing: 300ms}\n",
          f.port, MQS_VERDICT_FAIL, "a packet arrived after");
  fake_stop(&f);
}

static void topic_alias_from_broker(void **state) {
  (void)state;
  fake f;
  /* Alias 1 set with topic a/b, then used with an empty topic. */
  fake_start(&f, "r;" CONNACK_OK ";w 30 0a 00 03 61 2f 62 03 23 00 01 78;w 30 07 00 00 03 23 00 01 79;e");
  const char *y = V5_HEAD "clients: [c]\nsteps:\n  - c: {connect: {properties: {topic_alias_max: 4}}}\n"
                          "  - c: {expect: connack}\n"
                          "  - c: {expect: publish, topic: a/b, payload: x}\n"
                          "  - c: {expect: publish, topic: a/b, payload: y, properties: {topic_alias: 1}}\n";
  verdict(y, f.port, MQS_VERDICT_PASS, NULL);
  fake_stop(&f);
  /* The same against a client that allowed no aliases: the broker broke MQTT-3.3.2-11. */
  fake_start(&f, "r;" CONNACK_OK ";w 30 0a 00 03 61 2f 62 03 23 00 01 78;e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {expect: publish}\n",
          f.port, MQS_VERDICT_FAIL, "TOPIC_ALIAS_ABOVE_MAX");
  fake_stop(&f);
  /* An alias never set. */
  fake_start(&f, "r;" CONNACK_OK ";w 30 07 00 00 03 23 00 02 79;e");
  verdict(y, f.port, MQS_VERDICT_FAIL, "empty topic with a Topic Alias the broker never set here");
  fake_stop(&f);
}

static void split_writes_and_transcript(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";r;r;w d0 00;w d0 00;e");
  mqs_scenario *sc;
  mqs_scenario_result r;
  run1(V5_HEAD "clients: [c]\nsteps:\n  - c: {connect: {}, split: 4, gap: 1ms}\n  - c: {expect: connack}\n"
               "  - c: {send: [{pingreq: {}}, {hex: \"c0 00\"}]}\n  - c: {expect_bytes: \"d0 00\"}\n"
               "  - c: {expect_bytes: \"d0 ??\"}\n",
       f.port, 400, &r, &sc);
  assert_int_equal(r.verdict, MQS_VERDICT_PASS);
  const mqs_transcript *t = &r.transcript;
  assert_int_equal(t->version, 5);
  assert_int_equal(t->ev[0].kind, MQS_WIRE_OPEN);
  assert_string_equal(t->ev[0].client, "c");
  size_t sent_connect = 0, i = 1, total = 0;
  for (; i < t->n && t->ev[i].kind == MQS_WIRE_SENT; i++) {
    assert_true(t->ev[i].len <= 4); /* split: 4 */
    total += t->ev[i].len;
    sent_connect++;
  }
  assert_true(sent_connect >= 5);
  assert_int_equal(total, t->ev[1].data[1] + 2u); /* the whole CONNECT, in pieces */
  /* The two pings went out in one write. */
  int one_write = 0;
  for (size_t k = 0; k < t->n; k++) {
    if (t->ev[k].kind == MQS_WIRE_SENT && t->ev[k].len == 4 && t->ev[k].data[0] == 0xc0 &&
        t->ev[k].data[2] == 0xc0)
      one_write = 1;
    if (k) assert_true(t->ev[k].t_us >= t->ev[k - 1].t_us);
  }
  assert_true(one_write);
  assert_int_equal(t->ev[t->n - 1].kind, MQS_WIRE_CLOSED_LOCAL);
  mqs_result_clear(&r);
  mqs_scenario_free(sc);
  fake_stop(&f);
}

static void timeouts(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";e");
  /* The scenario's own timeout ends it even while a step would wait longer. */
  uint64_t t0 = now_ms();
  verdict(V5_HEAD "timeout: 300ms\nclients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {expect: pingresp, timeout: 10s}\n",
          f.port, MQS_VERDICT_FAIL, "the scenario's timeout (300 ms) ran out");
  assert_true(now_ms() - t0 < 3000);
  fake_stop(&f);
  /* A step's timeout beats the run's default. */
  fake_start(&f, "r;" CONNACK_OK ";e");
  verdict(V5_HEAD "clients: [c]\nsteps:\n  - c: connect\n  - c: {expect: connack}\n"
                  "  - c: {expect: pingresp, timeout: 150ms}\n",
          f.port, MQS_VERDICT_FAIL, "timed out after 150 ms");
  fake_stop(&f);
}

/* Scenarios run side by side on one loop: twenty 300 ms waits take about 300 ms. */
static void parallel(void **state) {
  (void)state;
  fake f;
  fake_start(&f, "r;" CONNACK_OK ";e");
  enum { N = 20 };
  mqs_scenario *sc[N];
  mqs_scenario_result r[N];
  for (int i = 0; i < N; i++) {
    char y[400];
    snprintf(y, sizeof y,
             "id: p%d\ntitle: t\nspec: [MQTT-3.12.4-1]\nversion: 5\nclients: [c]\nsteps:\n"
             "  - c: connect\n  - c: {expect: connack}\n  - c: {expect_nothing: 300ms}\n",
             i);
    sc[i] = scenario(y);
  }
  int done = 0;
  mqs_engine_opts o = {.host = "127.0.0.1",
                       .port = f.port,
                       .jobs = N,
                       .step_timeout_ms = 2000,
                       .scenario_timeout_ms = 10000,
                       .run_tag = "p"};
  memset(r, 0, sizeof r);
  uint64_t t0 = now_ms();
  assert_int_equal(mqs_engine_run(sc, N, &o, r), 0);
  uint64_t took = now_ms() - t0;
  for (int i = 0; i < N; i++) {
    if (r[i].verdict == MQS_VERDICT_PASS) done++;
    mqs_result_clear(&r[i]);
    mqs_scenario_free(sc[i]);
  }
  assert_int_equal(done, N);
  if (took > 2500) fail_msg("%d overlapping 300 ms scenarios took %llu ms", N, (unsigned long long)took);
  fake_stop(&f);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* the scripted broker writes to sockets the harness has closed */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(captures_and_variables),
      cmocka_unit_test(repeat_and_step_names),
      cmocka_unit_test(broker_garbage),
      cmocka_unit_test(broker_half_packet),
      cmocka_unit_test(broker_silent_or_gone),
      cmocka_unit_test(broker_flood),
      cmocka_unit_test(broker_stops_reading),
      cmocka_unit_test(not_applicable_from_connack),
      cmocka_unit_test(expect_close_reasons),
      cmocka_unit_test(expect_or_close),
      cmocka_unit_test(unordered_and_ignore),
      cmocka_unit_test(topic_alias_from_broker),
      cmocka_unit_test(split_writes_and_transcript),
      cmocka_unit_test(timeouts),
      cmocka_unit_test(parallel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
