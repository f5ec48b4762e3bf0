/* mqs/rules.h — every rule the codec enforces, with the reason code a
 * receiver must answer with and the normative statement it breaks.
 *
 * One table serves decode (why a packet was rejected), encode validation,
 * the printer, the CLI and the tests (which check that every rule has a
 * vector). Statement ids differ between the versions, so each rule names
 * both; NULL where that version's text states the rule without an id. */
#ifndef MQS_RULES_H
#define MQS_RULES_H

#include <stddef.h>
#include <stdint.h>

/* X(NAME, v5 reason code, 3.1.1 statement, 5.0 statement, section (5.0), what) */
#define MQS_RULE_TABLE(X)                                                                          \
  /* framing */                                                                                    \
  X(RL_TOO_LONG, 0x81, NULL, NULL, "1.5.5", "variable byte integer longer than 4 bytes")           \
  X(VBI_NOT_MINIMAL, 0x81, NULL, "MQTT-1.5.5-1", "1.5.5",                                          \
    "variable byte integer not encoded in the minimum number of bytes")                            \
  X(PACKET_TOO_LARGE, 0x95, NULL, "MQTT-3.2.2-15", "3.2.2.3.6",                                   \
    "packet larger than the receiver's Maximum Packet Size")                                       \
  X(TYPE_RESERVED, 0x81, NULL, NULL, "2.1.2", "reserved control packet type")                      \
  X(WRONG_DIRECTION, 0x82, NULL, NULL, "2.1.2", "packet type not allowed in this direction")       \
  X(FLAGS_RESERVED, 0x81, "MQTT-2.2.2-1", "MQTT-2.1.3-1", "2.1.3",                                  \
    "fixed header flags differ from the values the packet type requires")                          \
  X(TRUNCATED, 0x81, NULL, NULL, "2.1.4", "a field extends beyond the remaining length")           \
  X(TRAILING, 0x81, NULL, NULL, "2.1.4", "bytes left over after the last field")                   \
  /* strings */                                                                                    \
  X(UTF8_INVALID, 0x81, "MQTT-1.5.3-1", "MQTT-1.5.4-1", "1.5.4",                                   \
    "ill-formed UTF-8 (overlong, surrogate, truncated or above U+10FFFF)")                         \
  X(UTF8_NULL, 0x81, "MQTT-1.5.3-2", "MQTT-1.5.4-2", "1.5.4", "UTF-8 string contains U+0000")      \
  X(UTF8_PAIR_INVALID, 0x81, NULL, "MQTT-1.5.7-1", "1.5.7",                                        \
    "UTF-8 string pair with an ill-formed key or value")                                           \
  /* packet identifiers */                                                                         \
  X(PACKET_ID_ZERO, 0x82, "MQTT-2.3.1-1", "MQTT-2.2.1-3", "2.2.1", "packet identifier is 0")       \
  /* CONNECT */                                                                                    \
  X(PROTOCOL_NAME, 0x84, "MQTT-3.1.2-1", "MQTT-3.1.2-1", "3.1.2.1",                                \
    "protocol name is not MQTT (or MQIsdp for level 3)")                                           \
  X(PROTOCOL_LEVEL, 0x84, "MQTT-3.1.2-2", "MQTT-3.1.2-2", "3.1.2.2", "unsupported protocol level") \
  X(CONNECT_RESERVED_FLAG, 0x81, "MQTT-3.1.2-3", "MQTT-3.1.2-3", "3.1.2.3",                        \
    "CONNECT reserved flag is not 0")                                                              \
  X(WILL_QOS_WITHOUT_WILL, 0x81, "MQTT-3.1.2-13", "MQTT-3.1.2-11", "3.1.2.6",                      \
    "Will QoS is not 0 while the Will Flag is 0")                                                  \
  X(WILL_QOS_3, 0x81, "MQTT-3.1.2-14", "MQTT-3.1.2-12", "3.1.2.6", "Will QoS is 3")                \
  X(WILL_RETAIN_WITHOUT_WILL, 0x81, "MQTT-3.1.2-15", "MQTT-3.1.2-13", "3.1.2.7",                   \
    "Will Retain is 1 while the Will Flag is 0")                                                   \
  X(WILL_FIELDS_MISSING, 0x81, "MQTT-3.1.2-9", "MQTT-3.1.2-9", "3.1.2.5",                          \
    "Will Flag is 1 but the will fields are missing")                                              \
  X(USERNAME_MISSING, 0x81, "MQTT-3.1.2-19", "MQTT-3.1.2-17", "3.1.2.8",                           \
    "User Name Flag is 1 but the user name is missing")                                            \
  X(PASSWORD_MISSING, 0x81, "MQTT-3.1.2-21", "MQTT-3.1.2-19", "3.1.2.9",                           \
    "Password Flag is 1 but the password is missing")                                              \
  X(PASSWORD_WITHOUT_USERNAME, 0x81, "MQTT-3.1.2-22", NULL, "3.1.2.9",                             \
    "Password Flag is 1 while the User Name Flag is 0 (MQTT 3.1.1)")                               \
  /* CONNACK */                                                                                    \
  X(CONNACK_RESERVED_FLAGS, 0x81, NULL, "MQTT-3.2.2-1", "3.2.2.1", "CONNACK acknowledge flags bits 7-1 not 0") \
  X(SESSION_PRESENT_ON_ERROR, 0x82, "MQTT-3.2.2-4", "MQTT-3.2.2-6", "3.2.2.1.1",                   \
    "Session Present is 1 in a CONNACK that refuses the connection")                               \
  /* PUBLISH */                                                                                    \
  X(QOS_3, 0x81, "MQTT-3.3.1-4", "MQTT-3.3.1-4", "3.3.1.2", "PUBLISH has both QoS bits set")       \
  X(DUP_ON_QOS0, 0x81, "MQTT-3.3.1-2", "MQTT-3.3.1-2", "3.3.1.1", "DUP is 1 on a QoS 0 PUBLISH")   \
  X(TOPIC_EMPTY, 0x82, "MQTT-4.7.3-1", NULL, "3.3.2.1",                                    \
    "zero-length topic name (and, in 5.0, no Topic Alias)")                                        \
  X(TOPIC_WILDCARD, 0x90, "MQTT-3.3.2-2", "MQTT-3.3.2-2", "3.3.2.1",                               \
    "topic name contains a wildcard character")                                                    \
  X(TOPIC_ALIAS_ZERO, 0x94, NULL, "MQTT-3.3.2-8", "3.3.2.3.4", "Topic Alias is 0")                 \
  X(TOPIC_ALIAS_ABOVE_MAX, 0x94, NULL, "MQTT-3.3.2-9", "3.3.2.3.4",                                \
    "Topic Alias above the receiver's Topic Alias Maximum")                                        \
  X(SUB_ID_FROM_CLIENT, 0x82, NULL, "MQTT-3.3.4-6", "3.3.4",                                       \
    "PUBLISH from a client carries a Subscription Identifier")                                     \
  X(RESPONSE_TOPIC_WILDCARD, 0x82, NULL, "MQTT-3.3.2-14", "3.3.2.3.5",                             \
    "Response Topic contains a wildcard character")                                                \
  X(PAYLOAD_NOT_UTF8, 0x99, NULL, NULL, "3.3.2.3.2",                                     \
    "Payload Format Indicator is 1 but the payload is not valid UTF-8")                            \
  /* SUBSCRIBE / UNSUBSCRIBE */                                                                    \
  X(NO_TOPIC_FILTERS, 0x82, "MQTT-3.8.3-3", "MQTT-3.8.3-2", "3.8.3",                               \
    "SUBSCRIBE with no topic filter")                                                              \
  X(UNSUB_NO_TOPIC_FILTERS, 0x82, "MQTT-3.10.3-2", "MQTT-3.10.3-2", "3.10.3",                      \
    "UNSUBSCRIBE with no topic filter")                                                            \
  X(FILTER_EMPTY, 0x81, "MQTT-4.7.3-1", "MQTT-4.7.3-1", "4.7.3", "zero-length topic filter")       \
  X(FILTER_HASH_MISPLACED, 0x81, "MQTT-4.7.1-2", "MQTT-4.7.1-1", "4.7.1.2",                        \
    "'#' is not alone in the last level of the topic filter")                                      \
  X(FILTER_PLUS_MISPLACED, 0x81, "MQTT-4.7.1-3", "MQTT-4.7.1-2", "4.7.1.3",                        \
    "'+' does not occupy a whole topic level")                                                     \
  X(SHARE_NAME_EMPTY, 0x81, NULL, "MQTT-4.8.2-1", "4.8.2", "$share/ with an empty ShareName")     \
  X(SHARE_NAME_INVALID, 0x81, NULL, "MQTT-4.8.2-2", "4.8.2", "ShareName contains '+' or '#'")      \
  X(SHARE_FILTER_MISSING, 0x81, NULL, "MQTT-4.8.2-2", "4.8.2",                                     \
    "$share/{ShareName} not followed by '/' and a topic filter")                                   \
  X(SUB_OPTIONS_RESERVED, 0x81, "MQTT-3.8.3-4", "MQTT-3.8.3-5", "3.8.3.1",                         \
    "reserved bits of the subscription options are not 0")                                         \
  X(SUB_QOS_3, 0x82, "MQTT-3.8.3-4", NULL, "3.8.3.1", "requested QoS is 3")                        \
  X(RETAIN_HANDLING_3, 0x82, NULL, NULL, "3.8.3.1", "Retain Handling is 3")                        \
  X(NO_LOCAL_ON_SHARED, 0x82, NULL, "MQTT-3.8.3-4", "3.8.3.1",                                     \
    "No Local is 1 on a shared subscription")                                                      \
  /* reason codes */                                                                               \
  X(REASON_CODE_INVALID, 0x82, "MQTT-3.9.3-2", NULL, "2.4",                                        \
    "reason or return code not allowed in this packet type")                                       \
  /* properties */                                                                                 \
  X(PROP_UNKNOWN, 0x81, NULL, NULL, "2.2.2.2", "unknown property identifier")                      \
  X(PROP_NOT_ALLOWED, 0x81, NULL, NULL, "2.2.2.2", "property not allowed in this packet type")     \
  X(PROP_DUPLICATE, 0x82, NULL, NULL, "3", "property included more than once")               \
  X(PROP_VALUE_INVALID, 0x82, NULL, NULL, "3", "property value outside the range it allows")       \
  X(SUB_ID_ZERO, 0x82, NULL, NULL, "3.8.2.1.2", "Subscription Identifier is 0")                    \
  X(AUTH_DATA_WITHOUT_METHOD, 0x82, NULL, NULL, "3.1.2.11.10",                                     \
    "Authentication Data without an Authentication Method")                                        \
  X(AUTH_METHOD_MISSING, 0x82, NULL, NULL, "3.15.2.2.2", "AUTH without an Authentication Method") \
  X(SESSION_EXPIRY_FROM_SERVER, 0x82, NULL, "MQTT-3.14.2-2", "3.14.2.2.2",                          \
    "DISCONNECT from the server carries a Session Expiry Interval")

