/* tests/codec/test_codec_rules.c — at least one hand-written vector per rule
 * of MQS_RULE_TABLE, for each version where the rule exists, with the error,
 * rule, reason code, statement id and offset of the offending byte checked.
 * test_every_rule_has_a_vector fails when a rule (say, one added to the
 * table later) has no vector here.
 *
 * Offsets, as read from the header ("the offending byte"):
 *  - a byte that is wrong in itself (flags, options, a reason code, a
 *    wildcard, a bad UTF-8 sequence): that byte (a sequence: its first byte);
 *  - a property that may not be there (unknown, not allowed, duplicated,
 *    from the wrong side): its identifier; one whose value is wrong: the
 *    first byte of the value;
 *  - a field that runs past the end: the first byte of that field (a string's
 *    length prefix); a field that is missing altogether: the offset where it
 *    would start (the end of the packet);
 *  - a variable byte integer too long: its fourth byte (the one whose
 *    continuation bit is wrong); not minimal: its last byte (the 0x00);
 *  - a packet too large: its Remaining Length field (offset 1). */
#include <stdlib.h>

#include "codec/helpers.h"

typedef struct {
  mqs_rule rule;
  int v; /* 4 or 5 */
  const char *hex;
  size_t offset;
  mqs_direction from;
  uint32_t max_size;
  uint16_t alias_max;
  unsigned flags;
  const char *stmt; /* a more precise statement than the table's (rules.h);
                       STMT_NONE: none for this packet */
  const char *name;
} rule_vec;

