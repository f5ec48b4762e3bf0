/* tests/codec/test_codec_vectors.c — one hand-written vector per packet
 * type and version, written from the specifications (MQTT 3.1.1 chapter 3,
 * MQTT 5.0 chapter 3), not produced by our encoder. Each is decoded through
 * a guard page, every field is checked, and encoding the decoded packet
 * gives back the same bytes, or the canonical form where the input was not
 * (acks in their shortest form, properties in ascending identifier order). */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/helpers.h"

#define BIT MQS_PROP_BIT

/* Decode hex as one valid packet of type t, with the header fields checked. */
static void dec_pkt(mqs_guard *g, const char *hex, mqs_version v, mqs_packet *p, int t,
                    uint8_t flags, uint32_t remaining) {
  dec_ok(g, hex, v, p);
  CHECKF(p->type == (mqs_packet_type)t, "type %d, want %d", p->type, t);
  CHECKF(p->flags == flags, "flags %#x, want %#x", p->flags, flags);
  CHECKF(p->remaining == remaining, "remaining %u, want %u", p->remaining, remaining);
}

/* The same packet, decoded with the direction the specification names. */
static void dec_from(mqs_guard *g, const char *hex, mqs_version v, mqs_direction from) {
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts o = {.version = v, .from = from};
  ssize_t r = dec_hex_ex(g, hex, &o, &p, &why);
  CHECKF(r == (ssize_t)hex_parse(hex, NULL, 0), "from %d: %zd (%s) rule %s", from, r,
         mqs_errname((int)r), mqs_rule_name(why.rule));
}

/* ---- MQTT 3.1.1 ---- */

#define V311_CONNECT                                                                               \
  "10 23 | 00 04 'MQTT' 04 EE 00 3C | 00 03 'cid' | 00 03 'w/t' | 00 03 'bye'"                     \
  " | 00 04 'user' | 00 02 'pw'"

static void test_v311_connect(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V311_CONNECT, MQS_V311, &p, MQS_CONNECT, 0, 0x23);
  const mqs_connect *c = &p.connect;
  assert_int_equal(c->level, 4);
  check_str("protocol name", c->protocol_name, "MQTT");
  assert_int_equal(c->flags, 0xEE);
  assert_true(c->clean_start);
  assert_true(c->will);
  assert_true(c->will_retain);
  assert_int_equal(c->will_qos, 1);
  assert_int_equal(c->keep_alive, 60);
  check_str("client id", c->client_id, "cid");
  check_str("will topic", c->will_topic, "w/t");
  check_str("will payload", c->will_payload, "bye");
  check_str("username", c->username, "user");
  check_str("password", c->password, "pw");
  assert_int_equal(c->props.present, 0);
  assert_int_equal(c->will_props.present, 0);
  assert_int_equal(p.notes, 0);
  check_encodes_to_hex("v311 CONNECT", &p, MQS_V311, V311_CONNECT);
  dec_from(&g, V311_CONNECT, MQS_V311, MQS_FROM_CLIENT);
  guard_release(&g);
}

/* Empty-but-present client id, user name and password; keep alive 0. */
#define V311_CONNECT_EMPTY "10 10 | 00 04 'MQTT' 04 C2 00 00 | 00 00 | 00 00 | 00 00"
#define V311_CONNECT_MIN   "10 0C | 00 04 'MQTT' 04 00 FF FF | 00 00"

static void test_v311_connect_empty_vs_absent(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V311_CONNECT_EMPTY, MQS_V311, &p, MQS_CONNECT, 0, 16);
  check_str("client id", p.connect.client_id, "");
  check_str("username", p.connect.username, "");
  check_str("password", p.connect.password, "");
  assert_false(p.connect.will);
  check_encodes_to_hex("empty strings", &p, MQS_V311, V311_CONNECT_EMPTY);

  dec_pkt(&g, V311_CONNECT_MIN, MQS_V311, &p, MQS_CONNECT, 0, 12);
  check_str("client id", p.connect.client_id, "");
  check_str("username", p.connect.username, NULL);
  check_str("password", p.connect.password, NULL);
  assert_false(p.connect.clean_start);
  assert_int_equal(p.connect.keep_alive, 0xFFFF);
  check_encodes_to_hex("absent strings", &p, MQS_V311, V311_CONNECT_MIN);
  guard_release(&g);
}

/* MQTT 3.1: protocol name "MQIsdp", level 3. */
#define V31_CONNECT "10 17 | 00 06 'MQIsdp' 03 82 00 3C | 00 03 'cid' | 00 04 'user'"

