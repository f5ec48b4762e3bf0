/* broker/util.c — byte buffer, string map, identifier table, random numbers. */
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"

uint8_t *bbuf_reserve(bbuf *b, size_t n) {
  if (b->cap - b->len >= n) return b->p + b->len;
  /* Sliding the data to the front is cheaper than growing, when it frees enough. */
  size_t pending = b->len - b->off;
  if (b->off && b->cap - pending >= n) {
    memmove(b->p, b->p + b->off, pending);
    b->off = 0;
    b->len = pending;
    return b->p + b->len;
  }
  size_t want = pending + n;
  if (want < pending) return NULL; /* overflow */
  size_t cap = b->cap ? b->cap : 256;
  while (cap < want) {
    if (cap > SIZE_MAX / 2) return NULL;
    cap *= 2;
  }
  uint8_t *p = malloc(cap);
  if (!p) return NULL;
  if (pending) memcpy(p, b->p + b->off, pending);
  free(b->p);
  b->p = p;
  b->cap = cap;
  b->off = 0;
  b->len = pending;
  return b->p + b->len;
}

int bbuf_append(bbuf *b, const void *p, size_t n) {
  uint8_t *w = bbuf_reserve(b, n);
  if (!w) return MQS_ENOMEM;
  if (n) memcpy(w, p, n);
  b->len += n;
  return 0;
}

void bbuf_consume(bbuf *b, size_t n) {
  size_t pending = b->len - b->off;
  if (n > pending) n = pending;
  b->off += n;
  if (b->off == b->len) b->off = b->len = 0;
}

void bbuf_shrink(bbuf *b, size_t keep) {
  if (b->off == b->len && b->cap > keep) {
    free(b->p);
    b->p = NULL;
    b->cap = b->off = b->len = 0;
  }
}

void bbuf_free(bbuf *b) {
  free(b->p);
  b->p = NULL;
  b->cap = b->off = b->len = 0;
}

/* ---- string map ---- */

static uint64_t hash_bytes(uint64_t seed, const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  /* FNV's low bits mix poorly; fold the high ones in (bucket = low bits). */
  return h ^ (h >> 29) ^ (h >> 47);
}

void *smap_get(const smap *m, const void *key, size_t klen) {
  if (!m->nbuckets) return NULL;
  uint64_t h = hash_bytes(m->seed, key, klen);
  for (smap_ent *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next)
    if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) return e->val;
  return NULL;
}

static int grow(smap *m) {
  size_t nb = m->nbuckets ? m->nbuckets * 2 : 16;
  smap_ent **bk = calloc(nb, sizeof *bk);
  if (!bk) return MQS_ENOMEM;
  for (size_t i = 0; i < m->nbuckets; i++) {
    smap_ent *e = m->buckets[i];
    while (e) {
      smap_ent *next = e->next;
      size_t j = e->hash & (nb - 1);
      e->next = bk[j];
      bk[j] = e;
      e = next;
    }
  }
  free(m->buckets);
  m->buckets = bk;
  m->nbuckets = nb;
  return 0;
}

int smap_put(smap *m, const void *key, size_t klen, void *val) {
  if (m->nbuckets) {
    uint64_t h = hash_bytes(m->seed, key, klen);
    for (smap_ent *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next) {
      if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
        e->key = key; /* the new value owns the key now */
        e->val = val;
        return 0;
      }
    }
  }
  if (m->count >= m->nbuckets && grow(m)) return MQS_ENOMEM;
  smap_ent *e = malloc(sizeof *e);
  if (!e) return MQS_ENOMEM;
  e->hash = hash_bytes(m->seed, key, klen);
  e->key = key;
  e->klen = klen;
  e->val = val;
  size_t j = e->hash & (m->nbuckets - 1);
  e->next = m->buckets[j];
  m->buckets[j] = e;
  m->count++;
  return 0;
}

void *smap_del(smap *m, const void *key, size_t klen) {
  if (!m->nbuckets) return NULL;
  uint64_t h = hash_bytes(m->seed, key, klen);
  for (smap_ent **pe = &m->buckets[h & (m->nbuckets - 1)]; *pe; pe = &(*pe)->next) {
    smap_ent *e = *pe;
    if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
      void *val = e->val;
      *pe = e->next;
      free(e);
      m->count--;
      return val;
    }
  }
  return NULL;
}

smap_ent *smap_next(const smap *m, size_t *bucket, smap_ent **cursor) {
  if (*cursor && (*cursor)->next) return *cursor = (*cursor)->next;
  size_t i = *cursor ? *bucket + 1 : *bucket;
  for (; i < m->nbuckets; i++) {
    if (m->buckets[i]) {
      *bucket = i;
      return *cursor = m->buckets[i];
    }
  }
  *bucket = m->nbuckets;
  return *cursor = NULL;
}

void smap_free(smap *m) {
  for (size_t i = 0; i < m->nbuckets; i++) {
    smap_ent *e = m->buckets[i];
    while (e) {
      smap_ent *next = e->next;
      free(e);
      e = next;
    }
  }
  free(m->buckets);
  m->buckets = NULL;
  m->nbuckets = m->count = 0;
}

/* ---- identifier table ---- */

void *idtab_get(const idtab *t, uint16_t id) {
  if (!t->pages || !t->pages[id >> 8]) return NULL;
  return t->pages[id >> 8][id & 0xFF];
}

int idtab_put(idtab *t, uint16_t id, void *val) {
  if (!t->pages && !(t->pages = calloc(256, sizeof *t->pages))) return MQS_ENOMEM;
  void **page = t->pages[id >> 8];
  if (!page && !(page = t->pages[id >> 8] = calloc(256, sizeof *page))) return MQS_ENOMEM;
  if (!page[id & 0xFF]) t->count++;
  page[id & 0xFF] = val;
  return 0;
}

void *idtab_del(idtab *t, uint16_t id) {
  if (!t->pages || !t->pages[id >> 8]) return NULL;
  void *val = t->pages[id >> 8][id & 0xFF];
  if (val) {
    t->pages[id >> 8][id & 0xFF] = NULL;
    t->count--;
  }
  return val;
}

void idtab_free(idtab *t) {
  if (t->pages) {
    for (int i = 0; i < 256; i++)
      free(t->pages[i]);
    free(t->pages);
  }
  t->pages = NULL;
  t->count = 0;
}

uint64_t rng_next(rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t topic_levels(const uint8_t *t, size_t len) {
  uint32_t n = 1;
  const uint8_t *end = t + len;
  while (t < end && (t = memchr(t, '/', (size_t)(end - t)))) {
    n++;
    t++;
  }
  return n;
}
