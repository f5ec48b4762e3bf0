/* tests/codec/test_codec_encode.c — encode: built packets (every property
 * a packet allows, repeated user properties in order, several subscription
 * identifiers, filters with every option bit, wills, empty-but-present vs
 * absent strings) give the bytes the specification describes and survive
 * encode -> decode -> encode byte for byte; every cap below the size is
 * MQS_ENOSPC with nothing written past it (guard page); validating encode
 * refuses invalid packets with *why set, MQS_ENC_RAW writes them and decode
 * then rejects them with the same rule. */
#include <stdlib.h>

#include "codec/helpers.h"

#define BIT MQS_PROP_BIT

static const mqs_str_pair users3[] = {
    {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v1", 2}},
    {{(const uint8_t *)"k2", 2}, {(const uint8_t *)"", 0}},
    {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v3", 2}},
};

/* The CONNECT of test_codec_vectors.c, built field by field: the encoder
 * must write its properties in ascending order, as the hand-written bytes. */
static void build_v5_connect(mqs_packet *p) {
  static const mqs_str_pair cu[] = {
      {{(const uint8_t *)"a", 1}, {(const uint8_t *)"1", 1}},
      {{(const uint8_t *)"a", 1}, {(const uint8_t *)"2", 1}},
  };
  static const mqs_str_pair wu[] = {{{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}}};
  memset(p, 0, sizeof *p);
  p->type = MQS_CONNECT;
  mqs_connect *c = &p->connect;
  c->level = 5;
  c->clean_start = c->will = c->will_retain = true;
  c->will_qos = 1;
  c->keep_alive = 60;
  mqs_props *pr = &c->props;
  pr->present = BIT(0x27) | BIT(0x11) | BIT(0x15) | BIT(0x16) | BIT(0x17) | BIT(0x19) | BIT(0x21) |
                BIT(0x22) | BIT(0x26);
  pr->session_expiry = 120;
  pr->auth_method = S("PLAIN");
  pr->auth_data = B("\x01\x02", 2);
  pr->request_problem_info = 0;
  pr->request_response_info = 1;
  pr->receive_max = 20;
  pr->topic_alias_max = 10;
  pr->max_packet_size = 65536;
  pr->n_user = 2;
  pr->user = cu;
  c->client_id = S("cid");
  mqs_props *w = &c->will_props;
  w->present = BIT(0x01) | BIT(0x02) | BIT(0x03) | BIT(0x08) | BIT(0x09) | BIT(0x18) | BIT(0x26);
  w->payload_format = 1;
  w->message_expiry = 300;
  w->content_type = S("text");
  w->response_topic = S("r/t");
  w->correlation_data = B("\x00\xFF", 2);
  w->will_delay = 5;
  w->n_user = 1;
  w->user = wu;
  c->will_topic = S("w/t");
  c->will_payload = S("bye");
  c->username = S("user");
  c->password = S("pw");
}

static void test_built_matches_hand_written(void **state) {
  (void)state;
  mqs_packet p;
  build_v5_connect(&p);
  check_encodes_to_hex(
      "v5 CONNECT", &p, MQS_V5,
      "10 79 | 00 04 'MQTT' 05 EE 00 3C | 2F 11 00 00 00 78 | 15 00 05 'PLAIN'"
      " | 16 00 02 01 02 | 17 00 | 19 01 | 21 00 14 | 22 00 0A | 26 00 01 'a' 00 01 '1'"
      " | 26 00 01 'a' 00 01 '2' | 27 00 01 00 00 | 00 03 'cid' | 25 01 01 | 02 00 00 01 2C"
      " | 03 00 04 'text' | 08 00 03 'r/t' | 09 00 02 00 FF | 18 00 00 00 05"
      " | 26 00 01 'k' 00 01 'v' | 00 03 'w/t' | 00 03 'bye' | 00 04 'user' | 00 02 'pw'");
  check_roundtrip("v5 CONNECT", &p, MQS_V5);

  /* The same CONNECT in 3.1.1: no properties on the wire. */
  p.connect.level = 4;
  check_encodes_to_hex("v311 CONNECT", &p, MQS_V311,
                       "10 23 00 04 'MQTT' 04 EE 00 3C 00 03 'cid' 00 03 'w/t' 00 03 'bye'"
                       " 00 04 'user' 00 02 'pw'");

  /* Server PUBLISH with several subscription identifiers, in order. */
  static const uint32_t ids[] = {1, 268435455, 300};
  static const mqs_str_pair pu[] = {
      {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v1", 2}},
      {{(const uint8_t *)"k2", 2}, {(const uint8_t *)"v2", 2}},
      {{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v3", 2}},
  };
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.qos = 1;
  p.publish.id = 0x0102;
  p.publish.topic = S("a/b");
  mqs_props *pr = &p.publish.props;
  pr->present =
      BIT(0x26) | BIT(0x23) | BIT(0x0B) | BIT(0x09) | BIT(0x08) | BIT(0x03) | BIT(0x02) | BIT(0x01);
  pr->payload_format = 1;
  pr->message_expiry = 3600;
  pr->content_type = S("text/plain");
  pr->response_topic = S("reply");
  pr->correlation_data = B("\x01\x02\x03", 3);
  pr->n_sub_id = 3;
  pr->sub_ids = ids;
  pr->topic_alias = 5;
  pr->n_user = 3;
  pr->user = pu;
  p.publish.payload = S("hi");
  check_encodes_to_hex("v5 PUBLISH", &p, MQS_V5,
                       "32 54 00 03 'a/b' 01 02 | 4A | 01 01 | 02 00 00 0E 10"
                       " | 03 00 0A 'text/plain' | 08 00 05 'reply' | 09 00 03 01 02 03"
                       " | 0B 01 | 0B FF FF FF 7F | 0B AC 02 | 23 00 05"
                       " | 26 00 02 'k1' 00 02 'v1' | 26 00 02 'k2' 00 02 'v2'"
                       " | 26 00 02 'k1' 00 02 'v3' | 'hi'");
  check_roundtrip("v5 PUBLISH", &p, MQS_V5);

  /* Acks in their shortest form (3.4.2.1). */
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBACK;
  p.ack.id = 7;
  check_encodes_to_hex("v5 PUBACK success", &p, MQS_V5, "40 02 00 07");
  check_encodes_to_hex("v311 PUBACK", &p, MQS_V311, "40 02 00 07");
  p.ack.reason = 0x10;
  check_encodes_to_hex("v5 PUBACK 0x10", &p, MQS_V5, "40 03 00 07 10");
  p.type = MQS_PUBREL;
  p.ack.reason = 0;
  check_encodes_to_hex("v5 PUBREL", &p, MQS_V5, "62 02 00 07");
  p.ack.reason = 0x92;
  p.ack.props.present = BIT(0x1F);
  p.ack.props.reason_string = S_EMPTY;
  check_encodes_to_hex("v5 PUBREL reason string", &p, MQS_V5, "62 07 00 07 92 03 1F 00 00");
  memset(&p, 0, sizeof p);
  p.type = MQS_DISCONNECT;
  check_encodes_to_hex("v5 DISCONNECT", &p, MQS_V5, "E0 00");
  p.disconnect.reason = 0x04;
  check_encodes_to_hex("v5 DISCONNECT will", &p, MQS_V5, "E0 01 04");
  memset(&p, 0, sizeof p);
  p.type = MQS_PINGREQ;
  check_encodes_to_hex("PINGREQ", &p, MQS_V311, "C0 00");
}

/* encode -> decode -> encode for built packets of every type. */
static void test_roundtrip_v5_all_types(void **state) {
  (void)state;
  mqs_packet p;
  static const uint32_t ids[] = {1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455};
  static const uint8_t reasons[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                    0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
  static const mqs_sub filters[] = {
      {{(const uint8_t *)"a/b", 3}, 0x00},
      {{(const uint8_t *)"a/+/c", 5}, 0x01 | MQS_SUBOPT_NO_LOCAL},
      {{(const uint8_t *)"#", 1}, 0x02 | MQS_SUBOPT_RETAIN_AS_PUBLISHED | 0x10},
      {{(const uint8_t *)"+", 1},
       0x01 | MQS_SUBOPT_NO_LOCAL | MQS_SUBOPT_RETAIN_AS_PUBLISHED | 0x20},
      {{(const uint8_t *)"$share/grp/x/#", 14}, 0x02 | MQS_SUBOPT_RETAIN_AS_PUBLISHED | 0x20},
      {{(const uint8_t *)"/", 1}, 0x00},
  };

  build_v5_connect(&p);
  check_roundtrip("CONNECT", &p, MQS_V5);
  /* Empty-but-present strings against absent ones. */
  p.connect.username = S_EMPTY;
  p.connect.password = S(NULL);
  p.connect.client_id = S_EMPTY;
  p.connect.will_payload = S_EMPTY;
  p.connect.will_props.correlation_data = S_EMPTY;
  check_roundtrip("CONNECT empty strings", &p, MQS_V5);
  p.connect.will = false;
  p.connect.will_qos = 0;
  p.connect.will_retain = false;
  memset(&p.connect.will_props, 0, sizeof p.connect.will_props);
  p.connect.will_topic = p.connect.will_payload = S(NULL);
  p.connect.username = S(NULL);
  p.connect.password = S("pw only");
  check_roundtrip("CONNECT password only", &p, MQS_V5);

  memset(&p, 0, sizeof p);
  p.type = MQS_CONNACK;
  p.connack.session_present = true;
  mqs_props *pr = &p.connack.props;
  pr->present = BIT(0x11) | BIT(0x12) | BIT(0x13) | BIT(0x15) | BIT(0x16) | BIT(0x1A) | BIT(0x1C) |
                BIT(0x1F) | BIT(0x21) | BIT(0x22) | BIT(0x24) | BIT(0x25) | BIT(0x26) | BIT(0x27) |
                BIT(0x28) | BIT(0x29) | BIT(0x2A);
  pr->session_expiry = 0xFFFFFFFF;
  pr->assigned_client_id = S("auto-7");
  pr->server_keep_alive = 0;
  pr->auth_method = S("m");
  pr->auth_data = S_EMPTY;
  pr->response_info = S("resp");
  pr->server_reference = S("other:1883");
  pr->reason_string = S("");
  pr->receive_max = 65535;
  pr->topic_alias_max = 0;
  pr->max_qos = 0;
  pr->retain_available = 1;
  pr->n_user = 3;
  pr->user = users3;
  pr->max_packet_size = 268435460;
  pr->wildcard_available = 1;
  pr->sub_id_available = 0;
  pr->shared_available = 1;
  check_roundtrip("CONNACK", &p, MQS_V5);

  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.qos = 2;
  p.publish.dup = p.publish.retain = true;
  p.publish.id = 65535;
  p.publish.topic = S("a/b/c");
  pr = &p.publish.props;
  pr->present =
      BIT(0x01) | BIT(0x02) | BIT(0x03) | BIT(0x08) | BIT(0x09) | BIT(0x0B) | BIT(0x23) | BIT(0x26);
  pr->payload_format = 0;
  pr->content_type = S_EMPTY;
  pr->response_topic = S("r");
  pr->correlation_data = B("\x00\x00", 2);
  pr->n_sub_id = sizeof ids / sizeof ids[0];
  pr->sub_ids = ids;
  pr->topic_alias = 65535;
  pr->n_user = 3;
  pr->user = users3;
  p.publish.payload = B("\x00\xFF\xC0", 3);
  check_roundtrip("PUBLISH", &p, MQS_V5);
  p.publish.topic = S_EMPTY; /* with its alias */
  p.publish.qos = 0;
  p.publish.dup = false;
  p.publish.id = 0;
  check_roundtrip("PUBLISH alias only", &p, MQS_V5);

  static const int acks[] = {MQS_PUBACK, MQS_PUBREC, MQS_PUBREL, MQS_PUBCOMP};
  static const uint8_t ack_reason[] = {0x99, 0x91, 0x92, 0x00};
  for (int i = 0; i < 4; i++) {
    memset(&p, 0, sizeof p);
    p.type = acks[i];
    p.ack.id = (uint16_t)(100 + i);
    p.ack.reason = ack_reason[i];
    p.ack.props.present = BIT(0x1F) | BIT(0x26);
    p.ack.props.reason_string = S("why");
    p.ack.props.n_user = 3;
    p.ack.props.user = users3;
    check_roundtrip(mqs_packet_type_name(acks[i]), &p, MQS_V5);
  }

  memset(&p, 0, sizeof p);
  p.type = MQS_SUBSCRIBE;
  p.subscribe.id = 1;
  p.subscribe.props.present = BIT(0x0B) | BIT(0x26);
  p.subscribe.props.n_sub_id = 1;
  p.subscribe.props.sub_ids = &ids[7];
  p.subscribe.props.n_user = 3;
  p.subscribe.props.user = users3;
  p.subscribe.n_filters = sizeof filters / sizeof filters[0];
  p.subscribe.filters = filters;
  check_roundtrip("SUBSCRIBE", &p, MQS_V5);
  p.type = MQS_UNSUBSCRIBE;
  p.subscribe.props.present = BIT(0x26);
  p.subscribe.props.n_sub_id = 0;
  static const mqs_sub unsub[] = {{{(const uint8_t *)"a/b", 3}, 0},
                                  {{(const uint8_t *)"$share/grp/x/#", 14}, 0}};
  p.subscribe.filters = unsub;
  p.subscribe.n_filters = 2;
  check_roundtrip("UNSUBSCRIBE", &p, MQS_V5);

  memset(&p, 0, sizeof p);
  p.type = MQS_SUBACK;
  p.suback.id = 1;
  p.suback.props.present = BIT(0x1F) | BIT(0x26);
  p.suback.props.reason_string = S("r");
  p.suback.props.n_user = 1;
  p.suback.props.user = users3;
  p.suback.n_reasons = sizeof reasons;
  p.suback.reasons = reasons;
  check_roundtrip("SUBACK", &p, MQS_V5);
  p.type = MQS_UNSUBACK;
  static const uint8_t ureasons[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
  p.suback.n_reasons = sizeof ureasons;
  p.suback.reasons = ureasons;
  check_roundtrip("UNSUBACK", &p, MQS_V5);

  memset(&p, 0, sizeof p);
  p.type = MQS_DISCONNECT;
  p.disconnect.reason = 0x9D;
  p.disconnect.props.present = BIT(0x11) | BIT(0x1C) | BIT(0x1F) | BIT(0x26);
  p.disconnect.props.session_expiry = 0;
  p.disconnect.props.server_reference = S("elsewhere");
  p.disconnect.props.reason_string = S("moved");
  p.disconnect.props.n_user = 3;
  p.disconnect.props.user = users3;
  check_roundtrip("DISCONNECT", &p, MQS_V5);

  memset(&p, 0, sizeof p);
  p.type = MQS_AUTH;
  p.auth.reason = 0x19;
  p.auth.props.present = BIT(0x15) | BIT(0x16) | BIT(0x1F) | BIT(0x26);
  p.auth.props.auth_method = S("SCRAM-SHA-1");
  p.auth.props.auth_data = B("\x00\x01\x02", 3);
  p.auth.props.reason_string = S("again");
  p.auth.props.n_user = 2;
  p.auth.props.user = users3;
  check_roundtrip("AUTH", &p, MQS_V5);

  static const int bare[] = {MQS_PINGREQ, MQS_PINGRESP};
  for (int i = 0; i < 2; i++) {
    memset(&p, 0, sizeof p);
    p.type = bare[i];
    check_roundtrip(mqs_packet_type_name(bare[i]), &p, MQS_V5);
  }
}

static void test_roundtrip_v311_all_types(void **state) {
  (void)state;
  mqs_packet p;
  static const mqs_sub filters[] = {{{(const uint8_t *)"a/b", 3}, 0},
                                    {{(const uint8_t *)"+/x/#", 5}, 1},
                                    {{(const uint8_t *)"$SYS/#", 6}, 2}};
  static const uint8_t codes[] = {0, 1, 2, 0x80};
  for (int lvl = 3; lvl <= 4; lvl++) {
    memset(&p, 0, sizeof p);
    p.type = MQS_CONNECT;
    p.connect.level = (uint8_t)lvl;
    p.connect.will = true;
    p.connect.will_qos = 2;
    p.connect.keep_alive = 0;
    p.connect.client_id = S("client-1");
    p.connect.will_topic = S("last/will");
    p.connect.will_payload = S_EMPTY;
    p.connect.username = S("u");
    p.connect.password = B("\xFF\x00", 2); /* binary, not UTF-8 */
    check_roundtrip(lvl == 3 ? "v31 CONNECT" : "v311 CONNECT", &p, lvl == 3 ? MQS_V31 : MQS_V311);
  }
  memset(&p, 0, sizeof p);
  p.type = MQS_CONNACK;
  p.connack.reason = 5;
  check_roundtrip("CONNACK", &p, MQS_V311);
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.qos = 1;
  p.publish.retain = true;
  p.publish.id = 1;
  p.publish.topic = S("t");
  p.publish.payload = S("payload");
  check_roundtrip("PUBLISH", &p, MQS_V311);
  static const int acks[] = {MQS_PUBACK, MQS_PUBREC, MQS_PUBREL, MQS_PUBCOMP, MQS_UNSUBACK};
  for (int i = 0; i < 5; i++) {
    memset(&p, 0, sizeof p);
    p.type = acks[i];
    if (acks[i] == MQS_UNSUBACK)
      p.suback.id = 9;
    else
      p.ack.id = 9;
    check_roundtrip(mqs_packet_type_name(acks[i]), &p, MQS_V311);
  }
  memset(&p, 0, sizeof p);
  p.type = MQS_SUBSCRIBE;
  p.subscribe.id = 2;
  p.subscribe.n_filters = 3;
  p.subscribe.filters = filters;
  check_roundtrip("SUBSCRIBE", &p, MQS_V311);
  p.type = MQS_UNSUBSCRIBE;
  check_roundtrip("UNSUBSCRIBE", &p, MQS_V311);
  memset(&p, 0, sizeof p);
  p.type = MQS_SUBACK;
  p.suback.id = 2;
  p.suback.n_reasons = 4;
  p.suback.reasons = codes;
  check_roundtrip("SUBACK", &p, MQS_V311);
  static const int bare[] = {MQS_PINGREQ, MQS_PINGRESP, MQS_DISCONNECT};
  for (int i = 0; i < 3; i++) {
    memset(&p, 0, sizeof p);
    p.type = bare[i];
    check_roundtrip(mqs_packet_type_name(bare[i]), &p, MQS_V311);
  }
}

/* Invalid packets: refused with why; written as given with MQS_ENC_RAW,
 * and those bytes then refused by decode with the same rule. */
static void test_validation_and_raw(void **state) {
  (void)state;
  typedef struct {
    const char *name;
    mqs_version v;
    mqs_packet p;
    mqs_rule rule;
    const char *raw_hex; /* what MQS_ENC_RAW writes */
    size_t offset;       /* where decode finds the fault in raw_hex */
  } bad;
  static const mqs_sub hash_mid[] = {{{(const uint8_t *)"a/#/b", 5}, 0}};
  static const mqs_sub v311_opts[] = {{{(const uint8_t *)"a", 1}, 0x04}};
  static const mqs_str_pair bad_pair[] = {
      {{(const uint8_t *)"\xC0\x80", 2}, {(const uint8_t *)"v", 1}}};
  bad cases[] = {
      {"wildcard topic",
       MQS_V311,
       {.type = MQS_PUBLISH, .publish = {.topic = {(const uint8_t *)"a/+", 3}}},
       MQS_RULE_TOPIC_WILDCARD,
       "30 05 00 03 'a/+'",
       6},
      {"QoS 3",
       MQS_V311,
       {.type = MQS_PUBLISH,
        .flags = 0x06,
        .publish = {.qos = 3, .id = 1, .topic = {(const uint8_t *)"a/b", 3}}},
       MQS_RULE_QOS_3,
       "36 07 00 03 'a/b' 00 01",
       0},
      {"packet id 0",
       MQS_V311,
       {.type = MQS_PUBLISH,
        .flags = 0x02,
        .publish = {.qos = 1, .id = 0, .topic = {(const uint8_t *)"a", 1}}},
       MQS_RULE_PACKET_ID_ZERO,
       "32 05 00 01 'a' 00 00",
       5},
      {"DUP on QoS 0",
       MQS_V311,
       {.type = MQS_PUBLISH,
        .flags = 0x08,
        .publish = {.dup = true, .topic = {(const uint8_t *)"a", 1}}},
       MQS_RULE_DUP_ON_QOS0,
       "38 03 00 01 'a'",
       0},
      {"empty topic",
       MQS_V5,
       {.type = MQS_PUBLISH, .publish = {.topic = {(const uint8_t *)"", 0}}},
       MQS_RULE_TOPIC_EMPTY,
       "30 03 00 00 00",
       2},
      {"ill-formed topic",
       MQS_V311,
       {.type = MQS_PUBLISH, .publish = {.topic = {(const uint8_t *)"\xED\xA0\x80", 3}}},
       MQS_RULE_UTF8_INVALID,
       "30 05 00 03 ED A0 80",
       4},
      {"property not allowed",
       MQS_V5,
       {.type = MQS_PUBLISH,
        .publish = {.topic = {(const uint8_t *)"a", 1},
                    .props = {.present = BIT(0x11), .session_expiry = 10},
                    .payload = {(const uint8_t *)"x", 1}}},
       MQS_RULE_PROP_NOT_ALLOWED,
       "30 0A 00 01 'a' 05 11 00 00 00 0A 'x'",
       6},
      {"ill-formed user property",
       MQS_V5,
       {.type = MQS_PUBACK,
        .ack = {.id = 1, .props = {.present = BIT(0x26), .n_user = 1, .user = bad_pair}}},
       MQS_RULE_UTF8_PAIR_INVALID,
       "40 0C 00 01 00 08 26 00 02 C0 80 00 01 'v'",
       9},
      {"reason code",
       MQS_V5,
       {.type = MQS_PUBACK, .ack = {.id = 1, .reason = 0x04}},
       MQS_RULE_REASON_CODE_INVALID,
       "40 03 00 01 04",
       4},
      {"no filters",
       MQS_V311,
       {.type = MQS_SUBSCRIBE, .flags = 0x02, .subscribe = {.id = 1}},
       MQS_RULE_NO_TOPIC_FILTERS,
       "82 02 00 01",
       4},
      {"'#' misplaced",
       MQS_V311,
       {.type = MQS_SUBSCRIBE, .flags = 0x02, .subscribe = {.id = 1, .n_filters = 1, .filters = hash_mid}},
       MQS_RULE_FILTER_HASH_MISPLACED,
       "82 0A 00 01 00 05 'a/#/b' 00",
       8},
      {"3.1.1 No Local",
       MQS_V311,
       {.type = MQS_SUBSCRIBE, .flags = 0x02, .subscribe = {.id = 1, .n_filters = 1, .filters = v311_opts}},
       MQS_RULE_SUB_OPTIONS_RESERVED,
       "82 06 00 01 00 01 'a' 04",
       7},
      {"password without user name",
       MQS_V311,
       {.type = MQS_CONNECT,
        .connect = {.level = 4,
                    .client_id = {(const uint8_t *)"c", 1},
                    .password = {(const uint8_t *)"p", 1}}},
       MQS_RULE_PASSWORD_WITHOUT_USERNAME,
       "10 10 00 04 'MQTT' 04 40 00 00 00 01 'c' 00 01 'p'",
       9},
      {"will QoS 3",
       MQS_V311,
       {.type = MQS_CONNECT,
        .connect = {.level = 4,
                    .will = true,
                    .will_qos = 3,
                    .client_id = {(const uint8_t *)"c", 1},
                    .will_topic = {(const uint8_t *)"t", 1},
                    .will_payload = {(const uint8_t *)"", 0}}},
       MQS_RULE_WILL_QOS_3,
       "10 12 00 04 'MQTT' 04 1C 00 00 00 01 'c' 00 01 't' 00 00",
       9},
      {"reserved connect flag",
       MQS_V311,
       {.type = MQS_CONNECT,
        .connect = {.level = 4, .flags = 0x01, .client_id = {(const uint8_t *)"c", 1}}},
       MQS_RULE_CONNECT_RESERVED_FLAG,
       "10 0D 00 04 'MQTT' 04 01 00 00 00 01 'c'",
       9},
  };
  mqs_guard g = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bad *c = &cases[i];
    uint8_t out[256];
    mqs_violation why;
    memset(&why, 0, sizeof why);
    ssize_t r = mqs_encode_ex(&c->p, c->v, 0, out, sizeof out, &why);
    CHECKF(r == MQS_EINVAL || r == err_for_reason(mqs_rule_reason(c->rule)),
           "%s: validating encode returned %zd (%s)", c->name, r, mqs_errname((int)r));
    CHECKF(why.rule == c->rule, "%s: why.rule %s, want %s", c->name, mqs_rule_name(why.rule),
           mqs_rule_name(c->rule));
    CHECKF(why.reason == mqs_rule_reason(c->rule), "%s: why.reason %#x", c->name, why.reason);
    CHECKF(mqs_encode(&c->p, c->v, 0, out, sizeof out) < 0, "%s: mqs_encode wrote it", c->name);

    /* Raw: the exact bytes, every smaller cap refused. */
    uint8_t want[128];
    size_t want_len = hex_parse(c->raw_hex, want, sizeof want);
    CHECKF(mqs_encode_size(&c->p, c->v, MQS_ENC_RAW) == (ssize_t)want_len, "%s: raw size %zd",
           c->name, mqs_encode_size(&c->p, c->v, MQS_ENC_RAW));
    for (size_t cap = 0; cap < want_len; cap++)
      CHECKF(mqs_encode(&c->p, c->v, MQS_ENC_RAW, guard_out(&g, cap), cap) == MQS_ENOSPC,
             "%s: raw cap %zu", c->name, cap);
    uint8_t *o = guard_out(&g, want_len);
    r = mqs_encode(&c->p, c->v, MQS_ENC_RAW, o, want_len);
    char h1[300], h2[300];
    CHECKF(r == (ssize_t)want_len && memcmp(o, want, want_len) == 0,
           "%s: raw encode %zd\n  got  %s\n  want %s", c->name, r,
           hex_format(o, r > 0 ? (size_t)r : 0, h1, sizeof h1),
           hex_format(want, want_len, h2, sizeof h2));
    mqs_packet d;
    mqs_decode_opts opt = {.version = c->v};
    r = guard_decode(&g, want, want_len, &opt, &d, &why);
    CHECKF(r == err_for_reason(mqs_rule_reason(c->rule)) && why.rule == c->rule &&
               why.offset == c->offset,
           "%s: decode of the raw bytes: %zd rule %s at %zu, want %s at %zu", c->name, r,
           mqs_rule_name(why.rule), why.offset, mqs_rule_name(c->rule), c->offset);
  }
  guard_release(&g);
}

/* Raw fixed-header flags: written as given, refused by decode. */
static void test_raw_fixed_header_flags(void **state) {
  (void)state;
  mqs_packet p = {.type = MQS_PUBREL, .flags = 0x0F, .ack = {.id = 7}};
  uint8_t out[8];
  /* Not raw: the required flags, whatever p->flags says. */
  assert_int_equal(mqs_encode(&p, MQS_V311, 0, out, sizeof out), 4);
  assert_memory_equal(out, "\x62\x02\x00\x07", 4);
  p.type = MQS_PUBACK;
  assert_int_equal(mqs_encode(&p, MQS_V311, 0, out, sizeof out), 4);
  assert_memory_equal(out, "\x40\x02\x00\x07", 4);
  assert_int_equal(mqs_encode(&p, MQS_V311, MQS_ENC_RAW, out, sizeof out), 4);
  assert_memory_equal(out, "\x4F\x02\x00\x07", 4);
  /* PUBLISH flags come from qos, dup and retain. */
  mqs_packet pub = {
      .type = MQS_PUBLISH,
      .flags = 0,
      .publish = {
          .qos = 2, .retain = true, .dup = true, .id = 1, .topic = {(const uint8_t *)"a", 1}}};
  assert_int_equal(mqs_encode(&pub, MQS_V311, 0, out, sizeof out), 7);
  assert_memory_equal(out,
                      "\x3D\x05\x00\x01"
                      "a\x00\x01",
                      7);
}

/* codec.h: with MQS_ENC_RAW "the fixed header low nibble is p->flags as
 * given", so a PUBREL, SUBSCRIBE or UNSUBSCRIBE with the required bit 1
 * cleared can be sent on purpose (MQTT-2.2.2-2 / MQTT-2.1.3-1 tests). */
static void test_raw_flags_can_clear_required_bits(void **state) {
  (void)state;
  static const struct {
    mqs_packet p;
    const char *hex;
  } cases[] = {
      {{.type = MQS_PUBREL, .flags = 0x00, .ack = {.id = 7}}, "60 02 00 07"},
      {{.type = MQS_PUBREL, .flags = 0x01, .ack = {.id = 7}}, "61 02 00 07"},
  };
  mqs_guard g = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t want[16];
    size_t len = hex_parse(cases[i].hex, want, sizeof want);
    uint8_t *out = guard_out(&g, len);
    ssize_t r = mqs_encode(&cases[i].p, MQS_V311, MQS_ENC_RAW, out, len);
    char h[64];
    CHECKF(r == (ssize_t)len && memcmp(out, want, len) == 0, "raw %s: got %zd [%s]", cases[i].hex,
           r, hex_format(out, len, h, sizeof h));
    mqs_packet d;
    mqs_violation why;
    mqs_decode_opts o = {.version = MQS_V311};
    assert_int_equal(guard_decode(&g, want, len, &o, &d, &why), MQS_EMALFORMED);
    assert_int_equal(why.rule, MQS_RULE_FLAGS_RESERVED);
  }
  guard_release(&g);
}

static void test_required_flags(void **state) {
  (void)state;
  for (int t = 1; t <= 15; t++) {
    uint8_t want = (t == MQS_PUBREL || t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE) ? 2 : 0;
    assert_int_equal(mqs_required_flags(t), want);
  }
}

/* AUTH does not exist in 3.1.1: nothing to encode it as. */
static void test_auth_not_in_v311(void **state) {
  (void)state;
  mqs_packet p = {.type = MQS_AUTH};
  uint8_t out[8];
  mqs_violation why;
  assert_true(mqs_encode_ex(&p, MQS_V311, 0, out, sizeof out, &why) < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_built_matches_hand_written),
      cmocka_unit_test(test_roundtrip_v5_all_types),
      cmocka_unit_test(test_roundtrip_v311_all_types),
      cmocka_unit_test(test_validation_and_raw),
      cmocka_unit_test(test_raw_fixed_header_flags),
      cmocka_unit_test(test_raw_flags_can_clear_required_bits),
      cmocka_unit_test(test_required_flags),
      cmocka_unit_test(test_auth_not_in_v311),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
