/* broker/tree.c — a tree of topic levels with hashed children, shared by
 * the subscription index and the retained store. A node lives while it
 * holds something or has children; tree_prune frees it otherwise. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t level_hash(const uint8_t *p, size_t n, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h ^ (h >> 29) ^ (h >> 47);
}

tnode *tree_root(void) { return calloc(1, sizeof(tnode)); }

tnode *tree_find(const tnode *n, const uint8_t *name, size_t len, uint64_t seed) {
  if (!n->nbuckets) return NULL;
  uint64_t h = level_hash(name, len, seed);
  for (tnode *k = n->kids[h & (n->nbuckets - 1)]; k; k = k->hnext)
    if (k->hash == h && k->len == len && memcmp(k->name, name, len) == 0) return k;
  return NULL;
}

static int grow(tnode *n) {
  uint32_t nb = n->nbuckets ? n->nbuckets * 2 : 4;
  tnode **bk = calloc(nb, sizeof *bk);
  if (!bk) return MQS_ENOMEM;
  for (uint32_t i = 0; i < n->nbuckets; i++) {
    tnode *k = n->kids[i];
    while (k) {
      tnode *next = k->hnext;
      k->hnext = bk[k->hash & (nb - 1)];
      bk[k->hash & (nb - 1)] = k;
      k = next;
    }
  }
  free(n->kids);
  n->kids = bk;
  n->nbuckets = nb;
  return 0;
}

tnode *tree_child(tnode *n, const uint8_t *name, size_t len, uint64_t seed) {
  tnode *k = tree_find(n, name, len, seed);
  if (k) return k;
  if (len > UINT16_MAX) return NULL;
  if (n->nkids >= n->nbuckets && grow(n)) return NULL;
  k = calloc(1, sizeof *k + len + 1);
  if (!k) return NULL;
  k->parent = n;
  k->hash = level_hash(name, len, seed);
  k->len = (uint16_t)len;
  if (len) memcpy(k->name, name, len);
  uint32_t j = (uint32_t)(k->hash & (n->nbuckets - 1));
  k->hnext = n->kids[j];
  n->kids[j] = k;
  n->nkids++;
  return k;
}

static bool node_empty(const tnode *n) {
  return !n->nkids && !n->n_subs && !n->groups && !n->retained;
}

void tree_prune(tnode *n) {
  while (n->parent && node_empty(n)) {
    tnode *p = n->parent;
    tnode **pk = &p->kids[n->hash & (p->nbuckets - 1)];
    while (*pk != n)
      pk = &(*pk)->hnext;
    *pk = n->hnext;
    p->nkids--;
    free(n->kids);
    free(n->subs);
    free(n);
    if (!p->nkids) {
      free(p->kids);
      p->kids = NULL;
      p->nbuckets = 0;
    }
    n = p;
  }
}

tnode *tree_next_kid(const tnode *n, uint32_t *bucket, tnode *cur) {
  if (cur && cur->hnext) return cur->hnext;
  uint32_t i = cur ? *bucket + 1 : *bucket;
  for (; i < n->nbuckets; i++) {
    if (n->kids[i]) {
      *bucket = i;
      return n->kids[i];
    }
  }
  *bucket = n->nbuckets;
  return NULL;
}

/* Post-order: children first, so a parent emptied by its children goes too. */
void tree_prune_empty(tnode *n) {
  uint32_t bk = 0;
  tnode *k = tree_next_kid(n, &bk, NULL);
  while (k) {
    tnode *next = tree_next_kid(n, &bk, k); /* before k may go */
    tree_prune_empty(k);
    if (node_empty(k)) {
      /* Unlink k alone: n is the caller's to judge. */
      tnode **pk = &n->kids[k->hash & (n->nbuckets - 1)];
      while (*pk != k)
        pk = &(*pk)->hnext;
      *pk = k->hnext;
      n->nkids--;
      free(k->kids);
      free(k->subs);
      free(k);
    }
    k = next;
  }
  if (!n->nkids && n->kids) {
    free(n->kids);
    n->kids = NULL;
    n->nbuckets = 0;
  }
}

/* Iterative, so that a deep tree cannot exhaust the stack. */
void tree_free(tnode *root) {
  if (!root) return;
  tnode *n = root;
  while (n) {
    if (n->nkids) {
      /* Detach the first child found and descend into it. */
      for (uint32_t i = 0; i < n->nbuckets; i++) {
        if (n->kids[i]) {
          tnode *k = n->kids[i];
          n->kids[i] = k->hnext;
          n->nkids--;
          n = k;
          break;
        }
      }
      continue;
    }
    tnode *p = n->parent;
    free(n->kids);
    free(n->subs);
    free(n);
    n = p;
  }
}

bool topic_next_level(const uint8_t **t, const uint8_t *end, const uint8_t **lvl, size_t *len) {
  if (!*t) return false;
  const uint8_t *slash = memchr(*t, '/', (size_t)(end - *t));
  *lvl = *t;
  if (slash) {
    *len = (size_t)(slash - *t);
    *t = slash + 1;
  } else {
    *len = (size_t)(end - *t);
    *t = NULL; /* the last level has been given */
  }
  return true;
}
