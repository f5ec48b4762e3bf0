/* broker/subscribe.c — SUBSCRIBE / SUBACK and UNSUBSCRIBE / UNSUBACK (3.8
 * to 3.11): feature switches and ACLs decide each filter's reason code;
 * retained messages follow the SUBACK as Retain Handling says. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
  mqs_broker *b;
  mqs_session *s;
  uint8_t granted;
  uint32_t sub_id;
} retained_delivery;

/* Retained messages are sent with RETAIN 1 (MQTT-3.3.1-9 / 3.1.1 MQTT-3.3.1-8). */
static void deliver_retained(mqs_msg *m, void *arg) {
  retained_delivery *d = arg;
  uint8_t qos = m->qos < d->granted ? m->qos : d->granted;
  session_enqueue(d->b, d->s, m, qos, true, &d->sub_id, d->sub_id ? 1 : 0);
}

static bool has_wildcard(const uint8_t *f, size_t len) {
  return memchr(f, '+', len) || memchr(f, '#', len);
}

/* The SUBACK code for one filter, after subscribing when it is granted. */
static uint8_t subscribe_one(mqs_client *c, const mqs_sub *f, uint32_t sub_id) {
  mqs_broker *b = c->b;
  mqs_session *s = c->session;
  bool v5 = c->version == MQS_V5;
  const uint8_t *gname, *rest = f->filter.p;
  size_t gl, rl = f->filter.len;
  bool shared = mqs_topic_share_split(f->filter.p, f->filter.len, &gname, &gl, &rest, &rl);
  if (shared && !v5) {
    /* 3.1.1 has no shared subscriptions; the decoder took "$share/..." as a
     * plain filter. Accept it as shared when it has the 5.0 form. */
    size_t bad;
    if (mqs_topic_filter_check(f->filter.p, f->filter.len, true, &bad, NULL)) return 0x80;
  }
  if (shared && !b->cfg.shared_available) return v5 ? 0x9E : 0x80;
  if (!b->cfg.wildcard_available && has_wildcard(rest, rl)) return v5 ? 0xA2 : 0x80;
  if (topic_levels(rest, rl) > b->cfg.max_topic_levels) return v5 ? 0x8F : 0x80;
  if (!mqs_acl_allows(b->cfg.acl, c->username, c->username_len, s->id, s->id_len, rest, rl,
                      MQS_ACL_READ))
    return v5 ? 0x87 : 0x80;
  uint8_t want = MQS_SUBOPT_QOS(f->options);
  uint8_t granted = want < b->cfg.max_qos ? want : b->cfg.max_qos;
  uint8_t options = (uint8_t)((f->options & ~0x03) | granted);
  if (!v5) options = granted; /* 3.1.1 has no other option bits */
  bool existed = false;
  /* Check the quota only for a new subscription; replacing one is free. */
  bool is_new = true;
  for (uint32_t i = 0; i < s->n_subs; i++) {
    if (s->subs[i]->filter_len == f->filter.len &&
        memcmp(s->subs[i]->filter, f->filter.p, f->filter.len) == 0) {
      is_new = false;
      break;
    }
  }
  if (is_new && s->n_subs >= b->cfg.max_subs_per_client) return v5 ? 0x97 : 0x80;
  if (subs_add(b, s, f->filter.p, f->filter.len, options, sub_id, &existed)) return 0x80;
  uint8_t rh = v5 ? MQS_SUBOPT_RETAIN_HANDLING(f->options) : 0;
  /* No retained messages for a shared subscription (4.8.2). */
  if (!shared && (rh == 0 || (rh == 1 && !existed))) {
    retained_delivery d = {b, s, granted, sub_id};
    retain_match(b, rest, rl, deliver_retained, &d);
  }
  return granted;
}

int handle_subscribe(mqs_client *c, const mqs_packet *p) {
  mqs_broker *b = c->b;
  const mqs_subscribe *k = &p->subscribe;
  bool v5 = c->version == MQS_V5;
  uint32_t sub_id = 0;
  if (v5 && k->props.n_sub_id) {
    if (!b->cfg.sub_id_available) { /* 3.8.2.1.2: Subscription Identifiers not supported */
      client_fail(c, 0xA1, "subscription identifiers are not supported");
      return MQS_EPROTOCOL;
    }
    uint32_t cur = 0;
    mqs_props_next_sub_id(&k->props, &cur, &sub_id);
  }
  uint8_t *reasons = malloc(k->n_filters ? k->n_filters : 1);
  if (!reasons) return MQS_ENOMEM;
  uint32_t cur = 0, i = 0;
  mqs_sub f;
  while (i < k->n_filters && mqs_sub_next(k, &cur, &f))
    reasons[i++] = subscribe_one(c, &f, sub_id);
  mqs_packet a;
  memset(&a, 0, sizeof a);
  a.type = MQS_SUBACK;
  a.suback.id = k->id;
  a.suback.n_reasons = i;
  a.suback.reasons = reasons;
  int rc = client_send(c, &a);
  free(reasons);
  session_wake(c->session); /* retained messages may be waiting */
  return rc == MQS_ETOOLARGE ? 0 : rc;
}

int handle_unsubscribe(mqs_client *c, const mqs_packet *p) {
  const mqs_subscribe *k = &p->subscribe;
  bool v5 = c->version == MQS_V5;
  uint8_t *reasons = malloc(k->n_filters ? k->n_filters : 1);
  if (!reasons) return MQS_ENOMEM;
  uint32_t cur = 0, i = 0;
  mqs_sub f;
  while (i < k->n_filters && mqs_sub_next(k, &cur, &f)) {
    bool had = subs_remove(c->b, c->session, f.filter.p, f.filter.len);
    reasons[i++] = had ? 0x00 : 0x11; /* No subscription existed */
  }
  mqs_packet a;
  memset(&a, 0, sizeof a);
  a.type = MQS_UNSUBACK;
  a.suback.id = k->id;
  if (v5) {
    a.suback.n_reasons = i;
    a.suback.reasons = reasons;
  }
  int rc = client_send(c, &a);
  free(reasons);
  return rc == MQS_ETOOLARGE ? 0 : rc;
}
