/* tests/broker/test_broker_connect.c — CONNECT / CONNACK on the core:
 * protocol levels, client identifier rules, session present, takeover,
 * keep alive, PINGREQ, the CONNECT timeout, and the CONNACK properties. */
#include "tcore.h"

static void connect_v311(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_new(t, "c", MQS_V311);
  /* CONNECT "MQTT" level 4, clean session, keep alive 60, id "a". */
  tc_send_hex(c, "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61");
  mqs_packet p;
  tc_expect(c, MQS_CONNACK, &p);
  assert_int_equal(p.connack.reason, 0);
  assert_false(p.connack.session_present);
  /* 3.1.1 CONNACK is exactly 20 02 00 00. */
  assert_int_equal(c->rx_len, 4);
  assert_memory_equal(c->rx, "\x20\x02\x00\x00", 4);
  tb_free(t);
}

static void connect_v31(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_new(t, "c", MQS_V31);
  /* "MQIsdp" level 3. */
  tc_send_hex(c, "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61");
  mqs_packet p;
  tc_expect(c, MQS_CONNACK, &p);
  assert_int_equal(p.connack.reason, 0);
  /* 3.1: client identifiers of 1 to 23 characters only. */
  mqs_packet k;
  tc_connect_packet(&k, MQS_V31, "abcdefghijklmnopqrstuvwx", true); /* 24 */
  tc_connect_ex(t, "long", &k, 0x02, NULL);
  tb_free(t);
}

static void connect_v5_defaults_advertised(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "v5", true);
  tc *c = tc_connect_ex(t, "v5", &k, 0, &a);
  (void)c;
  const mqs_props *pr = &a.connack.props;
  /* Defaults: Receive Maximum 65535 (not sent), max QoS 2 (not sent), retain,
   * wildcards, subscription ids, shared: available (not sent). */
  assert_false(mqs_props_has(pr, MQS_PROP_RECEIVE_MAX));
  assert_false(mqs_props_has(pr, MQS_PROP_MAX_QOS));
  assert_false(mqs_props_has(pr, MQS_PROP_RETAIN_AVAILABLE));
  assert_false(mqs_props_has(pr, MQS_PROP_WILDCARD_AVAILABLE));
  assert_false(mqs_props_has(pr, MQS_PROP_SUB_ID_AVAILABLE));
  assert_false(mqs_props_has(pr, MQS_PROP_SHARED_AVAILABLE));
  assert_false(mqs_props_has(pr, MQS_PROP_SESSION_EXPIRY));
  assert_true(mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS_MAX));
  assert_int_equal(pr->topic_alias_max, 10);
  assert_true(mqs_props_has(pr, MQS_PROP_MAX_PACKET_SIZE));
  assert_int_equal(pr->max_packet_size, 1048576);
  assert_false(mqs_props_has(pr, MQS_PROP_ASSIGNED_CLIENT_ID));
  tb_free(t);
}

static void connect_v5_switches_advertised(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.retain_available = false;
  cfg.wildcard_available = false;
  cfg.shared_available = false;
  cfg.sub_id_available = false;
  cfg.max_qos = 1;
  cfg.receive_max = 20;
  cfg.topic_alias_max = 0;
  cfg.max_session_expiry = 100;
  tb *t = tb_new(&cfg);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "v5", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 1000;
  tc_connect_ex(t, "v5", &k, 0, &a);
  const mqs_props *pr = &a.connack.props;
  assert_true(mqs_props_has(pr, MQS_PROP_RETAIN_AVAILABLE));
  assert_int_equal(pr->retain_available, 0);
  assert_true(mqs_props_has(pr, MQS_PROP_WILDCARD_AVAILABLE));
  assert_int_equal(pr->wildcard_available, 0);
  assert_true(mqs_props_has(pr, MQS_PROP_SHARED_AVAILABLE));
  assert_int_equal(pr->shared_available, 0);
  assert_true(mqs_props_has(pr, MQS_PROP_SUB_ID_AVAILABLE));
  assert_int_equal(pr->sub_id_available, 0);
  assert_true(mqs_props_has(pr, MQS_PROP_MAX_QOS));
  assert_int_equal(pr->max_qos, 1);
  assert_true(mqs_props_has(pr, MQS_PROP_RECEIVE_MAX));
  assert_int_equal(pr->receive_max, 20);
  assert_false(mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS_MAX));
  /* The server lowered the Session Expiry Interval: it says so (3.2.2.3.2). */
  assert_true(mqs_props_has(pr, MQS_PROP_SESSION_EXPIRY));
  assert_int_equal(pr->session_expiry, 100);
  tb_free(t);
}

