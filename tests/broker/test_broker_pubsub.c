/* tests/broker/test_broker_pubsub.c — PUBLISH at QoS 0, 1 and 2 in both
 * directions, delivered QoS, wildcards and '$' topics, No Local,
 * overlapping subscriptions, subscription identifiers, shared
 * subscriptions and UNSUBSCRIBE, on the core. */
#include "tcore.h"

static void qos_matrix(void **state) {
  (void)state;
  /* Delivered QoS = min(published, granted), for every pair, both versions. */
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    tb *t = tb_new(NULL);
    tc *pub = tc_connect(t, (mqs_version)v, "pub", true);
    tc *sub[3];
    for (int g = 0; g < 3; g++) {
      char id[8];
      snprintf(id, sizeof id, "sub%d", g);
      sub[g] = tc_connect(t, (mqs_version)v, id, true);
      tc_subscribe(sub[g], 1, "m/q", (uint8_t)g, (uint8_t)g);
    }
    for (int q = 0; q < 3; q++) {
      tc_publish(pub, "m/q", "x", (uint8_t)q, false, (uint16_t)(10 + q));
      for (int g = 0; g < 3; g++) {
        mqs_packet p;
        tc_expect_publish(sub[g], "m/q", "x", q < g ? q : g, &p);
        assert_false(p.publish.dup);
        assert_false(p.publish.retain);
      }
    }
    tb_free(t);
  }
}

static void qos2_inbound_exactly_once(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V5, "pub", true);
  tc *sub = tc_connect(t, MQS_V5, "sub", true);
  tc_subscribe(sub, 1, "x", 2, 2);
  /* PUBLISH QoS 2 id 7, twice (a DUP resend before PUBREL): delivered once. */
  tc_send_hex(pub, "34 07 00 01 78 00 07 00 41");
  mqs_packet a;
  tc_expect(pub, MQS_PUBREC, &a);
  assert_int_equal(a.ack.id, 7);
  tc_send_hex(pub, "3c 07 00 01 78 00 07 00 41");
  tc_expect(pub, MQS_PUBREC, &a);
  tc_send_hex(pub, "62 02 00 07");
  tc_expect(pub, MQS_PUBCOMP, &a);
  assert_int_equal(a.ack.id, 7);
  assert_int_equal(a.ack.reason, 0);
  tc_expect_publish(sub, "x", "A", 2, NULL);
  tc_expect_nothing(sub);
  /* After PUBCOMP the identifier is new again: a second message. */
  tc_send_hex(pub, "34 07 00 01 78 00 07 00 42");
  tc_expect(pub, MQS_PUBREC, &a);
  tc_expect_publish(sub, "x", "B", 2, NULL);
  /* PUBREL for an unknown identifier: PUBCOMP 0x92 (5.0). */
  tc_send_hex(pub, "62 02 00 09");
  tc_expect(pub, MQS_PUBCOMP, &a);
  assert_int_equal(a.ack.reason, 0x92);
  tb_free(t);
}

static void v311_acks_are_exact(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V311, "c", true);
  size_t at = c->rx_len;
  tc_send_hex(c, "32 06 00 01 61 00 05 68"); /* QoS 1 id 5 */
  tc_send_hex(c, "34 06 00 01 61 00 06 68"); /* QoS 2 id 6 */
  tc_send_hex(c, "62 02 00 06");
  tc_expect(c, MQS_PUBACK, NULL);
  tc_expect(c, MQS_PUBREC, NULL);
  tc_expect(c, MQS_PUBCOMP, NULL);
  assert_int_equal(c->rx_len - at, 12);
  assert_memory_equal(c->rx + at, "\x40\x02\x00\x05\x50\x02\x00\x06\x70\x02\x00\x06", 12);
  tb_free(t);
}

