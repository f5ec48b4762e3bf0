/* harness/build.c — packets by fields: YAML mapping -> mqs_packet -> bytes. */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "mqs/codec.h"
#include "mqs/print.h"
#include "value.h"

/* Accepted keys per packet type, for the "expected one of" in messages. */
static const char *const send_fields[16] = {
    [MQS_CONNECT] = "client_id, clean_start, keep_alive, username, password, will, properties, "
                    "protocol_name, level, connect_flags, flags, raw",
    [MQS_CONNACK] = "session_present, reason, properties, ack_flags, flags, raw",
    [MQS_PUBLISH] = "topic, qos, retain, dup, id, payload, payload_hex, properties, flags, raw",
    [MQS_PUBACK] = "id, reason, properties, flags, raw",
    [MQS_PUBREC] = "id, reason, properties, flags, raw",
    [MQS_PUBREL] = "id, reason, properties, flags, raw",
    [MQS_PUBCOMP] = "id, reason, properties, flags, raw",
    [MQS_SUBSCRIBE] = "id, filters, topic, qos, no_local, retain_as_published, retain_handling, "
                      "options, properties, flags, raw",
    [MQS_SUBACK] = "id, reasons, properties, flags, raw",
    [MQS_UNSUBSCRIBE] = "id, filters, topic, properties, flags, raw",
    [MQS_UNSUBACK] = "id, reasons, properties, flags, raw",
    [MQS_PINGREQ] = "flags, raw",
    [MQS_PINGRESP] = "flags, raw",
    [MQS_DISCONNECT] = "reason, properties, flags, raw",
    [MQS_AUTH] = "reason, properties, flags, raw",
};

const char *mqs_build_fields(int t) { return t >= 1 && t <= 15 ? send_fields[t] : ""; }

typedef struct {
  mqs_build_ctx *c;
  mqs_diag *d;
  bool templated; /* a ${variable} was met while checking: skip validation */
  bool has_flags; /* the fixed header nibble was given */
} bx;

static int text(bx *b, const mqs_node *n, const char *what, mqs_str *out) {
  const char *s;
  size_t len;
  if (!n || n->kind != MQS_NODE_SCALAR)
    return mqs_diag_at(b->d, n, "%s: expected text, got %s", what, mqs_node_what(n));
  if (mqs_template_has(n)) b->templated = true;
  if (mqs_expand(&b->c->x, n, &s, &len, b->d) < 0) return -1;
  out->p = (const uint8_t *)s;
  out->len = (uint32_t)len;
  return 0;
}

static int hexbytes(bx *b, const mqs_node *n, const char *what, mqs_str *out) {
  mqs_str t;
  if (text(b, n, what, &t) < 0) return -1;
  mqs_hexbuf hb = {0};
  mqs_hex_error e;
  if (mqs_hex_parse((const char *)t.p, t.len, &hb, &e) != 0) {
    mqs_hexbuf_free(&hb);
    return mqs_diag_at(b->d, n, "%s: not hex: %s (at line %zu, column %zu of the text)", what,
                       e.msg, e.line, e.col);
  }
  uint8_t *copy = mqs_arena_alloc(b->c->x.a, hb.len);
  if (!copy) {
    mqs_hexbuf_free(&hb);
    return mqs_diag_at(b->d, n, "out of memory");
  }
  if (hb.len) memcpy(copy, hb.p, hb.len);
  out->p = copy;
  out->len = (uint32_t)hb.len;
  mqs_hexbuf_free(&hb);
  return 0;
}

static int number(bx *b, const mqs_node *n, const char *what, uint64_t max, uint64_t *out) {
  if (!n || n->kind != MQS_NODE_SCALAR)
    return mqs_diag_at(b->d, n, "%s: expected a number, got %s", what, mqs_node_what(n));
  mqs_str t;
  if (text(b, n, what, &t) < 0) return -1;
  if (mqs_parse_uint((const char *)t.p, t.len, max, out) < 0)
    return mqs_diag_at(b->d, n, "%s: expected a number from 0 to %llu, got '%s'", what,
                       (unsigned long long)max, (const char *)t.p);
  return 0;
}

