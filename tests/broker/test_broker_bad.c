/* tests/broker/test_broker_bad.c — bad input and load on the core: every
 * class in BAD-INPUTS.md gets the answer the specification names (5.0:
 * DISCONNECT with the reason code; 3.1.1: close), the offending connection
 * ends, and a bystander notices nothing. Then random and mutated input
 * with the invariants checked after every feed, and the memory bounds:
 * buffered input, output toward a client that does not read, queues of a
 * slow subscriber. */
#include <stdlib.h>

#include "tcore.h"

typedef struct {
  const char *what;
  const char *hex;
  int v5_reason; /* DISCONNECT reason for 5.0; -1: not sent to a 5.0 client */
  bool v311;     /* also sent to a 3.1.1 client (closed without a packet) */
} bad_case;

static const bad_case cases[] = {
    {"remaining length of 5 bytes", "30 ff ff ff ff 7f", 0x81, true},
    /* 5.0 only [MQTT-1.5.5-1]: 3.1.1 does not require the shortest encoding. */
    {"non-minimal remaining length", "c0 80 00", 0x81, false},
    {"string length beyond the packet", "30 04 ff ff 61 62", 0x81, true},
    {"QoS 1 PUBLISH cut before its packet id", "32 03 00 01 61", 0x81, true},
    {"SUBSCRIBE without options byte (3.1.1)", "82 05 00 01 00 01 61", -1, true},
    {"SUBSCRIBE without options byte (5.0)", "82 06 00 01 00 00 01 61", 0x81, false},
    {"PUBACK with trailing bytes (3.1.1)", "40 03 00 01 00", -1, true},
    {"empty topic and no alias", "30 03 00 00 00", 0x82, false},
    {"empty topic (3.1.1)", "30 02 00 00", -1, true},
    {"topic alias 0", "30 07 00 01 61 03 23 00 00", 0x94, false},
    {"topic alias used before it is set", "30 06 00 00 03 23 00 01", 0x82, false},
    {"property not allowed in PUBLISH", "30 09 00 01 61 05 11 00 00 00 01", 0x81, false},
    {"property twice", "30 08 00 01 61 04 01 00 01 00", 0x82, false},
    {"property length beyond the packet", "30 05 00 01 61 09 01", 0x81, false},
    {"unknown property", "30 06 00 01 61 02 7f 00", 0x81, false},
    {"subscription identifier 0", "82 09 00 01 02 0b 00 00 01 61 00", 0x82, false},
    {"subscription identifier from a client in PUBLISH", "30 06 00 01 61 02 0b 01", 0x82, false},
    {"CONNACK sent to the broker", "20 02 00 00", 0x82, true},
    {"SUBACK sent to the broker", "90 03 00 01 00", 0x82, true},
    {"reserved type 0", "00 00", 0x81, true},
    {"AUTH in 3.1.1", "f0 00", -1, true},
    {"packet id 0", "32 05 00 01 61 00 00", 0x82, true},
    {"wildcard in a topic name", "30 05 00 01 23 00 00", 0x90, false},
    {"'+' in a topic name (3.1.1)", "30 04 00 01 2b 00", -1, true},
    {"overlong UTF-8 in a topic", "30 06 00 02 c0 80 00 00", 0x81, true},
    {"U+0000 in a topic", "30 05 00 01 00 00 00", 0x81, true},
    {"surrogate in a topic", "30 07 00 03 ed a0 80 00 00", 0x81, true},
    {"SUBSCRIBE with no filter (3.1.1)", "82 02 00 01", -1, true},
    {"SUBSCRIBE with no filter", "82 03 00 01 00", 0x82, false},
    {"'#' not last", "82 0b 00 01 00 00 05 61 2f 23 2f 62 00", 0x81, false},
    {"'+' not alone", "82 09 00 01 00 00 03 61 2b 62 00", 0x81, false},
    {"No Local on a shared subscription", "82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 61 04",
     0x82, false},
    {"$share/g/ with an empty filter", "82 0f 00 01 00 00 09 24 73 68 61 72 65 2f 67 2f 00", 0x81,
     false},
    {"QoS 3 in SUBSCRIBE", "82 07 00 01 00 00 01 61 03", 0x82, false},
    {"Retain Handling 3", "82 07 00 01 00 00 01 61 30", 0x82, false},
    {"reserved subscription option bits", "82 07 00 01 00 00 01 61 c0", 0x81, false},
    {"PUBLISH with QoS 3", "36 05 00 01 61 00 01", 0x81, true},
    {"DUP on QoS 0", "38 04 00 01 61 00", 0x81, false},
    {"PUBREL with flags 0", "60 02 00 01", 0x81, true},
    {"SUBSCRIBE with flags 0", "80 06 00 01 00 01 61 00", 0x81, true},
    {"UNSUBSCRIBE with no filter", "a2 03 00 01 00", 0x82, false},
    {"second CONNECT", "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 7a", 0x82, true},
    {"DISCONNECT with an invalid reason", "e0 01 ff", 0x82, false},
    {"PUBACK with an invalid reason", "40 03 00 01 ff", 0x82, false},
    {"Receive Maximum in a PUBLISH", "30 07 00 01 61 03 21 00 05", 0x81, false},
    {"Response Topic with a wildcard", "30 09 00 01 61 05 08 00 02 61 23", 0x82, false},
    {"user property with bad UTF-8", "30 0b 00 01 61 07 26 00 01 ff 00 01 61", 0x81, false},
};

