/* tests/broker/test_broker_net.c — the mqspec-broker binary over real
 * sockets on loopback: publish/subscribe at every QoS, retained messages,
 * wills, keep alive, IPv6, graceful shutdown, flags and configuration file,
 * the password tool, $SYS, a slow subscriber under load, and bad input
 * that must not disturb anyone else. Each test starts its own broker on a
 * free port. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "netclient.h"
#include "scram_client.h"

static mqs_str S(const char *s) { return (mqs_str){(const uint8_t *)s, (uint32_t)strlen(s)}; }

static bool is(mqs_str s, const char *want) {
  return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void subscribe(nc *c, const char *filter, uint8_t qos) {
  mqs_sub f = {S(filter), qos};
  mqs_packet p, a;
  memset(&p, 0, sizeof p);
  p.type = MQS_SUBSCRIBE;
  p.subscribe.id = 1;
  p.subscribe.n_filters = 1;
  p.subscribe.filters = &f;
  assert_int_equal(nc_send(c, &p), 0);
  assert_int_equal(nc_recv(c, &a, 3000), 1);
  assert_int_equal(a.type, MQS_SUBACK);
}

static void publish(nc *c, const char *topic, const char *payload, uint8_t qos, bool retain,
                    uint16_t id) {
  mqs_packet p, a;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = S(topic);
  p.publish.payload = S(payload);
  p.publish.qos = qos;
  p.publish.retain = retain;
  p.publish.id = qos ? id : 0;
  assert_int_equal(nc_send(c, &p), 0);
  if (qos == 1) {
    assert_int_equal(nc_recv(c, &a, 3000), 1);
    assert_int_equal(a.type, MQS_PUBACK);
  } else if (qos == 2) {
    assert_int_equal(nc_recv(c, &a, 3000), 1);
    assert_int_equal(a.type, MQS_PUBREC);
    uint8_t rel[] = {0x62, 2, (uint8_t)(id >> 8), (uint8_t)id};
    nc_send_raw(c, rel, 4);
    assert_int_equal(nc_recv(c, &a, 3000), 1);
    assert_int_equal(a.type, MQS_PUBCOMP);
  }
}

/* Expect a PUBLISH and complete its flow. */
static void expect_publish(nc *c, const char *topic, const char *payload, int qos,
                           mqs_packet *out) {
  mqs_packet tmp;
  if (!out) out = &tmp;
  if (nc_recv(c, out, 3000) != 1) fail_msg("no PUBLISH for %s", topic);
  assert_int_equal(out->type, MQS_PUBLISH);
  if (!is(out->publish.topic, topic) || !is(out->publish.payload, payload))
    fail_msg("got %.*s %.*s, expected %s %s", (int)out->publish.topic.len,
             (const char *)out->publish.topic.p, (int)out->publish.payload.len,
             (const char *)out->publish.payload.p, topic, payload);
  if (qos >= 0) assert_int_equal(out->publish.qos, qos);
  uint16_t id = out->publish.id;
  uint8_t ack[4] = {0, 2, (uint8_t)(id >> 8), (uint8_t)id};
  if (out->publish.qos == 1) {
    ack[0] = 0x40;
    nc_send_raw(c, ack, 4);
  } else if (out->publish.qos == 2) {
    ack[0] = 0x50;
    nc_send_raw(c, ack, 4);
    mqs_packet rel;
    assert_int_equal(nc_recv(c, &rel, 3000), 1);
    assert_int_equal(rel.type, MQS_PUBREL);
    ack[0] = 0x70;
    nc_send_raw(c, ack, 4);
  }
}

static void expect_nothing(nc *c, int ms) {
  mqs_packet p;
  int r = nc_recv(c, &p, ms);
  if (r == 1) fail_msg("expected nothing, got %s", mqs_packet_type_name(p.type));
}

static nc *client(broker_proc *bp, mqs_version v, const char *id) {
  nc *c = nc_open("127.0.0.1", bp->port, v);
  assert_non_null(c);
  assert_int_equal(nc_connect(c, id, true, 60, NULL), 0);
  return c;
}

