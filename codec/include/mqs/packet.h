/* mqs/packet.h — the decoded form of every MQTT 3.1.1 and 5.0 control packet.
 *
 * Decode fills these structs without allocating: every mqs_str points into
 * the caller's input buffer, which must outlive the packet. Lists whose
 * length is only known on the wire (user properties, subscription
 * identifiers, topic filters) are kept as the validated wire bytes and read
 * with the iterators in props.h and below; encode takes them as arrays. */
#ifndef MQS_PACKET_H
#define MQS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  MQS_V31 = 3,  /* MQTT 3.1 ("MQIsdp"): decoded as 3.1.1 except for CONNECT */
  MQS_V311 = 4, /* MQTT 3.1.1 */
  MQS_V5 = 5,   /* MQTT 5.0 */
} mqs_version;

typedef enum {
  MQS_CONNECT = 1,
  MQS_CONNACK = 2,
  MQS_PUBLISH = 3,
  MQS_PUBACK = 4,
  MQS_PUBREC = 5,
  MQS_PUBREL = 6,
  MQS_PUBCOMP = 7,
  MQS_SUBSCRIBE = 8,
  MQS_SUBACK = 9,
  MQS_UNSUBSCRIBE = 10,
  MQS_UNSUBACK = 11,
  MQS_PINGREQ = 12,
  MQS_PINGRESP = 13,
  MQS_DISCONNECT = 14,
  MQS_AUTH = 15, /* 5.0 only */
} mqs_packet_type;

/* A UTF-8 string, binary data or payload. p == NULL means absent, which is
 * different from present and empty (p != NULL, len == 0). */
typedef struct {
  const uint8_t *p;
  uint32_t len;
} mqs_str;

typedef struct {
  mqs_str key, value;
} mqs_str_pair;

/* Property identifiers (MQTT 5.0, 2.2.2.2). */
typedef enum {
  MQS_PROP_PAYLOAD_FORMAT = 0x01,
  MQS_PROP_MESSAGE_EXPIRY = 0x02,
  MQS_PROP_CONTENT_TYPE = 0x03,
  MQS_PROP_RESPONSE_TOPIC = 0x08,
  MQS_PROP_CORRELATION_DATA = 0x09,
  MQS_PROP_SUBSCRIPTION_ID = 0x0B,
  MQS_PROP_SESSION_EXPIRY = 0x11,
  MQS_PROP_ASSIGNED_CLIENT_ID = 0x12,
  MQS_PROP_SERVER_KEEP_ALIVE = 0x13,
  MQS_PROP_AUTH_METHOD = 0x15,
  MQS_PROP_AUTH_DATA = 0x16,
  MQS_PROP_REQUEST_PROBLEM_INFO = 0x17,
  MQS_PROP_WILL_DELAY = 0x18,
  MQS_PROP_REQUEST_RESPONSE_INFO = 0x19,
  MQS_PROP_RESPONSE_INFO = 0x1A,
  MQS_PROP_SERVER_REFERENCE = 0x1C,
  MQS_PROP_REASON_STRING = 0x1F,
  MQS_PROP_RECEIVE_MAX = 0x21,
  MQS_PROP_TOPIC_ALIAS_MAX = 0x22,
  MQS_PROP_TOPIC_ALIAS = 0x23,
  MQS_PROP_MAX_QOS = 0x24,
  MQS_PROP_RETAIN_AVAILABLE = 0x25,
  MQS_PROP_USER = 0x26,
  MQS_PROP_MAX_PACKET_SIZE = 0x27,
  MQS_PROP_WILDCARD_AVAILABLE = 0x28,
  MQS_PROP_SUB_ID_AVAILABLE = 0x29,
  MQS_PROP_SHARED_AVAILABLE = 0x2A,
} mqs_prop_id;

#define MQS_PROP_BIT(id) ((uint64_t)1 << (id))

/* The properties of one packet (or of a will). A field is meaningful only
 * when its bit is set in present: mqs_props_has(p, MQS_PROP_TOPIC_ALIAS). */
typedef struct {
  uint64_t present; /* MQS_PROP_BIT(id) for each property present */
  uint8_t payload_format;
  uint8_t request_problem_info;
  uint8_t request_response_info;
  uint8_t max_qos;
  uint8_t retain_available;
  uint8_t wildcard_available;
  uint8_t sub_id_available;
  uint8_t shared_available;
  uint16_t server_keep_alive;
  uint16_t receive_max;
  uint16_t topic_alias_max;
  uint16_t topic_alias;
  uint32_t message_expiry;
  uint32_t session_expiry;
  uint32_t will_delay;
  uint32_t max_packet_size;
  mqs_str content_type;
  mqs_str response_topic;
  mqs_str correlation_data;
  mqs_str assigned_client_id;
  mqs_str auth_method;
  mqs_str auth_data;
  mqs_str response_info;
  mqs_str server_reference;
  mqs_str reason_string;
  /* Repeatable properties. Decode sets the counts and leaves the arrays
   * NULL (read them with mqs_props_next_user / mqs_props_next_sub_id);
   * encode writes the arrays when they are set. */
  uint32_t n_user;
  uint32_t n_sub_id;
  const mqs_str_pair *user;
  const uint32_t *sub_ids;
  mqs_str raw; /* decode: the property bytes as received (after the length) */
} mqs_props;

