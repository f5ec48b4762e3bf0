/* harness/fields.c — the field table and reading fields out of packets. */
#include "fields.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define B(t) (uint16_t)(1u << (t))
#define ACKS (B(MQS_PUBACK) | B(MQS_PUBREC) | B(MQS_PUBREL) | B(MQS_PUBCOMP))
#define ALL 0xFFFEu

static const mqs_field_info table[] = {
    {"flags", MQS_F_FLAGS, MQS_FT_INT, ALL},
    {"id", MQS_F_ID, MQS_FT_INT,
     B(MQS_PUBLISH) | ACKS | B(MQS_SUBSCRIBE) | B(MQS_SUBACK) | B(MQS_UNSUBSCRIBE) |
         B(MQS_UNSUBACK)},
    {"reason", MQS_F_REASON, MQS_FT_REASON,
     B(MQS_CONNACK) | ACKS | B(MQS_DISCONNECT) | B(MQS_AUTH)},
    {"reasons", MQS_F_REASONS, MQS_FT_REASONS, B(MQS_SUBACK) | B(MQS_UNSUBACK)},
    {"session_present", MQS_F_SESSION_PRESENT, MQS_FT_BOOL, B(MQS_CONNACK)},
    {"topic", MQS_F_TOPIC, MQS_FT_BYTES, B(MQS_PUBLISH)},
    {"qos", MQS_F_QOS, MQS_FT_INT, B(MQS_PUBLISH)},
    {"retain", MQS_F_RETAIN, MQS_FT_BOOL, B(MQS_PUBLISH)},
    {"dup", MQS_F_DUP, MQS_FT_BOOL, B(MQS_PUBLISH)},
    {"payload", MQS_F_PAYLOAD, MQS_FT_BYTES, B(MQS_PUBLISH)},
    {"payload_hex", MQS_F_PAYLOAD_HEX, MQS_FT_HEX, B(MQS_PUBLISH)},
};
#define N_FIELDS (sizeof table / sizeof table[0])

static const char *const type_keys[16] = {
    NULL,      "connect", "connack",  "publish",     "puback",   "pubrec",   "pubrel",     "pubcomp",
    "subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect", "auth",
};

const mqs_field_info *mqs_field_find(const char *name) {
  for (size_t i = 0; i < N_FIELDS; i++)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

mqs_packet_type mqs_packet_type_from_name(const char *name) {
  for (int t = 1; t < 16; t++)
    if (strcasecmp(type_keys[t], name) == 0) return (mqs_packet_type)t;
  return 0;
}

const char *mqs_packet_type_key(int t) { return t >= 1 && t <= 15 ? type_keys[t] : "?"; }

mqs_field_type mqs_prop_field_type(uint8_t id) {
  const mqs_prop_info *pi = mqs_prop_lookup(id);
  if (!pi) return MQS_FT_INT;
  switch (pi->type) {
  case MQS_PT_UTF8:
  case MQS_PT_BINARY: return MQS_FT_BYTES;
  case MQS_PT_PAIR: return MQS_FT_PAIRS;
  case MQS_PT_VBI: return MQS_FT_INTS; /* the Subscription Identifier, repeatable */
  default: return MQS_FT_INT;
  }
}

const mqs_prop_info *mqs_prop_by_key(const char *key) {
  size_t n;
  const mqs_prop_info *t = mqs_prop_table(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].key, key) == 0) return &t[i];
  return NULL;
}

void mqs_fields_list(int t, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < N_FIELDS && o < cap; i++) {
    if (!(table[i].packets & B(t))) continue;
    int w = snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", table[i].name);
    if (w < 0) return;
    o += (size_t)w;
  }
  if (o < cap && t != MQS_PINGREQ && t != MQS_PINGRESP)
    snprintf(buf + o, cap - o, "%sproperties", o ? ", " : "");
}

static mqs_fval *set_int(mqs_fval *o, uint64_t v) {
  o->kind = MQS_FV_INT;
  o->i = v;
  return o;
}

static mqs_fval *set_bytes(mqs_fval *o, mqs_str s) {
  o->kind = s.p ? MQS_FV_BYTES : MQS_FV_ABSENT;
  o->p = s.p ? s.p : (const uint8_t *)"";
  o->len = s.len;
  return o;
}

/* Where a single-valued property's value is; decoded structs keep one
 * field per property, so this is a switch rather than a table lookup. */