static void unsupported_levels(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  /* "MQTT" level 6: CONNACK return code 0x01 in the 3.1.1 form, then close. */
  tc *c = tc_new(t, "six", MQS_V311);
  tc_send_hex(c, "10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 61");
  mqs_packet p;
  tc_expect(c, MQS_CONNACK, &p);
  assert_int_equal(p.connack.reason, 0x01);
  tc_expect_closed(c);
  /* "MQTT" level 3 (3.1 must say MQIsdp): also 0x01. */
  c = tc_new(t, "three", MQS_V311);
  tc_send_hex(c, "10 0d 00 04 4d 51 54 54 03 02 00 3c 00 01 61");
  tc_expect(c, MQS_CONNACK, &p);
  assert_int_equal(p.connack.reason, 0x01);
  tc_expect_closed(c);
  /* A bad protocol name with level 5: CONNACK 0x84 in the 5.0 form. */
  c = tc_new(t, "name5", MQS_V5);
  tc_send_hex(c, "10 0e 00 04 4d 51 54 58 05 02 00 3c 00 00 01 61");
  tc_expect(c, MQS_CONNACK, &p);
  assert_int_equal(p.connack.reason, 0x84);
  tc_expect_closed(c);
  /* A bad protocol name at level 4: closed without an answer (MAY, 3.1.1). */
  c = tc_new(t, "name4", MQS_V311);
  tc_send_hex(c, "10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 61");
  tc_expect_nothing(c);
  tc_expect_closed(c);
  tb_free(t);
}

static void client_id_rules(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a;
  /* 3.1.1: empty id with clean session 0 is refused with 0x02 (MQTT-3.1.3-8). */
  tc_connect_packet(&k, MQS_V311, "", false);
  tc *c = tc_connect_ex(t, "empty0", &k, 0x02, &a);
  tc_expect_closed(c);
  /* 3.1.1: empty id with clean session 1 is accepted, no id returned. */
  tc_connect_packet(&k, MQS_V311, "", true);
  tc_connect_ex(t, "empty1", &k, 0x00, &a);
  /* 5.0: empty id gets an Assigned Client Identifier (MQTT-3.1.3-7). */
  tc_connect_packet(&k, MQS_V5, "", false);
  tc_connect_ex(t, "assigned", &k, 0x00, &a);
  assert_true(mqs_props_has(&a.connack.props, MQS_PROP_ASSIGNED_CLIENT_ID));
  assert_true(a.connack.props.assigned_client_id.len > 7);
  assert_memory_equal(a.connack.props.assigned_client_id.p, "mqspec-", 7);
  /* A second one gets another identifier. */
  mqs_str first = a.connack.props.assigned_client_id;
  mqs_packet a2;
  tc_connect_ex(t, "assigned2", &k, 0x00, &a2);
  assert_false(first.len == a2.connack.props.assigned_client_id.len &&
               memcmp(first.p, a2.connack.props.assigned_client_id.p, first.len) == 0);
  tb_free(t);
}

static void first_packet_must_be_connect(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_new(t, "c", MQS_V311);
  /* PINGREQ before CONNECT: closed, nothing sent (MQTT-3.1.0-1). */
  assert_int_equal(tc_send_hex(c, "c0 00"), MQS_EPROTOCOL);
  tc_expect_nothing(c);
  tc_expect_closed(c);
  /* PUBLISH before CONNECT (CVE-2023-0809). */
  c = tc_new(t, "d", MQS_V311);
  assert_true(tc_send_hex(c, "30 05 00 01 61 68 69") < 0);
  tc_expect_closed(c);
  tb_free(t);
}