typedef struct {
  uint8_t level;         /* protocol level: 3, 4 or 5 */
  mqs_str protocol_name; /* decode: as received; encode: NULL means the level's own name */
  uint8_t flags;         /* decode: the Connect Flags byte as received;
                            encode: bits ORed into the byte built from the fields
                            (with MQS_ENC_RAW: the way to set the reserved bit) */
  bool clean_start;
  bool will;
  bool will_retain;
  uint8_t will_qos;
  uint16_t keep_alive;
  mqs_props props;
  mqs_str client_id;
  mqs_props will_props;
  mqs_str will_topic;
  mqs_str will_payload;
  mqs_str username; /* .p NULL when the User Name Flag is 0 */
  mqs_str password; /* .p NULL when the Password Flag is 0 */
} mqs_connect;

typedef struct {
  uint8_t flags; /* decode: the Connect Acknowledge Flags byte as received;
                    encode: ORed into the byte built from session_present */
  bool session_present;
  uint8_t reason; /* 3.1.1: the return code */
  mqs_props props;
} mqs_connack;

typedef struct {
  uint8_t qos;
  bool dup;
  bool retain;
  uint16_t id; /* 0 for QoS 0, where no identifier is on the wire */
  mqs_str topic;
  mqs_props props;
  mqs_str payload;
} mqs_publish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP. Encoded in the shortest form the
 * version allows: a 5.0 success with no properties is 2 bytes. */
typedef struct {
  uint16_t id;
  uint8_t reason;
  mqs_props props;
} mqs_ack;

/* Subscription options byte (5.0, 3.8.3.1); in 3.1.1 only the QoS bits. */
#define MQS_SUBOPT_QOS(o) ((o)&0x03)
#define MQS_SUBOPT_NO_LOCAL 0x04
#define MQS_SUBOPT_RETAIN_AS_PUBLISHED 0x08
#define MQS_SUBOPT_RETAIN_HANDLING(o) (((o) >> 4) & 0x03)

typedef struct {
  mqs_str filter;
  uint8_t options; /* SUBSCRIBE only */
} mqs_sub;

/* SUBSCRIBE and UNSUBSCRIBE. */
typedef struct {
  uint16_t id;
  mqs_props props;
  uint32_t n_filters;
  const mqs_sub *filters; /* encode: n_filters entries; decode: NULL, use mqs_sub_next */
  mqs_str raw;            /* decode: the payload as received */
  bool with_options;      /* decode: raw has an options byte after each filter (SUBSCRIBE) */
} mqs_subscribe;

/* SUBACK and UNSUBACK: one reason code per filter (3.1.1 UNSUBACK has none). */
typedef struct {
  uint16_t id;
  mqs_props props;
  uint32_t n_reasons;
  const uint8_t *reasons;
} mqs_suback;

/* DISCONNECT and AUTH. In 3.1.1 DISCONNECT has neither field. */
typedef struct {
  uint8_t reason;
  mqs_props props;
} mqs_reason_props;

/* Observations about a decoded packet that break no MUST, so a receiver
 * may choose (the specification says SHOULD NOT, or MAY reject). */
#define MQS_NOTE_CONTROL_CHAR 0x01  /* a UTF-8 string has U+0001..U+001F or U+007F..U+009F */
#define MQS_NOTE_NONCHARACTER 0x02  /* a UTF-8 string has a Unicode non-character */
#define MQS_NOTE_PAYLOAD_NOT_UTF8 0x04 /* Payload Format Indicator 1, payload not UTF-8 */

typedef struct {
  mqs_packet_type type;
  uint8_t flags;      /* low nibble of the first byte */
  uint32_t remaining; /* Remaining Length */
  uint32_t notes;     /* MQS_NOTE_* */
  union {
    mqs_connect connect;
    mqs_connack connack;
    mqs_publish publish;
    mqs_ack ack;             /* PUBACK, PUBREC, PUBREL, PUBCOMP */
    mqs_subscribe subscribe; /* SUBSCRIBE, UNSUBSCRIBE */
    mqs_suback suback;       /* SUBACK, UNSUBACK */
    mqs_reason_props disconnect;
    mqs_reason_props auth;
  };
} mqs_packet;

/* "CONNECT", ..., or NULL for a value outside 1..15. */
const char *mqs_packet_type_name(int type);
/* The property block of p's type (connect.props, ack.props, ...), or NULL
 * for the types that have none (PINGREQ, PINGRESP, a type outside 1..15).
 * The will properties of a CONNECT are connect.will_props. */
const mqs_props *mqs_packet_props(const mqs_packet *p);
/* Iterate a SUBSCRIBE or UNSUBSCRIBE's filters, decoded or built.
 * *cursor starts at 0. Returns false after the last one. */
bool mqs_sub_next(const mqs_subscribe *s, uint32_t *cursor, mqs_sub *out);

#endif