static int boolean(bx *b, const mqs_node *n, const char *what, bool *out) {
  mqs_str t;
  if (text(b, n, what, &t) < 0) return -1;
  if (mqs_parse_bool((const char *)t.p, out) < 0)
    return mqs_diag_at(b->d, n, "%s: expected true or false, got '%s'", what, (const char *)t.p);
  return 0;
}

static int reason(bx *b, const mqs_node *n, int t, uint8_t *out) {
  mqs_str s;
  if (text(b, n, "reason", &s) < 0) return -1;
  int v = mqs_parse_reason((const char *)s.p, s.len, t, b->c->version);
  if (v < 0)
    return mqs_diag_at(b->d, n,
                       "reason: '%s' is not a reason code of %s in MQTT %s (expected a name "
                       "such as success, or a number)",
                       (const char *)s.p, mqs_packet_type_key(t),
                       b->c->version >= 5 ? "5.0" : "3.1.1");
  *out = (uint8_t)v;
  return 0;
}

static uint64_t prop_max(mqs_prop_type t) {
  switch (t) {
  case MQS_PT_BYTE: return 0xFF;
  case MQS_PT_U16: return 0xFFFF;
  case MQS_PT_VBI: return 268435455u;
  default: return 0xFFFFFFFFu;
  }
}

static int user_pair(bx *b, const mqs_node *n, mqs_str_pair *out) {
  if (n->kind == MQS_NODE_SEQ && n->n == 2)
    return text(b, n->items[0], "user property key", &out->key) < 0 ||
                   text(b, n->items[1], "user property value", &out->value) < 0
               ? -1
               : 0;
  if (n->kind == MQS_NODE_MAP && n->n == 1)
    return text(b, n->keys[0], "user property key", &out->key) < 0 ||
                   text(b, n->items[0], "user property value", &out->value) < 0
               ? -1
               : 0;
  return mqs_diag_at(b->d, n, "user: expected [key, value] or {key: value}, got %s",
                     mqs_node_what(n));
}