static void outbound_qos2_flow_and_packet_ids(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V5, "pub", true);
  tc *sub = tc_connect(t, MQS_V5, "sub", true);
  tc_subscribe(sub, 1, "o", 2, 2);
  tc_publish(pub, "o", "1", 2, false, 1);
  tc_publish(pub, "o", "2", 2, false, 2);
  mqs_packet p1, p2;
  tc_expect(sub, MQS_PUBLISH, &p1);
  tc_expect(sub, MQS_PUBLISH, &p2);
  assert_int_not_equal(p1.publish.id, 0);
  assert_int_not_equal(p1.publish.id, p2.publish.id); /* unique while inflight */
  /* PUBREC for the second first; PUBREL comes for each; PUBCOMP ends them. */
  char hex[32];
  snprintf(hex, sizeof hex, "50 02 %02x %02x", p2.publish.id >> 8, p2.publish.id & 0xff);
  tc_send_hex(sub, hex);
  mqs_packet rel;
  tc_expect(sub, MQS_PUBREL, &rel);
  assert_int_equal(rel.ack.id, p2.publish.id);
  snprintf(hex, sizeof hex, "70 02 %02x %02x", p2.publish.id >> 8, p2.publish.id & 0xff);
  tc_send_hex(sub, hex);
  snprintf(hex, sizeof hex, "50 02 %02x %02x", p1.publish.id >> 8, p1.publish.id & 0xff);
  tc_send_hex(sub, hex);
  tc_expect(sub, MQS_PUBREL, &rel);
  assert_int_equal(rel.ack.id, p1.publish.id);
  /* PUBREC for an unknown id: PUBREL 0x92. */
  tc_send_hex(sub, "50 02 12 34");
  tc_expect(sub, MQS_PUBREL, &rel);
  assert_int_equal(rel.ack.reason, 0x92);
  tb_free(t);
}

static void wildcards_and_dollar(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V311, "pub", true);
  struct {
    const char *filter;
    const char *topics_matched; /* '|'-separated, in publish order below */
  } cases[] = {
      {"a/+/c", "a/b/c|a//c"},
      {"a/#", "a|a/b/c|a//c|a/b"},
      {"#", "a|a/b/c|a//c|a/b|/x"},
      {"+/+", "a/b|/x"},
      {"+", "a"},
      {"/+", "/x"},
      {"$SYS/#", "$SYS/x"},
      {"+/x", "/x"},
      {"$SYS/+", "$SYS/x"},
  };
  const char *topics[] = {"a", "a/b/c", "a//c", "a/b", "/x", "$SYS/x", "$other"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char id[16];
    snprintf(id, sizeof id, "s%zu", i);
    tc *s = tc_connect(t, MQS_V311, id, true);
    tc_subscribe(s, 1, cases[i].filter, 0, 0);
    (void)s;
  }
  /* Clients may not publish to $SYS: the broker publishes there itself. Use
   * the broker-side route for "$SYS/x" by enabling nothing: expect no match. */
  for (size_t k = 0; k < sizeof topics / sizeof topics[0]; k++)
    tc_publish(pub, topics[k], topics[k], 0, false, 0);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tc *s = t->clients[1 + i];
    char want[128];
    snprintf(want, sizeof want, "%s", cases[i].topics_matched);
    char *save = NULL;
    for (char *w = strtok_r(want, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
      if (w[0] == '$') continue; /* $SYS/x was refused from a client */
      tc_expect_publish(s, w, w, 0, NULL);
    }
    tc_expect_nothing(s);
  }
  tb_free(t);
}

static void no_local_and_overlap(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V5, "self", true);
  tc_subscribe(c, 1, "nl/#", 1 | MQS_SUBOPT_NO_LOCAL, 1);
  tc_publish(c, "nl/a", "mine", 0, false, 0);
  tc_expect_nothing(c); /* MQTT-3.8.3-3 */
  tc *o = tc_connect(t, MQS_V5, "other", true);
  tc_publish(o, "nl/a", "theirs", 0, false, 0);
  tc_expect_publish(c, "nl/a", "theirs", 0, NULL);
  /* Overlapping subscriptions with identifiers: one delivery, max QoS,
   * every identifier. */
  mqs_sub subs[2] = {{tstr("ov/+"), 1}, {tstr("ov/#"), 2}};
  uint32_t id1 = 11;
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_SUBSCRIBE;
  p.subscribe.id = 2;
  p.subscribe.props.n_sub_id = 1;
  p.subscribe.props.sub_ids = &id1;
  p.subscribe.n_filters = 1;
  p.subscribe.filters = &subs[0];
  tc_send(o, &p);
  tc_expect(o, MQS_SUBACK, NULL);
  uint32_t id2 = 22;
  p.subscribe.id = 3;
  p.subscribe.props.sub_ids = &id2;
  p.subscribe.filters = &subs[1];
  tc_send(o, &p);
  tc_expect(o, MQS_SUBACK, NULL);
  tc_publish(c, "ov/x", "both", 2, false, 5);
  mqs_packet got;
  tc_expect_publish(o, "ov/x", "both", 2, &got);
  assert_int_equal(got.publish.props.n_sub_id, 2);
  uint32_t cur = 0, a = 0, b = 0;
  assert_true(mqs_props_next_sub_id(&got.publish.props, &cur, &a));
  assert_true(mqs_props_next_sub_id(&got.publish.props, &cur, &b));
  assert_true((a == 11 && b == 22) || (a == 22 && b == 11));
  tc_expect_nothing(o);
  tb_free(t);
}