static void test_v31_connect(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V31_CONNECT, MQS_V31, &p, MQS_CONNECT, 0, 0x17);
  assert_int_equal(p.connect.level, 3);
  check_str("protocol name", p.connect.protocol_name, "MQIsdp");
  assert_true(p.connect.clean_start);
  check_str("client id", p.connect.client_id, "cid");
  check_str("username", p.connect.username, "user");
  check_str("password", p.connect.password, NULL);
  check_encodes_to_hex("v31 CONNECT", &p, MQS_V31, V31_CONNECT);
  /* A CONNECT decodes by its own level, whatever the connection says. */
  dec_pkt(&g, V31_CONNECT, MQS_V311, &p, MQS_CONNECT, 0, 0x17);
  assert_int_equal(p.connect.level, 3);
  /* Built with the default name for the level. */
  mqs_packet b = {.type = MQS_CONNECT};
  b.connect.level = 3;
  b.connect.clean_start = true;
  b.connect.keep_alive = 60;
  b.connect.client_id = S("cid");
  b.connect.username = S("user");
  check_encodes_to_hex("v31 CONNECT built", &b, MQS_V31, V31_CONNECT);
  guard_release(&g);
}

static void test_v311_connack(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, "20 02 01 00", MQS_V311, &p, MQS_CONNACK, 0, 2);
  assert_true(p.connack.session_present);
  assert_int_equal(p.connack.flags, 0x01);
  assert_int_equal(p.connack.reason, 0);
  check_encodes_to_hex("CONNACK sp", &p, MQS_V311, "20 02 01 00");
  for (int rc = 1; rc <= 5; rc++) {
    char hex[32];
    snprintf(hex, sizeof hex, "20 02 00 %02x", rc);
    dec_pkt(&g, hex, MQS_V311, &p, MQS_CONNACK, 0, 2);
    assert_false(p.connack.session_present);
    assert_int_equal(p.connack.reason, rc);
    check_encodes_to_hex("CONNACK refused", &p, MQS_V311, hex);
  }
  dec_from(&g, "20 02 01 00", MQS_V311, MQS_FROM_SERVER);
  guard_release(&g);
}

#define V311_PUB0 "30 0A 00 03 'a/b' 'hello'"
#define V311_PUB1 "3B 0C 00 03 'a/b' 00 07 'hello'"
#define V311_PUB2 "34 07 00 03 'a/b' 12 34"

static void test_v311_publish(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V311_PUB0, MQS_V311, &p, MQS_PUBLISH, 0, 10);
  assert_int_equal(p.publish.qos, 0);
  assert_false(p.publish.dup);
  assert_false(p.publish.retain);
  assert_int_equal(p.publish.id, 0);
  check_str("topic", p.publish.topic, "a/b");
  check_bin("payload", p.publish.payload, "hello", 5);
  check_encodes_to_hex("QoS 0", &p, MQS_V311, V311_PUB0);

  dec_pkt(&g, V311_PUB1, MQS_V311, &p, MQS_PUBLISH, 0x0B, 12);
  assert_int_equal(p.publish.qos, 1);
  assert_true(p.publish.dup);
  assert_true(p.publish.retain);
  assert_int_equal(p.publish.id, 7);
  check_str("topic", p.publish.topic, "a/b");
  check_bin("payload", p.publish.payload, "hello", 5);
  check_encodes_to_hex("QoS 1 dup retain", &p, MQS_V311, V311_PUB1);

  dec_pkt(&g, V311_PUB2, MQS_V311, &p, MQS_PUBLISH, 0x04, 7);
  assert_int_equal(p.publish.qos, 2);
  assert_int_equal(p.publish.id, 0x1234);
  assert_int_equal(p.publish.payload.len, 0);
  check_encodes_to_hex("QoS 2 empty payload", &p, MQS_V311, V311_PUB2);
  /* A payload may hold any bytes, U+0000 and ill-formed UTF-8 included. */
  dec_pkt(&g, "30 07 00 01 'a' 00 C0 80 FF", MQS_V311, &p, MQS_PUBLISH, 0, 7);
  check_bin("binary payload", p.publish.payload, "\x00\xC0\x80\xFF", 4);
  dec_from(&g, V311_PUB1, MQS_V311, MQS_FROM_CLIENT);
  dec_from(&g, V311_PUB1, MQS_V311, MQS_FROM_SERVER);
  guard_release(&g);
}

static void test_v311_acks(void **state) {
  (void)state;
  static const struct {
    const char *hex;
    int type;
    uint8_t flags;
  } acks[] = {
      {"40 02 00 07", MQS_PUBACK, 0},
      {"50 02 00 07", MQS_PUBREC, 0},
      {"62 02 00 07", MQS_PUBREL, 2},
      {"70 02 FF FF", MQS_PUBCOMP, 0},
  };
  mqs_guard g = {0};
  mqs_packet p;
  for (size_t i = 0; i < sizeof acks / sizeof acks[0]; i++) {
    dec_pkt(&g, acks[i].hex, MQS_V311, &p, acks[i].type, acks[i].flags, 2);
    assert_int_equal(p.ack.id, i == 3 ? 0xFFFF : 7);
    check_encodes_to_hex(acks[i].hex, &p, MQS_V311, acks[i].hex);
    dec_from(&g, acks[i].hex, MQS_V311, MQS_FROM_CLIENT);
    dec_from(&g, acks[i].hex, MQS_V311, MQS_FROM_SERVER);
  }
  guard_release(&g);
}