/* properties: {key: value, ...}, keys as in the codec's property table. */
static int props(bx *b, const mqs_node *m, int t, mqs_props *out) {
  if (m->kind != MQS_NODE_MAP)
    return mqs_diag_at(b->d, m, "properties: expected a mapping such as {topic_alias: 1}, got %s",
                       mqs_node_what(m));
  if (b->c->version < 5 && m->n > 0)
    return mqs_diag_at(b->d, m, "properties exist only in MQTT 5.0 (this client speaks 3.1.1)");
  for (size_t i = 0; i < m->n; i++) {
    const char *key = m->keys[i]->text;
    const mqs_node *v = m->items[i];
    const mqs_prop_info *pi = mqs_prop_by_key(key);
    if (!pi)
      return mqs_diag_at(b->d, m->keys[i],
                         "unknown property '%s' (expected a name such as topic_alias, "
                         "session_expiry, user, subscription_id)",
                         key);
    if (pi->id == MQS_PROP_USER) {
      if (v->kind != MQS_NODE_SEQ)
        return mqs_diag_at(b->d, v, "user: expected a list of [key, value], got %s",
                           mqs_node_what(v));
      mqs_str_pair *pairs = mqs_arena_alloc(b->c->x.a, (v->n ? v->n : 1) * sizeof *pairs);
      if (!pairs) return mqs_diag_at(b->d, v, "out of memory");
      for (size_t k = 0; k < v->n; k++)
        if (user_pair(b, v->items[k], &pairs[k]) < 0) return -1;
      out->user = pairs;
      out->n_user = (uint32_t)v->n;
      continue;
    }
    if (pi->id == MQS_PROP_SUBSCRIPTION_ID) {
      size_t n = v->kind == MQS_NODE_SEQ ? v->n : 1;
      uint32_t *ids = mqs_arena_alloc(b->c->x.a, (n ? n : 1) * sizeof *ids);
      if (!ids) return mqs_diag_at(b->d, v, "out of memory");
      for (size_t k = 0; k < n; k++) {
        uint64_t x;
        if (number(b, v->kind == MQS_NODE_SEQ ? v->items[k] : v, key, prop_max(pi->type), &x) < 0)
          return -1;
        ids[k] = (uint32_t)x;
      }
      out->sub_ids = ids;
      out->n_sub_id = (uint32_t)n;
      continue;
    }
    (void)t;
    out->present |= MQS_PROP_BIT(pi->id);
    if (pi->type == MQS_PT_UTF8 || pi->type == MQS_PT_BINARY) {
      mqs_str s;
      if (text(b, v, key, &s) < 0) return -1;
      switch (pi->id) {
      case MQS_PROP_CONTENT_TYPE: out->content_type = s; break;
      case MQS_PROP_RESPONSE_TOPIC: out->response_topic = s; break;
      case MQS_PROP_CORRELATION_DATA: out->correlation_data = s; break;
      case MQS_PROP_ASSIGNED_CLIENT_ID: out->assigned_client_id = s; break;
      case MQS_PROP_AUTH_METHOD: out->auth_method = s; break;
      case MQS_PROP_AUTH_DATA: out->auth_data = s; break;
      case MQS_PROP_RESPONSE_INFO: out->response_info = s; break;
      case MQS_PROP_SERVER_REFERENCE: out->server_reference = s; break;
      case MQS_PROP_REASON_STRING: out->reason_string = s; break;
      default: break;
      }
      continue;
    }
    uint64_t x;
    if (number(b, v, key, prop_max(pi->type), &x) < 0) return -1;
    switch (pi->id) {
    case MQS_PROP_PAYLOAD_FORMAT: out->payload_format = (uint8_t)x; break;
    case MQS_PROP_MESSAGE_EXPIRY: out->message_expiry = (uint32_t)x; break;
    case MQS_PROP_SESSION_EXPIRY: out->session_expiry = (uint32_t)x; break;
    case MQS_PROP_SERVER_KEEP_ALIVE: out->server_keep_alive = (uint16_t)x; break;
    case MQS_PROP_REQUEST_PROBLEM_INFO: out->request_problem_info = (uint8_t)x; break;
    case MQS_PROP_WILL_DELAY: out->will_delay = (uint32_t)x; break;
    case MQS_PROP_REQUEST_RESPONSE_INFO: out->request_response_info = (uint8_t)x; break;
    case MQS_PROP_RECEIVE_MAX: out->receive_max = (uint16_t)x; break;
    case MQS_PROP_TOPIC_ALIAS_MAX: out->topic_alias_max = (uint16_t)x; break;
    case MQS_PROP_TOPIC_ALIAS: out->topic_alias = (uint16_t)x; break;
    case MQS_PROP_MAX_QOS: out->max_qos = (uint8_t)x; break;
    case MQS_PROP_RETAIN_AVAILABLE: out->retain_available = (uint8_t)x; break;
    case MQS_PROP_MAX_PACKET_SIZE: out->max_packet_size = (uint32_t)x; break;
    case MQS_PROP_WILDCARD_AVAILABLE: out->wildcard_available = (uint8_t)x; break;
    case MQS_PROP_SUB_ID_AVAILABLE: out->sub_id_available = (uint8_t)x; break;
    case MQS_PROP_SHARED_AVAILABLE: out->shared_available = (uint8_t)x; break;
    default: break;
    }
  }
  return 0;
}

static int unknown(bx *b, const mqs_node *key, int t) {
  return mqs_diag_at(b->d, key, "unknown field '%s' for %s (expected one of: %s)", key->text,
                     mqs_packet_type_key(t), send_fields[t]);
}

static uint16_t next_id(bx *b) {
  uint16_t *n = b->c->next_id;
  if (!n) return 1;
  if (*n == 0) *n = 1;
  return (*n)++;
}

