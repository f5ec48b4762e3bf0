/* tests/broker/test_broker_session.c — sessions on the core: clean start,
 * offline queueing in order, redelivery of inflight messages with DUP on
 * reconnect, session expiry (also set in DISCONNECT), queue limits with
 * the oldest QoS 0 dropped first, and Receive Maximum toward the client. */
#include "tcore.h"

static void ack(tc *c, mqs_packet_type t, uint16_t id) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = t;
  p.ack.id = id;
  tc_send(c, &p);
}

static void offline_queue_in_order(void **state) {
  (void)state;
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    tb *t = tb_new(NULL);
    mqs_packet k;
    tc_connect_packet(&k, (mqs_version)v, "sleeper", false);
    if (v == MQS_V5) {
      k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
      k.connect.props.session_expiry = 300;
    }
    tc *s = tc_connect_ex(t, "sleeper", &k, 0, NULL);
    tc_subscribe(s, 1, "q/#", 2, 2);
    tc_disconnect(s, 0);
    tc_expect_closed(s);
    tc *pub = tc_connect(t, MQS_V311, "pub", true);
    tc_publish(pub, "q/0", "zero", 0, false, 0); /* QoS 0 is not kept offline */
    for (int i = 0; i < 5; i++) {
      char pl[8];
      snprintf(pl, sizeof pl, "m%d", i);
      tc_publish(pub, "q/a", pl, (uint8_t)(1 + i % 2), false, (uint16_t)(i + 1));
    }
    mqs_packet a;
    s = tc_connect_ex(t, "sleeper2", &k, 0, &a);
    assert_true(a.connack.session_present);
    /* All five come at once (within the inflight window), in order. */
    for (int i = 0; i < 5; i++) {
      char pl[8];
      snprintf(pl, sizeof pl, "m%d", i);
      mqs_packet m;
      tc_expect(s, MQS_PUBLISH, &m);
      CHECK_STR(m.publish.payload, pl);
      assert_int_equal(m.publish.qos, 1 + i % 2);
    }
    tc_expect_nothing(s);
    tb_free(t);
  }
}

static void redelivery_with_dup(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "r", false);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 60;
  tc *s = tc_connect_ex(t, "r", &k, 0, NULL);
  tc_subscribe(s, 1, "d", 2, 2);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  tc_publish(pub, "d", "one", 1, false, 1);
  tc_publish(pub, "d", "two", 2, false, 2);
  tc_publish(pub, "d", "three", 2, false, 3);
  mqs_packet p1, p2, p3;
  tc_expect(s, MQS_PUBLISH, &p1);
  tc_expect(s, MQS_PUBLISH, &p2);
  tc_expect(s, MQS_PUBLISH, &p3);
  /* "three" gets PUBREC: the broker owes a PUBREL, not the message. */
  ack(s, MQS_PUBREC, p3.publish.id);
  tc_expect(s, MQS_PUBREL, NULL);
  uint16_t id1 = p1.publish.id, id2 = p2.publish.id, id3 = p3.publish.id;
  tc_gone(s); /* connection lost, nothing acknowledged */
  s = tc_connect_ex(t, "r2", &k, 0, NULL);
  mqs_packet r;
  tc_expect(s, MQS_PUBLISH, &r); /* MQTT-4.4.0-1: resent with DUP and the same id */
  assert_true(r.publish.dup);
  assert_int_equal(r.publish.id, id1);
  CHECK_STR(r.publish.payload, "one");
  tc_expect(s, MQS_PUBLISH, &r);
  assert_true(r.publish.dup);
  assert_int_equal(r.publish.id, id2);
  tc_expect(s, MQS_PUBREL, &r);
  assert_int_equal(r.ack.id, id3);
  tc_expect_nothing(s);
  ack(s, MQS_PUBACK, id1);
  ack(s, MQS_PUBREC, id2);
  tc_expect(s, MQS_PUBREL, NULL);
  ack(s, MQS_PUBCOMP, id2);
  ack(s, MQS_PUBCOMP, id3);
  /* Nothing is inflight any more: a third connection gets nothing. */
  tc_gone(s);
  s = tc_connect_ex(t, "r3", &k, 0, NULL);
  tc_expect_nothing(s);
  tb_free(t);
}

