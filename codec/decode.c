/* codec/decode.c — decode one MQTT control packet, validating every rule
 * that one packet alone can show broken. Never allocates; never reads
 * past the input; every rejection names its rule, reason code and offset. */
#include <string.h>

#include "internal.h"

typedef struct {
  const uint8_t *base; /* first byte of the packet */
  const mqs_decode_opts *o;
  int v;        /* version the body is decoded with */
  uint8_t type; /* packet type */
  mqs_packet *out;
  mqs_violation *why;
} ctx;

static ssize_t err_for(mqs_rule rule) {
  uint8_t rc = mqs_rule_reason(rule);
  return rc == 0x81 ? MQS_EMALFORMED : rc == 0x95 ? MQS_ETOOLARGE : MQS_EPROTOCOL;
}

/* 5.0 states "use one of the allowed reason codes" once per packet type. */
static const char *const reason_statements[16] = {
    [MQS_CONNACK] = "MQTT-3.2.2-8",     [MQS_PUBACK] = "MQTT-3.4.2-1",
    [MQS_PUBREC] = "MQTT-3.5.2-1",      [MQS_PUBREL] = "MQTT-3.6.2-1",
    [MQS_PUBCOMP] = "MQTT-3.7.2-1",     [MQS_SUBACK] = "MQTT-3.9.3-2",
    [MQS_UNSUBACK] = "MQTT-3.11.3-2",   [MQS_DISCONNECT] = "MQTT-3.14.2-1",
    [MQS_AUTH] = "MQTT-3.15.2-1",
};

/* The statement that names the rule most precisely for this packet. */
static const char *precise_statement(const ctx *c, mqs_rule rule, const char *general) {
  bool from_server = c->o->from == MQS_FROM_SERVER;
  if (c->v < MQS_V5) /* 3.1.1 numbers only the SUBACK return codes (MQTT-3.9.3-2) */
    return rule == MQS_RULE_REASON_CODE_INVALID && c->type != MQS_SUBACK ? NULL : general;
  switch (rule) {
  case MQS_RULE_REASON_CODE_INVALID: return reason_statements[c->type];
  case MQS_RULE_PACKET_ID_ZERO:
    return from_server && c->type == MQS_PUBLISH ? "MQTT-2.2.1-4" : general;
  case MQS_RULE_TOPIC_ALIAS_ABOVE_MAX: return from_server ? "MQTT-3.3.2-11" : general;
  case MQS_RULE_PACKET_TOO_LARGE: return from_server ? "MQTT-3.1.2-24" : general;
  default: return general;
  }
}

static ssize_t bad(const ctx *c, mqs_rule rule, const uint8_t *at) {
  mqs_violation_set(c->why, rule, c->v, c->type, (size_t)(at - c->base));
  if (c->why) c->why->statement = precise_statement(c, rule, c->why->statement);
  return err_for(rule);
}

/* A length-prefixed field; missing is the rule to name when no byte of it is there. */
static ssize_t get_bin(const ctx *c, rd *r, mqs_str *s, mqs_rule missing) {
  if (rd_left(r) == 0) return bad(c, missing, r->p);
  const uint8_t *at = r->p;
  if (!rd_lstr(r, &s->p, &s->len)) return bad(c, MQS_RULE_TRUNCATED, at);
  return 0;
}

typedef mqs_rule text_check(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes);

/* A length-prefixed string that must pass check (UTF-8 rules, topic name rules). */
static ssize_t get_text(const ctx *c, rd *r, mqs_str *s, mqs_rule missing, text_check *check) {
  ssize_t rc = get_bin(c, r, s, missing);
  if (rc) return rc;
  size_t at;
  mqs_rule rule = check(s->p, s->len, &at, &c->out->notes);
  return rule ? bad(c, rule, s->p + at) : 0;
}

static ssize_t get_utf8(const ctx *c, rd *r, mqs_str *s, mqs_rule missing) {
  return get_text(c, r, s, missing, mqs_utf8_check);
}

static ssize_t get_topic_name(const ctx *c, rd *r, mqs_str *s, mqs_rule missing) {
  return get_text(c, r, s, missing, mqs_topic_name_check);
}

