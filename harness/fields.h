/* harness/fields.h — the packet fields a scenario names ("id", "reason",
 * "properties.topic_alias"...), which packets have them, and reading one
 * out of a decoded packet. One table serves the loader (is this a field of
 * that packet?), the builder, the matchers and `save:`. */
#ifndef MQS_FIELDS_H
#define MQS_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "mqs/codec.h"

typedef enum {
  MQS_F_NONE,
  MQS_F_FLAGS,           /* fixed header low nibble */
  MQS_F_ID,              /* packet identifier */
  MQS_F_REASON,          /* reason code (5.0) or return code (3.1.1 CONNACK) */
  MQS_F_REASONS,         /* SUBACK / UNSUBACK reason codes, in order */
  MQS_F_SESSION_PRESENT, /* CONNACK */
  MQS_F_TOPIC,           /* PUBLISH topic name, after resolving a Topic Alias */
  MQS_F_QOS,
  MQS_F_RETAIN,
  MQS_F_DUP,
  MQS_F_PAYLOAD,     /* as text */
  MQS_F_PAYLOAD_HEX, /* the same bytes, written as hex */
  MQS_F_PROP,        /* a property; prop says which */
} mqs_field_id;

/* How a field's expected values are written. */
typedef enum {
  MQS_FT_INT,     /* a number: 7, 0x10 */
  MQS_FT_BOOL,    /* true / false (also 1 / 0) */
  MQS_FT_REASON,  /* a reason name valid in that packet ("granted_qos_1") or a number */
  MQS_FT_BYTES,   /* text */
  MQS_FT_HEX,     /* bytes as hex */
  MQS_FT_REASONS, /* a list of reason names or numbers */
  MQS_FT_INTS,    /* a list of numbers (Subscription Identifiers) */
  MQS_FT_PAIRS,   /* a list of [key, value] (User Properties) */
} mqs_field_type;

typedef struct {
  const char *name;
  mqs_field_id id;
  mqs_field_type type;
  uint16_t packets; /* bit t: packet type t has the field (received or sent) */
} mqs_field_info;

/* The field called name (not "properties"), or NULL. */
const mqs_field_info *mqs_field_find(const char *name);
/* The type of property id's values. */
mqs_field_type mqs_prop_field_type(uint8_t id);
/* The property whose scenario key is key ("topic_alias"), or NULL. */
const mqs_prop_info *mqs_prop_by_key(const char *key);
/* "id, reason, properties" — the fields packet type t has, for messages. */
void mqs_fields_list(int t, char *buf, size_t cap);
/* A packet type by its lower-case name ("puback"), or 0. */
mqs_packet_type mqs_packet_type_from_name(const char *name);
/* Lower-case name of a packet type ("puback"). */
const char *mqs_packet_type_key(int t);

/* A field's value in a decoded packet. */
typedef enum {
  MQS_FV_ABSENT, /* an optional field (a property) that is not there */
  MQS_FV_INT,
  MQS_FV_BYTES,
  MQS_FV_INTS,
  MQS_FV_PAIRS,
} mqs_fv_kind;

#define MQS_FV_MAX_INTS 64

typedef struct {
  mqs_fv_kind kind;
  uint64_t i;       /* INT */
  const uint8_t *p; /* BYTES */
  size_t len;
  uint32_t ints[MQS_FV_MAX_INTS]; /* INTS (the first MQS_FV_MAX_INTS) */
  size_t n_ints;
  const mqs_props *props; /* PAIRS: read with mqs_props_next_user */
} mqs_fval;

/* Read field (and prop, for MQS_F_PROP) from p. topic is the PUBLISH's
 * topic name after alias resolution (topic.p NULL: the one on the wire).
 * Returns false when p's type has no such field. */
bool mqs_field_get(const mqs_packet *p, mqs_field_id field, uint8_t prop, mqs_str topic,
                   mqs_fval *out);

#endif
