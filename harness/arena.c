/* harness/arena.c — the bump allocator of arena.h. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mqs_arena_chunk {
  mqs_arena_chunk *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
};

/* Big enough that a scenario file needs a handful of chunks. */
#define CHUNK_MIN 16384

static size_t round_up(size_t n) {
  size_t a = alignof(max_align_t);
  return (n + a - 1) / a * a;
}

void *mqs_arena_alloc(mqs_arena *a, size_t n) {
  if (n > SIZE_MAX / 2) return NULL;
  n = round_up(n ? n : 1);
  mqs_arena_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->used = 0;
    c->cap = cap;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *mqs_arena_strndup(mqs_arena *a, const char *s, size_t n) {
  char *p = mqs_arena_alloc(a, n + 1);
  if (p && n) memcpy(p, s, n);
  return p;
}

void mqs_arena_reset(mqs_arena *a) {
  mqs_arena_chunk *c = a->head;
  if (!c) return;
  /* Keep the oldest chunk (the first one made, usually the right size). */
  while (c->next) {
    mqs_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  c->used = 0;
  a->head = c;
}

void mqs_arena_free(mqs_arena *a) {
  mqs_arena_chunk *c = a->head;
  while (c) {
    mqs_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}