static void unsubscribe(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V5, "u", true);
  tc_subscribe(c, 1, "u/1", 0, 0);
  tc_publish(c, "u/1", "before", 0, false, 0);
  tc_expect_publish(c, "u/1", "before", 0, NULL);
  mqs_sub f[2] = {{tstr("u/1"), 0}, {tstr("u/none"), 0}};
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_UNSUBSCRIBE;
  p.subscribe.id = 9;
  p.subscribe.n_filters = 2;
  p.subscribe.filters = f;
  tc_send(c, &p);
  mqs_packet a;
  tc_expect(c, MQS_UNSUBACK, &a);
  assert_int_equal(a.suback.id, 9);
  assert_int_equal(a.suback.n_reasons, 2);
  assert_int_equal(a.suback.reasons[0], 0x00);
  assert_int_equal(a.suback.reasons[1], 0x11); /* No subscription existed */
  tc_publish(c, "u/1", "after", 0, false, 0);
  tc_expect_nothing(c);
  /* 3.1.1 UNSUBACK is exactly b0 02 id. */
  tc *d = tc_connect(t, MQS_V311, "u4", true);
  size_t at = d->rx_len;
  tc_send_hex(d, "a2 05 00 07 00 01 7a");
  tc_expect(d, MQS_UNSUBACK, NULL);
  assert_memory_equal(d->rx + at, "\xb0\x02\x00\x07", 4);
  tb_free(t);
}

static void resubscribe_replaces(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V5, "r", true);
  tc_subscribe(c, 1, "r", 0, 0);
  tc_subscribe(c, 2, "r", 2, 2); /* MQTT-3.8.4-3: replaces, one subscription */
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.subscriptions, 1);
  tc *pub = tc_connect(t, MQS_V5, "rp", true);
  tc_publish(pub, "r", "once", 2, false, 1);
  tc_expect_publish(c, "r", "once", 2, NULL);
  tc_expect_nothing(c);
  tb_free(t);
}

static void shared_round_robin(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V5, "pub", true);
  tc *m[3];
  for (int i = 0; i < 3; i++) {
    char id[8];
    snprintf(id, sizeof id, "m%d", i);
    m[i] = tc_connect(t, MQS_V5, id, true);
    tc_subscribe(m[i], 1, "$share/g/s/+", 1, 1);
  }
  tc *plain = tc_connect(t, MQS_V5, "plain", true);
  tc_subscribe(plain, 1, "s/#", 0, 0);
  tc *other = tc_connect(t, MQS_V5, "og", true);
  tc_subscribe(other, 1, "$share/h/s/x", 0, 0);
  int got[3] = {0};
  for (int k = 0; k < 9; k++)
    tc_publish(pub, "s/x", "m", 1, false, (uint16_t)(k + 1));
  for (int i = 0; i < 3; i++) {
    mqs_packet p;
    while (tc_recv(m[i], &p)) {
      assert_int_equal(p.publish.qos, 1);
      char hex[16];
      snprintf(hex, sizeof hex, "40 02 %02x %02x", p.publish.id >> 8, p.publish.id & 0xff);
      tc_send_hex(m[i], hex);
      got[i]++;
    }
  }
  /* One member per group per message, spread evenly. */
  assert_int_equal(got[0], 3);
  assert_int_equal(got[1], 3);
  assert_int_equal(got[2], 3);
  for (int k = 0; k < 9; k++)
    tc_expect_publish(plain, "s/x", "m", 0, NULL);
  for (int k = 0; k < 9; k++)
    tc_expect_publish(other, "s/x", "m", 0, NULL);
  /* Offline members are skipped while others are online. */
  tc_gone(m[0]);
  tc_gone(m[1]);
  for (int k = 0; k < 3; k++)
    tc_publish(pub, "s/x", "n", 0, false, 0);
  for (int k = 0; k < 3; k++)
    tc_expect_publish(m[2], "s/x", "n", 0, NULL);
  /* Unsubscribing a shared filter leaves the plain one alone (CVE-2024-8376). */
  tc_unsubscribe(m[2], 2, "$share/g/s/+");
  tc_publish(pub, "s/x", "o", 0, false, 0);
  tc_expect_nothing(m[2]);
  tc_expect_publish(plain, "s/x", "n", 0, NULL);
  tb_free(t);
}