static ssize_t get_id(const ctx *c, rd *r, uint16_t *id) {
  const uint8_t *at = r->p;
  if (!rd_u16(r, id)) return bad(c, MQS_RULE_TRUNCATED, at);
  return *id == 0 ? bad(c, MQS_RULE_PACKET_ID_ZERO, at) : 0;
}

/* Properties of type t (5.0 only; nothing to read in 3.1.1). */
static ssize_t get_props(const ctx *c, rd *r, int t, mqs_props *p) {
  if (c->v < MQS_V5) return 0;
  if (rd_left(r) == 0) return bad(c, MQS_RULE_TRUNCATED, r->p);
  ssize_t n = mqs_props_decode(r->p, rd_left(r), t, c->base, p, &c->out->notes, c->why);
  if (n < 0) return n;
  r->p += n;
  return 0;
}

static ssize_t get_reason(const ctx *c, rd *r, uint8_t *reason) {
  const uint8_t *at = r->p;
  if (!rd_u8(r, reason)) return bad(c, MQS_RULE_TRUNCATED, at);
  return mqs_reason_allowed(*reason, c->type, c->v) ? 0
                                                    : bad(c, MQS_RULE_REASON_CODE_INVALID, at);
}

static ssize_t done(const ctx *c, const rd *r) {
  return r->p == r->end ? 0 : bad(c, MQS_RULE_TRAILING, r->p);
}

/* Payload Format Indicator 1 promises UTF-8; checking costs a pass over
 * the payload, so it is done only for payloads that make the promise. */
static ssize_t check_payload_format(const ctx *c, const mqs_props *p, mqs_str payload) {
  if (!(mqs_props_has(p, MQS_PROP_PAYLOAD_FORMAT) && p->payload_format == 1)) return 0;
  size_t at;
  if (mqs_utf8_check(payload.p, payload.len, &at, NULL) == MQS_RULE_NONE) return 0;
  c->out->notes |= MQS_NOTE_PAYLOAD_NOT_UTF8;
  if (c->o->flags & MQS_DEC_CHECK_PAYLOAD_UTF8)
    return bad(c, MQS_RULE_PAYLOAD_NOT_UTF8, payload.p + at);
  return 0;
}

static ssize_t dec_connect(ctx *c, rd *r) {
  mqs_connect *k = &c->out->connect;
  ssize_t rc;
  const uint8_t *at = r->p;
  if ((rc = get_bin(c, r, &k->protocol_name, MQS_RULE_TRUNCATED))) return rc;
  const uint8_t *level_at = r->p;
  if (!rd_u8(r, &k->level)) return bad(c, MQS_RULE_TRUNCATED, level_at);
  bool mqtt = k->protocol_name.len == 4 && memcmp(k->protocol_name.p, "MQTT", 4) == 0;
  bool mqisdp = k->protocol_name.len == 6 && memcmp(k->protocol_name.p, "MQIsdp", 6) == 0;
  /* The body's rules follow the level the client asks for. */
  c->v = k->level >= MQS_V31 && k->level <= MQS_V5 ? k->level : c->o->version;
  if (!mqtt && !mqisdp) return bad(c, MQS_RULE_PROTOCOL_NAME, at);
  if ((mqisdp && k->level != MQS_V31) || (mqtt && k->level != MQS_V311 && k->level != MQS_V5))
    return bad(c, MQS_RULE_PROTOCOL_LEVEL, level_at);
  const uint8_t *flags_at = r->p;
  if (!rd_u8(r, &k->flags)) return bad(c, MQS_RULE_TRUNCATED, flags_at);
  uint8_t f = k->flags;
  k->clean_start = f & 0x02;
  k->will = f & 0x04;
  k->will_qos = (f >> 3) & 0x03;
  k->will_retain = f & 0x20;
  bool has_password = f & 0x40, has_username = f & 0x80;
  if (f & 0x01) return bad(c, MQS_RULE_CONNECT_RESERVED_FLAG, flags_at);
  if (!k->will && k->will_qos) return bad(c, MQS_RULE_WILL_QOS_WITHOUT_WILL, flags_at);
  if (k->will && k->will_qos == 3) return bad(c, MQS_RULE_WILL_QOS_3, flags_at);
  if (!k->will && k->will_retain) return bad(c, MQS_RULE_WILL_RETAIN_WITHOUT_WILL, flags_at);
  if (c->v < MQS_V5 && has_password && !has_username)
    return bad(c, MQS_RULE_PASSWORD_WITHOUT_USERNAME, flags_at);
  const uint8_t *ka_at = r->p;
  if (!rd_u16(r, &k->keep_alive)) return bad(c, MQS_RULE_TRUNCATED, ka_at);
  if ((rc = get_props(c, r, MQS_CONNECT, &k->props))) return rc;
  if ((rc = get_utf8(c, r, &k->client_id, MQS_RULE_TRUNCATED))) return rc;
  if (k->will) {
    if (c->v >= MQS_V5 && rd_left(r) == 0) return bad(c, MQS_RULE_WILL_FIELDS_MISSING, r->p);
    if ((rc = get_props(c, r, MQS_WILL_PROPS, &k->will_props))) return rc;
    if ((rc = get_topic_name(c, r, &k->will_topic, MQS_RULE_WILL_FIELDS_MISSING))) return rc;
    if (k->will_topic.len == 0) return bad(c, MQS_RULE_TOPIC_EMPTY, k->will_topic.p - 2);
    if ((rc = get_bin(c, r, &k->will_payload, MQS_RULE_WILL_FIELDS_MISSING))) return rc;
    if ((rc = check_payload_format(c, &k->will_props, k->will_payload))) return rc;
  }
  if (has_username && (rc = get_utf8(c, r, &k->username, MQS_RULE_USERNAME_MISSING))) return rc;
  if (has_password && (rc = get_bin(c, r, &k->password, MQS_RULE_PASSWORD_MISSING))) return rc;
  return done(c, r);
}