static int will(bx *b, const mqs_node *m, mqs_connect *k) {
  if (m->kind != MQS_NODE_MAP)
    return mqs_diag_at(b->d, m, "will: expected a mapping {topic, payload, qos, retain}, got %s",
                       mqs_node_what(m));
  k->will = true;
  k->will_payload = (mqs_str){(const uint8_t *)"", 0};
  bool has_topic = false;
  for (size_t i = 0; i < m->n; i++) {
    const char *key = m->keys[i]->text;
    const mqs_node *v = m->items[i];
    uint64_t x;
    int rc = 0;
    if (strcmp(key, "topic") == 0) rc = text(b, v, "will topic", &k->will_topic), has_topic = true;
    else if (strcmp(key, "payload") == 0) rc = text(b, v, "will payload", &k->will_payload);
    else if (strcmp(key, "payload_hex") == 0) rc = hexbytes(b, v, "will payload", &k->will_payload);
    else if (strcmp(key, "qos") == 0) rc = number(b, v, "will qos", 3, &x), k->will_qos = (uint8_t)x;
    else if (strcmp(key, "retain") == 0) rc = boolean(b, v, "will retain", &k->will_retain);
    else if (strcmp(key, "properties") == 0) rc = props(b, v, MQS_WILL_PROPS, &k->will_props);
    else
      return mqs_diag_at(b->d, m->keys[i],
                         "unknown field '%s' for will (expected one of: topic, payload, "
                         "payload_hex, qos, retain, properties)",
                         key);
    if (rc < 0) return -1;
  }
  if (!has_topic) return mqs_diag_at(b->d, m, "will: the topic is missing");
  return 0;
}

static int filter_options(bx *b, const mqs_node *key, const mqs_node *v, uint8_t *opt,
                          bool *known) {
  uint64_t x;
  bool f;
  *known = true;
  const char *k = key->text;
  if (strcmp(k, "qos") == 0) {
    if (number(b, v, "qos", 3, &x) < 0) return -1;
    *opt = (uint8_t)((*opt & ~0x03) | x);
  } else if (strcmp(k, "no_local") == 0) {
    if (boolean(b, v, k, &f) < 0) return -1;
    *opt = (uint8_t)(f ? *opt | 0x04 : *opt & ~0x04);
  } else if (strcmp(k, "retain_as_published") == 0) {
    if (boolean(b, v, k, &f) < 0) return -1;
    *opt = (uint8_t)(f ? *opt | 0x08 : *opt & ~0x08);
  } else if (strcmp(k, "retain_handling") == 0) {
    if (number(b, v, k, 3, &x) < 0) return -1;
    *opt = (uint8_t)((*opt & ~0x30) | x << 4);
  } else if (strcmp(k, "options") == 0) {
    if (number(b, v, k, 255, &x) < 0) return -1;
    *opt = (uint8_t)x;
  } else {
    *known = false;
  }
  return 0;
}

/* filters: [{topic, qos, ...}] (SUBSCRIBE) or [topic, ...] (UNSUBSCRIBE). */
static int filters(bx *b, const mqs_node *v, int t, mqs_subscribe *s) {
  if (v->kind != MQS_NODE_SEQ)
    return mqs_diag_at(b->d, v, "filters: expected a list, got %s", mqs_node_what(v));
  mqs_sub *subs = mqs_arena_alloc(b->c->x.a, (v->n ? v->n : 1) * sizeof *subs);
  if (!subs) return mqs_diag_at(b->d, v, "out of memory");
  for (size_t i = 0; i < v->n; i++) {
    const mqs_node *f = v->items[i];
    if (f->kind == MQS_NODE_SCALAR) {
      if (text(b, f, "filter", &subs[i].filter) < 0) return -1;
      continue;
    }
    if (f->kind != MQS_NODE_MAP)
      return mqs_diag_at(b->d, f, "filter: expected {topic: ..., qos: ...} or a topic, got %s",
                         mqs_node_what(f));
    bool has_topic = false;
    for (size_t k = 0; k < f->n; k++) {
      bool known;
      if (strcmp(f->keys[k]->text, "topic") == 0) {
        if (text(b, f->items[k], "topic", &subs[i].filter) < 0) return -1;
        has_topic = true;
        continue;
      }
      if (t == MQS_SUBSCRIBE && filter_options(b, f->keys[k], f->items[k], &subs[i].options,
                                               &known) < 0)
        return -1;
      if (t != MQS_SUBSCRIBE || !known)
        return mqs_diag_at(b->d, f->keys[k],
                           "unknown field '%s' in a filter (expected topic%s)", f->keys[k]->text,
                           t == MQS_SUBSCRIBE
                               ? ", qos, no_local, retain_as_published, retain_handling, options"
                               : "");
    }
    if (!has_topic) return mqs_diag_at(b->d, f, "filter: the topic is missing");
  }
  s->filters = subs;
  s->n_filters = (uint32_t)v->n;
  return 0;
}