static void second_connect_is_protocol_error(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V5, "twice", true);
  mqs_packet k, d;
  tc_connect_packet(&k, MQS_V5, "twice", true);
  assert_int_equal(tc_send(c, &k), MQS_EPROTOCOL);
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x82);
  tc_expect_closed(c);
  /* 3.1.1: just closed. */
  c = tc_connect(t, MQS_V311, "twice4", true);
  tc_connect_packet(&k, MQS_V311, "twice4", true);
  assert_int_equal(tc_send(c, &k), MQS_EPROTOCOL);
  tc_expect_nothing(c);
  tc_expect_closed(c);
  tb_free(t);
}

static void session_present(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V311, "keep", false);
  tc *c = tc_connect_ex(t, "keep1", &k, 0, &a);
  assert_false(a.connack.session_present);
  tc_disconnect(c, 0);
  tc_expect_closed(c);
  c = tc_connect_ex(t, "keep2", &k, 0, &a);
  assert_true(a.connack.session_present); /* MQTT-3.2.2-2 */
  tc_disconnect(c, 0);
  tc_gone(c);
  k.connect.clean_start = true;
  c = tc_connect_ex(t, "keep3", &k, 0, &a);
  assert_false(a.connack.session_present); /* MQTT-3.2.2-1 */
  tb_free(t);
}

static void takeover_v5_and_v311(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *old = tc_connect(t, MQS_V5, "dup", false);
  int wakes = old->wakes;
  tc *neu = tc_connect(t, MQS_V5, "dup", false);
  (void)neu;
  assert_true(old->wakes > wakes); /* the network layer learns it must flush and close */
  mqs_packet d;
  tc_expect(old, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x8E);
  tc_expect_closed(old);
  /* 3.1.1: the old connection is closed without a packet. */
  tc *o4 = tc_connect(t, MQS_V311, "dup4", true);
  tc_connect(t, MQS_V311, "dup4", true);
  tc_expect_nothing(o4);
  tc_expect_closed(o4);
  tb_free(t);
}

static void ping(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_connect(t, MQS_V311, "p", true);
  tc_send_hex(c, "c0 00");
  tc_expect(c, MQS_PINGRESP, NULL);
  assert_memory_equal(c->rx + c->rx_len - 2, "\xd0\x00", 2);
  tb_free(t);
}

static void keep_alive_timeout(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "ka", true);
  k.connect.keep_alive = 2;
  tc *c = tc_connect_ex(t, "ka", &k, 0, NULL);
  /* Traffic within 1.5 x keep alive keeps it open. */
  tb_advance(t, 2900);
  assert_false(tc_should_close(c));
  tc_send_hex(c, "c0 00");
  tc_expect(c, MQS_PINGRESP, NULL);
  tb_advance(t, 2999);
  assert_false(tc_should_close(c));
  assert_true(mqs_broker_next_deadline(t->b) <= t->now + 1);
  tb_advance(t, 1);
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x8D); /* Keep Alive timeout */
  tc_expect_closed(c);
  tb_free(t);
}

static void server_keep_alive(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_keep_alive = 30;
  tb *t = tb_new(&cfg);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "ska", true);
  k.connect.keep_alive = 0;
  tc *c = tc_connect_ex(t, "ska", &k, 0, &a);
  assert_true(mqs_props_has(&a.connack.props, MQS_PROP_SERVER_KEEP_ALIVE));
  assert_int_equal(a.connack.props.server_keep_alive, 30);
  tb_advance(t, 44999);
  assert_false(tc_should_close(c));
  tb_advance(t, 1);
  assert_true(tc_should_close(c));
  tb_free(t);
}

static void connect_timeout(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_new(t, "silent", MQS_V311);
  tc_send_hex(c, "10 0d 00 04"); /* a partial CONNECT, then nothing */
  tb_advance(t, 9999);
  assert_false(tc_should_close(c));
  tb_advance(t, 1);
  tc_expect_closed(c);
  tb_free(t);
}

