/* broker/session.c — the session store (by client identifier), and each
 * session's queue of waiting deliveries and window of inflight ones
 * (4.1: the state that outlives a connection). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

mqs_session *session_find(mqs_broker *b, const uint8_t *id, size_t len) {
  return smap_get(&b->sessions, id, len);
}

mqs_session *session_new(mqs_broker *b, const uint8_t *id, size_t len) {
  mqs_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->id = malloc(len + 1);
  if (!s->id) goto fail;
  if (len) memcpy(s->id, id, len);
  s->id[len] = 0;
  s->id_len = len;
  s->b = b;
  s->serial = ++b->next_serial;
  s->expire_at = MQS_NO_EXPIRY;
  s->next_id = 1;
  if (smap_put(&b->sessions, s->id, len, s)) goto fail;
  b->st.clients_total = b->sessions.count;
  return s;
fail:
  free(s->id);
  free(s);
  return NULL;
}

void qitem_free(qitem *q) {
  msg_unref(q->msg);
  free(q);
}

void qlist_push(qlist *l, qitem *q) {
  q->next = NULL;
  q->prev = l->tail;
  if (l->tail)
    l->tail->next = q;
  else
    l->head = q;
  l->tail = q;
  l->count++;
}

void qlist_unlink(qlist *l, qitem *q) {
  if (q->prev)
    q->prev->next = q->next;
  else
    l->head = q->next;
  if (q->next)
    q->next->prev = q->prev;
  else
    l->tail = q->prev;
  q->next = q->prev = NULL;
  l->count--;
}

static size_t qitem_bytes(const qitem *q) { return q->msg->topic.len + q->msg->payload.len; }

void session_dequeue(mqs_session *s, qitem *q) {
  qlist_unlink(&s->queue, q);
  s->queued_bytes -= qitem_bytes(q);
  if (q->qos == 0) s->queued_qos0--;
}

void session_inflight_done(mqs_session *s, qitem *q) {
  if (s->resend_next == q) s->resend_next = q->next;
  idtab_del(&s->out_ids, q->id);
  qlist_unlink(&s->inflight, q);
  qitem_free(q);
}

uint16_t session_next_id(mqs_session *s) {
  /* At most 65535 are inflight and Receive Maximum is below that, so a
   * free one exists; the search is short unless the window is huge. */
  for (uint32_t tries = 0; tries < 65535; tries++) {
    uint16_t id = s->next_id;
    s->next_id = (uint16_t)(s->next_id == 65535 ? 1 : s->next_id + 1);
    if (!idtab_get(&s->out_ids, id)) return id;
  }
  return 0;
}

void session_mark_resend(mqs_session *s) {
  for (qitem *q = s->inflight.head; q; q = q->next)
    q->resend = true;
  s->resend_next = s->inflight.head;
}

/* Drop the oldest waiting QoS 0 delivery; false when there is none. */
static bool drop_oldest_qos0(mqs_broker *b, mqs_session *s) {
  if (!s->queued_qos0) return false;
  for (qitem *q = s->queue.head; q; q = q->next) {
    if (q->qos == 0) {
      session_dequeue(s, q);
      qitem_free(q);
      b->st.msgs_dropped++;
      return true;
    }
  }
  return false;
}

int session_enqueue(mqs_broker *b, mqs_session *s, mqs_msg *m, uint8_t qos, bool retain,
                    const uint32_t *sub_ids, uint32_t n_sub_ids) {
  bool online = s->client && s->client->state == C_CONNECTED;
  if (!online && qos == 0) return 0; /* 3.1.2.4: QoS 0 need not be kept for offline sessions */
  size_t bytes = m->topic.len + m->payload.len;
  while (s->queue.count >= b->cfg.max_queued || s->queued_bytes + bytes > b->cfg.max_queued_bytes) {
    if (!drop_oldest_qos0(b, s)) {
      b->st.msgs_dropped++;
      return 0;
    }
  }
  qitem *q = malloc(sizeof *q + n_sub_ids * sizeof(uint32_t));
  if (!q) return MQS_ENOMEM;
  memset(q, 0, sizeof *q);
  q->msg = msg_ref(m);
  q->qos = qos;
  q->retain = retain;
  q->state = Q_WAITING;
  q->n_sub_ids = n_sub_ids;
  if (n_sub_ids) memcpy(q->sub_ids, sub_ids, n_sub_ids * sizeof(uint32_t));
  qlist_push(&s->queue, q);
  s->queued_bytes += bytes;
  if (qos == 0) s->queued_qos0++;
  return 0;
}

static void free_list(qlist *l) {
  qitem *q = l->head;
  while (q) {
    qitem *next = q->next;
    qitem_free(q);
    q = next;
  }
  l->head = l->tail = NULL;
  l->count = 0;
}

void session_end(mqs_broker *b, mqs_session *s) {
  /* The will goes when the session ends, if its delay has not run out yet
   * (3.1.2.5). */
  if (s->will.msg) will_publish(b, &s->will);
  subs_remove_all(b, s);
  free_list(&s->queue);
  free_list(&s->inflight);
  idtab_free(&s->out_ids);
  idtab_free(&s->in_qos2);
  smap_del(&b->sessions, s->id, s->id_len);
  b->st.clients_total = b->sessions.count;
  free(s->id);
  free(s->username);
  free(s);
}