static void shared_in_v311(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *a = tc_connect(t, MQS_V311, "a", true);
  tc *b = tc_connect(t, MQS_V311, "b", true);
  tc_subscribe(a, 1, "$share/g/t", 0, 0);
  tc_subscribe(b, 1, "$share/g/t", 0, 0);
  tc_subscribe(b, 2, "$share//t", 0, 0x80); /* empty share name: refused */
  tc_publish(a, "t", "1", 0, false, 0);
  tc_publish(a, "t", "2", 0, false, 0);
  mqs_packet p;
  int n = 0;
  while (tc_recv(a, &p))
    n++;
  while (tc_recv(b, &p))
    n++;
  assert_int_equal(n, 2);
  tb_free(t);
}

static void qos0_publish_to_many(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V311, "pub", true);
  tc *subs[50];
  for (int i = 0; i < 50; i++) {
    char id[8];
    snprintf(id, sizeof id, "s%d", i);
    subs[i] = tc_connect(t, i % 2 ? MQS_V5 : MQS_V311, id, true);
    tc_subscribe(subs[i], 1, i % 3 ? "many/+" : "many/#", 0, 0);
  }
  tc_publish(pub, "many/x", "hello", 0, false, 0);
  for (int i = 0; i < 50; i++) {
    tc_expect_publish(subs[i], "many/x", "hello", 0, NULL);
    assert_true(subs[i]->wakes > 0);
  }
  tb_free(t);
}

static void sys_topics(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.sys_interval_s = 5;
  cfg.version = "mqspec-broker test";
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "sys", true);
  tc_subscribe(c, 1, "$SYS/broker/#", 0, 0);
  tc *all = tc_connect(t, MQS_V5, "all", true);
  tc_subscribe(all, 1, "#", 0, 0);
  tb_advance(t, 1); /* the first publication is due at start */
  bool version = false, connected = false;
  int n = 0;
  mqs_packet p;
  while (tc_recv(c, &p)) {
    assert_int_equal(p.type, MQS_PUBLISH);
    if (str_is(p.publish.topic, "$SYS/broker/version")) {
      CHECK_STR(p.publish.payload, "mqspec-broker test");
      version = true;
    }
    if (str_is(p.publish.topic, "$SYS/broker/clients/connected")) {
      CHECK_STR(p.publish.payload, "2");
      connected = true;
    }
    n++;
  }
  assert_true(version && connected);
  tc_expect_nothing(all); /* "#" does not match $SYS (MQTT-4.7.2-1) */
  tb_advance(t, 4999);
  tc_expect_nothing(c);
  assert_true(mqs_broker_next_deadline(t->b) <= t->now + 1);
  tb_advance(t, 1);
  int again = 0;
  while (tc_recv(c, &p))
    again++;
  assert_int_equal(again, n);
  /* Retained: a late subscriber reads them at once. */
  tc *late = tc_connect(t, MQS_V311, "late", true);
  tc_subscribe(late, 1, "$SYS/broker/uptime", 0, 0);
  tc_expect_publish(late, "$SYS/broker/uptime", "5 seconds", 0, NULL);
  /* Clients may not publish there. */
  tc_send_hex(c, "32 0b 00 06 24 53 59 53 2f 78 00 05 00");
  tc_expect(c, MQS_PUBACK, &p);
  assert_int_equal(p.ack.reason, 0x87);
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(qos_matrix),           cmocka_unit_test(qos2_inbound_exactly_once),
      cmocka_unit_test(v311_acks_are_exact),  cmocka_unit_test(outbound_qos2_flow_and_packet_ids),
      cmocka_unit_test(wildcards_and_dollar), cmocka_unit_test(no_local_and_overlap),
      cmocka_unit_test(unsubscribe),          cmocka_unit_test(resubscribe_replaces),
      cmocka_unit_test(shared_round_robin),   cmocka_unit_test(shared_in_v311),
      cmocka_unit_test(qos0_publish_to_many), cmocka_unit_test(sys_topics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
