/* broker/retain.c — retained messages (3.3.1.3): at most one per topic, in
 * a tree of topic levels, so a wildcard subscription visits only the
 * branches its filter can match. */
#include <stdlib.h>

#include "internal.h"

int retain_store(mqs_broker *b, mqs_msg *m) {
  const uint8_t *t = m->topic.p, *end = t + m->topic.len, *lvl;
  size_t ll;
  if (m->payload.len == 0) { /* delete (MQTT-3.3.1-6, -7) */
    tnode *n = b->retain_root;
    while (n && topic_next_level(&t, end, &lvl, &ll))
      n = tree_find(n, lvl, ll, b->seed);
    if (n && n->retained) {
      msg_unref(n->retained);
      n->retained = NULL;
      b->st.retained--;
      tree_prune(n);
    }
    return 0;
  }
  tnode *n = b->retain_root;
  while (topic_next_level(&t, end, &lvl, &ll)) {
    tnode *k = tree_child(n, lvl, ll, b->seed);
    if (!k) {
      tree_prune(n);
      return MQS_ENOMEM;
    }
    n = k;
  }
  if (!n->retained && b->st.retained >= b->cfg.max_retained) {
    tree_prune(n);
    blog(b, MQS_LOG_WARN, "retained store full (%u): not storing a new topic", b->cfg.max_retained);
    return 0;
  }
  if (n->retained)
    msg_unref(n->retained);
  else
    b->st.retained++;
  n->retained = msg_ref(m);
  return 0;
}

typedef struct {
  mqs_broker *b;
  void (*fn)(mqs_msg *m, void *arg);
  void *arg;
} visit;

/* Deliver n's message if it is live; an expired one is dropped here. */
static void take(visit *v, tnode *n) {
  if (!n->retained) return;
  if (msg_expired(n->retained, v->b->now)) {
    msg_unref(n->retained);
    n->retained = NULL;
    v->b->st.retained--;
    return; /* pruned by the caller, once the walk is done with n */
  }
  v->fn(n->retained, v->arg);
}

/* Everything at and below n ('#'); skip_dollar at the root (4.7.2). */
static void all_below(visit *v, tnode *n, bool skip_dollar) {
  take(v, n);
  uint32_t bk = 0;
  for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k)) {
    if (skip_dollar && k->len && k->name[0] == '$') continue;
    all_below(v, k, false);
  }
}

static void walk(visit *v, tnode *n, const uint8_t *f, const uint8_t *end, bool root) {
  const uint8_t *lvl;
  size_t ll;
  if (!topic_next_level(&f, end, &lvl, &ll)) {
    take(v, n);
    return;
  }
  if (ll == 1 && lvl[0] == '#') {
    /* "a/#" matches "a" itself and everything below. */
    if (!root) take(v, n);
    uint32_t bk = 0;
    for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k)) {
      if (root && k->len && k->name[0] == '$') continue;
      all_below(v, k, false);
    }
    return;
  }
  if (ll == 1 && lvl[0] == '+') {
    uint32_t bk = 0;
    for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k)) {
      if (root && k->len && k->name[0] == '$') continue;
      walk(v, k, f, end, false);
    }
    return;
  }
  tnode *k = tree_find(n, lvl, ll, v->b->seed);
  if (k) walk(v, k, f, end, false);
}

void retain_match(mqs_broker *b, const uint8_t *filter, size_t len,
                  void (*fn)(mqs_msg *m, void *arg), void *arg) {
  visit v = {b, fn, arg};
  walk(&v, b->retain_root, filter, filter + len, true);
  /* Expired messages were unlinked during the walk; their empty nodes go
   * at the next sweep, so the walk never frees a node it stands on. */
}

/* Drop expired messages; nodes are not touched, so the walk is safe. */
static void drop_expired(mqs_broker *b, tnode *n) {
  if (n->retained && msg_expired(n->retained, b->now)) {
    msg_unref(n->retained);
    n->retained = NULL;
    b->st.retained--;
  }
  uint32_t bk = 0;
  for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k))
    drop_expired(b, k);
}

void retain_sweep(mqs_broker *b) {
  drop_expired(b, b->retain_root);
  tree_prune_empty(b->retain_root);
}

static void unref_all(tnode *n) {
  if (n->retained) msg_unref(n->retained);
  n->retained = NULL;
  uint32_t bk = 0;
  for (tnode *k = tree_next_kid(n, &bk, NULL); k; k = tree_next_kid(n, &bk, k))
    unref_all(k);
}

void retain_free_all(mqs_broker *b) {
  if (!b->retain_root) return;
  unref_all(b->retain_root);
  tree_free(b->retain_root);
  b->retain_root = NULL;
  b->st.retained = 0;
}