static void clean_start_discards(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V311, "cs", false);
  tc *s = tc_connect_ex(t, "cs", &k, 0, NULL);
  tc_subscribe(s, 1, "cs", 1, 1);
  tc_gone(s);
  tc *pub = tc_connect(t, MQS_V311, "p", true);
  tc_publish(pub, "cs", "lost", 1, false, 1);
  k.connect.clean_start = true;
  mqs_packet a;
  s = tc_connect_ex(t, "cs2", &k, 0, &a);
  assert_false(a.connack.session_present);
  tc_expect_nothing(s); /* neither the queued message nor the subscription */
  tc_publish(pub, "cs", "new", 1, false, 2);
  tc_expect_nothing(s);
  tb_free(t);
}

static void session_expiry(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "e", false);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 10;
  tc *s = tc_connect_ex(t, "e", &k, 0, NULL);
  tc_subscribe(s, 1, "e", 1, 1);
  tc_gone(s);
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.clients_total, 1);
  tb_advance(t, 9999);
  s = tc_connect_ex(t, "e2", &k, 0, &a);
  assert_true(a.connack.session_present); /* in time */
  tc_gone(s);
  tb_advance(t, 10000); /* 10 s after the second connection ended */
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.clients_total, 0);
  assert_int_equal(st.subscriptions, 0);
  s = tc_connect_ex(t, "e3", &k, 0, &a);
  assert_false(a.connack.session_present);
  /* Expiry 0 (the 5.0 default): the session ends with the connection. */
  tc_connect_packet(&k, MQS_V5, "z", false);
  s = tc_connect_ex(t, "z", &k, 0, NULL);
  tc_gone(s);
  s = tc_connect_ex(t, "z2", &k, 0, &a);
  assert_false(a.connack.session_present);
  tb_free(t);
}

static void expiry_set_in_disconnect(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a, d;
  tc_connect_packet(&k, MQS_V5, "dx", false);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 5;
  tc *s = tc_connect_ex(t, "dx", &k, 0, NULL);
  memset(&d, 0, sizeof d);
  d.type = MQS_DISCONNECT;
  d.disconnect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  d.disconnect.props.session_expiry = 100;
  tc_send(s, &d);
  tc_expect_closed(s);
  tb_advance(t, 50000);
  s = tc_connect_ex(t, "dx2", &k, 0, &a);
  assert_true(a.connack.session_present); /* the DISCONNECT's 100 s held */
  /* 0 in CONNECT, non-zero in DISCONNECT: Protocol Error (MQTT-3.14.2-2). */
  tc_connect_packet(&k, MQS_V5, "dz", false);
  s = tc_connect_ex(t, "dz", &k, 0, NULL);
  tc_send(s, &d);
  mqs_packet e;
  tc_expect(s, MQS_DISCONNECT, &e);
  assert_int_equal(e.disconnect.reason, 0x82);
  tc_expect_closed(s);
  tb_free(t);
}

static void queue_limit_drops_oldest_qos0(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_queued = 4;
  cfg.max_inflight = 1;
  tb *t = tb_new(&cfg);
  tc *s = tc_connect(t, MQS_V5, "slow", true);
  tc_subscribe(s, 1, "f", 1, 1);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  /* Nothing is read from "slow": its inflight window (1) fills, then the queue. */
  tc_publish(pub, "f", "q1-a", 1, false, 1); /* sent once output is pulled */
  mqs_packet first;
  tc_expect(s, MQS_PUBLISH, &first);
  tc_publish(pub, "f", "q0-b", 0, false, 0);
  tc_publish(pub, "f", "q1-c", 1, false, 2);
  tc_publish(pub, "f", "q0-d", 0, false, 0);
  tc_publish(pub, "f", "q1-e", 1, false, 3);
  /* Queue full (4): the next drops the oldest QoS 0 ("q0-b"). */
  tc_publish(pub, "f", "q1-f", 1, false, 4);
  /* And again: "q0-d" goes. */
  tc_publish(pub, "f", "q1-g", 1, false, 5);
  /* Full of QoS 1 now: a new message is dropped. */
  tc_publish(pub, "f", "q1-h", 1, false, 6);
  mqs_broker_stats st;
  mqs_broker_get_stats(t->b, &st);
  assert_int_equal(st.msgs_dropped, 3);
  const char *want[] = {"q1-c", "q1-e", "q1-f", "q1-g"};
  ack(s, MQS_PUBACK, first.publish.id);
  for (int i = 0; i < 4; i++)
    tc_expect_publish(s, "f", want[i], 1, NULL);
  tc_expect_nothing(s);
  tb_free(t);
}

