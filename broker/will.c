/* broker/will.c — will messages (3.1.2.5, 3.1.3.2): made from the CONNECT,
 * published when the connection ends without a DISCONNECT 0x00, after the
 * Will Delay Interval or when the session ends, whichever comes first. */
#include <string.h>

#include "internal.h"

int will_from_connect(mqs_client *c, const mqs_connect *k, willspec *out) {
  mqs_broker *b = c->b;
  bool v5 = c->version == MQS_V5;
  /* The will is published as its publisher: No Local must see the session's
   * serial, which does not exist yet; 0 means "the broker" and is fine: the
   * publisher is gone by the time its will goes out. */
  mqs_msg *m =
      msg_new(&k->will_topic, &k->will_payload, k->will_qos,
              k->will_retain && b->cfg.retain_available, v5 ? &k->will_props : NULL, 0, b->now);
  if (!m) return MQS_ENOMEM;
  out->msg = m;
  out->delay_s =
      v5 && mqs_props_has(&k->will_props, MQS_PROP_WILL_DELAY) ? k->will_props.will_delay : 0;
  out->due = 0;
  return 0;
}

void will_clear(willspec *w) {
  msg_unref(w->msg);
  w->msg = NULL;
}

void will_publish(mqs_broker *b, willspec *w) {
  mqs_msg *m = w->msg;
  w->msg = NULL;
  if (!m) return;
  /* Its Message Expiry Interval counts from publication, not from the
   * CONNECT (3.1.3.2.4); nothing else holds the message yet. */
  if (m->has_expiry) m->expire_at = b->now + (uint64_t)m->expiry_s * 1000;
  blog(b, MQS_LOG_DEBUG, "publishing will on %.*s", (int)m->topic.len, (const char *)m->topic.p);
  if (m->retain) retain_store(b, m);
  route(b, m);
  msg_unref(m);
}

void will_trigger(mqs_broker *b, mqs_session *s, willspec *w) {
  if (!w->msg) return;
  if (w->delay_s == 0) {
    will_publish(b, w);
    return;
  }
  will_clear(&s->will); /* at most one pending: the newest connection's */
  s->will = *w;
  w->msg = NULL;
  s->will.due = b->now + (uint64_t)s->will.delay_s * 1000;
  deadline_at(b, s->will.due);
}
