/* broker/deliver.c — routing a message to the sessions whose subscriptions
 * match, and the outbound PUBLISH flow: messages wait in the session's
 * queue and are encoded only when the network can take them, within the
 * client's Receive Maximum (4.9) and Maximum Packet Size (3.1.2.11.4). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
  mqs_session *s;
  uint8_t qos;
  bool rap;
  uint32_t first_id, n_ids;
} target;

void session_wake(mqs_session *s) {
  mqs_client *c = s->client;
  if (c && c->state == C_CONNECTED && s->b->cfg.io.wake) s->b->cfg.io.wake(c, c->user);
}

static bool online(const mqs_session *s) { return s->client && s->client->state == C_CONNECTED; }

/* One member of a shared group, round robin, preferring connected ones. */
static sub *pick_member(shgroup *g) {
  uint32_t n = g->n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t at = (g->rr + i) % n;
    if (online(g->members[at]->s)) {
      g->rr = (at + 1) % n;
      return g->members[at];
    }
  }
  sub *x = g->members[g->rr % n];
  g->rr = (g->rr + 1) % n;
  return x;
}

static bool skip(const sub *x, const mqs_msg *m) {
  return (x->options & MQS_SUBOPT_NO_LOCAL) && x->s->serial == m->origin; /* MQTT-3.8.3-3 */
}

static int grow(void **v, uint32_t *cap, uint32_t need, size_t size) {
  if (need <= *cap) return 0;
  uint32_t nc = *cap ? *cap : 16;
  while (nc < need)
    nc *= 2;
  void *nv = realloc(*v, (size_t)nc * size);
  if (!nv) return MQS_ENOMEM;
  *v = nv;
  *cap = nc;
  return 0;
}

void route(mqs_broker *b, mqs_msg *m) {
  matches *mt = &b->scratch;
  if (subs_match(b, m->topic.p, m->topic.len, mt)) {
    blog(b, MQS_LOG_ERROR, "out of memory matching a topic: message dropped");
    b->st.msgs_dropped++;
    return;
  }
  uint64_t epoch = ++b->route_epoch;
  /* Overlapping subscriptions of one session give one delivery with the
   * highest QoS and every Subscription Identifier (3.3.4). */
  uint32_t nt = 0;
  if (grow(&b->tgt, &b->tgt_cap, mt->n_subs, sizeof(target))) goto oom;
  target *tg = b->tgt;
  for (uint32_t i = 0; i < mt->n_subs; i++) {
    sub *x = mt->subs[i];
    if (skip(x, m)) continue;
    mqs_session *s = x->s;
    if (s->route_epoch != epoch) {
      s->route_epoch = epoch;
      s->route_slot = nt;
      tg[nt++] = (target){s, 0, false, 0, 0};
    }
    target *t = &tg[s->route_slot];
    if (MQS_SUBOPT_QOS(x->options) > t->qos) t->qos = MQS_SUBOPT_QOS(x->options);
    if (x->options & MQS_SUBOPT_RETAIN_AS_PUBLISHED) t->rap = true;
    if (x->sub_id) t->n_ids++;
  }
  uint32_t total = 0;
  for (uint32_t i = 0; i < nt; i++) {
    tg[i].first_id = total;
    total += tg[i].n_ids;
    tg[i].n_ids = 0;
  }
  if (grow((void **)&b->ids, &b->ids_cap, total, sizeof(uint32_t))) goto oom;
  for (uint32_t i = 0; i < mt->n_subs; i++) {
    sub *x = mt->subs[i];
    if (skip(x, m) || !x->sub_id) continue;
    target *t = &tg[x->s->route_slot];
    b->ids[t->first_id + t->n_ids++] = x->sub_id;
  }
  for (uint32_t i = 0; i < nt; i++) {
    target *t = &tg[i];
    uint8_t qos = m->qos < t->qos ? m->qos : t->qos;
    /* Retain As Published, else RETAIN 0 on a live subscription (MQTT-3.3.1-12/-13). */
    const uint32_t *ids = t->n_ids ? b->ids + t->first_id : NULL; /* b->ids may be NULL */
    if (session_enqueue(b, t->s, m, qos, t->rap && m->retain, ids, t->n_ids)) goto oom;
    session_wake(t->s);
  }
  for (uint32_t i = 0; i < mt->n_groups; i++) {
    shgroup *g = mt->groups[i];
    if (!g->n) continue;
    sub *x = pick_member(g);
    uint8_t qos = m->qos < MQS_SUBOPT_QOS(x->options) ? m->qos : MQS_SUBOPT_QOS(x->options);
    bool retain = (x->options & MQS_SUBOPT_RETAIN_AS_PUBLISHED) && m->retain;
    if (session_enqueue(b, x->s, m, qos, retain, &x->sub_id, x->sub_id ? 1 : 0)) goto oom;
    session_wake(x->s);
  }
  return;
oom:
  blog(b, MQS_LOG_ERROR, "out of memory routing a message: deliveries dropped");
  b->st.msgs_dropped++;
}

/* The PUBLISH for q as c's protocol version and limits allow. Returns 0,
 * MQS_ETOOLARGE (above c's Maximum Packet Size: dropped, as if sent,
 * MQTT-3.1.2-25) or MQS_ENOMEM. */