#define V311_SUBSCRIBE   "82 0E 00 0A | 00 03 'a/b' 01 | 00 03 'c/#' 02"
#define V311_SUBACK      "90 05 00 0A 01 02 80"
#define V311_UNSUBSCRIBE "A2 0C 00 0B | 00 03 'a/b' | 00 03 'c/#'"
#define V311_UNSUBACK    "B0 02 00 0B"

static void test_v311_subscribe(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V311_SUBSCRIBE, MQS_V311, &p, MQS_SUBSCRIBE, 2, 14);
  assert_int_equal(p.subscribe.id, 10);
  static const char *const f[] = {"a/b", "c/#"};
  static const uint8_t o[] = {1, 2};
  check_filters("SUBSCRIBE", &p.subscribe, f, o, 2);
  check_bin("raw", p.subscribe.raw,
            "\x00\x03"
            "a/b\x01\x00\x03"
            "c/#\x02",
            12);
  check_encodes_to_hex("SUBSCRIBE", &p, MQS_V311, V311_SUBSCRIBE);
  dec_from(&g, V311_SUBSCRIBE, MQS_V311, MQS_FROM_CLIENT);

  dec_pkt(&g, V311_SUBACK, MQS_V311, &p, MQS_SUBACK, 0, 5);
  assert_int_equal(p.suback.id, 10);
  assert_int_equal(p.suback.n_reasons, 3);
  assert_memory_equal(p.suback.reasons, "\x01\x02\x80", 3);
  check_encodes_to_hex("SUBACK", &p, MQS_V311, V311_SUBACK);
  dec_from(&g, V311_SUBACK, MQS_V311, MQS_FROM_SERVER);

  dec_pkt(&g, V311_UNSUBSCRIBE, MQS_V311, &p, MQS_UNSUBSCRIBE, 2, 12);
  assert_int_equal(p.subscribe.id, 11);
  check_filters("UNSUBSCRIBE", &p.subscribe, f, NULL, 2);
  check_encodes_to_hex("UNSUBSCRIBE", &p, MQS_V311, V311_UNSUBSCRIBE);
  dec_from(&g, V311_UNSUBSCRIBE, MQS_V311, MQS_FROM_CLIENT);

  dec_pkt(&g, V311_UNSUBACK, MQS_V311, &p, MQS_UNSUBACK, 0, 2);
  assert_int_equal(p.suback.id, 11);
  assert_int_equal(p.suback.n_reasons, 0);
  check_encodes_to_hex("UNSUBACK", &p, MQS_V311, V311_UNSUBACK);
  dec_from(&g, V311_UNSUBACK, MQS_V311, MQS_FROM_SERVER);
  guard_release(&g);
}

static void test_v311_ping_disconnect(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, "C0 00", MQS_V311, &p, MQS_PINGREQ, 0, 0);
  check_encodes_to_hex("PINGREQ", &p, MQS_V311, "C0 00");
  dec_from(&g, "C0 00", MQS_V311, MQS_FROM_CLIENT);
  dec_pkt(&g, "D0 00", MQS_V311, &p, MQS_PINGRESP, 0, 0);
  check_encodes_to_hex("PINGRESP", &p, MQS_V311, "D0 00");
  dec_from(&g, "D0 00", MQS_V311, MQS_FROM_SERVER);
  dec_pkt(&g, "E0 00", MQS_V311, &p, MQS_DISCONNECT, 0, 0);
  check_encodes_to_hex("DISCONNECT", &p, MQS_V311, "E0 00");
  dec_from(&g, "E0 00", MQS_V311, MQS_FROM_CLIENT);
  guard_release(&g);
}

/* ---- MQTT 5.0 ---- */

#define V5_CONNECT                                                                                 \
  "10 79 | 00 04 'MQTT' 05 EE 00 3C | 2F"                                                          \
  " 11 00 00 00 78 | 15 00 05 'PLAIN' | 16 00 02 01 02 | 17 00 | 19 01 | 21 00 14"                 \
  " 22 00 0A | 26 00 01 'a' 00 01 '1' | 26 00 01 'a' 00 01 '2' | 27 00 01 00 00"                   \
  " | 00 03 'cid' | 25 01 01 | 02 00 00 01 2C | 03 00 04 'text' | 08 00 03 'r/t'"                  \
  " 09 00 02 00 FF | 18 00 00 00 05 | 26 00 01 'k' 00 01 'v'"                                      \
  " | 00 03 'w/t' | 00 03 'bye' | 00 04 'user' | 00 02 'pw'"

