/* codec/props.c — MQTT 5.0 properties (2.2.2): the table, decode, encode. */
#include <stddef.h>

#include "internal.h"

#define B(t) (1u << (t))
#define WILL B(MQS_WILL_PROPS)
#define ACKS (B(MQS_PUBACK) | B(MQS_PUBREC) | B(MQS_PUBREL) | B(MQS_PUBCOMP))

/* 2.2.2.2, Table 2-4: X(id, type, packets allowed, name, key, field in mqs_props).
 * The repeatable ones (Subscription Identifier, User Property) have no
 * single field; they are read with the iterators below. */
#define PROPS(X)                                                                                  \
  X(0x01, BYTE, B(MQS_PUBLISH) | WILL, "Payload Format Indicator", payload_format, payload_format) \
  X(0x02, U32, B(MQS_PUBLISH) | WILL, "Message Expiry Interval", message_expiry, message_expiry) \
  X(0x03, UTF8, B(MQS_PUBLISH) | WILL, "Content Type", content_type, content_type)               \
  X(0x08, UTF8, B(MQS_PUBLISH) | WILL, "Response Topic", response_topic, response_topic)         \
  X(0x09, BINARY, B(MQS_PUBLISH) | WILL, "Correlation Data", correlation_data, correlation_data) \
  X(0x0B, VBI, B(MQS_PUBLISH) | B(MQS_SUBSCRIBE), "Subscription Identifier", subscription_id,    \
    sub_ids)                                                                                      \
  X(0x11, U32, B(MQS_CONNECT) | B(MQS_CONNACK) | B(MQS_DISCONNECT), "Session Expiry Interval",   \
    session_expiry, session_expiry)                                                               \
  X(0x12, UTF8, B(MQS_CONNACK), "Assigned Client Identifier", assigned_client_id,               \
    assigned_client_id)                                                                           \
  X(0x13, U16, B(MQS_CONNACK), "Server Keep Alive", server_keep_alive, server_keep_alive)        \
  X(0x15, UTF8, B(MQS_CONNECT) | B(MQS_CONNACK) | B(MQS_AUTH), "Authentication Method",          \
    auth_method, auth_method)                                                                     \
  X(0x16, BINARY, B(MQS_CONNECT) | B(MQS_CONNACK) | B(MQS_AUTH), "Authentication Data",          \
    auth_data, auth_data)                                                                         \
  X(0x17, BYTE, B(MQS_CONNECT), "Request Problem Information", request_problem_info,            \
    request_problem_info)                                                                         \
  X(0x18, U32, WILL, "Will Delay Interval", will_delay, will_delay)                              \
  X(0x19, BYTE, B(MQS_CONNECT), "Request Response Information", request_response_info,          \
    request_response_info)                                                                        \
  X(0x1A, UTF8, B(MQS_CONNACK), "Response Information", response_info, response_info)           \
  X(0x1C, UTF8, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Server Reference", server_reference,       \
    server_reference)                                                                             \
  X(0x1F, UTF8,                                                                                   \
    B(MQS_CONNACK) | ACKS | B(MQS_SUBACK) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT) | B(MQS_AUTH),     \
    "Reason String", reason_string, reason_string)                                                \
  X(0x21, U16, B(MQS_CONNECT) | B(MQS_CONNACK), "Receive Maximum", receive_max, receive_max)     \
  X(0x22, U16, B(MQS_CONNECT) | B(MQS_CONNACK), "Topic Alias Maximum", topic_alias_max,          \
    topic_alias_max)                                                                              \
  X(0x23, U16, B(MQS_PUBLISH), "Topic Alias", topic_alias, topic_alias)                          \
  X(0x24, BYTE, B(MQS_CONNACK), "Maximum QoS", max_qos, max_qos)                                 \
  X(0x25, BYTE, B(MQS_CONNACK), "Retain Available", retain_available, retain_available)          \
  X(0x26, PAIR,                                                                                   \
    B(MQS_CONNECT) | B(MQS_CONNACK) | B(MQS_PUBLISH) | WILL | ACKS | B(MQS_SUBSCRIBE) |          \
        B(MQS_SUBACK) | B(MQS_UNSUBSCRIBE) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT) | B(MQS_AUTH),   \
    "User Property", user, user)                                                                  \
  X(0x27, U32, B(MQS_CONNECT) | B(MQS_CONNACK), "Maximum Packet Size", max_packet_size,          \
    max_packet_size)                                                                              \
  X(0x28, BYTE, B(MQS_CONNACK), "Wildcard Subscription Available", wildcard_available,          \
    wildcard_available)                                                                           \
  X(0x29, BYTE, B(MQS_CONNACK), "Subscription Identifier Available", sub_id_available,          \
    sub_id_available)                                                                             \
  X(0x2A, BYTE, B(MQS_CONNACK), "Shared Subscription Available", shared_available,              \
    shared_available)

enum {
#define PROP_INDEX(id, type, allowed, name, key, field) IDX_##key,
  PROPS(PROP_INDEX)
#undef PROP_INDEX
  TABLE_LEN
};

static const mqs_prop_info infos[TABLE_LEN] = {
#define PROP_INFO(id, type, allowed, name, key, field) {id, MQS_PT_##type, allowed, name, #key},
    PROPS(PROP_INFO)
#undef PROP_INFO
};

/* Where each single-valued property lives in mqs_props. */
static const size_t fields[TABLE_LEN] = {
#define PROP_FIELD(id, type, allowed, name, key, field) offsetof(mqs_props, field),
    PROPS(PROP_FIELD)
#undef PROP_FIELD
};

/* Identifier -> index + 1 (0: not a property); decode is a hot path. */
static const uint8_t index_of[64] = {
#define PROP_SLOT(id, type, allowed, name, key, field) [id] = IDX_##key + 1,
    PROPS(PROP_SLOT)
#undef PROP_SLOT
};

static int prop_index(unsigned id) { return id < 64 ? index_of[id] - 1 : -1; }

const mqs_prop_info *mqs_prop_lookup(unsigned id) {
  int i = prop_index(id);
  return i >= 0 ? &infos[i] : NULL;
}

const mqs_prop_info *mqs_prop_table(size_t *count) {
  if (count) *count = TABLE_LEN;
  return infos;
}

#define FIELD(out, i, type) ((type *)((char *)(out) + fields[i]))

/* Byte-valued properties whose only legal values are 0 and 1. */
static bool boolean_prop(uint8_t id) {
  return id == MQS_PROP_PAYLOAD_FORMAT || id == MQS_PROP_REQUEST_PROBLEM_INFO ||
         id == MQS_PROP_REQUEST_RESPONSE_INFO || id == MQS_PROP_MAX_QOS ||
         id == MQS_PROP_RETAIN_AVAILABLE || id == MQS_PROP_WILDCARD_AVAILABLE ||
         id == MQS_PROP_SUB_ID_AVAILABLE || id == MQS_PROP_SHARED_AVAILABLE;
}

static ssize_t fail(mqs_violation *why, mqs_rule rule, int t, const uint8_t *at,
                    const uint8_t *base) {
  mqs_violation_set(why, rule, MQS_V5, (uint8_t)(t == MQS_WILL_PROPS ? MQS_CONNECT : t),
                    (size_t)(at - base));
  uint8_t rc = mqs_rule_reason(rule);
  return rc == 0x81 ? MQS_EMALFORMED : MQS_EPROTOCOL;
}

static mqs_rule vbi_rule(int rc) {
  return rc == 0 ? MQS_RULE_TRUNCATED : rc == -1 ? MQS_RULE_RL_TOO_LONG : MQS_RULE_VBI_NOT_MINIMAL;
}

ssize_t mqs_props_decode(const uint8_t *p, size_t len, int t, const uint8_t *base,
                         mqs_props *out, uint32_t *notes, mqs_violation *why) {
  rd r = {p, p + len};
  uint32_t plen;
  int rc = rd_vbi(&r, &plen);
  /* A broken length names its last byte read, as in the fixed header. */
  if (rc != 1) return fail(why, vbi_rule(rc), t, rc == 0 ? p + len : r.p - 1, base);
  if (plen > rd_left(&r)) return fail(why, MQS_RULE_TRUNCATED, t, p, base);
  out->raw.p = r.p;
  out->raw.len = plen;
  r.end = r.p + plen;
  while (r.p < r.end) {
    const uint8_t *at = r.p;
    uint32_t id = *r.p; /* every defined identifier is one byte: skip the VBI loop */
    if (id < 0x80) {
      r.p++;
    } else if ((rc = rd_vbi(&r, &id)) != 1) {
      return fail(why, rc == 0 ? MQS_RULE_TRUNCATED : MQS_RULE_PROP_UNKNOWN, t, at, base);
    }
    int pi = prop_index(id);
    if (pi < 0) return fail(why, MQS_RULE_PROP_UNKNOWN, t, at, base);
    const mqs_prop_info *pr = &infos[pi];
    if (!(pr->allowed & B(t))) return fail(why, MQS_RULE_PROP_NOT_ALLOWED, t, at, base);
    bool repeatable = id == MQS_PROP_USER || (id == MQS_PROP_SUBSCRIPTION_ID && t == MQS_PUBLISH);
    if ((out->present & MQS_PROP_BIT(id)) && !repeatable)
      return fail(why, MQS_RULE_PROP_DUPLICATE, t, at, base);
    out->present |= MQS_PROP_BIT(id);
    const uint8_t *val = r.p;
    size_t bad;
    switch (pr->type) {
    case MQS_PT_BYTE: {
      uint8_t v;
      if (!rd_u8(&r, &v)) return fail(why, MQS_RULE_TRUNCATED, t, val, base);
      if (v > 1 && boolean_prop((uint8_t)id))
        return fail(why, MQS_RULE_PROP_VALUE_INVALID, t, val, base);
      *FIELD(out, pi, uint8_t) = v;
      break;
    }
    case MQS_PT_U16: {
      uint16_t v;
      if (!rd_u16(&r, &v)) return fail(why, MQS_RULE_TRUNCATED, t, val, base);
      if (v == 0 && id == MQS_PROP_TOPIC_ALIAS)
        return fail(why, MQS_RULE_TOPIC_ALIAS_ZERO, t, val, base);
      if (v == 0 && id == MQS_PROP_RECEIVE_MAX)
        return fail(why, MQS_RULE_PROP_VALUE_INVALID, t, val, base);
      *FIELD(out, pi, uint16_t) = v;
      break;
    }
    case MQS_PT_U32: {
      uint32_t v;
      if (!rd_u32(&r, &v)) return fail(why, MQS_RULE_TRUNCATED, t, val, base);
      if (v == 0 && id == MQS_PROP_MAX_PACKET_SIZE)
        return fail(why, MQS_RULE_PROP_VALUE_INVALID, t, val, base);
      *FIELD(out, pi, uint32_t) = v;
      break;
    }
    case MQS_PT_VBI: { /* only the Subscription Identifier */
      uint32_t v;
      rc = rd_vbi(&r, &v);
      if (rc != 1) return fail(why, vbi_rule(rc), t, rc == 0 ? r.end : r.p - 1, base);
      if (v == 0) return fail(why, MQS_RULE_SUB_ID_ZERO, t, val, base);
      out->n_sub_id++;
      break;
    }
    case MQS_PT_UTF8:
    case MQS_PT_BINARY: {
      mqs_str *s = FIELD(out, pi, mqs_str);
      if (!rd_lstr(&r, &s->p, &s->len)) return fail(why, MQS_RULE_TRUNCATED, t, val, base);
      if (pr->type == MQS_PT_BINARY) break;
      mqs_rule bad_rule = id == MQS_PROP_RESPONSE_TOPIC
                              ? mqs_topic_name_check(s->p, s->len, &bad, notes)
                              : mqs_utf8_check(s->p, s->len, &bad, notes);
      if (bad_rule == MQS_RULE_TOPIC_WILDCARD) bad_rule = MQS_RULE_RESPONSE_TOPIC_WILDCARD;
      if (bad_rule) return fail(why, bad_rule, t, s->p + bad, base);
      break;
    }
    case MQS_PT_PAIR: {
      mqs_str k, v;
      if (!rd_lstr(&r, &k.p, &k.len) || !rd_lstr(&r, &v.p, &v.len))
        return fail(why, MQS_RULE_TRUNCATED, t, val, base);
      if (mqs_utf8_check(k.p, k.len, &bad, notes))
        return fail(why, MQS_RULE_UTF8_PAIR_INVALID, t, k.p + bad, base);
      if (mqs_utf8_check(v.p, v.len, &bad, notes))
        return fail(why, MQS_RULE_UTF8_PAIR_INVALID, t, v.p + bad, base);
      out->n_user++;
      break;
    }
    }
  }
  if ((out->present & MQS_PROP_BIT(MQS_PROP_AUTH_DATA)) &&
      !(out->present & MQS_PROP_BIT(MQS_PROP_AUTH_METHOD)))
    return fail(why, MQS_RULE_AUTH_DATA_WITHOUT_METHOD, t, out->auth_data.p - 3, base);
  return r.p - p;
}

/* Skip one already validated property at *pos in raw; returns its id. */
static unsigned skip_prop(const mqs_str *raw, uint32_t *pos, const uint8_t **value) {
  rd r = {raw->p + *pos, raw->p + raw->len};
  uint8_t id = 0;
  if (!rd_u8(&r, &id)) { /* cannot happen: the caller checked *pos < raw->len */
    *pos = raw->len;
    return 0;
  }
  *value = r.p;
  const mqs_prop_info *pr = mqs_prop_lookup(id);
  uint32_t v;
  const uint8_t *s;
  switch (pr ? pr->type : MQS_PT_BYTE) {
  case MQS_PT_BYTE: r.p += 1; break;
  case MQS_PT_U16: r.p += 2; break;
  case MQS_PT_U32: r.p += 4; break;
  case MQS_PT_VBI: rd_vbi(&r, &v); break;
  case MQS_PT_UTF8:
  case MQS_PT_BINARY: rd_lstr(&r, &s, &v); break;
  case MQS_PT_PAIR:
    rd_lstr(&r, &s, &v);
    rd_lstr(&r, &s, &v);
    break;
  }
  *pos = (uint32_t)(r.p - raw->p);
  return id;
}

const uint8_t *props_locate(const mqs_props *p, uint8_t id) {
  uint32_t pos = 0;
  while (pos < p->raw.len) {
    uint32_t at = pos;
    const uint8_t *v;
    if (skip_prop(&p->raw, &pos, &v) == id) return p->raw.p + at;
  }
  return p->raw.p + p->raw.len;
}

/* The value of the next decoded property id at or after *cursor in raw,
 * or NULL after the last one. */
static const uint8_t *next_raw(const mqs_props *p, uint32_t *cursor, uint8_t id) {
  while (p->raw.p && *cursor < p->raw.len) {
    const uint8_t *v;
    if (skip_prop(&p->raw, cursor, &v) == id) return v;
  }
  return NULL;
}

bool mqs_props_next_user(const mqs_props *p, uint32_t *cursor, mqs_str_pair *out) {
  if (p->user) {
    if (*cursor >= p->n_user) return false;
    *out = p->user[(*cursor)++];
    return true;
  }
  const uint8_t *v = next_raw(p, cursor, MQS_PROP_USER);
  if (!v) return false;
  rd r = {v, p->raw.p + p->raw.len};
  rd_lstr(&r, &out->key.p, &out->key.len);
  rd_lstr(&r, &out->value.p, &out->value.len);
  return true;
}

bool mqs_props_next_sub_id(const mqs_props *p, uint32_t *cursor, uint32_t *out) {
  if (p->sub_ids) {
    if (*cursor >= p->n_sub_id) return false;
    *out = p->sub_ids[(*cursor)++];
    return true;
  }
  const uint8_t *v = next_raw(p, cursor, MQS_PROP_SUBSCRIPTION_ID);
  if (!v) return false;
  rd r = {v, p->raw.p + p->raw.len};
  return rd_vbi(&r, out) == 1;
}

/* Write the properties (without the length prefix). */
static void props_body(wr *w, const mqs_props *p) {
  /* Repeatable ones are there when counted; the others when flagged. Visit
   * only those, lowest identifier first (the canonical order). */
  uint64_t repeatable = MQS_PROP_BIT(MQS_PROP_USER) | MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
  uint64_t there = (p->present & ~repeatable) | (p->n_user ? MQS_PROP_BIT(MQS_PROP_USER) : 0) |
                   (p->n_sub_id ? MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID) : 0);
  for (; there; there &= there - 1) {
    int i = prop_index((unsigned)__builtin_ctzll(there));
    if (i < 0) continue; /* a bit no property has */
    uint8_t id = infos[i].id;
    uint32_t cur = 0;
    switch (infos[i].type) {
    case MQS_PT_BYTE:
      wr_u8(w, id);
      wr_u8(w, *FIELD(p, i, const uint8_t));
      break;
    case MQS_PT_U16:
      wr_u8(w, id);
      wr_u16(w, *FIELD(p, i, const uint16_t));
      break;
    case MQS_PT_U32:
      wr_u8(w, id);
      wr_u32(w, *FIELD(p, i, const uint32_t));
      break;
    case MQS_PT_UTF8:
    case MQS_PT_BINARY: {
      const mqs_str *s = FIELD(p, i, const mqs_str);
      wr_u8(w, id);
      wr_u16(w, (uint16_t)s->len);
      wr_bytes(w, s->p, s->len);
      break;
    }
    case MQS_PT_VBI: {
      uint32_t v = 0;
      while (mqs_props_next_sub_id(p, &cur, &v)) {
        wr_u8(w, id);
        wr_vbi(w, v);
      }
      break;
    }
    case MQS_PT_PAIR: {
      mqs_str_pair kv;
      while (mqs_props_next_user(p, &cur, &kv)) {
        wr_u8(w, id);
        wr_u16(w, (uint16_t)kv.key.len);
        wr_bytes(w, kv.key.p, kv.key.len);
        wr_u16(w, (uint16_t)kv.value.len);
        wr_bytes(w, kv.value.p, kv.value.len);
      }
      break;
    }
    }
  }
}

static size_t props_body_size(const mqs_props *p) {
  wr count = {NULL, 0, 0};
  props_body(&count, p);
  return count.len;
}

bool props_empty(const mqs_props *p) {
  uint64_t repeatable = MQS_PROP_BIT(MQS_PROP_USER) | MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
  return !(p->present & ~repeatable) && !p->n_user && !p->n_sub_id;
}

void props_write(wr *w, const mqs_props *p) {
  wr_vbi(w, (uint32_t)props_body_size(p));
  props_body(w, p);
}
