/* tests/broker/test_broker_v5.c — MQTT 5.0 features on the core: topic
 * aliases both ways, message expiry, Maximum Packet Size both ways,
 * request/response properties, user properties in order, payload format and
 * content type, reason strings and problem information, and the optional
 * features switched off: advertised and enforced. */
#include "tcore.h"

static mqs_packet publish_pkt(const char *topic, const char *payload, uint8_t qos, uint16_t id) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = tstr(topic);
  p.publish.payload = tstr(payload);
  p.publish.qos = qos;
  p.publish.id = id;
  return p;
}

static void topic_alias_inbound(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  tc_subscribe(s, 1, "alias/#", 0, 0);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  mqs_packet p = publish_pkt("alias/one", "1", 0, 0);
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
  p.publish.props.topic_alias = 3;
  tc_send(c, &p); /* sets alias 3 */
  p.publish.topic = tstr("");
  p.publish.payload = tstr("2");
  tc_send(c, &p); /* uses it */
  p.publish.topic = tstr("alias/two");
  p.publish.payload = tstr("3");
  tc_send(c, &p); /* re-maps it */
  p.publish.topic = tstr("");
  p.publish.payload = tstr("4");
  tc_send(c, &p);
  tc_expect_publish(s, "alias/one", "1", 0, NULL);
  tc_expect_publish(s, "alias/one", "2", 0, NULL);
  tc_expect_publish(s, "alias/two", "3", 0, NULL);
  tc_expect_publish(s, "alias/two", "4", 0, NULL);
  /* Unknown alias: Protocol Error; above the maximum: 0x94. */
  p.publish.props.topic_alias = 4;
  tc_send(c, &p);
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x82);
  tc_expect_closed(c);
  c = tc_connect(t, MQS_V5, "c2", true);
  p.publish.topic = tstr("alias/x");
  p.publish.props.topic_alias = 11;
  tc_send(c, &p);
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x94); /* MQTT-3.3.2-9 */
  tc_expect_closed(c);
  /* Aliases are per connection: a new connection starts empty. */
  c = tc_connect(t, MQS_V5, "c3", true);
  p.publish.topic = tstr("");
  p.publish.props.topic_alias = 3;
  tc_send(c, &p);
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x82);
  tb_free(t);
}

static void topic_alias_outbound(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "s", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS_MAX);
  k.connect.props.topic_alias_max = 1;
  tc *s = tc_connect_ex(t, "s", &k, 0, NULL);
  tc_subscribe(s, 1, "o/#", 0, 0);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  tc_publish(pub, "o/a", "1", 0, false, 0);
  tc_publish(pub, "o/a", "2", 0, false, 0);
  tc_publish(pub, "o/b", "3", 0, false, 0);
  mqs_packet p;
  tc_expect(s, MQS_PUBLISH, &p); /* first use: topic and alias */
  CHECK_STR(p.publish.topic, "o/a");
  assert_int_equal(p.publish.props.topic_alias, 1);
  tc_expect(s, MQS_PUBLISH, &p); /* then the alias alone */
  assert_int_equal(p.publish.topic.len, 0);
  assert_int_equal(p.publish.props.topic_alias, 1);
  CHECK_STR(p.publish.payload, "2");
  tc_expect(s, MQS_PUBLISH, &p); /* the maximum is reached: no alias */
  CHECK_STR(p.publish.topic, "o/b");
  assert_false(mqs_props_has(&p.publish.props, MQS_PROP_TOPIC_ALIAS));
  /* A client that allows none gets none (MQTT-3.3.2-10). */
  tc *n = tc_connect(t, MQS_V5, "n", true);
  tc_subscribe(n, 1, "o/#", 0, 0);
  tc_publish(pub, "o/a", "4", 0, false, 0);
  tc_expect(n, MQS_PUBLISH, &p);
  assert_false(mqs_props_has(&p.publish.props, MQS_PROP_TOPIC_ALIAS));
  tb_free(t);
}

static void message_expiry_in_queue(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "s", false);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
  k.connect.props.session_expiry = 3600;
  tc *s = tc_connect_ex(t, "s", &k, 0, NULL);
  tc_subscribe(s, 1, "e", 1, 1);
  tc_gone(s);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  mqs_packet p = publish_pkt("e", "soon", 1, 1);
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_MESSAGE_EXPIRY);
  p.publish.props.message_expiry = 5;
  tc_send(pub, &p);
  p.publish.payload = tstr("later");
  p.publish.id = 2;
  p.publish.props.message_expiry = 50;
  tc_send(pub, &p);
  tb_advance(t, 10000);
  s = tc_connect_ex(t, "s2", &k, 0, NULL);
  mqs_packet got;
  tc_expect_publish(s, "e", "later", 1, &got); /* "soon" expired while queued */
  assert_int_equal(got.publish.props.message_expiry, 40);
  tc_expect_nothing(s);
  tb_free(t);
}