#define R4(r, h, off, ...)                                                                         \
  { MQS_RULE_##r, 4, h, off, __VA_ARGS__.name = "v311 " #r ": " h }
#define R5(r, h, off, ...)                                                                         \
  { MQS_RULE_##r, 5, h, off, __VA_ARGS__.name = "v5 " #r ": " h }
#define OPT       /* no options */
#define STMT_NONE ""

/* Connect Flags byte at offset 9, client id "c" at 12 (3.1.1) / 13 (5.0). */
#define C4(flags, rest) "10 " rest " 00 04 'MQTT' 04 " flags " 00 3C"
#define C5(flags, rest) "10 " rest " 00 04 'MQTT' 05 " flags " 00 3C"

static const rule_vec vecs[] = {
    /* ---- framing ---- */
    R4(RL_TOO_LONG, "30 80 80 80 80 01", 4, OPT),
    R4(RL_TOO_LONG, "30 FF FF FF FF 7F", 4, OPT),
    R5(RL_TOO_LONG, "30 80 80 80 80 01", 4, OPT),
    R5(RL_TOO_LONG, "30 0A 00 01 'a' 06 0B 80 80 80 80 01", 10, OPT), /* sub id VBI */
    R5(RL_TOO_LONG, "40 08 00 07 00 80 80 80 80 01", 8, OPT),         /* property length */
    R5(VBI_NOT_MINIMAL, "C0 80 00", 2, OPT),
    R5(VBI_NOT_MINIMAL, "30 80 80 00", 3, OPT),
    R5(VBI_NOT_MINIMAL, "30 07 00 01 'a' 03 0B 81 00", 8, OPT),
    R5(VBI_NOT_MINIMAL, "40 05 00 07 00 80 00", 6, OPT),
    /* Rejected on the header alone (these vectors are just the header). */
    R5(PACKET_TOO_LARGE, "30 FF FF FF 7F", 1, .max_size = 1024, ),
    R5(PACKET_TOO_LARGE, "30 63", 1, .max_size = 100, ),     /* 2 + 99 = 101 > 100 */
    R5(PACKET_TOO_LARGE, "10 80 08", 1, .max_size = 1026, ), /* 3 + 1024 */
    R4(PACKET_TOO_LARGE, "30 FF FF FF 7F", 1, .max_size = 1024, ),
    R4(TYPE_RESERVED, "00 00", 0, OPT),
    R4(TYPE_RESERVED, "F0 00", 0, OPT),
    R5(TYPE_RESERVED, "00 00", 0, OPT),
    R4(WRONG_DIRECTION, "20 02 00 00", 0, .from = MQS_FROM_CLIENT, ),
    R5(WRONG_DIRECTION, "20 03 00 00 00", 0, .from = MQS_FROM_CLIENT, ),
    R4(WRONG_DIRECTION, C4("02", "0D") " 00 01 'c'", 0, .from = MQS_FROM_SERVER, ),
    R5(WRONG_DIRECTION, C5("02", "0E") " 00 00 01 'c'", 0, .from = MQS_FROM_SERVER, ),
    R4(WRONG_DIRECTION, "82 06 00 01 00 01 'a' 00", 0, .from = MQS_FROM_SERVER, ),
    R4(WRONG_DIRECTION, "90 03 00 01 00", 0, .from = MQS_FROM_CLIENT, ),
    R4(WRONG_DIRECTION, "A2 05 00 01 00 01 'a'", 0, .from = MQS_FROM_SERVER, ),
    R4(WRONG_DIRECTION, "B0 02 00 01", 0, .from = MQS_FROM_CLIENT, ),
    R4(WRONG_DIRECTION, "C0 00", 0, .from = MQS_FROM_SERVER, ),
    R4(WRONG_DIRECTION, "D0 00", 0, .from = MQS_FROM_CLIENT, ),
    R4(WRONG_DIRECTION, "E0 00", 0, .from = MQS_FROM_SERVER, ), /* 3.1.1: client only */
    R5(WRONG_DIRECTION, "90 04 00 01 00 00", 0, .from = MQS_FROM_CLIENT, ),
    R5(WRONG_DIRECTION, "D0 00", 0, .from = MQS_FROM_CLIENT, ),
    R4(FLAGS_RESERVED, "41 02 00 01", 0, OPT),
    R4(FLAGS_RESERVED, "60 02 00 01", 0, OPT),
    R4(FLAGS_RESERVED, "80 06 00 01 00 01 'a' 00", 0, OPT),
    R4(FLAGS_RESERVED, "A0 05 00 01 00 01 'a'", 0, OPT),
    R4(FLAGS_RESERVED, "C1 00", 0, OPT),
    R4(FLAGS_RESERVED, "E8 00", 0, OPT),
    R4(FLAGS_RESERVED, "12 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", 0, OPT),
    R5(FLAGS_RESERVED, "F1 00", 0, OPT),
    R5(FLAGS_RESERVED, "64 02 00 01", 0, OPT),
    R5(FLAGS_RESERVED, "D2 00", 0, OPT),
    /* String length beyond the packet, even with bytes after it. */
    R4(TRUNCATED, "30 08 FF FF 'abcdef'", 2, OPT),
    R4(TRUNCATED, "30 04 00 05 'ab' C0 00", 2, OPT),
    R4(TRUNCATED, "32 03 00 01 'a'", 5, OPT), /* QoS 1 without packet id */
    R4(TRUNCATED, "32 04 00 01 'a' 00", 5, OPT),
    R4(TRUNCATED, "82 06 00 01 00 02 'ab'", 8, OPT), /* no options byte */
    R4(TRUNCATED, "20 01 00", 3, OPT),               /* short CONNACK */
    R4(TRUNCATED, "40 01 00", 2, OPT),
    R4(TRUNCATED, "10 0A 00 04 'MQTT' 04 02 00 3C", 12, OPT), /* no client id */
    R4(TRUNCATED, "10 03 00 04 'M'", 2, OPT),
    R5(TRUNCATED, "40 06 00 07 80 09 1F 00", 5, OPT), /* property length too long */
    R5(TRUNCATED, "30 05 00 01 'a' 7F 00", 5, OPT),
    R5(TRUNCATED, "40 08 00 07 00 04 26 00 05 'a'", 7, OPT), /* key past the properties */
    R5(TRUNCATED, "40 08 00 07 00 04 1F 00 05 'a'", 7, OPT),
    R5(TRUNCATED, "E0 05 00 03 11 00 00", 5, OPT), /* u32 past the properties */
    R5(TRUNCATED, "20 02 00 00", 4, OPT),          /* 5.0 CONNACK has a property length */
    R5(TRUNCATED, "32 04 00 01 'a' 00", 5, OPT),
    R5(TRUNCATED, C5("06", "13") " 00 00 01 'c' 05 18 00 00 00", 16, OPT), /* will props */
    R4(TRAILING, "40 03 00 01 00", 4, OPT),
    R4(TRAILING, "C0 01 00", 2, OPT),
    R4(TRAILING, "E0 01 00", 2, OPT),
    R4(TRAILING, "20 03 00 00 00", 4, OPT),
    R4(TRAILING, "B0 03 00 01 00", 4, OPT),
    R4(TRAILING, C4("02", "0E") " 00 01 'c' 'x'", 15, OPT),
    R5(TRAILING, "40 05 00 07 00 00 FF", 6, OPT),
    R5(TRAILING, "D0 01 00", 2, OPT),
    R5(TRAILING, "F0 07 18 04 15 00 01 'm' FF", 8, OPT),
    R5(TRAILING, "E0 03 00 00 00", 4, OPT),
    /* ---- strings ---- */
    R4(UTF8_INVALID, "30 04 00 02 C0 80", 4, OPT),     /* overlong U+0000 */
    R4(UTF8_INVALID, "30 05 00 03 ED A0 80", 4, OPT),  /* surrogate U+D800 */
    R4(UTF8_INVALID, "30 05 00 03 'a' E2 82", 5, OPT), /* cut short */
    R4(UTF8_INVALID, "30 04 00 02 'a' 80", 5, OPT),    /* lone continuation */
    R4(UTF8_INVALID, "30 03 00 01 FF", 4, OPT),
    R4(UTF8_INVALID, "30 05 00 03 E0 80 AF", 4, OPT),             /* overlong '/' */
    R4(UTF8_INVALID, "30 06 00 04 F0 80 80 80", 4, OPT),          /* overlong 4-byte */
    R4(UTF8_INVALID, C4("02", "0E") " 00 02 'a' C1", 15, OPT),    /* client id */
    R4(UTF8_INVALID, "82 08 00 01 00 03 ED BF BF 00", 6, OPT),    /* filter */
    R5(UTF8_INVALID, "30 07 00 04 F4 90 80 80 00", 4, OPT),       /* above U+10FFFF */
    R5(UTF8_INVALID, "30 08 00 05 F8 88 80 80 80 00", 4, OPT),    /* 5-byte form */
    R5(UTF8_INVALID, "30 09 00 06 FC 84 80 80 80 80 00", 4, OPT), /* 6-byte form */
    R5(UTF8_INVALID, "40 08 00 07 80 04 1F 00 01 FF", 9, OPT),    /* reason string */
    R4(UTF8_NULL, "30 05 00 03 'a' 00 'b'", 5, OPT),
    R5(UTF8_NULL, "30 06 00 03 'a' 00 'b' 00", 5, OPT),
    R5(UTF8_NULL, C5("02", "0F") " 00 00 02 'c' 00", 16, OPT),
    R5(UTF8_PAIR_INVALID, "40 0B 00 07 00 07 26 00 01 FF 00 01 'v'", 9, OPT),
    R5(UTF8_PAIR_INVALID, "40 0B 00 07 00 07 26 00 01 'k' 00 01 C0", 12, OPT),
    /* ---- packet identifiers ---- */
    R4(PACKET_ID_ZERO, "40 02 00 00", 2, OPT),
    R4(PACKET_ID_ZERO, "62 02 00 00", 2, OPT),
    R4(PACKET_ID_ZERO, "32 05 00 01 'a' 00 00", 5, OPT),
    R4(PACKET_ID_ZERO, "82 06 00 00 00 01 'a' 00", 2, OPT),
    R4(PACKET_ID_ZERO, "A2 05 00 00 00 01 'a'", 2, OPT),
    R4(PACKET_ID_ZERO, "90 03 00 00 00", 2, OPT),
    R5(PACKET_ID_ZERO, "40 02 00 00", 2, OPT),
    R5(PACKET_ID_ZERO, "34 06 00 01 'a' 00 00 00", 5, OPT),
    /* ---- CONNECT ---- */
    R4(PROTOCOL_NAME, "10 0D 00 04 'MQTX' 04 02 00 3C 00 01 'c'", 2, OPT),
    R5(PROTOCOL_NAME, "10 0E 00 04 'MQTX' 05 02 00 3C 00 00 01 'c'", 2, OPT),
    R4(PROTOCOL_LEVEL, "10 0D 00 04 'MQTT' 02 02 00 3C 00 01 'c'", 8, OPT),
    R4(PROTOCOL_LEVEL, "10 0D 00 04 'MQTT' 06 02 00 3C 00 01 'c'", 8, OPT),
    R5(PROTOCOL_LEVEL, "10 0D 00 04 'MQTT' 00 02 00 3C 00 01 'c'", 8, OPT),
    R4(CONNECT_RESERVED_FLAG, C4("03", "0D") " 00 01 'c'", 9, OPT),
    R5(CONNECT_RESERVED_FLAG, C5("01", "0E") " 00 00 01 'c'", 9, OPT),
    R4(WILL_QOS_WITHOUT_WILL, C4("0A", "0D") " 00 01 'c'", 9, OPT),
    R5(WILL_QOS_WITHOUT_WILL, C5("12", "0E") " 00 00 01 'c'", 9, OPT),
    R4(WILL_QOS_3, C4("1E", "12") " 00 01 'c' 00 01 't' 00 00", 9, OPT),
    R5(WILL_QOS_3, C5("1E", "14") " 00 00 01 'c' 00 00 01 't' 00 00", 9, OPT),
    R4(WILL_RETAIN_WITHOUT_WILL, C4("22", "0D") " 00 01 'c'", 9, OPT),
    R5(WILL_RETAIN_WITHOUT_WILL, C5("22", "0E") " 00 00 01 'c'", 9, OPT),
    R4(WILL_FIELDS_MISSING, C4("06", "0D") " 00 01 'c'", 15, OPT),
    R4(WILL_FIELDS_MISSING, C4("06", "10") " 00 01 'c' 00 01 't'", 18, OPT), /* no payload */
    R5(WILL_FIELDS_MISSING, C5("06", "0E") " 00 00 01 'c'", 16, OPT),
    R4(USERNAME_MISSING, C4("82", "0D") " 00 01 'c'", 15, OPT),
    R5(USERNAME_MISSING, C5("82", "0E") " 00 00 01 'c'", 16, OPT),
    R4(PASSWORD_MISSING, C4("C2", "10") " 00 01 'c' 00 01 'u'", 18, OPT),
    R5(PASSWORD_MISSING, C5("C2", "11") " 00 00 01 'c' 00 01 'u'", 19, OPT),
    R4(PASSWORD_WITHOUT_USERNAME, C4("42", "10") " 00 01 'c' 00 01 'p'", 9, OPT),
    /* ---- CONNACK ---- */
    R4(CONNACK_RESERVED_FLAGS, "20 02 02 00", 2, OPT),
    R5(CONNACK_RESERVED_FLAGS, "20 03 80 00 00", 2, OPT),
    R4(SESSION_PRESENT_ON_ERROR, "20 02 01 05", 2, OPT),
    R5(SESSION_PRESENT_ON_ERROR, "20 03 01 87 00", 2, OPT),
    /* ---- PUBLISH ---- */
    R4(QOS_3, "36 05 00 01 'a' 00 01", 0, OPT),
    R5(QOS_3, "36 06 00 01 'a' 00 01 00", 0, OPT),
    R4(DUP_ON_QOS0, "38 03 00 01 'a'", 0, OPT),
    R5(DUP_ON_QOS0, "38 04 00 01 'a' 00", 0, OPT),
    R4(TOPIC_EMPTY, "30 02 00 00", 2, OPT),
    R4(TOPIC_EMPTY, "32 04 00 00 00 01", 2, OPT),
    R5(TOPIC_EMPTY, "30 03 00 00 00", 2, OPT), /* no Topic Alias */
    R5(TOPIC_EMPTY, "30 06 00 00 02 01 00 'x'", 2, OPT),
    R4(TOPIC_WILDCARD, "30 05 00 03 'a/+'", 6, OPT),
    R4(TOPIC_WILDCARD, "30 03 00 01 '#'", 4, OPT),
    R4(TOPIC_WILDCARD, C4("06", "12") " 00 01 'c' 00 01 '#' 00 00", 17, OPT), /* will topic */
    R5(TOPIC_WILDCARD, "30 06 00 03 'a/#' 00", 6, OPT),
    R5(TOPIC_ALIAS_ZERO, "30 07 00 01 'a' 03 23 00 00", 7, OPT),
    R5(TOPIC_ALIAS_ABOVE_MAX, "30 07 00 01 'a' 03 23 00 0B", 7, .alias_max = 10,
       .flags = MQS_DEC_CHECK_ALIAS_MAX, ),
    R5(TOPIC_ALIAS_ABOVE_MAX, "30 07 00 01 'a' 03 23 00 01", 7, .alias_max = 0,
       .flags = MQS_DEC_CHECK_ALIAS_MAX, ),
    R5(SUB_ID_FROM_CLIENT, "30 06 00 01 'a' 02 0B 01", 6, .from = MQS_FROM_CLIENT, ),
    R5(RESPONSE_TOPIC_WILDCARD, "30 0A 00 01 'a' 06 08 00 03 'r/+'", 11, OPT),
    R5(PAYLOAD_NOT_UTF8, "30 08 00 01 'a' 02 01 01 'x' FF", 9,
       .flags = MQS_DEC_CHECK_PAYLOAD_UTF8, ),
    /* ---- SUBSCRIBE / UNSUBSCRIBE ---- */
    R4(NO_TOPIC_FILTERS, "82 02 00 01", 4, OPT),
    R5(NO_TOPIC_FILTERS, "82 03 00 01 00", 5, OPT),
    R4(UNSUB_NO_TOPIC_FILTERS, "A2 02 00 01", 4, OPT),
    R5(UNSUB_NO_TOPIC_FILTERS, "A2 03 00 01 00", 5, OPT),
    R4(FILTER_EMPTY, "82 05 00 01 00 00 00", 4, OPT),
    R4(FILTER_EMPTY, "A2 04 00 01 00 00", 4, OPT),
    R5(FILTER_EMPTY, "82 06 00 01 00 00 00 00", 5, OPT),
    R4(FILTER_HASH_MISPLACED, "82 0A 00 01 00 05 'a/#/b' 00", 8, OPT),
    R4(FILTER_HASH_MISPLACED, "82 07 00 01 00 02 'a#' 00", 7, OPT),
    R4(FILTER_HASH_MISPLACED, "A2 08 00 01 00 04 'a/#x'", 8, OPT),
    R5(FILTER_HASH_MISPLACED, "82 0B 00 01 00 00 05 'a/#/b' 00", 9, OPT),
    R4(FILTER_PLUS_MISPLACED, "82 08 00 01 00 03 'a+b' 00", 7, OPT),
    R4(FILTER_PLUS_MISPLACED, "A2 06 00 01 00 02 '+a'", 6, OPT),
    R5(FILTER_PLUS_MISPLACED, "82 0A 00 01 00 00 04 'a/b+' 00", 10, OPT),
    R5(SHARE_NAME_INVALID, "82 11 00 01 00 00 0B '$share/g+/a' 01", 15, OPT),
    R5(SHARE_NAME_EMPTY, "82 0F 00 01 00 00 09 '$share//a' 01", 14, OPT),
    R5(SHARE_NAME_EMPTY, "A2 0D 00 01 00 00 08 '$share//'", 14, OPT),
    R5(SHARE_NAME_INVALID, "A2 10 00 01 00 00 0B '$share/g#/a'", 15, OPT),
    R5(SHARE_FILTER_MISSING, "82 0E 00 01 00 00 08 '$share/g' 01", 15, OPT),
    R5(SHARE_FILTER_MISSING, "82 0F 00 01 00 00 09 '$share/g/' 01", 16, OPT),
    R4(SUB_OPTIONS_RESERVED, "82 06 00 01 00 01 'a' 04", 7, OPT), /* No Local is 5.0 */
    R5(SUB_OPTIONS_RESERVED, "82 07 00 01 00 00 01 'a' 40", 8, OPT),
    R5(SUB_OPTIONS_RESERVED, "82 07 00 01 00 00 01 'a' 80", 8, OPT),
    R4(SUB_QOS_3, "82 06 00 01 00 01 'a' 03", 7, OPT),
    R5(SUB_QOS_3, "82 07 00 01 00 00 01 'a' 03", 8, OPT),
    R5(RETAIN_HANDLING_3, "82 07 00 01 00 00 01 'a' 30", 8, OPT),
    R5(NO_LOCAL_ON_SHARED, "82 10 00 01 00 00 0A '$share/g/a' 04", 17, OPT),
    /* ---- reason codes ---- */
    R4(REASON_CODE_INVALID, "90 03 00 01 03", 4, OPT),
    R4(REASON_CODE_INVALID, "90 04 00 01 00 81", 5, OPT),
    R4(REASON_CODE_INVALID, "20 02 00 06", 3, .stmt = STMT_NONE, ), /* 3.1.1 names none */
    R5(REASON_CODE_INVALID, "40 03 00 07 04", 4, .stmt = "MQTT-3.4.2-1", ),
    R5(REASON_CODE_INVALID, "20 03 00 04 00", 3, .stmt = "MQTT-3.2.2-8", ),
    R5(REASON_CODE_INVALID, "90 05 00 01 00 01 92", 6, .stmt = "MQTT-3.9.3-2", ),
    R5(REASON_CODE_INVALID, "E0 01 92", 2, .stmt = "MQTT-3.14.2-1", ),
    R5(REASON_CODE_INVALID, "F0 02 01 00", 2, .stmt = "MQTT-3.15.2-1", ),
    R5(REASON_CODE_INVALID, "62 03 00 07 10", 4, .stmt = "MQTT-3.6.2-1", ),
    R5(REASON_CODE_INVALID, "B0 04 00 01 00 01", 5, .stmt = "MQTT-3.11.3-2", ),
    /* ---- properties ---- */
    R5(PROP_UNKNOWN, "40 05 00 07 00 01 05", 6, OPT),
    R5(PROP_UNKNOWN, "40 05 00 07 00 01 00", 6, OPT),
    R5(PROP_UNKNOWN, "30 05 00 01 'a' 01 2B", 6, OPT),
    R5(PROP_NOT_ALLOWED, "40 09 00 07 00 05 11 00 00 00 01", 6, OPT),
    R5(PROP_NOT_ALLOWED, "30 07 00 01 'a' 03 21 00 01", 6, OPT),
    R5(PROP_NOT_ALLOWED, C5("06", "19") " 00 00 01 'c' 05 11 00 00 00 01 00 01 't' 00 00", 17,
       OPT), /* Session Expiry in will properties */
    R5(PROP_DUPLICATE, "40 0C 00 07 80 08 1F 00 01 'a' 1F 00 01 'b'", 10, OPT),
    R5(PROP_DUPLICATE, "30 0A 00 01 'a' 06 23 00 01 23 00 02", 9, OPT),
    R5(PROP_VALUE_INVALID, "30 06 00 01 'a' 02 01 02", 7, OPT),               /* Payload Format 2 */
    R5(PROP_VALUE_INVALID, C5("02", "11") " 03 21 00 00 00 01 'c'", 14, OPT), /* Receive Max 0 */
    R5(PROP_VALUE_INVALID, "20 05 00 00 02 24 02", 6, OPT),                   /* Maximum QoS 2 */
    R5(SUB_ID_ZERO, "82 09 00 01 02 0B 00 00 01 'a' 00", 6, OPT),
    R5(SUB_ID_ZERO, "30 06 00 01 'a' 02 0B 00", 7, .from = MQS_FROM_SERVER, ),
    R5(AUTH_DATA_WITHOUT_METHOD, C5("02", "12") " 04 16 00 01 'x' 00 01 'c'", 13, OPT),
    R5(AUTH_DATA_WITHOUT_METHOD, "20 07 00 00 04 16 00 01 'x'", 5, OPT),
    R5(AUTH_METHOD_MISSING, "F0 02 18 00", 3, OPT),
    R5(AUTH_METHOD_MISSING, "F0 05 19 03 1F 00 00", 3, OPT),
    R5(SESSION_EXPIRY_FROM_SERVER, "E0 07 00 05 11 00 00 00 0A", 4, .from = MQS_FROM_SERVER, ),
};
#define N_VECS (sizeof vecs / sizeof vecs[0])

/* The table as the header states it, to check the lookups against. */
static const struct {
  const char *name;
  uint8_t rc;
  const char *s311, *s5, *sec, *what;
} table[] = {{NULL, 0, NULL, NULL, NULL, NULL},
#define ROW(name, rc, s311, s5, sec, what) {#name, rc, s311, s5, sec, what},
             MQS_RULE_TABLE(ROW)
#undef ROW
};

/* Rules that exist only in one version. */
static bool rule_in_version(mqs_rule r, int v) {
  switch (r) {
  case MQS_RULE_PASSWORD_WITHOUT_USERNAME: return v != 5;
  case MQS_RULE_VBI_NOT_MINIMAL: /* only 5.0 requires the shortest encoding [MQTT-1.5.5-1] */
  case MQS_RULE_UTF8_PAIR_INVALID:
  case MQS_RULE_TOPIC_ALIAS_ZERO:
  case MQS_RULE_TOPIC_ALIAS_ABOVE_MAX:
  case MQS_RULE_SUB_ID_FROM_CLIENT:
  case MQS_RULE_RESPONSE_TOPIC_WILDCARD:
  case MQS_RULE_PAYLOAD_NOT_UTF8:
  case MQS_RULE_SHARE_NAME_INVALID:
  case MQS_RULE_SHARE_FILTER_MISSING:
  case MQS_RULE_RETAIN_HANDLING_3:
  case MQS_RULE_NO_LOCAL_ON_SHARED:
  case MQS_RULE_PROP_UNKNOWN:
  case MQS_RULE_PROP_NOT_ALLOWED:
  case MQS_RULE_PROP_DUPLICATE:
  case MQS_RULE_PROP_VALUE_INVALID:
  case MQS_RULE_SUB_ID_ZERO:
  case MQS_RULE_AUTH_DATA_WITHOUT_METHOD:
  case MQS_RULE_AUTH_METHOD_MISSING:
  case MQS_RULE_SESSION_EXPIRY_FROM_SERVER:
  case MQS_RULE_SHARE_NAME_EMPTY: return v == 5;
  default: return true;
  }
}

static void expect_violation(const rule_vec *t, const uint8_t *in, size_t len, bool whole) {
  mqs_guard g = {0};
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts o = {.version = t->v == 5 ? MQS_V5 : MQS_V311,
                       .from = t->from,
                       .max_packet_size = t->max_size,
                       .topic_alias_max = t->alias_max,
                       .flags = t->flags};
  ssize_t want = err_for_reason(table[t->rule].rc);
  ssize_t r = guard_decode(&g, in, len, &o, &p, &why);
  guard_release(&g);
  if (!whole) { /* a prefix: more input, or the same verdict */
    if (r == MQS_INCOMPLETE) return;
    CHECKF(r == want && why.rule == t->rule && why.offset == t->offset,
           "%s: prefix of %zu bytes: got %zd (%s), rule %s at %zu", t->name, len, r,
           mqs_errname((int)r), mqs_rule_name(why.rule), why.offset);
    return;
  }
  CHECKF(r == want, "%s: got %zd (%s), want %s; rule %s at %zu", t->name, r, mqs_errname((int)r),
         mqs_errname((int)want), mqs_rule_name(why.rule), why.offset);
  CHECKF(why.rule == t->rule, "%s: rule %s (%s), want %s", t->name, mqs_rule_name(why.rule),
         why.what ? why.what : "-", table[t->rule].name);
  CHECKF(why.reason == table[t->rule].rc, "%s: reason %#x, want %#x", t->name, why.reason,
         table[t->rule].rc);
  /* The table's statement for the version, unless the vector names the
   * more precise one decode may give (rules.h). */
  const char *st = t->v == 5 ? table[t->rule].s5 : table[t->rule].s311;
  if (t->stmt)
    st = *t->stmt ? t->stmt : NULL;
  else
    CHECKF(strcmp_null(st, mqs_rule_statement(t->rule, t->v)) == 0,
           "%s: mqs_rule_statement differs from the table", t->name);
  CHECKF(strcmp_null(why.statement, st) == 0, "%s: statement %s, want %s", t->name,
         why.statement ? why.statement : "NULL", st ? st : "NULL");
  CHECKF(strcmp_null(why.section, table[t->rule].sec) == 0, "%s: section %s", t->name,
         why.section ? why.section : "NULL");
  CHECKF(strcmp_null(why.what, table[t->rule].what) == 0, "%s: what differs", t->name);
  CHECKF(why.offset == t->offset, "%s: offset %zu, want %zu", t->name, why.offset, t->offset);
  /* A reserved type may be reported as 0 ("the type byte itself was bad")
   * or as its value. */
  uint8_t type = in[0] >> 4;
  CHECKF(why.packet_type == type || (t->rule == MQS_RULE_TYPE_RESERVED && why.packet_type == 0),
         "%s: packet_type %u, want %u", t->name, why.packet_type, type);
}

static void run_vec(void **state) {
  const rule_vec *t = *state;
  uint8_t in[256], more[258];
  size_t len = hex_parse(t->hex, in, sizeof in);
  expect_violation(t, in, len, true);
  /* Bytes after the packet (the next one in the stream) change nothing. */
  memcpy(more, in, len);
  more[len] = 0xC0;
  more[len + 1] = 0x00;
  expect_violation(t, more, len + 2, true);
  /* Every prefix: more input needed, or the same verdict, never a read
   * past the end (the guard page) and never success. */
  for (size_t n = 0; n < len; n++)
    expect_violation(t, in, n, false);
}

static void test_every_rule_has_a_vector(void **state) {
  (void)state;
  int missing = 0;
  for (int r = 1; r < MQS_RULE_COUNT; r++) {
    for (int v = 4; v <= 5; v++) {
      if (!rule_in_version((mqs_rule)r, v)) continue;
      int hits = 0;
      for (size_t i = 0; i < N_VECS; i++)
        hits += (int)vecs[i].rule == r && vecs[i].v == v;
      if (!hits) {
        print_error("no vector for rule %s in version %d\n", mqs_rule_name((mqs_rule)r), v);
        missing++;
      }
    }
  }
  assert_int_equal(missing, 0);
}

static void test_rule_lookups(void **state) {
  (void)state;
  assert_int_equal(sizeof table / sizeof table[0], MQS_RULE_COUNT);
  for (int r = 1; r < MQS_RULE_COUNT; r++) {
    assert_string_equal(mqs_rule_name((mqs_rule)r), table[r].name);
    assert_int_equal(mqs_rule_reason((mqs_rule)r), table[r].rc);
    assert_int_equal(strcmp_null(mqs_rule_statement((mqs_rule)r, 5), table[r].s5), 0);
    assert_int_equal(strcmp_null(mqs_rule_statement((mqs_rule)r, 4), table[r].s311), 0);
    assert_int_equal(strcmp_null(mqs_rule_statement((mqs_rule)r, 3), table[r].s311), 0);
    assert_string_equal(mqs_rule_what((mqs_rule)r), table[r].what);
    mqs_violation why;
    memset(&why, 0xEE, sizeof why);
    mqs_violation_set(&why, (mqs_rule)r, 5, 3, 42);
    assert_int_equal(why.rule, r);
    assert_int_equal(why.reason, table[r].rc);
    assert_int_equal(why.packet_type, 3);
    assert_int_equal(strcmp_null(why.statement, table[r].s5), 0);
    assert_int_equal(strcmp_null(why.section, table[r].sec), 0);
    assert_int_equal(why.offset, 42);
    mqs_violation_set(&why, (mqs_rule)r, 4, 9, 7);
    assert_int_equal(strcmp_null(why.statement, table[r].s311), 0);
  }
  assert_null(mqs_rule_name((mqs_rule)MQS_RULE_COUNT));
  mqs_violation_set(NULL, MQS_RULE_QOS_3, 5, 3, 0); /* a no-op, not a crash */
}

/* The framer agrees with decode on broken lengths and on total sizes. */
static void test_frame(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_violation why;
  size_t total = 0;
  static const struct {
    const char *hex;
    int ret;
    size_t total;
  } cases[] = {
      {"", MQS_INCOMPLETE, 0},
      {"30", MQS_INCOMPLETE, 0},
      {"30 80", MQS_INCOMPLETE, 0},
      {"30 80 80 80", MQS_INCOMPLETE, 0},
      {"C0 00", 0, 2},
      {"30 7F", 0, 129},
      {"30 80 01", 0, 131},
      {"30 FF FF FF 7F", 0, 268435460},
      {"30 80 80 80 80", MQS_EMALFORMED, 0},
      {"C0 80 00", 0, 3}, /* longer than needed: framed; 5.0 decoding refuses it */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len;
    uint8_t *in = hex_alloc(cases[i].hex, &len);
    total = 0;
    memset(&why, 0, sizeof why);
    int r = mqs_frame(guard_place(&g, in, len), len, &total, &why);
    CHECKF(r == cases[i].ret, "frame [%s]: %d, want %d", cases[i].hex, r, cases[i].ret);
    if (r == 0) CHECKF(total == cases[i].total, "frame [%s]: total %zu", cases[i].hex, total);
    if (r == MQS_EMALFORMED)
      CHECKF(why.rule == MQS_RULE_RL_TOO_LONG, "frame [%s]: rule %s", cases[i].hex,
             mqs_rule_name(why.rule));
    free(in);
  }
  guard_release(&g);
}

/* The size limit counts the whole packet: exactly max is fine. */
static void test_max_packet_size_boundary(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts o = {.version = MQS_V5, .max_packet_size = 9};
  /* 30 07 | 00 03 'a/b' 00 'x' = 9 bytes */
  assert_int_equal(dec_hex_ex(&g, "30 07 00 03 'a/b' 00 'x'", &o, &p, &why), 9);
  assert_int_equal(dec_hex_ex(&g, "30 07", &o, &p, &why), MQS_INCOMPLETE);
  assert_int_equal(dec_hex_ex(&g, "30 08", &o, &p, &why), MQS_ETOOLARGE);
  assert_int_equal(why.rule, MQS_RULE_PACKET_TOO_LARGE);
  o.max_packet_size = 0; /* only the protocol's limit */
  assert_int_equal(dec_hex_ex(&g, "30 FF FF FF 7F", &o, &p, &why), MQS_INCOMPLETE);
  guard_release(&g);
}

/* Options that relax or tighten: the same bytes accepted without them. */
static void test_checks_off_by_default(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts o = {.version = MQS_V5};
  assert_int_equal(dec_hex_ex(&g, "30 07 00 01 'a' 03 23 00 0B", &o, &p, &why), 9);
  assert_int_equal(p.publish.props.topic_alias, 11);
  o.flags = MQS_DEC_CHECK_ALIAS_MAX;
  o.topic_alias_max = 11;
  assert_int_equal(dec_hex_ex(&g, "30 07 00 01 'a' 03 23 00 0B", &o, &p, &why), 9);
  o.flags = 0;
  assert_int_equal(dec_hex_ex(&g, "30 08 00 01 'a' 02 01 01 'x' FF", &o, &p, &why), 10);
  assert_true(p.notes & MQS_NOTE_PAYLOAD_NOT_UTF8);
  o.flags = MQS_DEC_CHECK_PAYLOAD_UTF8; /* valid UTF-8 payload passes */
  assert_int_equal(dec_hex_ex(&g, "30 09 00 01 'a' 02 01 01 'x' C3 A9", &o, &p, &why), 11);
  assert_false(p.notes & MQS_NOTE_PAYLOAD_NOT_UTF8);
  o.from = MQS_FROM_SERVER; /* a server may send Subscription Identifiers */
  assert_int_equal(dec_hex_ex(&g, "30 06 00 01 'a' 02 0B 01", &o, &p, &why), 8);
  guard_release(&g);
}

int main(void) {
  struct CMUnitTest *tests = calloc(N_VECS + 5, sizeof *tests);
  assert_non_null(tests);
  size_t n = 0;
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_every_rule_has_a_vector);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_rule_lookups);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_frame);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_max_packet_size_boundary);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_checks_off_by_default);
  for (size_t i = 0; i < N_VECS; i++)
    tests[n++] = (struct CMUnitTest){vecs[i].name, run_vec, NULL, NULL, (void *)&vecs[i]};
  int rc = _cmocka_run_group_tests("codec_rules", tests, n, NULL, NULL);
  free(tests);
  return rc;
}