static int send_publish(mqs_client *c, qitem *q, bool dup) {
  mqs_broker *b = c->b;
  mqs_msg *m = q->msg;
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  mqs_publish *k = &p.publish;
  k->qos = q->qos;
  k->dup = dup;
  k->retain = q->retain;
  k->id = q->qos ? q->id : 0;
  k->topic = m->topic;
  k->payload = m->payload;
  bool v5 = c->version == MQS_V5;
  if (v5) {
    mqs_props *pr = &k->props;
    if (m->has_payload_format) {
      pr->present |= MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT);
      pr->payload_format = m->payload_format;
    }
    if (m->has_expiry) { /* the time left, not the time given (MQTT-3.3.2-6) */
      pr->present |= MQS_PROP_BIT(MQS_PROP_MESSAGE_EXPIRY);
      pr->message_expiry = msg_expiry_left(m, b->now);
    }
    if (m->content_type.p) {
      pr->present |= MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE);
      pr->content_type = m->content_type;
    }
    if (m->response_topic.p) {
      pr->present |= MQS_PROP_BIT(MQS_PROP_RESPONSE_TOPIC);
      pr->response_topic = m->response_topic;
    }
    if (m->correlation_data.p) {
      pr->present |= MQS_PROP_BIT(MQS_PROP_CORRELATION_DATA);
      pr->correlation_data = m->correlation_data;
    }
    pr->user = m->user;
    pr->n_user = m->n_user;
    if (q->n_sub_ids) {
      pr->present |= MQS_PROP_BIT(MQS_PROP_SUBSCRIPTION_ID);
      pr->sub_ids = q->sub_ids;
      pr->n_sub_id = q->n_sub_ids;
    }
    if (c->peer_alias_max && b->cfg.topic_alias_out) {
      /* Measure with both topic and alias (the largest form) before the
       * alias table learns anything the client would then never see. */
      pr->present |= MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
      pr->topic_alias = 1;
    }
  }
  ssize_t size = mqs_encode_size(&p, c->version, 0);
  if (size < 0) return MQS_EINVAL;
  uint32_t limit = c->peer_max_packet ? c->peer_max_packet : MQS_PROTOCOL_MAX_PACKET;
  if ((size_t)size > limit) return MQS_ETOOLARGE;
  if (mqs_props_has(&k->props, MQS_PROP_TOPIC_ALIAS)) {
    bool send_topic = true;
    uint16_t a = alias_out(c, &m->topic, &send_topic);
    if (a) {
      k->props.topic_alias = a;
      if (!send_topic) k->topic = (mqs_str){(const uint8_t *)"", 0};
    } else {
      k->props.present &= ~MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
    }
    size = mqs_encode_size(&p, c->version, 0);
    if (size < 0) return MQS_EINVAL;
  }
  uint8_t *w = bbuf_reserve(&c->out, (size_t)size);
  if (!w) return MQS_ENOMEM;
  ssize_t n = mqs_encode(&p, c->version, 0, w, (size_t)size);
  if (n < 0) {
    blog(b, MQS_LOG_ERROR, "cannot encode a PUBLISH to %s: %s", c->session->id,
         mqs_strerror((int)n));
    return (int)n;
  }
  bbuf_commit(&c->out, (size_t)n);
  b->st.msgs_sent++;
  return 0;
}

static int send_pubrel(mqs_client *c, uint16_t id) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBREL;
  p.ack.id = id;
  return client_send(c, &p);
}

static uint32_t window(const mqs_client *c) {
  uint32_t w = c->b->cfg.max_inflight;
  return c->peer_receive_max < w ? c->peer_receive_max : w;
}

void client_fill(mqs_client *c) {
  mqs_session *s = c->session;
  if (!s || c->state != C_CONNECTED) return;
  mqs_broker *b = c->b;
  /* Resume: what was inflight goes again first, in order (MQTT-4.4.0-1). */
  while (s->resend_next && bbuf_pending(&c->out) < MQS_OUT_CHUNK) {
    qitem *q = s->resend_next;
    s->resend_next = q->next;
    if (!q->resend) continue;
    q->resend = false;
    int rc = q->state == Q_RELEASED ? send_pubrel(c, q->id) : send_publish(c, q, true);
    if (rc == MQS_ENOMEM) return;
    if (rc) { /* cannot be sent to this client at all: give up on it */
      b->st.msgs_dropped++;
      session_inflight_done(s, q);
    }
  }
  uint32_t win = window(c);
  qitem *q;
  while ((q = s->queue.head) && bbuf_pending(&c->out) < MQS_OUT_CHUNK) {
    if (q->qos && s->inflight.count >= win) break;
    session_dequeue(s, q);
    if (msg_expired(q->msg, b->now)) { /* MQTT-3.3.2-5 */
      b->st.msgs_dropped++;
      qitem_free(q);
      continue;
    }
    if (q->qos) {
      q->id = session_next_id(s);
      q->state = Q_SENT;
      if (idtab_put(&s->out_ids, q->id, q)) {
        qitem_free(q);
        return;
      }
      qlist_push(&s->inflight, q);
    }
    int rc = send_publish(c, q, false);
    if (rc) b->st.msgs_dropped++; /* too large for this client, or no memory */
    if (!q->qos)
      qitem_free(q);
    else if (rc)
      session_inflight_done(s, q);
    if (rc == MQS_ENOMEM) return;
  }
}