static void receive_maximum_toward_client(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "rm", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_RECEIVE_MAX);
  k.connect.props.receive_max = 2;
  tc *s = tc_connect_ex(t, "rm", &k, 0, NULL);
  tc_subscribe(s, 1, "rm", 1, 1);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  for (int i = 0; i < 5; i++)
    tc_publish(pub, "rm", "x", 1, false, (uint16_t)(i + 1));
  mqs_packet a, b;
  tc_expect(s, MQS_PUBLISH, &a);
  tc_expect(s, MQS_PUBLISH, &b);
  tc_expect_nothing(s); /* MQTT-3.3.4-7: never more than Receive Maximum unacknowledged */
  ack(s, MQS_PUBACK, a.publish.id);
  tc_expect(s, MQS_PUBLISH, &a);
  tc_expect_nothing(s);
  /* QoS 0 is not limited by the window, but waits its turn behind QoS 1. */
  ack(s, MQS_PUBACK, b.publish.id);
  ack(s, MQS_PUBACK, a.publish.id);
  tc_expect(s, MQS_PUBLISH, &a);
  tc_expect(s, MQS_PUBLISH, &b);
  ack(s, MQS_PUBACK, a.publish.id);
  ack(s, MQS_PUBACK, b.publish.id);
  tc_expect_nothing(s);
  tb_free(t);
}

static void receive_maximum_from_client(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.receive_max = 2;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "flood", true);
  tc_send_hex(c, "34 06 00 01 61 00 01 00");
  tc_send_hex(c, "34 06 00 01 61 00 02 00");
  tc_expect(c, MQS_PUBREC, NULL);
  tc_expect(c, MQS_PUBREC, NULL);
  /* A third unreleased QoS 2 exceeds the Receive Maximum of 2. */
  tc_send_hex(c, "34 06 00 01 61 00 03 00");
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x93);
  tc_expect_closed(c);
  tb_free(t);
}

static void packet_ids_wrap(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *s = tc_connect(t, MQS_V311, "w", true);
  tc_subscribe(s, 1, "w", 1, 1);
  tc *pub = tc_connect(t, MQS_V311, "p", true);
  /* 70000 messages: the identifier wraps past 65535 and never takes 0. */
  for (int i = 0; i < 70000; i++) {
    uint16_t id = (uint16_t)(i % 65535 + 1);
    uint8_t pkt[] = {0x32, 0x06, 0x00, 0x01, 'w', (uint8_t)(id >> 8), (uint8_t)id, 'x'};
    mqs_client_input(pub->c, pkt, sizeof pkt, t->now);
    const uint8_t *out;
    size_t n;
    while ((n = mqs_client_output(pub->c, &out)))
      mqs_client_output_done(pub->c, n);
    mqs_packet p;
    tc_expect(s, MQS_PUBLISH, &p);
    assert_int_not_equal(p.publish.id, 0);
    ack(s, MQS_PUBACK, p.publish.id);
  }
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(offline_queue_in_order),
      cmocka_unit_test(redelivery_with_dup),
      cmocka_unit_test(clean_start_discards),
      cmocka_unit_test(session_expiry),
      cmocka_unit_test(expiry_set_in_disconnect),
      cmocka_unit_test(queue_limit_drops_oldest_qos0),
      cmocka_unit_test(receive_maximum_toward_client),
      cmocka_unit_test(receive_maximum_from_client),
      cmocka_unit_test(packet_ids_wrap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
