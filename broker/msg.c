/* broker/msg.c — application messages: one allocation holding the topic,
 * payload and the properties that travel with the message (4.1: Payload
 * Format Indicator, Message Expiry, Content Type, Response Topic,
 * Correlation Data, User Properties in order). Reference counted. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Copy s into *w and point d at the copy; absent stays absent. */
static void put(uint8_t **w, mqs_str *d, const mqs_str *s) {
  if (!s->p) {
    d->p = NULL;
    d->len = 0;
    return;
  }
  if (s->len) memcpy(*w, s->p, s->len);
  d->p = *w;
  d->len = s->len;
  *w += s->len;
}

static const mqs_str absent = {NULL, 0};

mqs_msg *msg_new(const mqs_str *topic, const mqs_str *payload, uint8_t qos, bool retain,
                 const mqs_props *props, uint64_t origin, uint64_t now) {
  size_t bytes = (size_t)topic->len + payload->len;
  uint32_t n_user = 0;
  if (props) {
    bytes +=
        (size_t)props->content_type.len + props->response_topic.len + props->correlation_data.len;
    uint32_t cur = 0;
    mqs_str_pair kv;
    while (mqs_props_next_user(props, &cur, &kv)) {
      bytes += (size_t)kv.key.len + kv.value.len;
      n_user++;
    }
  }
  size_t head = sizeof(mqs_msg) + n_user * sizeof(mqs_str_pair);
  mqs_msg *m = malloc(head + bytes + 1);
  if (!m) return NULL;
  memset(m, 0, sizeof *m);
  m->refs = 1;
  m->qos = qos;
  m->retain = retain;
  m->origin = origin;
  m->size = head + bytes;
  m->user = n_user ? (mqs_str_pair *)(m + 1) : NULL;
  m->n_user = n_user;
  uint8_t *w = (uint8_t *)m + head;
  /* An empty topic or payload must still be "present": point at the end. */
  mqs_str t = *topic, pl = *payload;
  if (!t.p) t.p = (const uint8_t *)"";
  if (!pl.p) pl.p = (const uint8_t *)"";
  put(&w, &m->topic, &t);
  put(&w, &m->payload, &pl);
  if (props) {
    put(&w, &m->content_type,
        mqs_props_has(props, MQS_PROP_CONTENT_TYPE) ? &props->content_type : &absent);
    put(&w, &m->response_topic,
        mqs_props_has(props, MQS_PROP_RESPONSE_TOPIC) ? &props->response_topic : &absent);
    put(&w, &m->correlation_data,
        mqs_props_has(props, MQS_PROP_CORRELATION_DATA) ? &props->correlation_data : &absent);
    uint32_t cur = 0, i = 0;
    mqs_str_pair kv;
    while (i < n_user && mqs_props_next_user(props, &cur, &kv)) {
      put(&w, &m->user[i].key, &kv.key);
      put(&w, &m->user[i].value, &kv.value);
      i++;
    }
    if (mqs_props_has(props, MQS_PROP_PAYLOAD_FORMAT)) {
      m->has_payload_format = true;
      m->payload_format = props->payload_format;
    }
    if (mqs_props_has(props, MQS_PROP_MESSAGE_EXPIRY)) {
      m->has_expiry = true;
      m->expiry_s = props->message_expiry;
      m->expire_at = now + (uint64_t)props->message_expiry * 1000;
    }
  }
  return m;
}

mqs_msg *msg_ref(mqs_msg *m) {
  m->refs++;
  return m;
}

void msg_unref(mqs_msg *m) {
  if (m && --m->refs == 0) free(m);
}

mqs_msg *msg_with_retain(mqs_msg *m, bool retain, uint64_t now) {
  if (m->retain == retain) return msg_ref(m);
  mqs_props p = {0};
  mqs_str_pair *user = m->user;
  p.user = user;
  p.n_user = m->n_user;
  if (m->content_type.p) {
    p.present |= MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE);
    p.content_type = m->content_type;
  }
  if (m->response_topic.p) {
    p.present |= MQS_PROP_BIT(MQS_PROP_RESPONSE_TOPIC);
    p.response_topic = m->response_topic;
  }
  if (m->correlation_data.p) {
    p.present |= MQS_PROP_BIT(MQS_PROP_CORRELATION_DATA);
    p.correlation_data = m->correlation_data;
  }
  if (m->has_payload_format) {
    p.present |= MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT);
    p.payload_format = m->payload_format;
  }
  mqs_msg *c = msg_new(&m->topic, &m->payload, m->qos, retain, &p, m->origin, now);
  if (c) {
    c->has_expiry = m->has_expiry;
    c->expiry_s = m->expiry_s;
    c->expire_at = m->expire_at;
  }
  return c;
}

bool msg_expired(const mqs_msg *m, uint64_t now) { return m->has_expiry && now >= m->expire_at; }

uint32_t msg_expiry_left(const mqs_msg *m, uint64_t now) {
  if (now >= m->expire_at) return 0;
  uint64_t s = (m->expire_at - now + 999) / 1000;
  return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}