static int fill(bx *b, const mqs_node *m, mqs_packet *p) {
  int t = p->type;
  bool has_id = false;
  const mqs_node *sub_topic = NULL;
  uint8_t sub_opts = 0;
  for (size_t i = 0; m && i < m->n; i++) {
    const mqs_node *key = m->keys[i], *v = m->items[i];
    const char *k = key->text;
    uint64_t x;
    int rc = 0;
    bool done = true;
    if (strcmp(k, "raw") == 0) continue; /* read by the loader */
    if (strcmp(k, "flags") == 0) {
      rc = number(b, v, "flags", 15, &x);
      p->flags = (uint8_t)x;
      b->has_flags = true;
    } else if (strcmp(k, "properties") == 0 && t != MQS_PINGREQ && t != MQS_PINGRESP) {
      mqs_props *pr = t == MQS_CONNECT                          ? &p->connect.props
                      : t == MQS_CONNACK                        ? &p->connack.props
                      : t == MQS_PUBLISH                        ? &p->publish.props
                      : t >= MQS_PUBACK && t <= MQS_PUBCOMP     ? &p->ack.props
                      : t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE ? &p->subscribe.props
                      : t == MQS_SUBACK || t == MQS_UNSUBACK    ? &p->suback.props
                      : t == MQS_DISCONNECT                     ? &p->disconnect.props
                                                                : &p->auth.props;
      rc = props(b, v, t, pr);
    } else if (strcmp(k, "id") == 0 && (t == MQS_PUBLISH || (t >= MQS_PUBACK && t <= MQS_UNSUBACK))) {
      rc = number(b, v, "id", 0xFFFF, &x);
      has_id = true;
      if (t == MQS_PUBLISH) p->publish.id = (uint16_t)x;
      else if (t >= MQS_PUBACK && t <= MQS_PUBCOMP) p->ack.id = (uint16_t)x;
      else if (t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE) p->subscribe.id = (uint16_t)x;
      else p->suback.id = (uint16_t)x;
    } else if (strcmp(k, "reason") == 0 &&
               (t == MQS_CONNACK || (t >= MQS_PUBACK && t <= MQS_PUBCOMP) || t == MQS_DISCONNECT ||
                t == MQS_AUTH)) {
      uint8_t r;
      rc = reason(b, v, t, &r);
      if (t == MQS_CONNACK) p->connack.reason = r;
      else if (t == MQS_DISCONNECT) p->disconnect.reason = r;
      else if (t == MQS_AUTH) p->auth.reason = r;
      else p->ack.reason = r;
    } else {
      done = false;
    }
    if (rc < 0) return -1;
    if (done) continue;
    switch (t) {
    case MQS_CONNECT: {
      mqs_connect *c = &p->connect;
      if (strcmp(k, "client_id") == 0) rc = text(b, v, k, &c->client_id);
      else if (strcmp(k, "clean_start") == 0 || strcmp(k, "clean_session") == 0)
        rc = boolean(b, v, k, &c->clean_start);
      else if (strcmp(k, "keep_alive") == 0) rc = number(b, v, k, 0xFFFF, &x), c->keep_alive = (uint16_t)x;
      else if (strcmp(k, "username") == 0) rc = text(b, v, k, &c->username);
      else if (strcmp(k, "password") == 0) rc = text(b, v, k, &c->password);
      else if (strcmp(k, "will") == 0) rc = will(b, v, c);
      else if (strcmp(k, "protocol_name") == 0) rc = text(b, v, k, &c->protocol_name);
      else if (strcmp(k, "level") == 0) rc = number(b, v, k, 255, &x), c->level = (uint8_t)x;
      else if (strcmp(k, "connect_flags") == 0) rc = number(b, v, k, 255, &x), c->flags = (uint8_t)x;
      else return unknown(b, key, t);
      break;
    }
    case MQS_CONNACK:
      if (strcmp(k, "session_present") == 0) rc = boolean(b, v, k, &p->connack.session_present);
      else if (strcmp(k, "ack_flags") == 0) rc = number(b, v, k, 255, &x), p->connack.flags = (uint8_t)x;
      else return unknown(b, key, t);
      break;
    case MQS_PUBLISH: {
      mqs_publish *pb = &p->publish;
      if (strcmp(k, "topic") == 0) rc = text(b, v, k, &pb->topic);
      else if (strcmp(k, "qos") == 0) rc = number(b, v, k, 3, &x), pb->qos = (uint8_t)x;
      else if (strcmp(k, "retain") == 0) rc = boolean(b, v, k, &pb->retain);
      else if (strcmp(k, "dup") == 0) rc = boolean(b, v, k, &pb->dup);
      else if (strcmp(k, "payload") == 0) rc = text(b, v, k, &pb->payload);
      else if (strcmp(k, "payload_hex") == 0) rc = hexbytes(b, v, k, &pb->payload);
      else return unknown(b, key, t);
      break;
    }
    case MQS_SUBSCRIBE:
    case MQS_UNSUBSCRIBE: {
      bool known = false;
      if (strcmp(k, "filters") == 0) rc = filters(b, v, t, &p->subscribe);
      else if (strcmp(k, "topic") == 0) sub_topic = v;
      else if (t == MQS_SUBSCRIBE && (rc = filter_options(b, key, v, &sub_opts, &known)) == 0 && known) {}
      else if (rc == 0) return unknown(b, key, t);
      break;
    }
    case MQS_SUBACK:
    case MQS_UNSUBACK:
      if (strcmp(k, "reasons") == 0) {
        if (v->kind != MQS_NODE_SEQ)
          return mqs_diag_at(b->d, v, "reasons: expected a list, got %s", mqs_node_what(v));
        uint8_t *rs = mqs_arena_alloc(b->c->x.a, v->n ? v->n : 1);
        if (!rs) return mqs_diag_at(b->d, v, "out of memory");
        for (size_t j = 0; j < v->n; j++)
          if (reason(b, v->items[j], t, &rs[j]) < 0) return -1;
        p->suback.reasons = rs;
        p->suback.n_reasons = (uint32_t)v->n;
      } else {
        return unknown(b, key, t);
      }
      break;
    default: return unknown(b, key, t);
    }
    if (rc < 0) return -1;
  }
  if (t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE) {
    if (sub_topic && p->subscribe.filters)
      return mqs_diag_at(b->d, sub_topic, "give either topic or filters, not both");
    if (sub_topic) {
      mqs_sub *one = mqs_arena_alloc(b->c->x.a, sizeof *one);
      if (!one) return mqs_diag_at(b->d, sub_topic, "out of memory");
      if (text(b, sub_topic, "topic", &one->filter) < 0) return -1;
      one->options = sub_opts;
      p->subscribe.filters = one;
      p->subscribe.n_filters = 1;
    } else if (sub_opts && !p->subscribe.filters) {
      return mqs_diag_at(b->d, m, "subscription options without a topic");
    }
  }
  /* Packets that need an identifier get the client's next one. */
  if (!has_id) {
    if (t == MQS_PUBLISH && p->publish.qos > 0) p->publish.id = next_id(b);
    else if (t == MQS_SUBSCRIBE || t == MQS_UNSUBSCRIBE) p->subscribe.id = next_id(b);
    else if (t >= MQS_PUBACK && t <= MQS_PUBCOMP)
      return mqs_diag_at(b->d, m, "%s: the id is missing", mqs_packet_type_key(t));
  }
  return 0;
}