static void test_v5_connect(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V5_CONNECT, MQS_V5, &p, MQS_CONNECT, 0, 0x79);
  const mqs_connect *c = &p.connect;
  assert_int_equal(c->level, 5);
  check_str("protocol name", c->protocol_name, "MQTT");
  assert_int_equal(c->flags, 0xEE);
  assert_true(c->clean_start && c->will && c->will_retain);
  assert_int_equal(c->will_qos, 1);
  assert_int_equal(c->keep_alive, 60);
  const mqs_props *pr = &c->props;
  assert_int_equal(pr->present, BIT(0x11) | BIT(0x15) | BIT(0x16) | BIT(0x17) | BIT(0x19) |
                                    BIT(0x21) | BIT(0x22) | BIT(0x26) | BIT(0x27));
  assert_int_equal(pr->session_expiry, 120);
  check_str("auth method", pr->auth_method, "PLAIN");
  check_bin("auth data", pr->auth_data, "\x01\x02", 2);
  assert_int_equal(pr->request_problem_info, 0);
  assert_int_equal(pr->request_response_info, 1);
  assert_int_equal(pr->receive_max, 20);
  assert_int_equal(pr->topic_alias_max, 10);
  assert_int_equal(pr->max_packet_size, 65536);
  static const char *const users[] = {"a", "1", "a", "2"};
  check_users("CONNECT", pr, users, 2);
  assert_int_equal(pr->raw.len, 0x2F);
  assert_int_equal(pr->raw.p[0], 0x11);
  check_str("client id", c->client_id, "cid");
  const mqs_props *w = &c->will_props;
  assert_int_equal(w->present, BIT(0x01) | BIT(0x02) | BIT(0x03) | BIT(0x08) | BIT(0x09) |
                                   BIT(0x18) | BIT(0x26));
  assert_int_equal(w->payload_format, 1);
  assert_int_equal(w->message_expiry, 300);
  check_str("content type", w->content_type, "text");
  check_str("response topic", w->response_topic, "r/t");
  check_bin("correlation data", w->correlation_data, "\x00\xFF", 2);
  assert_int_equal(w->will_delay, 5);
  static const char *const wusers[] = {"k", "v"};
  check_users("will", w, wusers, 1);
  check_str("will topic", c->will_topic, "w/t");
  check_str("will payload", c->will_payload, "bye");
  check_str("username", c->username, "user");
  check_str("password", c->password, "pw");
  check_encodes_to_hex("v5 CONNECT", &p, MQS_V5, V5_CONNECT);
  dec_from(&g, V5_CONNECT, MQS_V5, MQS_FROM_CLIENT);
  /* A CONNECT decodes by its own level. */
  dec_pkt(&g, V5_CONNECT, MQS_V311, &p, MQS_CONNECT, 0, 0x79);
  assert_int_equal(p.connect.props.session_expiry, 120);
  guard_release(&g);
}

/* 5.0 lets a password go without a user name (3.1.2.9); properties out of
 * order are fine on the wire and come back in ascending order. */
static void test_v5_connect_password_only_unordered(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  const char *in = "10 19 | 00 04 'MQTT' 05 40 00 0A | 08 21 00 05 11 00 00 00 09 | 00 00"
                   " | 00 02 'pw'";
  dec_pkt(&g, in, MQS_V5, &p, MQS_CONNECT, 0, 0x19);
  check_str("username", p.connect.username, NULL);
  check_str("password", p.connect.password, "pw");
  check_str("client id", p.connect.client_id, "");
  assert_int_equal(p.connect.props.receive_max, 5);
  assert_int_equal(p.connect.props.session_expiry, 9);
  check_encodes_to_hex("canonical order", &p, MQS_V5,
                       "10 19 | 00 04 'MQTT' 05 40 00 0A | 08 11 00 00 00 09 21 00 05 | 00 00"
                       " | 00 02 'pw'");
  guard_release(&g);
}

#define V5_CONNACK                                                                                 \
  "20 51 00 00 4E | 11 00 00 00 3C | 12 00 06 'auto-1' | 13 00 1E | 15 00 01 'm'"                  \
  " | 16 00 01 'd' | 1A 00 04 'resp' | 1C 00 03 'srv' | 1F 00 02 'ok' | 21 00 0A"                  \
  " | 22 00 05 | 24 01 | 25 00 | 26 00 01 'x' 00 01 '1' | 26 00 01 'y' 00 01 '2'"                  \
  " | 27 00 00 10 00 | 28 00 | 29 01 | 2A 00"