typedef enum {
  MQS_RULE_NONE = 0,
#define MQS_RULE_ENUM(name, rc, s311, s5, sec, what) MQS_RULE_##name,
  MQS_RULE_TABLE(MQS_RULE_ENUM)
#undef MQS_RULE_ENUM
  MQS_RULE_COUNT
} mqs_rule;

/* Some rules have a different statement id per direction or packet type
 * (a client's Packet Identifier 0 breaks MQTT-2.2.1-3, a server's
 * MQTT-2.2.1-4); decode names the most precise one. */

/* Why a packet was rejected. Filled by decode and by validating encode. */
typedef struct {
  mqs_rule rule;
  uint8_t reason;        /* v5 reason code the receiver must answer with */
  uint8_t packet_type;   /* the type from the first byte, 0..15, even a reserved one */
  const char *statement; /* normative statement id for the version, or NULL */
  const char *section;   /* section of the 5.0 specification */
  const char *what;      /* one-line English description */
  size_t offset;         /* offset from the start of the input of the offending byte */
} mqs_violation;

/* Symbolic name of a rule ("QOS_3"), or NULL for an unknown value. */
const char *mqs_rule_name(mqs_rule r);
/* Table lookups; version is 3, 4 (3.1.1) or 5. */
uint8_t mqs_rule_reason(mqs_rule r);
const char *mqs_rule_statement(mqs_rule r, int version);
const char *mqs_rule_what(mqs_rule r);
/* Fill *why for rule r at offset; a no-op when why is NULL. */
void mqs_violation_set(mqs_violation *why, mqs_rule r, int version, uint8_t packet_type,
                       size_t offset);

#endif