static int build_packet(bx *b, const mqs_send_item *it, mqs_hexbuf *out) {
  mqs_build_ctx *c = b->c;
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = it->type;
  if (it->type == MQS_CONNECT) {
    p.connect.level = (uint8_t)c->version;
    p.connect.keep_alive = 60;
    p.connect.clean_start = true;
  }
  if (it->fields && it->fields->kind != MQS_NODE_MAP)
    return mqs_diag_at(b->d, it->fields, "%s: expected a mapping of fields (or {}), got %s",
                       mqs_packet_type_key(it->type), mqs_node_what(it->fields));
  if (fill(b, it->fields, &p) < 0) return -1;
  if (it->type == MQS_CONNECT && !p.connect.client_id.p &&
      !mqs_node_get(it->fields, "client_id")) {
    const char *cid = c->default_client_id ? c->default_client_id : "";
    p.connect.client_id = (mqs_str){(const uint8_t *)cid, (uint32_t)strlen(cid)};
  }
  /* Raw writes the fixed header nibble as given: unless the scenario gives
   * one, it is the one the fields make. Without raw the codec makes it. */
  if (b->has_flags && !it->raw)
    return mqs_diag_at(b->d, mqs_node_get(it->fields, "flags"),
                       "flags: the fixed header flags are set only with raw: true");
  if (it->raw && !b->has_flags)
    p.flags = it->type == MQS_PUBLISH
                  ? (uint8_t)((p.publish.dup ? 0x08 : 0) | (p.publish.qos & 0x03) << 1 |
                              (p.publish.retain ? 0x01 : 0))
                  : mqs_required_flags(it->type);
  unsigned flags = it->raw ? MQS_ENC_RAW : 0;
  /* The decoder checks a packet with the connection's version; a CONNECT
   * with another level is checked by its own. */
  mqs_version v = (mqs_version)c->version;
  ssize_t size = mqs_encode_size(&p, v, flags);
  if (size < 0)
    return mqs_diag_at(b->d, it->at, "%s: cannot be encoded (too large?)",
                       mqs_packet_type_key(it->type));
  size_t at = out->len;
  uint8_t zero[64] = {0};
  for (ssize_t left = size; left > 0; left -= (ssize_t)sizeof zero)
    if (mqs_hexbuf_append(out, zero, left < (ssize_t)sizeof zero ? (size_t)left : sizeof zero))
      return mqs_diag_at(b->d, it->at, "out of memory");
  mqs_violation why;
  memset(&why, 0, sizeof why);
  /* Checking with placeholders for ${variables} could refuse a packet
   * that the real values make valid: validate only what is known. */
  if (!it->raw && b->templated && !c->x.vars) flags |= MQS_ENC_RAW;
  ssize_t n = mqs_encode_ex(&p, v, flags, out->p + at, (size_t)size, &why);
  if (n < 0) {
    out->len = at;
    char vb[256];
    mqs_print_violation(&why, vb, sizeof vb);
    return mqs_diag_at(b->d, it->at,
                       "this %s breaks a rule: %s (write raw: true to send it on purpose)",
                       mqs_packet_type_key(it->type), vb);
  }
  out->len = at + (size_t)n;
  return 0;
}

int mqs_build_item(const mqs_send_item *it, mqs_build_ctx *c, mqs_hexbuf *out, mqs_diag *d) {
  bx b = {c, d, false, false};
  if (!it->is_hex) return build_packet(&b, it, out);
  mqs_str bytes;
  if (hexbytes(&b, it->hex, "hex", &bytes) < 0) return -1;
  if (mqs_hexbuf_append(out, bytes.p, bytes.len)) return mqs_diag_at(d, it->at, "out of memory");
  return 0;
}