static void test_v5_connack(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V5_CONNACK, MQS_V5, &p, MQS_CONNACK, 0, 0x51);
  assert_false(p.connack.session_present);
  assert_int_equal(p.connack.reason, 0);
  const mqs_props *pr = &p.connack.props;
  assert_int_equal(pr->present, BIT(0x11) | BIT(0x12) | BIT(0x13) | BIT(0x15) | BIT(0x16) |
                                    BIT(0x1A) | BIT(0x1C) | BIT(0x1F) | BIT(0x21) | BIT(0x22) |
                                    BIT(0x24) | BIT(0x25) | BIT(0x26) | BIT(0x27) | BIT(0x28) |
                                    BIT(0x29) | BIT(0x2A));
  assert_int_equal(pr->session_expiry, 60);
  check_str("assigned", pr->assigned_client_id, "auto-1");
  assert_int_equal(pr->server_keep_alive, 30);
  check_str("auth method", pr->auth_method, "m");
  check_bin("auth data", pr->auth_data, "d", 1);
  check_str("response info", pr->response_info, "resp");
  check_str("server reference", pr->server_reference, "srv");
  check_str("reason string", pr->reason_string, "ok");
  assert_int_equal(pr->receive_max, 10);
  assert_int_equal(pr->topic_alias_max, 5);
  assert_int_equal(pr->max_qos, 1);
  assert_int_equal(pr->retain_available, 0);
  static const char *const users[] = {"x", "1", "y", "2"};
  check_users("CONNACK", pr, users, 2);
  assert_int_equal(pr->max_packet_size, 4096);
  assert_int_equal(pr->wildcard_available, 0);
  assert_int_equal(pr->sub_id_available, 1);
  assert_int_equal(pr->shared_available, 0);
  check_encodes_to_hex("v5 CONNACK", &p, MQS_V5, V5_CONNACK);
  dec_from(&g, V5_CONNACK, MQS_V5, MQS_FROM_SERVER);

  dec_pkt(&g, "20 03 01 00 00", MQS_V5, &p, MQS_CONNACK, 0, 3);
  assert_true(p.connack.session_present);
  assert_int_equal(p.connack.props.present, 0);
  check_encodes_to_hex("CONNACK sp", &p, MQS_V5, "20 03 01 00 00");
  dec_pkt(&g, "20 03 00 87 00", MQS_V5, &p, MQS_CONNACK, 0, 3);
  assert_int_equal(p.connack.reason, 0x87);
  check_encodes_to_hex("CONNACK not authorized", &p, MQS_V5, "20 03 00 87 00");
  guard_release(&g);
}

#define V5_PUBLISH                                                                                 \
  "32 54 00 03 'a/b' 01 02 | 4A | 01 01 | 02 00 00 0E 10 | 03 00 0A 'text/plain'"                  \
  " | 08 00 05 'reply' | 09 00 03 01 02 03 | 0B 01 | 0B FF FF FF 7F | 0B AC 02"                    \
  " | 23 00 05 | 26 00 02 'k1' 00 02 'v1' | 26 00 02 'k2' 00 02 'v2'"                              \
  " | 26 00 02 'k1' 00 02 'v3' | 'hi'"

static void test_v5_publish(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V5_PUBLISH, MQS_V5, &p, MQS_PUBLISH, 2, 0x54);
  const mqs_publish *pb = &p.publish;
  assert_int_equal(pb->qos, 1);
  assert_int_equal(pb->id, 0x0102);
  check_str("topic", pb->topic, "a/b");
  const mqs_props *pr = &pb->props;
  assert_int_equal(pr->present, BIT(0x01) | BIT(0x02) | BIT(0x03) | BIT(0x08) | BIT(0x09) |
                                    BIT(0x0B) | BIT(0x23) | BIT(0x26));
  assert_int_equal(pr->payload_format, 1);
  assert_int_equal(pr->message_expiry, 3600);
  check_str("content type", pr->content_type, "text/plain");
  check_str("response topic", pr->response_topic, "reply");
  check_bin("correlation", pr->correlation_data, "\x01\x02\x03", 3);
  static const uint32_t ids[] = {1, 268435455, 300};
  check_sub_ids("PUBLISH", pr, ids, 3);
  assert_int_equal(pr->topic_alias, 5);
  static const char *const users[] = {"k1", "v1", "k2", "v2", "k1", "v3"};
  check_users("PUBLISH", pr, users, 3);
  check_bin("payload", pb->payload, "hi", 2);
  assert_int_equal(p.notes, 0);
  check_encodes_to_hex("v5 PUBLISH", &p, MQS_V5, V5_PUBLISH);
  dec_from(&g, V5_PUBLISH, MQS_V5, MQS_FROM_SERVER);

  dec_pkt(&g, "30 07 00 03 'a/b' 00 'x'", MQS_V5, &p, MQS_PUBLISH, 0, 7);
  assert_int_equal(p.publish.props.present, 0);
  assert_int_equal(p.publish.props.raw.len, 0);
  check_bin("payload", p.publish.payload, "x", 1);
  check_encodes_to_hex("minimal", &p, MQS_V5, "30 07 00 03 'a/b' 00 'x'");
  /* Empty topic with a Topic Alias (3.3.2.3.4), empty correlation data. */
  const char *alias = "31 09 00 00 | 06 09 00 00 23 00 05";
  dec_pkt(&g, alias, MQS_V5, &p, MQS_PUBLISH, 1, 9);
  check_str("topic", p.publish.topic, "");
  assert_int_equal(p.publish.props.topic_alias, 5);
  check_bin("correlation", p.publish.props.correlation_data, "", 0);
  assert_int_equal(p.publish.payload.len, 0);
  assert_true(p.publish.retain);
  check_encodes_to_hex("alias", &p, MQS_V5, alias);
  dec_from(&g, alias, MQS_V5, MQS_FROM_CLIENT);
  guard_release(&g);
}

