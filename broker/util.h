/* broker/util.h — small containers the broker core is built from: a byte
 * buffer, a string-keyed hash map, a table keyed by packet identifier, and
 * a deterministic random generator. No external dependencies. */
#ifndef MQS_BROKER_UTIL_H
#define MQS_BROKER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte queue: append at the end, consume from the front. */
typedef struct {
  uint8_t *p;
  size_t off; /* first unconsumed byte */
  size_t len; /* end of the data */
  size_t cap;
} bbuf;

static inline size_t bbuf_pending(const bbuf *b) { return b->len - b->off; }
/* NULL for a buffer never written (NULL + 0 is undefined in C). */
static inline const uint8_t *bbuf_data(const bbuf *b) { return b->p ? b->p + b->off : NULL; }
/* Room for n more bytes at the end (moving the data to the front first
 * when that frees enough): returns where to write, or NULL (ENOMEM). */
uint8_t *bbuf_reserve(bbuf *b, size_t n);
/* n bytes were written at the pointer bbuf_reserve returned. */
static inline void bbuf_commit(bbuf *b, size_t n) { b->len += n; }
int bbuf_append(bbuf *b, const void *p, size_t n);
void bbuf_consume(bbuf *b, size_t n);
/* Drop the storage when empty and larger than keep bytes (a burst should
 * not pin memory for the connection's life). */
void bbuf_shrink(bbuf *b, size_t keep);
void bbuf_free(bbuf *b);

/* A hash map from byte strings to pointers. Keys are borrowed: each must
 * stay valid (and unchanged) while it is in the map, typically because the
 * value owns it. Chained, doubling at load 1; seeded FNV-1a so that a
 * client cannot choose colliding keys without knowing the seed. */
typedef struct smap_ent {
  struct smap_ent *next;
  uint64_t hash;
  const uint8_t *key;
  size_t klen;
  void *val;
} smap_ent;

typedef struct {
  smap_ent **buckets;
  size_t nbuckets; /* 0 or a power of two */
  size_t count;
  uint64_t seed;
} smap;

void *smap_get(const smap *m, const void *key, size_t klen);
/* Insert or replace. Returns 0 or MQS_ENOMEM. */
int smap_put(smap *m, const void *key, size_t klen, void *val);
/* Remove key; returns its value or NULL. */
void *smap_del(smap *m, const void *key, size_t klen);
/* Iterate: start with *bucket = 0 and *cursor = NULL; returns the next
 * entry or NULL. The map must not change while iterating. */
smap_ent *smap_next(const smap *m, size_t *bucket, smap_ent **cursor);
void smap_free(smap *m);

/* Pointers keyed by a 16-bit packet identifier: two-level, pages of 256
 * allocated on first use, so a few identifiers cost a few kilobytes and
 * lookup is two indexings whatever the count. */
typedef struct {
  void ***pages; /* 256 page pointers, allocated on first put */
  uint32_t count;
} idtab;

void *idtab_get(const idtab *t, uint16_t id);
/* Returns 0 or MQS_ENOMEM. val must not be NULL. */
int idtab_put(idtab *t, uint16_t id, void *val);
void *idtab_del(idtab *t, uint16_t id);
void idtab_free(idtab *t);

/* xoshiro-style deterministic generator (splitmix64). */
typedef struct {
  uint64_t s;
} rng;

uint64_t rng_next(rng *r);

/* Level count of a topic name or filter ("a/b" has 2, "" has 1). */
uint32_t topic_levels(const uint8_t *t, size_t len);

#endif
