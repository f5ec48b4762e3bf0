/* broker/invariants.c — mqs_broker_check_invariants: what must hold
 * between any two calls into the core, checked the slow, obvious way, for
 * the tests and the fuzzer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct {
  char *why;
  size_t cap;
} report;

__attribute__((format(printf, 2, 3))) static int broken(report *r, const char *fmt, ...) {
  if (r->why && r->cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, r->cap, fmt, ap);
    va_end(ap);
  }
  return MQS_EINVAL;
}

static int check_list(report *r, const mqs_session *s, const qlist *l, const char *name) {
  uint32_t n = 0;
  const qitem *prev = NULL;
  for (const qitem *q = l->head; q; q = q->next) {
    if (q->prev != prev) return broken(r, "session %s: %s list links broken", s->id, name);
    if (q->qos > 2 || q->qos > q->msg->qos)
      return broken(r, "session %s: %s QoS %u", s->id, name, q->qos);
    if (q->msg->refs == 0) return broken(r, "session %s: %s holds a freed message", s->id, name);
    prev = q;
    if (++n > l->count) break;
  }
  if (n != l->count || l->tail != prev)
    return broken(r, "session %s: %s count %u but %u linked", s->id, name, l->count, n);
  return 0;
}

static int check_session(report *r, const mqs_broker *b, const mqs_session *s) {
  int rc;
  if ((rc = check_list(r, s, &s->queue, "queue")) ||
      (rc = check_list(r, s, &s->inflight, "inflight")))
    return rc;
  if (s->queue.count > b->cfg.max_queued)
    return broken(r, "session %s: %u queued, limit %u", s->id, s->queue.count, b->cfg.max_queued);
  uint64_t bytes = 0;
  uint32_t qos0 = 0;
  for (const qitem *q = s->queue.head; q; q = q->next) {
    bytes += q->msg->topic.len + q->msg->payload.len;
    if (q->qos == 0) qos0++;
    if (q->state != Q_WAITING)
      return broken(r, "session %s: queued item in state %u", s->id, q->state);
  }
  if (bytes != s->queued_bytes || qos0 != s->queued_qos0)
    return broken(r, "session %s: queue accounting %llu/%u, actual %llu/%u", s->id,
                  (unsigned long long)s->queued_bytes, s->queued_qos0, (unsigned long long)bytes,
                  qos0);
  if (bytes > b->cfg.max_queued_bytes)
    return broken(r, "session %s: %llu bytes queued", s->id, (unsigned long long)bytes);
  if (!s->client && qos0) return broken(r, "session %s: offline with QoS 0 queued", s->id);
  if (s->inflight.count > s->inflight_cap)
    return broken(r, "session %s: %u inflight above the window %u", s->id, s->inflight.count,
                  s->inflight_cap);
  if (s->inflight.count != s->out_ids.count)
    return broken(r, "session %s: %u inflight, %u identifiers", s->id, s->inflight.count,
                  s->out_ids.count);
  for (const qitem *q = s->inflight.head; q; q = q->next) {
    if (q->qos == 0 || q->id == 0 || idtab_get(&s->out_ids, q->id) != q)
      return broken(r, "session %s: inflight identifier %u not indexed", s->id, q->id);
    if (q->state != Q_SENT && q->state != Q_RELEASED)
      return broken(r, "session %s: inflight item in state %u", s->id, q->state);
  }
  if (s->in_qos2.count > b->cfg.receive_max)
    return broken(r, "session %s: %u inbound QoS 2 above Receive Maximum %u", s->id,
                  s->in_qos2.count, b->cfg.receive_max);
  if (s->n_subs > b->cfg.max_subs_per_client)
    return broken(r, "session %s: %u subscriptions", s->id, s->n_subs);
  for (uint32_t i = 0; i < s->n_subs; i++) {
    const sub *x = s->subs[i];
    if (x->s != s) return broken(r, "session %s: subscription of another session", s->id);
    const sub *const *v =
        x->group ? (const sub *const *)x->group->members : (const sub *const *)x->node->subs;
    uint32_t n = x->group ? x->group->n : x->node->n_subs;
    if (x->idx >= n || v[x->idx] != x)
      return broken(r, "session %s: subscription %.*s not in the tree", s->id, (int)x->filter_len,
                    x->filter);
  }
  if (s->client && s->client->session != s)
    return broken(r, "session %s: client points elsewhere", s->id);
  if (s->client && s->client->state != C_CONNECTED && s->client->state != C_CLOSING)
    return broken(r, "session %s: client in state %d", s->id, s->client->state);
  return 0;
}

static uint64_t count_tree_subs(const tnode *n, uint32_t depth, bool *deep) {
  if (depth > 70000) {
    *deep = true;
    return 0;
  }
  uint64_t total = n->n_subs;
  for (const shgroup *g = n->groups; g; g = g->next)
    total += g->n;
  uint32_t bk = 0;
  for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k))
    total += count_tree_subs(k, depth + 1, deep);
  return total;
}

static uint64_t count_retained(const tnode *n) {
  uint64_t total = n->retained ? 1 : 0;
  uint32_t bk = 0;
  for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k))
    total += count_retained(k);
  return total;
}

int mqs_broker_check_invariants(const mqs_broker *b, char *why, size_t whycap) {
  report r = {why, whycap};
  if (why && whycap) why[0] = 0;
  uint32_t clients = 0, connected = 0;
  for (const mqs_client *c = b->clients; c; c = c->next) {
    clients++;
    if (c->counted) connected++;
    if (c->counted && !c->session)
      return broken(&r, "client %s: counted as connected without a session", c->peer);
    if (c->session && c->session->client != c)
      return broken(&r, "client %s: its session belongs to another", c->peer);
    if (c->state == C_CONNECTED && !c->session)
      return broken(&r, "client %s: connected without a session", c->peer);
    if (bbuf_pending(&c->in) > b->cfg.max_packet_size)
      return broken(&r, "client %s: %zu input bytes buffered", c->peer, bbuf_pending(&c->in));
    /* Control output stops growing once input is paused; allow one read's
     * worth of answers past the bound (each packet's answer is smaller than
     * the packet, and a read is at most the packet size limit). */
    size_t out_limit = (size_t)b->cfg.max_output_bytes + MQS_OUT_CHUNK + b->cfg.max_packet_size +
                       (size_t)b->cfg.max_packet_size;
    if (bbuf_pending(&c->out) > out_limit)
      return broken(&r, "client %s: %zu output bytes", c->peer, bbuf_pending(&c->out));
    if (c->alias_out_used > c->peer_alias_max)
      return broken(&r, "client %s: %u outbound aliases, maximum %u", c->peer, c->alias_out_used,
                    c->peer_alias_max);
    if (c->alias_out.count != c->alias_out_used)
      return broken(&r, "client %s: alias map holds %zu, used %u", c->peer, c->alias_out.count,
                    c->alias_out_used);
  }
  if (clients != b->n_clients)
    return broken(&r, "%u clients linked, %u counted", clients, b->n_clients);
  if (connected != b->st.clients_connected)
    return broken(&r, "%u connected, statistics say %llu", connected,
                  (unsigned long long)b->st.clients_connected);
  size_t bk = 0;
  smap_ent *e = NULL;
  uint64_t subs = 0;
  size_t sessions = 0;
  while ((e = smap_next(&b->sessions, &bk, &e))) {
    const mqs_session *s = e->val;
    sessions++;
    if (e->key != (const uint8_t *)s->id || e->klen != s->id_len)
      return broken(&r, "session %s: stored under another key", s->id);
    int rc = check_session(&r, b, s);
    if (rc) return rc;
    subs += s->n_subs;
  }
  if (sessions > b->cfg.max_sessions)
    return broken(&r, "%zu sessions, limit %u", sessions, b->cfg.max_sessions);
  if (sessions != b->st.clients_total)
    return broken(&r, "%zu sessions, statistics say %llu", sessions,
                  (unsigned long long)b->st.clients_total);
  bool deep = false;
  uint64_t in_tree = count_tree_subs(b->subs_root, 0, &deep);
  if (deep) return broken(&r, "subscription tree deeper than any topic");
  if (in_tree != subs || subs != b->st.subscriptions)
    return broken(&r, "subscriptions: %llu in sessions, %llu in the tree, %llu counted",
                  (unsigned long long)subs, (unsigned long long)in_tree,
                  (unsigned long long)b->st.subscriptions);
  uint64_t retained = count_retained(b->retain_root);
  if (retained != b->st.retained || retained > b->cfg.max_retained)
    return broken(&r, "retained: %llu stored, %llu counted, limit %u", (unsigned long long)retained,
                  (unsigned long long)b->st.retained, b->cfg.max_retained);
  return 0;
}