static void test_v5_acks(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  const char *full = "40 10 00 07 80 | 0C 1F 00 02 'no' | 26 00 01 'a' 00 01 'b'";
  dec_pkt(&g, full, MQS_V5, &p, MQS_PUBACK, 0, 16);
  assert_int_equal(p.ack.id, 7);
  assert_int_equal(p.ack.reason, 0x80);
  assert_int_equal(p.ack.props.present, BIT(0x1F) | BIT(0x26));
  check_str("reason string", p.ack.props.reason_string, "no");
  static const char *const users[] = {"a", "b"};
  check_users("PUBACK", &p.ack.props, users, 1);
  check_encodes_to_hex("PUBACK full", &p, MQS_V5, full);

  /* Shortest forms (3.4.2.1): reason and property length may go. */
  static const struct {
    const char *in, *canonical;
    int type;
    uint8_t reason;
  } forms[] = {
      {"40 02 00 07", "40 02 00 07", MQS_PUBACK, 0x00},
      {"40 03 00 07 00", "40 02 00 07", MQS_PUBACK, 0x00},
      {"40 04 00 07 00 00", "40 02 00 07", MQS_PUBACK, 0x00},
      {"40 03 00 07 10", "40 03 00 07 10", MQS_PUBACK, 0x10},
      {"40 04 00 07 10 00", "40 03 00 07 10", MQS_PUBACK, 0x10},
      {"50 03 00 07 91", "50 03 00 07 91", MQS_PUBREC, 0x91},
      {"50 02 00 07", "50 02 00 07", MQS_PUBREC, 0x00},
      {"62 03 00 07 92", "62 03 00 07 92", MQS_PUBREL, 0x92},
      {"62 04 00 07 00 00", "62 02 00 07", MQS_PUBREL, 0x00},
      {"70 02 00 07", "70 02 00 07", MQS_PUBCOMP, 0x00},
      {"70 03 00 07 92", "70 03 00 07 92", MQS_PUBCOMP, 0x92},
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    size_t n = hex_parse(forms[i].in, NULL, 0);
    dec_pkt(&g, forms[i].in, MQS_V5, &p, forms[i].type, forms[i].type == MQS_PUBREL ? 2 : 0,
            (uint32_t)(n - 2));
    assert_int_equal(p.ack.id, 7);
    assert_int_equal(p.ack.reason, forms[i].reason);
    assert_int_equal(p.ack.props.present, 0);
    check_encodes_to_hex(forms[i].in, &p, MQS_V5, forms[i].canonical);
  }
  /* A reason string present but empty is kept as such. */
  dec_pkt(&g, "40 07 00 07 80 03 1F 00 00", MQS_V5, &p, MQS_PUBACK, 0, 7);
  check_str("empty reason string", p.ack.props.reason_string, "");
  check_encodes_to_hex("empty reason string", &p, MQS_V5, "40 07 00 07 80 03 1F 00 00");
  guard_release(&g);
}

#define V5_SUBSCRIBE                                                                               \
  "82 27 00 0A | 09 0B 05 26 00 01 'a' 00 01 'b' | 00 03 'a/b' 2D"                                 \
  " | 00 03 'c/#' 12 | 00 0C '$share/g/d/+' 01"
#define V5_SUBACK "90 0B 00 0A | 05 1F 00 02 'ok' | 01 00 9E"
#define V5_UNSUBSCRIBE                                                                             \
  "A2 1D 00 0B | 07 26 00 01 'a' 00 01 'b' | 00 03 'a/b' | 00 0C '$share/g/d/+'"
#define V5_UNSUBACK "B0 05 00 0B 00 00 11"