static void bystander_ok(tb *t, tc *by) {
  tc_send_hex(by, "c0 00");
  tc_expect(by, MQS_PINGRESP, NULL);
  tc_expect_nothing(by);
  (void)t;
}

static void every_bad_case(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *by5 = tc_connect(t, MQS_V5, "bystander5", true);
  tc *by4 = tc_connect(t, MQS_V311, "bystander4", true);
  tc_subscribe(by5, 1, "#", 2, 2);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bad_case *k = &cases[i];
    if (k->v5_reason >= 0) {
      tc *c = tc_connect(t, MQS_V5, "bad5", true);
      int rc = tc_send_hex(c, k->hex);
      if (rc >= 0) fail_msg("%s (5.0): accepted", k->what);
      mqs_packet d;
      if (!tc_recv(c, &d) || d.type != MQS_DISCONNECT) fail_msg("%s (5.0): no DISCONNECT", k->what);
      if (d.disconnect.reason != k->v5_reason)
        fail_msg("%s (5.0): DISCONNECT 0x%02x, expected 0x%02x", k->what, d.disconnect.reason,
                 k->v5_reason);
      tc_expect_nothing(c);
      tc_expect_closed(c);
    }
    if (k->v311) {
      tc *c = tc_connect(t, MQS_V311, "bad4", true);
      int rc = tc_send_hex(c, k->hex);
      if (rc >= 0) fail_msg("%s (3.1.1): accepted", k->what);
      mqs_packet d;
      if (tc_recv(c, &d))
        fail_msg("%s (3.1.1): answered with %s", k->what, mqs_packet_type_name(d.type));
      tc_expect_closed(c);
    }
    bystander_ok(t, by5);
    bystander_ok(t, by4);
  }
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_true(st.protocol_errors > 40);
  tb_free(t);
}

