/* broker/subs.c — the subscription index: a tree of filter levels where
 * '+' and '#' are ordinary children, so matching a topic walks one path
 * per wildcard instead of testing every filter. Shared subscriptions
 * ($share/{group}/{filter}) hang off the filter's node as groups. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int vec_push(void ***v, uint32_t *n, uint32_t *cap, void *x) {
  if (*n == *cap) {
    uint32_t nc = *cap ? *cap * 2 : 4;
    void **nv = realloc(*v, nc * sizeof *nv);
    if (!nv) return MQS_ENOMEM;
    *v = nv;
    *cap = nc;
  }
  (*v)[(*n)++] = x;
  return 0;
}

/* Remove element i by moving the last one into its place. */
static void vec_swap_remove(sub **v, uint32_t *n, uint32_t i) {
  v[i] = v[--*n];
  if (i < *n) v[i]->idx = i;
}

static sub *find_own(const mqs_session *s, const uint8_t *f, size_t len, uint32_t *at) {
  for (uint32_t i = 0; i < s->n_subs; i++) {
    sub *x = s->subs[i];
    if (x->filter_len == len && memcmp(x->filter, f, len) == 0) {
      if (at) *at = i;
      return x;
    }
  }
  return NULL;
}

static tnode *node_for(mqs_broker *b, const uint8_t *f, size_t len) {
  tnode *n = b->subs_root;
  const uint8_t *t = f, *end = f + len, *lvl;
  size_t ll;
  while (n && topic_next_level(&t, end, &lvl, &ll))
    n = tree_child(n, lvl, ll, b->seed);
  return n;
}

static shgroup *group_for(tnode *n, const uint8_t *name, size_t len) {
  for (shgroup *g = n->groups; g; g = g->next)
    if (g->len == len && memcmp(g->name, name, len) == 0) return g;
  shgroup *g = calloc(1, sizeof *g + len + 1);
  if (!g) return NULL;
  g->node = n;
  g->len = (uint16_t)len;
  memcpy(g->name, name, len);
  g->next = n->groups;
  n->groups = g;
  return g;
}

static void group_free_if_empty(shgroup *g) {
  if (g->n) return;
  shgroup **pg = &g->node->groups;
  while (*pg != g)
    pg = &(*pg)->next;
  *pg = g->next;
  free(g->members);
  free(g);
}

/* Take x out of its node or group, and prune what is left empty. */
static void unlink_sub(mqs_broker *b, sub *x) {
  tnode *n = x->node;
  if (x->group) {
    shgroup *g = x->group;
    vec_swap_remove(g->members, &g->n, x->idx);
    if (g->rr >= g->n) g->rr = 0;
    group_free_if_empty(g);
  } else {
    vec_swap_remove(n->subs, &n->n_subs, x->idx);
  }
  tree_prune(n);
  b->st.subscriptions--;
}

int subs_add(mqs_broker *b, mqs_session *s, const uint8_t *filter, size_t len, uint8_t options,
             uint32_t sub_id, bool *existed) {
  sub *old = find_own(s, filter, len, NULL);
  *existed = old != NULL;
  if (old) { /* 3.8.4: replace the options, keep the place */
    old->options = options;
    old->sub_id = sub_id;
    return 0;
  }
  if (len > UINT16_MAX) return MQS_EINVAL;
  const uint8_t *gname = NULL, *rest = filter;
  size_t gl = 0, rl = len;
  bool shared = mqs_topic_share_split(filter, len, &gname, &gl, &rest, &rl);
  sub *x = calloc(1, sizeof *x + len + 1);
  if (!x) return MQS_ENOMEM;
  x->s = s;
  x->options = options;
  x->sub_id = sub_id;
  x->filter_len = (uint16_t)len;
  memcpy(x->filter, filter, len);
  tnode *n = node_for(b, rest, rl);
  if (!n) goto fail;
  x->node = n;
  if (vec_push((void ***)&s->subs, &s->n_subs, &s->cap_subs, x)) goto fail_node;
  if (shared) {
    shgroup *g = group_for(n, gname, gl);
    if (!g) goto fail_own;
    x->group = g;
    x->idx = g->n;
    if (vec_push((void ***)&g->members, &g->n, &g->cap, x)) {
      group_free_if_empty(g);
      goto fail_own;
    }
  } else {
    x->idx = n->n_subs;
    if (vec_push((void ***)&n->subs, &n->n_subs, &n->cap_subs, x)) goto fail_own;
  }
  b->st.subscriptions++;
  return 0;
fail_own:
  s->n_subs--;
fail_node:
  tree_prune(n);
fail:
  free(x);
  return MQS_ENOMEM;
}

bool subs_remove(mqs_broker *b, mqs_session *s, const uint8_t *filter, size_t len) {
  uint32_t at;
  sub *x = find_own(s, filter, len, &at);
  if (!x) return false;
  unlink_sub(b, x);
  /* Keep the session's list in subscription order (it is small). */
  memmove(&s->subs[at], &s->subs[at + 1], (s->n_subs - at - 1) * sizeof *s->subs);
  s->n_subs--;
  free(x);
  return true;
}

void subs_remove_all(mqs_broker *b, mqs_session *s) {
  for (uint32_t i = 0; i < s->n_subs; i++) {
    unlink_sub(b, s->subs[i]);
    free(s->subs[i]);
  }
  free(s->subs);
  s->subs = NULL;
  s->n_subs = s->cap_subs = 0;
}

static int collect(matches *m, const tnode *n) {
  for (uint32_t i = 0; i < n->n_subs; i++)
    if (vec_push((void ***)&m->subs, &m->n_subs, &m->cap_subs, n->subs[i])) return MQS_ENOMEM;
  for (shgroup *g = n->groups; g; g = g->next)
    if (vec_push((void ***)&m->groups, &m->n_groups, &m->cap_groups, g)) return MQS_ENOMEM;
  return 0;
}

/* Walk n with the levels left in [t, end) (t NULL: none left). Recursion
 * depth is bounded by max_topic_levels, checked before routing. */
static int walk(mqs_broker *b, const tnode *n, const uint8_t *t, const uint8_t *end, bool root,
                matches *m) {
  const uint8_t *lvl;
  size_t ll;
  /* "#" matches the parent level too (4.7.1.2), and a '$' topic is not
   * matched by a wildcard at its first level (4.7.2). */
  bool dollar = root && t && t < end && *t == '$';
  const tnode *k;
  if (!dollar && (k = tree_find(n, (const uint8_t *)"#", 1, b->seed)) && collect(m, k))
    return MQS_ENOMEM;
  if (!topic_next_level(&t, end, &lvl, &ll)) return collect(m, n);
  if (!dollar && (k = tree_find(n, (const uint8_t *)"+", 1, b->seed)) &&
      walk(b, k, t, end, false, m))
    return MQS_ENOMEM;
  if ((k = tree_find(n, lvl, ll, b->seed)) && walk(b, k, t, end, false, m)) return MQS_ENOMEM;
  return 0;
}

int subs_match(mqs_broker *b, const uint8_t *topic, size_t len, matches *m) {
  m->n_subs = m->n_groups = 0;
  return walk(b, b->subs_root, topic, topic + len, true, m);
}

void matches_free(matches *m) {
  free(m->subs);
  free(m->groups);
  memset(m, 0, sizeof *m);
}
