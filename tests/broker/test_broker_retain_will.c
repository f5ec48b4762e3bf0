/* tests/broker/test_broker_retain_will.c — retained messages (store,
 * replace, delete, Retain Handling, Retain As Published, expiry) and will
 * messages (abnormal close, keep alive, protocol error, takeover, DISCONNECT
 * 0x00 and 0x04, Will Delay, will properties), on the core. */
#include "tcore.h"

static void retained_store_replace_delete(void **state) {
  (void)state;
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    tb *t = tb_new(NULL);
    tc *pub = tc_connect(t, (mqs_version)v, "pub", true);
    tc_publish(pub, "r/a", "first", 1, true, 1);
    tc_publish(pub, "r/a", "second", 0, true, 0); /* replaces (MQTT-3.3.1-5) */
    tc_publish(pub, "r/b", "bee", 2, true, 2);
    tc_publish(pub, "r/c", "sea", 0, true, 0);
    tc_publish(pub, "r/c", "", 0, true, 0); /* deletes (MQTT-3.3.1-6) */
    tc_publish(pub, "r/d", "not retained", 0, false, 0);
    tc *s = tc_connect(t, (mqs_version)v, "sub", true);
    tc_subscribe(s, 1, "r/+", 2, 2);
    mqs_packet p1, p2;
    tc_expect(s, MQS_PUBLISH, &p1);
    tc_expect(s, MQS_PUBLISH, &p2);
    if (str_is(p1.publish.topic, "r/b")) { /* order between topics is not specified */
      mqs_packet x = p1;
      p1 = p2;
      p2 = x;
    }
    CHECK_STR(p1.publish.topic, "r/a");
    CHECK_STR(p1.publish.payload, "second");
    assert_true(p1.publish.retain); /* MQTT-3.3.1-8 */
    assert_int_equal(p1.publish.qos, 0);
    CHECK_STR(p2.publish.payload, "bee");
    assert_true(p2.publish.retain);
    assert_int_equal(p2.publish.qos, 2);
    tc_expect_nothing(s);
    /* A live message to a subscriber has RETAIN 0 (MQTT-3.3.1-9). */
    tc_publish(pub, "r/a", "live", 0, true, 0);
    mqs_packet live;
    tc_expect(s, MQS_PUBLISH, &live);
    assert_false(live.publish.retain);
    mqs_broker_stats st;
    mqs_broker_get_stats(t->b, &st);
    assert_int_equal(st.retained, 2);
    tb_free(t);
  }
}

static void retain_handling(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V5, "pub", true);
  tc_publish(pub, "rh", "kept", 0, true, 0);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  /* 0: send at subscribe, every time. */
  tc_subscribe(s, 1, "rh", 0, 0);
  tc_expect_publish(s, "rh", "kept", 0, NULL);
  tc_subscribe(s, 2, "rh", 0, 0);
  tc_expect_publish(s, "rh", "kept", 0, NULL);
  /* 1: only when the subscription is new. */
  tc *s1 = tc_connect(t, MQS_V5, "s1", true);
  tc_subscribe(s1, 1, "rh", 0x10, 0);
  tc_expect_publish(s1, "rh", "kept", 0, NULL);
  tc_subscribe(s1, 2, "rh", 0x10, 0);
  tc_expect_nothing(s1);
  /* 2: never. */
  tc *s2 = tc_connect(t, MQS_V5, "s2", true);
  tc_subscribe(s2, 1, "rh", 0x20, 0);
  tc_expect_nothing(s2);
  /* Retain As Published keeps the flag on live messages. */
  tc *rap = tc_connect(t, MQS_V5, "rap", true);
  tc_subscribe(rap, 1, "rh", 0x20 | MQS_SUBOPT_RETAIN_AS_PUBLISHED, 0);
  tc_publish(pub, "rh", "again", 0, true, 0);
  mqs_packet p;
  tc_expect_publish(rap, "rh", "again", 0, &p);
  assert_true(p.publish.retain);
  tc_expect_publish(s, "rh", "again", 0, &p);
  assert_false(p.publish.retain);
  /* No retained messages on a shared subscription. */
  tc *sh = tc_connect(t, MQS_V5, "sh", true);
  tc_subscribe(sh, 1, "$share/g/rh", 0, 0);
  tc_expect_nothing(sh);
  tb_free(t);
}

static void retained_wildcards_and_dollar(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V311, "pub", true);
  tc_publish(pub, "w", "w", 0, true, 0);
  tc_publish(pub, "w/x", "wx", 0, true, 0);
  tc_publish(pub, "w/x/y", "wxy", 0, true, 0);
  tc_publish(pub, "$aux/x", "dollar", 0, true, 0);
  struct {
    const char *filter;
    int n;
  } cases[] = {{"w/#", 3}, {"#", 3}, {"+/x", 1}, {"w/+/y", 1}, {"+", 1}, {"$aux/#", 1}, {"+/+", 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char id[8];
    snprintf(id, sizeof id, "s%zu", i);
    tc *s = tc_connect(t, MQS_V311, id, true);
    tc_subscribe(s, 1, cases[i].filter, 0, 0);
    mqs_packet p;
    int n = 0;
    while (tc_recv(s, &p))
      n++;
    if (n != cases[i].n)
      fail_msg("%s: %d retained messages, expected %d", cases[i].filter, n, cases[i].n);
  }
  tb_free(t);
}