static void bad_connects(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  struct {
    const char *what, *hex;
    int reason; /* CONNACK reason, -1: closed without one */
  } cs[] = {
      {"reserved flag", "10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 61", -1},
      {"reserved flag (5.0)", "10 0e 00 04 4d 51 54 54 05 03 00 3c 00 00 01 61", 0x81},
      {"will QoS 3 (5.0)", "10 0e 00 04 4d 51 54 54 05 1c 00 3c 00 00 01 61", 0x81},
      {"will flag without fields (5.0)", "10 0e 00 04 4d 51 54 54 05 06 00 3c 00 00 01 61", 0x81},
      {"will retain without will", "10 0d 00 04 4d 51 54 54 04 22 00 3c 00 01 61", -1},
      {"user name flag without name (5.0)", "10 0e 00 04 4d 51 54 54 05 82 00 3c 00 00 01 61",
       0x81},
      {"password without user (3.1.1)", "10 0f 00 04 4d 51 54 54 04 42 00 3c 00 01 61 00 00", -1},
      {"bad UTF-8 client id (5.0)", "10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 ff", 0x81},
      {"truncated", "10 04 00 04 4d 51", -1},
      {"huge remaining length", "10 ff ff ff 7f", -1},
      {"trailing bytes (5.0)", "10 0f 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61 00", 0x81},
      {"will topic with a wildcard (5.0)",
       "10 15 00 04 4d 51 54 54 05 06 00 3c 00 00 01 61 00 00 01 23 00 01 78", 0x90},
      {"empty will topic (5.0)",
       "10 14 00 04 4d 51 54 54 05 06 00 3c 00 00 01 61 00 00 00 00 01 78", 0x82},
  };
  tc *by = tc_connect(t, MQS_V5, "bystander", true);
  for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    tc *c = tc_new(t, cs[i].what, MQS_V5);
    tc_send_hex(c, cs[i].hex);
    mqs_packet a;
    bool got = tc_recv(c, &a);
    if (cs[i].reason < 0) {
      if (got) fail_msg("%s: answered with %s", cs[i].what, mqs_packet_type_name(a.type));
    } else {
      if (!got || a.type != MQS_CONNACK) fail_msg("%s: no CONNACK", cs[i].what);
      if (a.connack.reason != cs[i].reason)
        fail_msg("%s: CONNACK 0x%02x, expected 0x%02x", cs[i].what, a.connack.reason, cs[i].reason);
    }
    tc_expect_closed(c);
    bystander_ok(t, by);
  }
  tb_free(t);
}

/* Deterministic pseudo-random bytes (splitmix64). */
static uint64_t rnd(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static const char *seeds[] = {
    "82 0a 00 01 00 00 05 61 2f 2b 2f 63 01",
    "30 0a 00 03 61 2f 62 00 68 65 6c 6c 6f",
    "32 0c 00 03 61 2f 62 00 05 00 68 65 6c 6c",
    "34 0a 00 03 61 2f 62 00 06 00 68 68",
    "62 02 00 06",
    "40 02 00 01",
    "50 02 00 01",
    "70 02 00 01",
    "a2 06 00 02 00 00 01 61",
    "c0 00",
    "e0 00",
    "e0 02 04 00",
    "31 09 00 03 72 2f 78 00 01 02 03",
    "30 0c 00 03 61 2f 62 05 23 00 01 26 00",
    "f0 02 19 00",
};

static void random_and_mutated_input(void **state) {
  (void)state;
  uint64_t seed = 12345;
  tb *t = tb_new(NULL);
  mqs_packet bk;
  tc_connect_packet(&bk, MQS_V5, "bystander", true);
  bk.connect.keep_alive = 0; /* the clock jumps below */
  tc *by = tc_connect_ex(t, "bystander", &bk, 0, NULL);
  tc_subscribe(by, 1, "#", 1, 1);
  for (int round = 0; round < 1500; round++) {
    mqs_version v = round % 3 == 0 ? MQS_V311 : MQS_V5;
    char id[16];
    snprintf(id, sizeof id, "f%d", round % 7); /* reuse ids: takeovers too */
    mqs_packet k;
    tc_connect_packet(&k, v, id, round % 2);
    tc *c = tc_connect_ex(t, id, &k, 0, NULL);
    for (int step = 0; step < 6 && !tc_should_close(c); step++) {
      uint8_t buf[64];
      size_t n;
      if (rnd(&seed) % 3 == 0) { /* pure noise */
        n = rnd(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++)
          buf[i] = (uint8_t)rnd(&seed);
      } else { /* a valid packet with a few bytes changed, cut or extended */
        const char *hex = seeds[rnd(&seed) % (sizeof seeds / sizeof seeds[0])];
        n = 0;
        for (const char *p = hex; *p && n < sizeof buf; p += (*p == ' ') ? 1 : 2)
          if (*p != ' ') buf[n++] = (uint8_t)strtoul((char[]){p[0], p[1], 0}, NULL, 16);
        int flips = (int)(rnd(&seed) % 3);
        for (int f = 0; f < flips; f++)
          buf[rnd(&seed) % n] ^= (uint8_t)(1u << (rnd(&seed) % 8));
        if (rnd(&seed) % 4 == 0) n = rnd(&seed) % (n + 1);
      }
      tc_feed(c, buf, n); /* tb_check runs inside */
      mqs_packet p;
      while (tc_recv(c, &p)) {
        if (p.type == MQS_PUBLISH && p.publish.qos == 1) {
          uint8_t ack[4] = {0x40, 2, (uint8_t)(p.publish.id >> 8), (uint8_t)p.publish.id};
          tc_feed(c, ack, 4);
        }
      }
    }
    if (rnd(&seed) % 2) tb_advance(t, rnd(&seed) % 20000);
    tc_gone(c);
    /* The bystander keeps working; drain what it got (it subscribed to "#"). */
    mqs_packet p;
    while (tc_recv(by, &p)) {
      if (p.type == MQS_PUBLISH && p.publish.qos == 1) {
        uint8_t ack[4] = {0x40, 2, (uint8_t)(p.publish.id >> 8), (uint8_t)p.publish.id};
        tc_feed(by, ack, 4);
      }
    }
    if (tc_should_close(by)) fail_msg("bystander closed in round %d", round);
  }
  bystander_ok(t, by);
  tb_free(t);
}

static void input_buffer_bounded(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_packet_size = 4096;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V311, "c", true);
  /* A PUBLISH of 4000 bytes fed slowly: buffered, never above its size. */
  uint8_t hdr[] = {0x30, 0xa0, 0x1f, 0x00, 0x01, 'x'}; /* remaining length 4000 */
  tc_feed(c, hdr, sizeof hdr);
  uint8_t chunk[100];
  memset(chunk, 'y', sizeof chunk);
  for (int i = 0; i < 39; i++)
    assert_int_equal(tc_feed(c, chunk, sizeof chunk), 0);
  tc_feed(c, chunk, 4000 - 3 - 3900);
  assert_false(tc_should_close(c));
  /* Then one announcing 4097 bytes: refused from its header. */
  uint8_t big[] = {0x30, 0x81, 0x20};
  assert_true(tc_feed(c, big, sizeof big) < 0);
  tc_expect_closed(c);
  tb_free(t);
}