static void max_packet_size_both_ways(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_packet_size = 100;
  tb *t = tb_new(&cfg);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "small", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_MAX_PACKET_SIZE);
  k.connect.props.max_packet_size = 30;
  tc *s = tc_connect_ex(t, "small", &k, 0, &a);
  assert_int_equal(a.connack.props.max_packet_size, 100);
  tc_subscribe(s, 1, "m", 1, 1);
  tc *pub = tc_connect(t, MQS_V5, "p", true);
  /* 40 bytes of payload cannot reach "small" (limit 30): dropped, as if sent. */
  tc_publish(pub, "m", "0123456789012345678901234567890123456789", 1, false, 1);
  tc_publish(pub, "m", "fits", 1, false, 2);
  tc_expect_publish(s, "m", "fits", 1, NULL);
  tc_expect_nothing(s);
  /* From a client: a packet above 100 bytes is refused with 0x95. */
  char big[120];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  mqs_packet p = publish_pkt("m", big, 0, 0);
  tc_send(pub, &p);
  mqs_packet d;
  tc_expect(pub, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x95);
  tc_expect_closed(pub);
  tb_free(t);
}

static void oversize_reported_before_the_body(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_packet_size = 1000;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  /* A PUBLISH announcing 200 MB: refused from its header alone, nothing buffered. */
  tc_send_hex(c, "30 80 80 80 60");
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x95);
  tc_expect_closed(c);
  tb_free(t);
}

static void request_response_and_user_properties(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  tc_subscribe(s, 1, "req", 0, 0);
  tc *s4 = tc_connect(t, MQS_V311, "s4", true);
  tc_subscribe(s4, 1, "req", 0, 0);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  mqs_packet p = publish_pkt("req", "ping", 0, 0);
  mqs_str_pair up[3] = {{tstr("z"), tstr("1")}, {tstr("a"), tstr("2")}, {tstr("z"), tstr("3")}};
  p.publish.props.present =
      MQS_PROP_BIT(MQS_PROP_RESPONSE_TOPIC) | MQS_PROP_BIT(MQS_PROP_CORRELATION_DATA) |
      MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE) | MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT);
  p.publish.props.response_topic = tstr("resp/c");
  p.publish.props.correlation_data = (mqs_str){(const uint8_t *)"\x00\x01\xff", 3};
  p.publish.props.content_type = tstr("text/plain");
  p.publish.props.payload_format = 1;
  p.publish.props.user = up;
  p.publish.props.n_user = 3;
  tc_send(c, &p);
  mqs_packet got;
  tc_expect_publish(s, "req", "ping", 0, &got);
  const mqs_props *pr = &got.publish.props;
  CHECK_STR(pr->response_topic, "resp/c");
  assert_int_equal(pr->correlation_data.len, 3);
  assert_memory_equal(pr->correlation_data.p, "\x00\x01\xff", 3);
  CHECK_STR(pr->content_type, "text/plain");
  assert_int_equal(pr->payload_format, 1);
  /* User properties in the order sent, duplicates kept (MQTT-3.3.2-18). */
  uint32_t cur = 0;
  mqs_str_pair kv;
  const char *want[] = {"z", "1", "a", "2", "z", "3"};
  for (int i = 0; i < 3; i++) {
    assert_true(mqs_props_next_user(pr, &cur, &kv));
    CHECK_STR(kv.key, want[2 * i]);
    CHECK_STR(kv.value, want[2 * i + 1]);
  }
  assert_false(mqs_props_next_user(pr, &cur, &kv));
  /* A 3.1.1 subscriber gets the message without properties. */
  tc_expect_publish(s4, "req", "ping", 0, NULL);
  tb_free(t);
}