static void retained_expiry(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *pub = tc_connect(t, MQS_V5, "pub", true);
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = tstr("ex");
  p.publish.payload = tstr("short-lived");
  p.publish.retain = true;
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_MESSAGE_EXPIRY);
  p.publish.props.message_expiry = 10;
  tc_send(pub, &p);
  tb_advance(t, 4000);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  tc_subscribe(s, 1, "ex", 0, 0);
  mqs_packet got;
  tc_expect_publish(s, "ex", "short-lived", 0, &got);
  /* The time left is forwarded (MQTT-3.3.2-6). */
  assert_true(mqs_props_has(&got.publish.props, MQS_PROP_MESSAGE_EXPIRY));
  assert_int_equal(got.publish.props.message_expiry, 6);
  tb_advance(t, 6000);
  tc *s2 = tc_connect(t, MQS_V5, "s2", true);
  tc_subscribe(s2, 1, "ex", 0, 0);
  tc_expect_nothing(s2); /* expired: gone (MQTT-3.3.2-5) */
  tb_advance(t, 60000);  /* the sweep frees it */
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.retained, 0);
  tb_free(t);
}

static void retain_unavailable(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.retain_available = false;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "nr", true);
  tc_send_hex(c, "31 04 00 01 72 00"); /* RETAIN 1 */
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x9A); /* MQTT-3.2.2-14 */
  tc_expect_closed(c);
  tb_free(t);
}

static void max_retained(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_retained = 2;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V311, "mr", true);
  tc_publish(c, "a", "1", 0, true, 0);
  tc_publish(c, "b", "1", 0, true, 0);
  tc_publish(c, "c", "1", 0, true, 0); /* over the limit: not stored */
  tc_publish(c, "a", "2", 0, true, 0); /* replacing is fine */
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.retained, 2);
  tb_free(t);
}

/* A client with a will on "will/<id>". */
static tc *with_will(tb *t, mqs_version v, const char *id, uint32_t delay, uint32_t expiry) {
  mqs_packet k;
  tc_connect_packet(&k, v, id, expiry == 0);
  k.connect.will = true;
  k.connect.will_qos = 1;
  k.connect.will_topic = tstr("will/x");
  k.connect.will_payload = tstr(id);
  if (v == MQS_V5) {
    k.connect.will_props.present = MQS_PROP_BIT(MQS_PROP_WILL_DELAY);
    k.connect.will_props.will_delay = delay;
    if (expiry) {
      k.connect.clean_start = false;
      k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
      k.connect.props.session_expiry = expiry;
    }
  }
  return tc_connect_ex(t, id, &k, 0, NULL);
}

static void will_cases(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet wk;
  tc_connect_packet(&wk, MQS_V5, "watcher", true);
  wk.connect.keep_alive = 0; /* outlives the keep-alive case below */
  tc *w = tc_connect_ex(t, "watcher", &wk, 0, NULL);
  tc_subscribe(w, 1, "will/#", 1, 1);
  /* Network closed without DISCONNECT: published. */
  tc *c = with_will(t, MQS_V311, "abrupt", 0, 0);
  tc_gone(c);
  tc_expect_publish(w, "will/x", "abrupt", 1, NULL);
  /* DISCONNECT 0x00: not published (MQTT-3.1.2-10). */
  c = with_will(t, MQS_V5, "polite", 0, 0);
  tc_disconnect(c, 0x00);
  tc_gone(c);
  tc_expect_nothing(w);
  /* DISCONNECT 0x04: published. */
  c = with_will(t, MQS_V5, "asked", 0, 0);
  tc_disconnect(c, 0x04);
  tc_gone(c);
  tc_expect_publish(w, "will/x", "asked", 1, NULL);
  /* Protocol error: published. */
  c = with_will(t, MQS_V5, "broken", 0, 0);
  tc_send_hex(c, "30 02 00 00"); /* empty topic, no alias */
  tc_gone(c);
  tc_expect_publish(w, "will/x", "broken", 1, NULL);
  /* Keep alive timeout: published. */
  c = with_will(t, MQS_V311, "silent", 0, 0);
  tb_advance(t, 90000);
  tc_gone(c);
  tc_expect_publish(w, "will/x", "silent", 1, NULL);
  /* Takeover: the old connection's will is published (delay 0). */
  c = with_will(t, MQS_V5, "taken", 0, 0);
  tc_connect(t, MQS_V5, "taken", true);
  tc_expect_publish(w, "will/x", "taken", 1, NULL);
  tc_gone(c);
  tc_expect_nothing(w);
  tb_free(t);
}