static void output_bounded_for_a_client_that_does_not_read(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V311, "deaf", true);
  /* PINGREQ after PINGREQ without reading the answers: input pauses. */
  uint8_t pings[2000];
  for (size_t i = 0; i < sizeof pings; i += 2) {
    pings[i] = 0xc0;
    pings[i + 1] = 0;
  }
  int feeds = 0;
  while (mqs_client_wants_input(c->c)) {
    mqs_client_input(c->c, pings, sizeof pings, t->now);
    feeds++;
    assert_true(feeds < 1000);
  }
  const uint8_t *p;
  size_t pending = mqs_client_output(c->c, &p);
  assert_true(pending >= t->cfg.max_output_bytes);
  assert_true(pending < t->cfg.max_output_bytes + sizeof pings);
  tb_check(t);
  /* Reading resumes input. */
  mqs_client_output_done(c->c, pending);
  assert_true(mqs_client_wants_input(c->c));
  tb_free(t);
}

static void slow_subscriber_does_not_stall_others(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *slow = tc_connect(t, MQS_V311, "slow", true);
  tc *fast = tc_connect(t, MQS_V311, "fast", true);
  tc_subscribe(slow, 1, "load", 1, 1);
  tc_subscribe(fast, 1, "load", 1, 1);
  tc *pub = tc_connect(t, MQS_V311, "pub", true);
  int got = 0;
  for (int i = 0; i < 5000; i++) {
    uint16_t id = (uint16_t)(i % 60000 + 1);
    uint8_t full[] = {0x32,        0x09, 0x00, 0x04, 'l', 'o', 'a', 'd', (uint8_t)(id >> 8),
                      (uint8_t)id, 'x'};
    mqs_client_input(pub->c, full, sizeof full, t->now);
    const uint8_t *out;
    size_t n;
    while ((n = mqs_client_output(pub->c, &out)))
      mqs_client_output_done(pub->c, n);
    mqs_packet p;
    while (tc_recv(fast, &p)) {
      assert_int_equal(p.type, MQS_PUBLISH);
      uint8_t ack[4] = {0x40, 2, (uint8_t)(p.publish.id >> 8), (uint8_t)p.publish.id};
      tc_feed(fast, ack, 4);
      got++;
    }
  }
  assert_int_equal(got, 5000);
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  /* "slow" never pulls output: a full queue (1000) waits, the rest was dropped. */
  assert_int_equal(st.msgs_dropped, 5000 - 1000);
  tb_free(t);
}