static ssize_t dec_connack(ctx *c, rd *r) {
  mqs_connack *k = &c->out->connack;
  ssize_t rc;
  const uint8_t *at = r->p;
  if (!rd_u8(r, &k->flags)) return bad(c, MQS_RULE_TRUNCATED, at);
  if (k->flags & 0xFE) return bad(c, MQS_RULE_CONNACK_RESERVED_FLAGS, at);
  k->session_present = k->flags & 0x01;
  if ((rc = get_reason(c, r, &k->reason))) return rc;
  if (k->session_present && k->reason != 0)
    return bad(c, MQS_RULE_SESSION_PRESENT_ON_ERROR, at);
  if ((rc = get_props(c, r, MQS_CONNACK, &k->props))) return rc;
  return done(c, r);
}

static ssize_t dec_publish(ctx *c, rd *r) {
  mqs_publish *k = &c->out->publish;
  uint8_t f = c->out->flags;
  ssize_t rc;
  k->qos = (f >> 1) & 0x03;
  k->dup = f & 0x08;
  k->retain = f & 0x01;
  if ((rc = get_topic_name(c, r, &k->topic, MQS_RULE_TRUNCATED))) return rc;
  if (k->qos && (rc = get_id(c, r, &k->id))) return rc;
  if ((rc = get_props(c, r, MQS_PUBLISH, &k->props))) return rc;
  bool alias = mqs_props_has(&k->props, MQS_PROP_TOPIC_ALIAS);
  if (k->topic.len == 0 && !alias) return bad(c, MQS_RULE_TOPIC_EMPTY, k->topic.p - 2);
  if (k->props.n_sub_id && c->o->from == MQS_FROM_CLIENT)
    return bad(c, MQS_RULE_SUB_ID_FROM_CLIENT, props_locate(&k->props, MQS_PROP_SUBSCRIPTION_ID));
  if (alias && (c->o->flags & MQS_DEC_CHECK_ALIAS_MAX) && k->props.topic_alias > c->o->topic_alias_max)
    return bad(c, MQS_RULE_TOPIC_ALIAS_ABOVE_MAX, props_locate(&k->props, MQS_PROP_TOPIC_ALIAS) + 1);
  k->payload.p = r->p;
  k->payload.len = (uint32_t)rd_left(r);
  r->p = r->end;
  return check_payload_format(c, &k->props, k->payload);
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP: 5.0 may omit a success reason code and
 * empty properties (3.4.2.1). */
static ssize_t dec_ack(ctx *c, rd *r) {
  mqs_ack *k = &c->out->ack;
  ssize_t rc;
  if ((rc = get_id(c, r, &k->id))) return rc;
  if (c->v >= MQS_V5 && rd_left(r)) {
    if ((rc = get_reason(c, r, &k->reason))) return rc;
    if (rd_left(r) && (rc = get_props(c, r, c->type, &k->props))) return rc;
  }
  return done(c, r);
}

static ssize_t check_filter(ctx *c, const mqs_str *f, bool *shared) {
  size_t at;
  mqs_rule rule = mqs_topic_filter_check(f->p, f->len, c->v >= MQS_V5, &at, &c->out->notes);
  if (rule) return bad(c, rule, rule == MQS_RULE_FILTER_EMPTY ? f->p - 2 : f->p + at);
  const uint8_t *n, *rest;
  size_t nl, rl;
  *shared = c->v >= MQS_V5 && mqs_topic_share_split(f->p, f->len, &n, &nl, &rest, &rl);
  return 0;
}

static ssize_t check_options(ctx *c, uint8_t o, bool shared, const uint8_t *at) {
  if (c->v < MQS_V5) {
    if (o & 0xFC) return bad(c, MQS_RULE_SUB_OPTIONS_RESERVED, at);
    return MQS_SUBOPT_QOS(o) == 3 ? bad(c, MQS_RULE_SUB_QOS_3, at) : 0;
  }
  if (o & 0xC0) return bad(c, MQS_RULE_SUB_OPTIONS_RESERVED, at);
  if (MQS_SUBOPT_QOS(o) == 3) return bad(c, MQS_RULE_SUB_QOS_3, at);
  if (MQS_SUBOPT_RETAIN_HANDLING(o) == 3) return bad(c, MQS_RULE_RETAIN_HANDLING_3, at);
  if (shared && (o & MQS_SUBOPT_NO_LOCAL)) return bad(c, MQS_RULE_NO_LOCAL_ON_SHARED, at);
  return 0;
}

/* SUBSCRIBE and UNSUBSCRIBE. */
static ssize_t dec_subscribe(ctx *c, rd *r) {
  mqs_subscribe *k = &c->out->subscribe;
  bool sub = c->type == MQS_SUBSCRIBE;
  ssize_t rc;
  if ((rc = get_id(c, r, &k->id))) return rc;
  if ((rc = get_props(c, r, c->type, &k->props))) return rc;
  if (rd_left(r) == 0)
    return bad(c, sub ? MQS_RULE_NO_TOPIC_FILTERS : MQS_RULE_UNSUB_NO_TOPIC_FILTERS, r->p);
  k->raw.p = r->p;
  k->raw.len = (uint32_t)rd_left(r);
  k->with_options = sub;
  while (rd_left(r)) {
    mqs_str f;
    bool shared = false;
    if ((rc = get_utf8(c, r, &f, MQS_RULE_TRUNCATED))) return rc;
    if ((rc = check_filter(c, &f, &shared))) return rc;
    if (sub) {
      const uint8_t *at = r->p;
      uint8_t o;
      if (!rd_u8(r, &o)) return bad(c, MQS_RULE_TRUNCATED, at);
      if ((rc = check_options(c, o, shared, at))) return rc;
    }
    k->n_filters++;
  }
  return 0;
}

/* SUBACK and UNSUBACK (3.1.1 UNSUBACK carries only the identifier). */
static ssize_t dec_suback(ctx *c, rd *r) {
  mqs_suback *k = &c->out->suback;
  ssize_t rc;
  if ((rc = get_id(c, r, &k->id))) return rc;
  if (c->v < MQS_V5 && c->type == MQS_UNSUBACK) return done(c, r);
  if ((rc = get_props(c, r, c->type, &k->props))) return rc;
  if (rd_left(r) == 0) return bad(c, MQS_RULE_TRUNCATED, r->p);
  k->reasons = r->p;
  k->n_reasons = (uint32_t)rd_left(r);
  while (rd_left(r)) {
    uint8_t reason;
    if ((rc = get_reason(c, r, &reason))) return rc;
  }
  return 0;
}

/* DISCONNECT and AUTH: 5.0 may omit reason 0 and empty properties. */
static ssize_t dec_reason_props(ctx *c, rd *r) {
  mqs_reason_props *k = c->type == MQS_AUTH ? &c->out->auth : &c->out->disconnect;
  ssize_t rc;
  if (c->v >= MQS_V5 && rd_left(r)) {
    if ((rc = get_reason(c, r, &k->reason))) return rc;
    const uint8_t *props_at = r->p;
    if (rd_left(r) && (rc = get_props(c, r, c->type, &k->props))) return rc;
    if (c->type == MQS_DISCONNECT && c->o->from == MQS_FROM_SERVER &&
        mqs_props_has(&k->props, MQS_PROP_SESSION_EXPIRY))
      return bad(c, MQS_RULE_SESSION_EXPIRY_FROM_SERVER,
                 props_locate(&k->props, MQS_PROP_SESSION_EXPIRY));
    /* Only the short form (Remaining Length 0, or Success with no
     * properties, 3.15.2.1) may go without the method. */
    if (c->type == MQS_AUTH && !mqs_props_has(&k->props, MQS_PROP_AUTH_METHOD) &&
        (k->reason != 0 || !props_empty(&k->props)))
      return bad(c, MQS_RULE_AUTH_METHOD_MISSING, props_at);
  }
  return done(c, r);
}

static ssize_t dec_empty(ctx *c, rd *r) { return done(c, r); }

typedef ssize_t (*body_fn)(ctx *, rd *);

static const body_fn bodies[16] = {
    [MQS_CONNECT] = dec_connect,        [MQS_CONNACK] = dec_connack,
    [MQS_PUBLISH] = dec_publish,        [MQS_PUBACK] = dec_ack,
    [MQS_PUBREC] = dec_ack,             [MQS_PUBREL] = dec_ack,
    [MQS_PUBCOMP] = dec_ack,            [MQS_SUBSCRIBE] = dec_subscribe,
    [MQS_SUBACK] = dec_suback,          [MQS_UNSUBSCRIBE] = dec_subscribe,
    [MQS_UNSUBACK] = dec_suback,        [MQS_PINGREQ] = dec_empty,
    [MQS_PINGRESP] = dec_empty,         [MQS_DISCONNECT] = dec_reason_props,
    [MQS_AUTH] = dec_reason_props,
};

/* Who may send each type (2.1.2, Table 2-1). */
#define C 1
#define S 2
static const uint8_t senders[16] = {
    [MQS_CONNECT] = C,     [MQS_CONNACK] = S,        [MQS_PUBLISH] = C | S,
    [MQS_PUBACK] = C | S,  [MQS_PUBREC] = C | S,     [MQS_PUBREL] = C | S,
    [MQS_PUBCOMP] = C | S, [MQS_SUBSCRIBE] = C,      [MQS_SUBACK] = S,
    [MQS_UNSUBSCRIBE] = C, [MQS_UNSUBACK] = S,       [MQS_PINGREQ] = C,
    [MQS_PINGRESP] = S,    [MQS_DISCONNECT] = C | S, [MQS_AUTH] = C | S,
};
#undef C
#undef S

uint8_t mqs_required_flags(int t) {
  return t == MQS_PUBREL || t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE ? 0x2 : 0;
}

/* Read the Remaining Length. Returns 1 with *hdr and *rl set, 0 when more
 * bytes are needed, or a negative mqs_err with *why set. */
static int header(const uint8_t *buf, size_t len, size_t *hdr, uint32_t *rl, int v,
                  mqs_violation *why) {
  rd r = {buf + 1, buf + len};
  int rc = rd_vbi(&r, rl);
  if (rc == 0) return 0;
  /* Only 5.0 requires the shortest encoding [MQTT-1.5.5-1]; 3.1.1's
   * Remaining Length has no such statement, so a longer form is accepted. */
  if (rc == -2 && v != MQS_V5) rc = 1;
  if (rc < 0) {
    mqs_rule rule = rc == -1 ? MQS_RULE_RL_TOO_LONG : MQS_RULE_VBI_NOT_MINIMAL;
    mqs_violation_set(why, rule, v, buf[0] >> 4, (size_t)(r.p - 1 - buf));
    return MQS_EMALFORMED;
  }
  *hdr = (size_t)(r.p - buf);
  return 1;
}

int mqs_frame(const uint8_t *buf, size_t len, size_t *total, mqs_violation *why) {
  size_t hdr;
  uint32_t rl;
  if (len < 2) return MQS_INCOMPLETE;
  /* Framing needs the length only: a longer than needed encoding frames
   * (decoding a 5.0 packet then refuses it). */
  int rc = header(buf, len, &hdr, &rl, MQS_V311, why);
  if (rc <= 0) return rc == 0 ? MQS_INCOMPLETE : rc;
  *total = hdr + rl;
  return 0;
}

ssize_t mqs_decode_ex(const uint8_t *buf, size_t len, const mqs_decode_opts *o, mqs_packet *out,
                      mqs_violation *why) {
  if (len == 0) return MQS_INCOMPLETE;
  ctx c = {buf, o, o->version, (uint8_t)(buf[0] >> 4), out, why};
  uint8_t flags = buf[0] & 0x0F;
  /* Everything the first byte can show is reported before waiting for more. */
  if (c.type == 0 || (c.type == MQS_AUTH && c.v < MQS_V5))
    return bad(&c, MQS_RULE_TYPE_RESERVED, buf);
  unsigned may_send = senders[c.type];
  if (c.type == MQS_DISCONNECT && c.v < MQS_V5) may_send = MQS_FROM_CLIENT; /* 3.1.1: 3.14 */
  if (o->from && !(may_send & o->from)) return bad(&c, MQS_RULE_WRONG_DIRECTION, buf);
  if (c.type == MQS_PUBLISH) {
    if ((flags & 0x06) == 0x06) return bad(&c, MQS_RULE_QOS_3, buf);
    if ((flags & 0x08) && !(flags & 0x06)) return bad(&c, MQS_RULE_DUP_ON_QOS0, buf);
  } else if (flags != mqs_required_flags(c.type)) {
    return bad(&c, MQS_RULE_FLAGS_RESERVED, buf);
  }
  if (len < 2) return MQS_INCOMPLETE;
  size_t hdr;
  uint32_t rl;
  int rc = header(buf, len, &hdr, &rl, c.v, why);
  if (rc <= 0) return rc == 0 ? MQS_INCOMPLETE : rc;
  size_t total = hdr + rl;
  if (o->max_packet_size && total > o->max_packet_size)
    return bad(&c, MQS_RULE_PACKET_TOO_LARGE, buf + 1);
  if (len < total) return MQS_INCOMPLETE;

  out->type = (mqs_packet_type)c.type;
  out->flags = flags;
  out->remaining = rl;
  out->notes = 0;
  /* Zero only the member this type uses: a CONNECT is several times the
   * size of a PUBLISH, and decode is a hot path. */
  switch (c.type) {
  case MQS_CONNECT: memset(&out->connect, 0, sizeof out->connect); break;
  case MQS_CONNACK: memset(&out->connack, 0, sizeof out->connack); break;
  case MQS_PUBLISH: /* dec_publish sets every other field */
    memset(&out->publish.props, 0, sizeof out->publish.props);
    out->publish.id = 0;
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: memset(&out->subscribe, 0, sizeof out->subscribe); break;
  case MQS_SUBACK:
  case MQS_UNSUBACK: memset(&out->suback, 0, sizeof out->suback); break;
  case MQS_DISCONNECT:
  case MQS_AUTH: memset(&out->disconnect, 0, sizeof out->disconnect); break;
  default: memset(&out->ack, 0, sizeof out->ack); break;
  }
  rd r = {buf + hdr, buf + total};
  ssize_t body = bodies[c.type](&c, &r);
  return body < 0 ? body : (ssize_t)total;
}

ssize_t mqs_decode(const uint8_t *buf, size_t len, mqs_version v, mqs_packet *out,
                   mqs_violation *why) {
  mqs_decode_opts o = {.version = v};
  return mqs_decode_ex(buf, len, &o, out, why);
}
