/* mqs/props.h — MQTT 5.0 properties: the table of identifiers, types and
 * the packets that allow each, and decode/encode of a property block. */
#ifndef MQS_PROPS_H
#define MQS_PROPS_H

#include <sys/types.h>

#include "packet.h"
#include "rules.h"

typedef enum {
  MQS_PT_BYTE,
  MQS_PT_U16,
  MQS_PT_U32,
  MQS_PT_VBI,
  MQS_PT_UTF8,
  MQS_PT_BINARY,
  MQS_PT_PAIR,
} mqs_prop_type;

/* Pseudo packet type for the Will Properties of a CONNECT. */
#define MQS_WILL_PROPS 0

typedef struct {
  uint8_t id;
  mqs_prop_type type;
  uint16_t allowed; /* bit t set when packet type t may carry it (bit 0: will) */
  const char *name; /* "Topic Alias" */
  const char *key;  /* "topic_alias": the name used in JSON and scenarios */
} mqs_prop_info;

/* The entry for id, or NULL for an identifier the specification does not define. */
const mqs_prop_info *mqs_prop_lookup(unsigned id);
/* The table in identifier order, and its length. */
const mqs_prop_info *mqs_prop_table(size_t *count);

static inline bool mqs_props_has(const mqs_props *p, mqs_prop_id id) {
  return (p->present & MQS_PROP_BIT(id)) != 0;
}

/* Decode a property block (length VBI included) of packet type t
 * (MQS_WILL_PROPS for a will) from p[0..len). Returns bytes consumed or a
 * negative mqs_err with *why set (offset relative to base, the start of
 * the packet). Validates types, values, duplicates and the packet's
 * allowed set; does not allocate. */
ssize_t mqs_props_decode(const uint8_t *p, size_t len, int t, const uint8_t *base,
                         mqs_props *out, uint32_t *notes, mqs_violation *why);

/* Iterate decoded or built repeatable properties. *cursor starts at 0. */
bool mqs_props_next_user(const mqs_props *p, uint32_t *cursor, mqs_str_pair *out);
bool mqs_props_next_sub_id(const mqs_props *p, uint32_t *cursor, uint32_t *out);

#endif