static void many_user_properties(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  tc_subscribe(s, 1, "u", 0, 0);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  static mqs_str_pair up[5000];
  for (int i = 0; i < 5000; i++)
    up[i] = (mqs_str_pair){tstr("k"), tstr("v")};
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = tstr("u");
  p.publish.payload = tstr("x");
  p.publish.props.user = up;
  p.publish.props.n_user = 5000;
  tc_send(c, &p);
  mqs_packet got;
  tc_expect_publish(s, "u", "x", 0, &got);
  assert_int_equal(got.publish.props.n_user, 5000);
  tb_free(t);
}

static void deep_topics(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_topic_levels = MQS_BROKER_MAX_TOPIC_LEVELS;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "deep", true);
  /* The deepest topic allowed: matching and the retained store recurse
   * once per level, and must fit the stack (under ASan too). */
  static char topic[MQS_BROKER_MAX_TOPIC_LEVELS + 1];
  memset(topic, '/', MQS_BROKER_MAX_TOPIC_LEVELS - 1);
  topic[MQS_BROKER_MAX_TOPIC_LEVELS - 1] = 0;
  tc_subscribe(c, 1, "#", 0, 0);
  tc_subscribe(c, 2, topic, 0, 0);
  tc_publish(c, topic, "x", 0, true, 0);
  mqs_packet p;
  tc_expect(c, MQS_PUBLISH, &p);
  assert_int_equal(p.publish.topic.len, MQS_BROKER_MAX_TOPIC_LEVELS - 1);
  tc *late = tc_connect(t, MQS_V5, "late", true);
  tc_subscribe(late, 1, "#", 0, 0);
  tc_expect(late, MQS_PUBLISH, &p);
  /* One level more: refused, the connection lives on. */
  strcat(topic, "/");
  mqs_packet q;
  memset(&q, 0, sizeof q);
  q.type = MQS_PUBLISH;
  q.publish.topic = tstr(topic);
  q.publish.payload = tstr("y");
  q.publish.qos = 1;
  q.publish.id = 1;
  tc_send(c, &q);
  mqs_packet a;
  tc_expect(c, MQS_PUBACK, &a);
  assert_int_equal(a.ack.reason, 0x90);
  tc_subscribe(c, 3, topic, 0, 0x8F);
  /* A broker cannot be made with a limit it could not honour. */
  cfg.max_topic_levels = MQS_BROKER_MAX_TOPIC_LEVELS + 1;
  assert_null(mqs_broker_new(&cfg, 0));
  tb_free(t);
}

/* A client closed before the broker wrote it anything has no output, and
 * asking for it is defined behaviour (fuzz_broker found NULL + 0 in the
 * empty output buffer under clang's UBSan). */
static void output_of_a_client_never_answered(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_client *c = mqs_broker_accept(t->b, "never answered", NULL, t->now);
  assert_non_null(c);
  static const uint8_t publish_first[] = {0x30, 0x00};
  assert_int_not_equal(mqs_client_input(c, publish_first, sizeof publish_first, t->now), 0);
  assert_true(mqs_client_should_close(c));
  const uint8_t *p = publish_first;
  assert_int_equal(mqs_client_output(c, &p), 0);
  mqs_client_output_done(c, 0);
  mqs_client_gone(c, t->now);
  tb_check(t);
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_bad_case),
      cmocka_unit_test(bad_connects),
      cmocka_unit_test(output_of_a_client_never_answered),
      cmocka_unit_test(random_and_mutated_input),
      cmocka_unit_test(input_buffer_bounded),
      cmocka_unit_test(output_bounded_for_a_client_that_does_not_read),
      cmocka_unit_test(slow_subscriber_does_not_stall_others),
      cmocka_unit_test(many_user_properties),
      cmocka_unit_test(deep_topics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