static void test_v5_subscribe(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V5_SUBSCRIBE, MQS_V5, &p, MQS_SUBSCRIBE, 2, 0x27);
  assert_int_equal(p.subscribe.id, 10);
  assert_int_equal(p.subscribe.props.present, BIT(0x0B) | BIT(0x26));
  static const uint32_t id5[] = {5};
  check_sub_ids("SUBSCRIBE", &p.subscribe.props, id5, 1);
  static const char *const f[] = {"a/b", "c/#", "$share/g/d/+"};
  static const uint8_t o[] = {0x2D, 0x12, 0x01};
  check_filters("SUBSCRIBE", &p.subscribe, f, o, 3);
  assert_int_equal(MQS_SUBOPT_QOS(o[0]), 1);
  assert_int_equal(MQS_SUBOPT_RETAIN_HANDLING(o[0]), 2);
  check_encodes_to_hex("v5 SUBSCRIBE", &p, MQS_V5, V5_SUBSCRIBE);
  dec_from(&g, V5_SUBSCRIBE, MQS_V5, MQS_FROM_CLIENT);

  dec_pkt(&g, V5_SUBACK, MQS_V5, &p, MQS_SUBACK, 0, 11);
  assert_int_equal(p.suback.id, 10);
  check_str("reason string", p.suback.props.reason_string, "ok");
  assert_int_equal(p.suback.n_reasons, 3);
  assert_memory_equal(p.suback.reasons, "\x01\x00\x9E", 3);
  check_encodes_to_hex("v5 SUBACK", &p, MQS_V5, V5_SUBACK);
  dec_from(&g, V5_SUBACK, MQS_V5, MQS_FROM_SERVER);

  dec_pkt(&g, V5_UNSUBSCRIBE, MQS_V5, &p, MQS_UNSUBSCRIBE, 2, 0x1D);
  assert_int_equal(p.subscribe.id, 11);
  static const char *const uf[] = {"a/b", "$share/g/d/+"};
  check_filters("UNSUBSCRIBE", &p.subscribe, uf, NULL, 2);
  static const char *const users[] = {"a", "b"};
  check_users("UNSUBSCRIBE", &p.subscribe.props, users, 1);
  check_encodes_to_hex("v5 UNSUBSCRIBE", &p, MQS_V5, V5_UNSUBSCRIBE);

  dec_pkt(&g, V5_UNSUBACK, MQS_V5, &p, MQS_UNSUBACK, 0, 5);
  assert_int_equal(p.suback.id, 11);
  assert_int_equal(p.suback.n_reasons, 2);
  assert_memory_equal(p.suback.reasons, "\x00\x11", 2);
  check_encodes_to_hex("v5 UNSUBACK", &p, MQS_V5, V5_UNSUBACK);
  guard_release(&g);
}

#define V5_DISCONNECT_SERVER "E0 14 9C | 12 1C 00 02 's2' | 1F 00 03 'bye' | 26 00 01 'a' 00 01 'b'"
#define V5_AUTH                                                                                    \
  "F0 1B 18 | 19 15 00 05 'SCRAM' | 16 00 03 01 02 03 | 1F 00 01 'c' | 26 00 01 'a' 00 01 'b'"

static void test_v5_disconnect_auth_ping(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, V5_DISCONNECT_SERVER, MQS_V5, &p, MQS_DISCONNECT, 0, 20);
  assert_int_equal(p.disconnect.reason, 0x9C);
  check_str("server reference", p.disconnect.props.server_reference, "s2");
  check_str("reason string", p.disconnect.props.reason_string, "bye");
  check_encodes_to_hex("DISCONNECT", &p, MQS_V5, V5_DISCONNECT_SERVER);
  dec_from(&g, V5_DISCONNECT_SERVER, MQS_V5, MQS_FROM_SERVER);

  const char *client = "E0 07 00 05 11 00 00 00 0A";
  dec_pkt(&g, client, MQS_V5, &p, MQS_DISCONNECT, 0, 7);
  assert_int_equal(p.disconnect.reason, 0);
  assert_int_equal(p.disconnect.props.session_expiry, 10);
  check_encodes_to_hex("DISCONNECT session expiry", &p, MQS_V5, client);
  dec_from(&g, client, MQS_V5, MQS_FROM_CLIENT);

  static const struct {
    const char *in, *canonical;
    int type;
    uint8_t reason;
  } forms[] = {
      {"E0 00", "E0 00", MQS_DISCONNECT, 0x00},       {"E0 01 00", "E0 00", MQS_DISCONNECT, 0x00},
      {"E0 02 00 00", "E0 00", MQS_DISCONNECT, 0},    {"E0 01 04", "E0 01 04", MQS_DISCONNECT, 4},
      {"E0 02 04 00", "E0 01 04", MQS_DISCONNECT, 4}, {"F0 00", "F0 00", MQS_AUTH, 0x00},
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    size_t n = hex_parse(forms[i].in, NULL, 0);
    dec_pkt(&g, forms[i].in, MQS_V5, &p, forms[i].type, 0, (uint32_t)(n - 2));
    assert_int_equal(p.disconnect.reason, forms[i].reason);
    assert_int_equal(p.disconnect.props.present, 0);
    check_encodes_to_hex(forms[i].in, &p, MQS_V5, forms[i].canonical);
  }

  dec_pkt(&g, V5_AUTH, MQS_V5, &p, MQS_AUTH, 0, 27);
  assert_int_equal(p.auth.reason, 0x18);
  check_str("auth method", p.auth.props.auth_method, "SCRAM");
  check_bin("auth data", p.auth.props.auth_data, "\x01\x02\x03", 3);
  check_str("reason string", p.auth.props.reason_string, "c");
  check_encodes_to_hex("AUTH", &p, MQS_V5, V5_AUTH);
  dec_from(&g, V5_AUTH, MQS_V5, MQS_FROM_CLIENT);
  dec_from(&g, V5_AUTH, MQS_V5, MQS_FROM_SERVER);

  dec_pkt(&g, "C0 00", MQS_V5, &p, MQS_PINGREQ, 0, 0);
  check_encodes_to_hex("PINGREQ", &p, MQS_V5, "C0 00");
  dec_pkt(&g, "D0 00", MQS_V5, &p, MQS_PINGRESP, 0, 0);
  check_encodes_to_hex("PINGRESP", &p, MQS_V5, "D0 00");
  guard_release(&g);
}