static void will_delay(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *w = tc_connect(t, MQS_V5, "watcher", true);
  tc_subscribe(w, 1, "will/#", 1, 1);
  /* Delay 5 s, session 60 s: published after 5 s. */
  tc *c = with_will(t, MQS_V5, "late", 5, 60);
  tc_gone(c);
  tb_advance(t, 4999);
  tc_expect_nothing(w);
  tb_advance(t, 1);
  tc_expect_publish(w, "will/x", "late", 1, NULL);
  /* Back within the delay: never published (MQTT-3.1.3-9). */
  c = with_will(t, MQS_V5, "back", 5, 60);
  tc_gone(c);
  tb_advance(t, 2000);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "back", false);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 60;
  tc_connect_ex(t, "back2", &k, 0, NULL);
  tb_advance(t, 10000);
  tc_expect_nothing(w);
  /* Delay longer than the session: published when the session ends. */
  c = with_will(t, MQS_V5, "short", 100, 3);
  tc_gone(c);
  tb_advance(t, 2999);
  tc_expect_nothing(w);
  tb_advance(t, 1);
  tc_expect_publish(w, "will/x", "short", 1, NULL);
  /* Session expiry 0 with a delay: the session ends at once, so does the wait. */
  c = with_will(t, MQS_V5, "now", 100, 0);
  tc_gone(c);
  tc_expect_publish(w, "will/x", "now", 1, NULL);
  tb_free(t);
}

static void will_properties(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *w = tc_connect(t, MQS_V5, "watcher", true);
  tc_subscribe(w, 1, "wp", 2, 2);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "wp", true);
  k.connect.will = true;
  k.connect.will_qos = 2;
  k.connect.will_retain = true;
  k.connect.will_topic = tstr("wp");
  k.connect.will_payload = tstr("{}");
  mqs_str_pair up[2] = {{tstr("k1"), tstr("v1")}, {tstr("k2"), tstr("v2")}};
  mqs_props *wp = &k.connect.will_props;
  wp->present = MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE) | MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT) |
                MQS_PROP_BIT(MQS_PROP_MESSAGE_EXPIRY) | MQS_PROP_BIT(MQS_PROP_RESPONSE_TOPIC) |
                MQS_PROP_BIT(MQS_PROP_CORRELATION_DATA);
  wp->content_type = tstr("application/json");
  wp->payload_format = 1;
  wp->message_expiry = 100;
  wp->response_topic = tstr("resp");
  wp->correlation_data = tstr("corr");
  wp->user = up;
  wp->n_user = 2;
  tc *c = tc_connect_ex(t, "wp", &k, 0, NULL);
  tb_advance(t, 30000); /* expiry counts from publication, not from CONNECT */
  tc_gone(c);
  mqs_packet p;
  tc_expect_publish(w, "wp", "{}", 2, &p);
  const mqs_props *pr = &p.publish.props;
  CHECK_STR(pr->content_type, "application/json");
  assert_int_equal(pr->payload_format, 1);
  assert_int_equal(pr->message_expiry, 100);
  CHECK_STR(pr->response_topic, "resp");
  CHECK_STR(pr->correlation_data, "corr");
  uint32_t cur = 0;
  mqs_str_pair kv;
  assert_true(mqs_props_next_user(pr, &cur, &kv));
  CHECK_STR(kv.key, "k1");
  assert_true(mqs_props_next_user(pr, &cur, &kv));
  CHECK_STR(kv.key, "k2");
  /* Will Retain: stored. */
  tc *late = tc_connect(t, MQS_V5, "late", true);
  tc_subscribe(late, 1, "wp", 0, 0);
  tc_expect_publish(late, "wp", "{}", 0, &p);
  assert_true(p.publish.retain);
  tb_free(t);
}

static void will_refusals(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_qos = 1;
  cfg.retain_available = false;
  tb *t = tb_new(&cfg);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "wq", true);
  k.connect.will = true;
  k.connect.will_qos = 2;
  k.connect.will_topic = tstr("t");
  k.connect.will_payload = tstr("p");
  tc_connect_ex(t, "wq", &k, 0x9B, NULL); /* QoS not supported (MQTT-3.2.2-12) */
  k.connect.will_qos = 1;
  k.connect.will_retain = true;
  tc_connect_ex(t, "wr", &k, 0x9A, NULL); /* Retain not supported (MQTT-3.2.2-13) */
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(retained_store_replace_delete),
      cmocka_unit_test(retain_handling),
      cmocka_unit_test(retained_wildcards_and_dollar),
      cmocka_unit_test(retained_expiry),
      cmocka_unit_test(retain_unavailable),
      cmocka_unit_test(max_retained),
      cmocka_unit_test(will_cases),
      cmocka_unit_test(will_delay),
      cmocka_unit_test(will_properties),
      cmocka_unit_test(will_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