static void payload_format_invalid(void **state) {
  (void)state;
  tb *t = tb_new(NULL);
  tc *s = tc_connect(t, MQS_V5, "s", true);
  tc_subscribe(s, 1, "pf", 0, 0);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  mqs_packet p = publish_pkt("pf", "", 1, 4);
  p.publish.payload = (mqs_str){(const uint8_t *)"\xff\xfe", 2};
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT);
  p.publish.props.payload_format = 1;
  tc_send(c, &p);
  mqs_packet a;
  tc_expect(c, MQS_PUBACK, &a);
  assert_int_equal(a.ack.reason, 0x99);
  assert_true(mqs_props_has(&a.ack.props, MQS_PROP_REASON_STRING));
  tc_expect_nothing(s);
  assert_false(tc_should_close(c));
  tb_free(t);
}

static void problem_information_off(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.acl = NULL;
  tb *t = tb_new(&cfg);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "quiet", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_REQUEST_PROBLEM_INFO);
  k.connect.props.request_problem_info = 0;
  tc *c = tc_connect_ex(t, "quiet", &k, 0, NULL);
  /* A refusal without a Reason String (MQTT-3.1.2-29). */
  tc_send_hex(c, "32 0a 00 05 24 53 59 53 2f 00 05 00"); /* QoS 1 to "$SYS/" */
  mqs_packet a;
  tc_expect(c, MQS_PUBACK, &a);
  assert_int_equal(a.ack.reason, 0x87);
  assert_false(mqs_props_has(&a.ack.props, MQS_PROP_REASON_STRING));
  tb_free(t);
}

static void features_off_enforced(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.wildcard_available = false;
  cfg.shared_available = false;
  cfg.sub_id_available = false;
  cfg.max_qos = 1;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  tc_subscribe(c, 1, "a/+", 0, 0xA2); /* Wildcard Subscriptions not supported */
  tc_subscribe(c, 2, "a/#", 0, 0xA2);
  tc_subscribe(c, 3, "$share/g/a", 0, 0x9E); /* Shared Subscriptions not supported */
  tc_subscribe(c, 4, "a/b", 2, 1);           /* granted the Maximum QoS */
  tc *c4 = tc_connect(t, MQS_V311, "c4", true);
  tc_subscribe(c4, 1, "a/+", 0, 0x80);
  tc_subscribe(c4, 2, "a/b", 2, 1);
  /* QoS 2 PUBLISH above Maximum QoS 1: DISCONNECT 0x9B (MQTT-3.2.2-11). */
  tc_send_hex(c, "34 06 00 01 61 00 01 00");
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x9B);
  tc_expect_closed(c);
  /* SUBSCRIBE with a Subscription Identifier: DISCONNECT 0xA1. */
  c = tc_connect(t, MQS_V5, "c2", true);
  tc_send_hex(c, "82 09 00 05 02 0b 07 00 01 78 00");
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0xA1);
  tb_free(t);
}

static void topic_alias_disabled(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.topic_alias_max = 0;
  tb *t = tb_new(&cfg);
  mqs_packet k, a;
  tc_connect_packet(&k, MQS_V5, "c", true);
  tc *c = tc_connect_ex(t, "c", &k, 0, &a);
  assert_false(mqs_props_has(&a.connack.props, MQS_PROP_TOPIC_ALIAS_MAX));
  mqs_packet p = publish_pkt("x", "y", 0, 0);
  p.publish.props.present = MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
  p.publish.props.topic_alias = 1;
  tc_send(c, &p);
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x94);
  tb_free(t);
}

static void too_many_topic_levels(void **state) {
  (void)state;
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.max_topic_levels = 3;
  tb *t = tb_new(&cfg);
  tc *c = tc_connect(t, MQS_V5, "c", true);
  tc_subscribe(c, 1, "a/b/c/d", 0, 0x8F);
  tc_subscribe(c, 2, "a/b/c", 0, 0);
  mqs_packet p = publish_pkt("a/b/c/d", "x", 1, 1);
  tc_send(c, &p);
  mqs_packet a;
  tc_expect(c, MQS_PUBACK, &a);
  assert_int_equal(a.ack.reason, 0x90);
  tb_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(topic_alias_inbound),
      cmocka_unit_test(topic_alias_outbound),
      cmocka_unit_test(message_expiry_in_queue),
      cmocka_unit_test(max_packet_size_both_ways),
      cmocka_unit_test(oversize_reported_before_the_body),
      cmocka_unit_test(request_response_and_user_properties),
      cmocka_unit_test(payload_format_invalid),
      cmocka_unit_test(problem_information_off),
      cmocka_unit_test(features_off_enforced),
      cmocka_unit_test(topic_alias_disabled),
      cmocka_unit_test(too_many_topic_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
