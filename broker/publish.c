/* broker/publish.c — PUBLISH from a client and the acknowledgements of
 * both flows (3.3 to 3.7, 4.3): QoS 1 answered with PUBACK, QoS 2 with
 * PUBREC / PUBREL / PUBCOMP, delivered once on first receipt and never
 * again for the same packet identifier until released. */
#include <string.h>

#include "internal.h"

static int send_ack(mqs_client *c, mqs_packet_type t, uint16_t id, uint8_t reason,
                    const char *why) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = t;
  p.ack.id = id;
  if (c->version == MQS_V5) {
    p.ack.reason = reason;
    if (reason >= 0x80) reason_string(c, &p.ack.props, why);
  }
  int rc = client_send(c, &p);
  return rc == MQS_ETOOLARGE ? 0 : rc;
}

/* A marker for identifiers in in_qos2 (the table stores non-NULL pointers). */
static void *const RECEIVED = (void *)&RECEIVED;

int handle_publish(mqs_client *c, const mqs_packet *p) {
  mqs_broker *b = c->b;
  mqs_session *s = c->session;
  const mqs_publish *k = &p->publish;
  bool v5 = c->version == MQS_V5;
  b->st.msgs_received++;

  mqs_str topic = k->topic;
  if (v5 && mqs_props_has(&k->props, MQS_PROP_TOPIC_ALIAS)) {
    int reason = alias_in(c, k, &topic);
    if (reason) {
      client_fail(c, (uint8_t)reason, "topic alias not set or out of range");
      return MQS_EPROTOCOL;
    }
  }
  if (k->qos > b->cfg.max_qos) { /* MQTT-3.2.2-11 */
    client_fail(c, 0x9B, "QoS above the Maximum QoS");
    return MQS_EPROTOCOL;
  }
  if (k->retain && !b->cfg.retain_available && v5) { /* MQTT-3.2.2-14 */
    client_fail(c, 0x9A, "retain is not available");
    return MQS_EPROTOCOL;
  }
  if (k->qos == 2) {
    if (idtab_get(&s->in_qos2, k->id)) /* a resend: acknowledge, do not deliver again */
      return send_ack(c, MQS_PUBREC, k->id, 0x00, NULL);
    if (s->in_qos2.count >= b->cfg.receive_max) { /* MQTT-3.3.4-9 */
      client_fail(c, 0x93, "Receive Maximum exceeded");
      return MQS_EPROTOCOL;
    }
  }

  uint8_t reason = 0x00;
  const char *why = NULL;
  if (topic_levels(topic.p, topic.len) > b->cfg.max_topic_levels) {
    reason = 0x90;
    why = "topic has too many levels";
  } else if (!may_publish(c, &topic)) {
    reason = 0x87;
    why = "not authorized to publish to this topic";
  } else if (v5 && (p->notes & MQS_NOTE_PAYLOAD_NOT_UTF8)) {
    reason = 0x99; /* 3.3.2.3.2: we check, so we answer */
    why = "payload is not UTF-8 as its format says";
  }
  if (reason == 0x00) {
    bool retain = k->retain && b->cfg.retain_available;
    mqs_msg *m =
        msg_new(&topic, &k->payload, k->qos, retain, v5 ? &k->props : NULL, s->serial, b->now);
    if (!m) return MQS_ENOMEM;
    int rc = retain ? retain_store(b, m) : 0;
    route(b, m);
    msg_unref(m);
    if (rc) return rc;
  } else {
    blog(b, MQS_LOG_INFO, "%s: PUBLISH to %.*s refused: %s", c->peer, (int)topic.len,
         (const char *)topic.p, why);
    b->st.msgs_dropped++;
  }
  switch (k->qos) {
  case 1: return send_ack(c, MQS_PUBACK, k->id, reason, why);
  case 2:
    /* A refusal ends the flow at PUBREC (4.3.3); success waits for PUBREL. */
    if (reason < 0x80 && idtab_put(&s->in_qos2, k->id, RECEIVED)) return MQS_ENOMEM;
    return send_ack(c, MQS_PUBREC, k->id, reason, why);
  default: return 0;
  }
}

int handle_ack(mqs_client *c, const mqs_packet *p) {
  mqs_session *s = c->session;
  uint16_t id = p->ack.id;
  bool v5 = c->version == MQS_V5;
  qitem *q;
  switch (p->type) {
  case MQS_PUBACK:
    q = idtab_get(&s->out_ids, id);
    if (q && q->qos == 1) session_inflight_done(s, q);
    return 0; /* an unknown identifier is ignored: it may be a late duplicate */
  case MQS_PUBREC:
    q = idtab_get(&s->out_ids, id);
    if (!q || q->qos != 2) /* 4.3.3: answer anyway, so the client can finish */
      return send_ack(c, MQS_PUBREL, id, v5 ? 0x92 : 0, "packet identifier not found");
    if (v5 && p->ack.reason >= 0x80) { /* the receiver refused: the flow ends here */
      session_inflight_done(s, q);
      return 0;
    }
    q->state = Q_RELEASED; /* MQTT-4.3.3-3: the message is no longer ours to resend */
    q->resend = false;
    return send_ack(c, MQS_PUBREL, id, 0x00, NULL);
  case MQS_PUBCOMP:
    q = idtab_get(&s->out_ids, id);
    if (q && q->state == Q_RELEASED) session_inflight_done(s, q);
    return 0;
  case MQS_PUBREL:
    if (idtab_del(&s->in_qos2, id)) return send_ack(c, MQS_PUBCOMP, id, 0x00, NULL);
    return send_ack(c, MQS_PUBCOMP, id, v5 ? 0x92 : 0, "packet identifier not found");
  default: return 0;
  }
}