static bool prop_value(const mqs_props *pr, uint8_t id, mqs_fval *o) {
  if (id == MQS_PROP_USER) {
    o->kind = pr->n_user ? MQS_FV_PAIRS : MQS_FV_ABSENT;
    o->props = pr;
    return true;
  }
  if (id == MQS_PROP_SUBSCRIPTION_ID) {
    uint32_t cur = 0, v;
    o->kind = pr->n_sub_id ? MQS_FV_INTS : MQS_FV_ABSENT;
    while (o->n_ints < MQS_FV_MAX_INTS && mqs_props_next_sub_id(pr, &cur, &v))
      o->ints[o->n_ints++] = v;
    return true;
  }
  if (!(pr->present & MQS_PROP_BIT(id))) {
    o->kind = MQS_FV_ABSENT;
    return true;
  }
  switch (id) {
  case MQS_PROP_PAYLOAD_FORMAT: set_int(o, pr->payload_format); break;
  case MQS_PROP_MESSAGE_EXPIRY: set_int(o, pr->message_expiry); break;
  case MQS_PROP_CONTENT_TYPE: set_bytes(o, pr->content_type); break;
  case MQS_PROP_RESPONSE_TOPIC: set_bytes(o, pr->response_topic); break;
  case MQS_PROP_CORRELATION_DATA: set_bytes(o, pr->correlation_data); break;
  case MQS_PROP_SESSION_EXPIRY: set_int(o, pr->session_expiry); break;
  case MQS_PROP_ASSIGNED_CLIENT_ID: set_bytes(o, pr->assigned_client_id); break;
  case MQS_PROP_SERVER_KEEP_ALIVE: set_int(o, pr->server_keep_alive); break;
  case MQS_PROP_AUTH_METHOD: set_bytes(o, pr->auth_method); break;
  case MQS_PROP_AUTH_DATA: set_bytes(o, pr->auth_data); break;
  case MQS_PROP_REQUEST_PROBLEM_INFO: set_int(o, pr->request_problem_info); break;
  case MQS_PROP_WILL_DELAY: set_int(o, pr->will_delay); break;
  case MQS_PROP_REQUEST_RESPONSE_INFO: set_int(o, pr->request_response_info); break;
  case MQS_PROP_RESPONSE_INFO: set_bytes(o, pr->response_info); break;
  case MQS_PROP_SERVER_REFERENCE: set_bytes(o, pr->server_reference); break;
  case MQS_PROP_REASON_STRING: set_bytes(o, pr->reason_string); break;
  case MQS_PROP_RECEIVE_MAX: set_int(o, pr->receive_max); break;
  case MQS_PROP_TOPIC_ALIAS_MAX: set_int(o, pr->topic_alias_max); break;
  case MQS_PROP_TOPIC_ALIAS: set_int(o, pr->topic_alias); break;
  case MQS_PROP_MAX_QOS: set_int(o, pr->max_qos); break;
  case MQS_PROP_RETAIN_AVAILABLE: set_int(o, pr->retain_available); break;
  case MQS_PROP_MAX_PACKET_SIZE: set_int(o, pr->max_packet_size); break;
  case MQS_PROP_WILDCARD_AVAILABLE: set_int(o, pr->wildcard_available); break;
  case MQS_PROP_SUB_ID_AVAILABLE: set_int(o, pr->sub_id_available); break;
  case MQS_PROP_SHARED_AVAILABLE: set_int(o, pr->shared_available); break;
  default: return false;
  }
  return true;
}

bool mqs_field_get(const mqs_packet *p, mqs_field_id field, uint8_t prop, mqs_str topic,
                   mqs_fval *o) {
  memset(o, 0, sizeof *o);
  int t = p->type;
  switch (field) {
  case MQS_F_FLAGS: set_int(o, p->flags); return true;
  case MQS_F_ID:
    if (t == MQS_PUBLISH) {
      /* QoS 0 has no identifier on the wire. */
      if (p->publish.qos == 0) o->kind = MQS_FV_ABSENT;
      else set_int(o, p->publish.id);
    } else if (t >= MQS_PUBACK && t <= MQS_PUBCOMP) {
      set_int(o, p->ack.id);
    } else if (t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE) {
      set_int(o, p->subscribe.id);
    } else if (t == MQS_SUBACK || t == MQS_UNSUBACK) {
      set_int(o, p->suback.id);
    } else {
      return false;
    }
    return true;
  case MQS_F_REASON:
    /* A 5.0 ack or DISCONNECT that leaves the reason code out means 0:
     * decode reports it as 0, so both encodings match "success". */
    if (t == MQS_CONNACK) set_int(o, p->connack.reason);
    else if (t >= MQS_PUBACK && t <= MQS_PUBCOMP) set_int(o, p->ack.reason);
    else if (t == MQS_DISCONNECT) set_int(o, p->disconnect.reason);
    else if (t == MQS_AUTH) set_int(o, p->auth.reason);
    else return false;
    return true;
  case MQS_F_REASONS:
    if (t != MQS_SUBACK && t != MQS_UNSUBACK) return false;
    o->kind = MQS_FV_INTS;
    for (uint32_t i = 0; i < p->suback.n_reasons && o->n_ints < MQS_FV_MAX_INTS; i++)
      o->ints[o->n_ints++] = p->suback.reasons[i];
    return true;
  case MQS_F_SESSION_PRESENT:
    if (t != MQS_CONNACK) return false;
    set_int(o, p->connack.session_present);
    return true;
  case MQS_F_TOPIC:
    if (t != MQS_PUBLISH) return false;
    set_bytes(o, topic.p ? topic : p->publish.topic);
    return true;
  case MQS_F_QOS:
    if (t != MQS_PUBLISH) return false;
    set_int(o, p->publish.qos);
    return true;
  case MQS_F_RETAIN:
    if (t != MQS_PUBLISH) return false;
    set_int(o, p->publish.retain);
    return true;
  case MQS_F_DUP:
    if (t != MQS_PUBLISH) return false;
    set_int(o, p->publish.dup);
    return true;
  case MQS_F_PAYLOAD:
  case MQS_F_PAYLOAD_HEX:
    if (t != MQS_PUBLISH) return false;
    set_bytes(o, p->publish.payload.p ? p->publish.payload : (mqs_str){(const uint8_t *)"", 0});
    return true;
  case MQS_F_PROP: {
    const mqs_props *pr = mqs_packet_props(p);
    return pr && prop_value(pr, prop, o);
  }
  default: return false;
  }
}