/* "F0 00" and "F0 02 00 00" say the same thing: reason 0x00, no properties
 * (3.15.2.1 lets the shorter form omit both). Whatever the verdict on an
 * AUTH without an Authentication Method (3.15.2.2.2), the two encodings
 * must get the same one; 3.15.2.1 makes it acceptance. */
static void test_v5_auth_success_forms_agree(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_pkt(&g, "F0 00", MQS_V5, &p, MQS_AUTH, 0, 0);
  dec_pkt(&g, "F0 02 00 00", MQS_V5, &p, MQS_AUTH, 0, 2);
  assert_int_equal(p.auth.reason, 0);
  assert_int_equal(p.auth.props.present, 0);
  check_encodes_to_hex("AUTH success", &p, MQS_V5, "F0 00");
  guard_release(&g);
}

/* Remaining Length of every size class (1.5.5 / 2.2.3), at the boundaries. */
static void test_remaining_length_sizes(void **state) {
  (void)state;
  static const struct {
    uint32_t rl;
    const char *vbi;
  } cases[] = {
      {127, "7F"}, {128, "80 01"}, {16383, "FF 7F"}, {16384, "80 80 01"}, {2097152, "80 80 80 01"},
  };
  mqs_guard g = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t hdr[5];
    size_t hl = hex_parse(cases[i].vbi, hdr + 1, 4) + 1;
    hdr[0] = 0x30;
    size_t total = hl + cases[i].rl;
    uint8_t *buf = calloc(total, 1);
    assert_non_null(buf);
    memcpy(buf, hdr, hl);
    buf[hl + 1] = 1; /* topic "a" */
    buf[hl + 2] = 'a';
    mqs_packet p;
    mqs_violation why;
    mqs_decode_opts o = {.version = MQS_V311};
    ssize_t r = guard_decode(&g, buf, total, &o, &p, &why);
    CHECKF(r == (ssize_t)total, "RL %u: %zd", cases[i].rl, r);
    assert_int_equal(p.remaining, cases[i].rl);
    assert_int_equal(p.publish.payload.len, cases[i].rl - 3);
    if (total < 20000) check_encodes_to("RL boundary", &p, MQS_V311, buf, total);
    /* (p points into g: reusing g below ends its use.) */
    size_t fl = 0;
    assert_int_equal(mqs_frame(guard_place(&g, buf, hl), hl, &fl, &why), 0);
    assert_int_equal(fl, total);
    /* One byte short of the whole packet: more is needed. */
    r = guard_decode(&g, buf, total - 1, &o, &p, &why);
    assert_int_equal(r, MQS_INCOMPLETE);
    free(buf);
  }
  guard_release(&g);
}

/* The guard itself: one byte past a placed input, or past an output's
 * cap, faults (in a child, so the test survives to say so). */
static bool faults(int what) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    signal(SIGSEGV, SIG_DFL); /* not cmocka's handler, which would go on testing */
    signal(SIGBUS, SIG_DFL);
    mqs_guard g = {0};
    const volatile uint8_t *in = guard_place(&g, "abc", 3);
    volatile uint8_t *out = guard_out(&g, 5);
    if (what == 0) (void)in[2];
    if (what == 1) (void)in[3];
    if (what == 2) out[4] = 1;
    if (what == 3) out[5] = 1;
    _exit(0);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_guard_faults(void **state) {
  (void)state;
  assert_false(faults(0));
  assert_true(faults(1));
  assert_false(faults(2));
  assert_true(faults(3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guard_faults),
      cmocka_unit_test(test_v311_connect),
      cmocka_unit_test(test_v311_connect_empty_vs_absent),
      cmocka_unit_test(test_v31_connect),
      cmocka_unit_test(test_v311_connack),
      cmocka_unit_test(test_v311_publish),
      cmocka_unit_test(test_v311_acks),
      cmocka_unit_test(test_v311_subscribe),
      cmocka_unit_test(test_v311_ping_disconnect),
      cmocka_unit_test(test_v5_connect),
      cmocka_unit_test(test_v5_connect_password_only_unordered),
      cmocka_unit_test(test_v5_connack),
      cmocka_unit_test(test_v5_publish),
      cmocka_unit_test(test_v5_acks),
      cmocka_unit_test(test_v5_subscribe),
      cmocka_unit_test(test_v5_disconnect_auth_ping),
      cmocka_unit_test(test_v5_auth_success_forms_agree),
      cmocka_unit_test(test_remaining_length_sizes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