static void pubsub_every_qos(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    nc *sub = client(&bp, (mqs_version)v, "sub");
    nc *pub = client(&bp, (mqs_version)v, "pub");
    subscribe(sub, "net/#", 2);
    for (int q = 0; q < 3; q++) {
      char pl[8];
      snprintf(pl, sizeof pl, "q%d", q);
      publish(pub, "net/x", pl, (uint8_t)q, false, (uint16_t)(q + 1));
      expect_publish(sub, "net/x", pl, q, NULL);
    }
    publish(pub, "net/retained", "kept", 1, true, 9);
    expect_publish(sub, "net/retained", "kept", 1, NULL);
    nc *late = client(&bp, (mqs_version)v, "late");
    subscribe(late, "net/retained", 1);
    mqs_packet p;
    expect_publish(late, "net/retained", "kept", 1, &p);
    assert_true(p.publish.retain);
    publish(pub, "net/retained", "", 0, true, 0); /* delete */
    expect_publish(sub, "net/retained", "", 0, NULL);
    nc_close(late);
    nc_close(pub);
    nc_close(sub);
  }
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

static void will_on_socket_close(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  nc *w = client(&bp, MQS_V5, "watcher");
  subscribe(w, "will/#", 1);
  nc *c = nc_open("127.0.0.1", bp.port, MQS_V311);
  mqs_packet k, a;
  memset(&k, 0, sizeof k);
  k.type = MQS_CONNECT;
  k.connect.level = MQS_V311;
  k.connect.client_id = S("dying");
  k.connect.clean_start = true;
  k.connect.will = true;
  k.connect.will_qos = 1;
  k.connect.will_topic = S("will/dying");
  k.connect.will_payload = S("gone");
  nc_send(c, &k);
  assert_int_equal(nc_recv(c, &a, 3000), 1);
  nc_close(c); /* no DISCONNECT */
  expect_publish(w, "will/dying", "gone", 1, NULL);
  nc_close(w);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

static void keep_alive_timeout(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  nc *c = nc_open("127.0.0.1", bp.port, MQS_V5);
  assert_int_equal(nc_connect(c, "ka", true, 1, NULL), 0);
  mqs_packet d;
  /* Keep alive 1 s: the broker gives up after 1.5 s of silence. */
  assert_int_equal(nc_recv(c, &d, 3000), 1);
  assert_int_equal(d.type, MQS_DISCONNECT);
  assert_int_equal(d.disconnect.reason, 0x8D);
  assert_true(nc_wait_closed(c, 2000));
  nc_close(c);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

static void ipv6_loopback(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  nc *c = nc_open("::1", bp.port, MQS_V5);
  if (!c) {
    bp_stop(&bp, 3000);
    skip(); /* no IPv6 on this host */
  }
  assert_int_equal(nc_connect(c, "six", true, 60, NULL), 0);
  nc *four = client(&bp, MQS_V311, "four");
  subscribe(c, "v6", 0);
  publish(four, "v6", "across families", 0, false, 0);
  expect_publish(c, "v6", "across families", 0, NULL);
  nc_close(c);
  nc_close(four);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

static void graceful_shutdown(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  nc *c5 = client(&bp, MQS_V5, "five");
  nc *c4 = client(&bp, MQS_V311, "four");
  assert_int_equal(bp_stop(&bp, 3000), 0); /* SIGTERM: exit status 0 */
  mqs_packet d;
  assert_int_equal(nc_recv(c5, &d, 3000), 1);
  assert_int_equal(d.type, MQS_DISCONNECT);
  assert_int_equal(d.disconnect.reason, 0x8B); /* Server shutting down */
  assert_true(nc_wait_closed(c5, 3000));
  assert_true(nc_wait_closed(c4, 3000));
  nc_close(c5);
  nc_close(c4);
}

static void flags_and_config_file(void **state) {
  (void)state;
  char path[] = "/tmp/mqs-broker-conf-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *conf = "# test configuration\n"
                     "topic-alias-maximum 3\n"
                     "max_packet_size 2048   # underscores work too\n"
                     "retain true\n";
  assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
  close(fd);
  /* The flag after the file wins over it. */
  const char *args[] = {"-c", path, "--no-retain", "--max-qos", "1", "--no-wildcards", NULL};
  broker_proc bp;
  assert_int_equal(bp_start(&bp, args), 0);
  nc *c = nc_open("127.0.0.1", bp.port, MQS_V5);
  mqs_packet a;
  assert_int_equal(nc_connect(c, "cfg", true, 60, &a), 0);
  const mqs_props *pr = &a.connack.props;
  assert_true(mqs_props_has(pr, MQS_PROP_RETAIN_AVAILABLE));
  assert_int_equal(pr->retain_available, 0);
  assert_int_equal(pr->max_qos, 1);
  assert_int_equal(pr->topic_alias_max, 3);
  assert_int_equal(pr->max_packet_size, 2048);
  assert_true(mqs_props_has(pr, MQS_PROP_WILDCARD_AVAILABLE));
  nc_close(c);
  assert_int_equal(bp_stop(&bp, 3000), 0);
  unlink(path);
}

static int run_status(const char *cmd) {
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void bad_flags_exit_2(void **state) {
  (void)state;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s --max-qos 3 2>/dev/null", MQS_BROKER_BIN);
  assert_int_equal(run_status(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s --frobnicate 2>/dev/null", MQS_BROKER_BIN);
  assert_int_equal(run_status(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s -c /nonexistent.conf 2>/dev/null", MQS_BROKER_BIN);
  assert_int_equal(run_status(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s --help >/dev/null", MQS_BROKER_BIN);
  assert_int_equal(run_status(cmd), 0);
}

static void password_tool_and_file(void **state) {
  (void)state;
  char path[] = "/tmp/mqs-broker-pw-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path); /* the tool creates it */
  char cmd[512];
  snprintf(cmd, sizeof cmd, "printf 'secret\\n' | %s passwd %s alice", MQS_BROKER_BIN, path);
  assert_int_equal(run_status(cmd), 0);
  snprintf(cmd, sizeof cmd, "printf 'other\\n' | %s passwd %s bob", MQS_BROKER_BIN, path);
  assert_int_equal(run_status(cmd), 0);
  snprintf(cmd, sizeof cmd, "grep -c SCRAM-SHA-256 %s | grep -qx 2 && ! grep -q secret %s", path,
           path);
  assert_int_equal(run_status(cmd), 0);
  const char *args[] = {"--password-file", path, "--allow-anonymous", "false", NULL};
  broker_proc bp;
  assert_int_equal(bp_start(&bp, args), 0);
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    mqs_packet k, a;
    memset(&k, 0, sizeof k);
    k.type = MQS_CONNECT;
    k.connect.level = (uint8_t)v;
    k.connect.client_id = S("pw");
    k.connect.clean_start = true;
    k.connect.username = S("alice");
    k.connect.password = S("secret");
    nc *c = nc_open("127.0.0.1", bp.port, (mqs_version)v);
    nc_send(c, &k);
    assert_int_equal(nc_recv(c, &a, 3000), 1);
    assert_int_equal(a.connack.reason, 0);
    nc_close(c);
    k.connect.password = S("wrong");
    c = nc_open("127.0.0.1", bp.port, (mqs_version)v);
    nc_send(c, &k);
    assert_int_equal(nc_recv(c, &a, 3000), 1);
    assert_int_equal(a.connack.reason, v == MQS_V5 ? 0x86 : 0x04);
    assert_true(nc_wait_closed(c, 3000));
    nc_close(c);
  }
  assert_int_equal(bp_stop(&bp, 3000), 0);
  unlink(path);
}

static void scram_over_the_wire(void **state) {
  (void)state;
  char path[] = "/tmp/mqs-broker-scram-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "printf 'pencil\\n' | %s passwd %s user", MQS_BROKER_BIN, path);
  assert_int_equal(run_status(cmd), 0);
  const char *args[] = {"--password-file", path, NULL};
  broker_proc bp;
  assert_int_equal(bp_start(&bp, args), 0);
  scram_client sc;
  char first[256], fin[512];
  scram_client_first(&sc, "user", "pencil", first, sizeof first);
  nc *c = nc_open("127.0.0.1", bp.port, MQS_V5);
  mqs_packet k, a;
  memset(&k, 0, sizeof k);
  k.type = MQS_CONNECT;
  k.connect.level = MQS_V5;
  k.connect.client_id = S("scram");
  k.connect.clean_start = true;
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD) | MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
  k.connect.props.auth_method = S("SCRAM-SHA-256");
  k.connect.props.auth_data = S(first);
  nc_send(c, &k);
  assert_int_equal(nc_recv(c, &a, 3000), 1);
  assert_int_equal(a.type, MQS_AUTH);
  assert_int_equal(a.auth.reason, 0x18);
  assert_true(scram_client_final(&sc, (const char *)a.auth.props.auth_data.p,
                                 a.auth.props.auth_data.len, fin, sizeof fin));
  mqs_packet f;
  memset(&f, 0, sizeof f);
  f.type = MQS_AUTH;
  f.auth.reason = 0x18;
  f.auth.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD) | MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
  f.auth.props.auth_method = S("SCRAM-SHA-256");
  f.auth.props.auth_data = S(fin);
  nc_send(c, &f);
  assert_int_equal(nc_recv(c, &a, 3000), 1);
  assert_int_equal(a.type, MQS_CONNACK);
  assert_int_equal(a.connack.reason, 0);
  assert_true(scram_client_verify(&sc, (const char *)a.connack.props.auth_data.p,
                                  a.connack.props.auth_data.len));
  nc_close(c);
  assert_int_equal(bp_stop(&bp, 3000), 0);
  unlink(path);
}

static void sys_topics(void **state) {
  (void)state;
  const char *args[] = {"--sys-interval", "1", NULL};
  broker_proc bp;
  assert_int_equal(bp_start(&bp, args), 0);
  nc *c = client(&bp, MQS_V311, "sys");
  subscribe(c, "$SYS/broker/#", 0);
  bool version = false, connected = false;
  mqs_packet p;
  while ((!version || !connected) && nc_recv(c, &p, 3000) == 1) {
    if (p.type != MQS_PUBLISH) continue;
    if (is(p.publish.topic, "$SYS/broker/version")) version = true;
    if (is(p.publish.topic, "$SYS/broker/clients/connected")) connected = true;
  }
  assert_true(version);
  assert_true(connected);
  /* "#" does not see $SYS (4.7.2). */
  nc *all = client(&bp, MQS_V311, "all");
  subscribe(all, "#", 0);
  expect_nothing(all, 1500); /* spans one publication of $SYS */
  nc_close(all);
  nc_close(c);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

enum { LOAD_N = 20000, LOAD_SIZE = 1024 };

typedef struct {
  nc *c;
  int got;
  bool in_order;
} reader;

/* The fast subscriber reads on its own thread, as a real client would. */
static void *read_all(void *arg) {
  reader *r = arg;
  r->in_order = true;
  while (r->got < LOAD_N) {
    mqs_packet p;
    if (nc_recv(r->c, &p, 5000) != 1) break;
    if (p.type != MQS_PUBLISH || p.publish.payload.len != LOAD_SIZE) continue;
    const uint8_t *s = p.publish.payload.p;
    uint32_t seq = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
    if (seq != (uint32_t)r->got) r->in_order = false;
    r->got++;
  }
  return NULL;
}

static void slow_subscriber_under_load(void **state) {
  (void)state;
  /* Queues deep enough (16 MB by the byte limit) that the fast reader never
   * loses a message to scheduling hiccups; the slow one hits the limit. */
  const char *args[] = {"--max-queued", "100000", NULL};
  broker_proc bp;
  assert_int_equal(bp_start(&bp, args), 0);
  nc *slow = client(&bp, MQS_V311, "slow"); /* subscribes, then never reads */
  subscribe(slow, "load", 0);
  nc *fast = client(&bp, MQS_V311, "fast");
  subscribe(fast, "load", 0);
  nc *pub = client(&bp, MQS_V311, "pub");
  reader r = {fast, 0, false};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, read_all, &r), 0);
  /* 20000 x 1 KB: far more than the slow reader's socket buffers hold. */
  uint8_t pkt[1 + 2 + 2 + 4 + LOAD_SIZE];
  size_t n = 0;
  uint32_t rl = 2 + 4 + LOAD_SIZE;
  pkt[n++] = 0x30;
  pkt[n++] = (uint8_t)(0x80 | (rl & 0x7f));
  pkt[n++] = (uint8_t)(rl >> 7);
  pkt[n++] = 0;
  pkt[n++] = 4;
  memcpy(pkt + n, "load", 4);
  n += 4;
  size_t seq_at = n;
  memset(pkt + n, 'x', LOAD_SIZE);
  n += LOAD_SIZE;
  for (uint32_t i = 0; i < LOAD_N; i++) {
    pkt[seq_at] = (uint8_t)(i >> 24);
    pkt[seq_at + 1] = (uint8_t)(i >> 16);
    pkt[seq_at + 2] = (uint8_t)(i >> 8);
    pkt[seq_at + 3] = (uint8_t)i;
    assert_int_equal(nc_send_raw(pub, pkt, n), 0);
  }
  pthread_join(th, NULL);
  if (r.got != LOAD_N) fail_msg("fast subscriber got %d of %d", r.got, LOAD_N);
  assert_true(r.in_order);
  /* The broker still answers at once. */
  uint8_t ping[] = {0xc0, 0};
  nc_send_raw(pub, ping, 2);
  mqs_packet q;
  assert_int_equal(nc_recv(pub, &q, 3000), 1);
  assert_int_equal(q.type, MQS_PINGRESP);
  nc_close(slow);
  nc_close(fast);
  nc_close(pub);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

static void bad_input_isolated(void **state) {
  (void)state;
  broker_proc bp;
  assert_int_equal(bp_start(&bp, NULL), 0);
  nc *good = client(&bp, MQS_V5, "good");
  subscribe(good, "ok", 0);
  const char *junk[] = {"\x30\xff\xff\xff\xff\x7f", "\x00\x00",
                        "\x20\x02\x00\x00",         "\xc0\x80\x00",
                        "\x30\x03\x00\x00\x00",     "GET / HTTP/1.1\r\n\r\n"};
  size_t lens[] = {6, 2, 4, 3, 5, 18};
  for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
    nc *bad = nc_open("127.0.0.1", bp.port, MQS_V5);
    if (i % 2) assert_int_equal(nc_connect(bad, "bad", true, 60, NULL), 0);
    nc_send_raw(bad, junk[i], lens[i]);
    assert_true(nc_wait_closed(bad, 3000));
    nc_close(bad);
  }
  nc *pub = client(&bp, MQS_V5, "pub");
  publish(pub, "ok", "still here", 0, false, 0);
  expect_publish(good, "ok", "still here", 0, NULL);
  nc_close(pub);
  nc_close(good);
  assert_int_equal(bp_stop(&bp, 3000), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pubsub_every_qos),           cmocka_unit_test(will_on_socket_close),
      cmocka_unit_test(keep_alive_timeout),         cmocka_unit_test(ipv6_loopback),
      cmocka_unit_test(graceful_shutdown),          cmocka_unit_test(flags_and_config_file),
      cmocka_unit_test(bad_flags_exit_2),           cmocka_unit_test(password_tool_and_file),
      cmocka_unit_test(scram_over_the_wire),        cmocka_unit_test(sys_topics),
      cmocka_unit_test(slow_subscriber_under_load), cmocka_unit_test(bad_input_isolated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