static void max_clients(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_clients = 2;
  tb *t = tb_new(&cfg);
  tc_new(t, "a", MQS_V311);
  tc *b = tc_new(t, "b", MQS_V311);
  assert_null(mqs_broker_accept(t->b, "c", NULL, t->now));
  tc_gone(b);
  tc_new(t, "c", MQS_V311);
  tb_free(t);
}

static void max_sessions(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_sessions = 2;
  tb *t = tb_new(&cfg);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V311, "s1", false);
  tc_gone(tc_connect_ex(t, "s1", &k, 0, NULL)); /* offline, kept */
  tc_connect_packet(&k, MQS_V5, "s2", true);
  tc *c2 = tc_connect_ex(t, "s2", &k, 0, NULL);
  /* A third session would exceed the limit: 0x97 Quota exceeded / 0x03. */
  tc_connect_packet(&k, MQS_V5, "s3", true);
  tc_expect_closed(tc_connect_ex(t, "s3", &k, 0x97, NULL));
  tc_connect_packet(&k, MQS_V311, "s4", true);
  tc_expect_closed(tc_connect_ex(t, "s4", &k, 0x03, NULL));
  /* Resuming an existing one needs no new session. */
  tc_connect_packet(&k, MQS_V311, "s1", false);
  tc_connect_ex(t, "s1again", &k, 0, NULL);
  tc_gone(c2); /* expiry 0: its session ends, making room */
  tc_connect_packet(&k, MQS_V5, "s3", true);
  tc_connect_ex(t, "s3", &k, 0, NULL);
  tb_free(t);
}

static void response_information(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "ri", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_REQUEST_RESPONSE_INFO);
  k.connect.props.request_response_info = 1;
  tc_connect_ex(t, "ri", &k, 0, &a);
  assert_true(mqs_props_has(&a.connack.props, MQS_PROP_RESPONSE_INFO));
  CHECK_STR(a.connack.props.response_info, "response/ri");
  /* Not asked: not given. */
  tc_connect_packet(&k, MQS_V5, "ri2", true);
  tc_connect_ex(t, "ri2", &k, 0, &a);
  assert_false(mqs_props_has(&a.connack.props, MQS_PROP_RESPONSE_INFO));
  tb_free(t);
}

static void split_and_coalesced_input(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *c = tc_new(t, "c", MQS_V311);
  /* CONNECT byte by byte, then PINGREQ x3 in one write with a split fourth. */
  const uint8_t connect[] = {0x10, 0x0d, 0x00, 0x04, 'M',  'Q',  'T', 'T',
                             0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 'a'};
  for (size_t i = 0; i < sizeof connect; i++) {
    assert_int_equal(tc_feed(c, &connect[i], 1), 0);
    if (i + 1 < sizeof connect) tc_expect_nothing(c);
  }
  tc_expect(c, MQS_CONNACK, NULL);
  const uint8_t pings[] = {0xc0, 0x00, 0xc0, 0x00, 0xc0, 0x00, 0xc0};
  tc_feed(c, pings, sizeof pings);
  for (int i = 0; i < 3; i++)
    tc_expect(c, MQS_PINGRESP, NULL);
  tc_expect_nothing(c);
  tc_feed(c, "\x00", 1);
  tc_expect(c, MQS_PINGRESP, NULL);
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_v311),
      cmocka_unit_test(connect_v31),
      cmocka_unit_test(connect_v5_defaults_advertised),
      cmocka_unit_test(connect_v5_switches_advertised),
      cmocka_unit_test(unsupported_levels),
      cmocka_unit_test(client_id_rules),
      cmocka_unit_test(first_packet_must_be_connect),
      cmocka_unit_test(second_connect_is_protocol_error),
      cmocka_unit_test(session_present),
      cmocka_unit_test(takeover_v5_and_v311),
      cmocka_unit_test(ping),
      cmocka_unit_test(keep_alive_timeout),
      cmocka_unit_test(server_keep_alive),
      cmocka_unit_test(connect_timeout),
      cmocka_unit_test(max_clients),
      cmocka_unit_test(max_sessions),
      cmocka_unit_test(response_information),
      cmocka_unit_test(split_and_coalesced_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
